-- The weather per place, kept a short time (cloud/weather_cache.py): the provider is asked at
-- most once per place per TTL, whoever asks, and the device's own forecast is pushed from here.
CREATE TABLE weather_places (
    query text PRIMARY KEY,                 -- a place name as said, lower case ("lisbon")
    name text NOT NULL,                     -- as the geocoder names it ("Lisbon")
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE weather_forecasts (
    place_key text PRIMARY KEY,             -- "38.72,-9.14": two decimals, about a kilometre
    forecast jsonb NOT NULL,                -- models.weather.Forecast.to_wire()
    fetched_at timestamptz NOT NULL         -- when the provider was asked
);
