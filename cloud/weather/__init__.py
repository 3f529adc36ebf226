"""The weather: the provider port, Open-Meteo, the shared cache, the forecast pushed to devices."""
