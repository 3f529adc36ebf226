-- Phrases the user taught ("when I say movie time, pause the music"): one list for all of the
-- user's devices, pushed whole to each edge, which matches them first and keeps a copy offline.
CREATE TABLE taught_phrases (
    key text PRIMARY KEY,                 -- the phrase as matched: lower case, words only
    phrase text NOT NULL,                 -- as the user said it
    actions text NOT NULL,                -- what it does, in the user's words
    intents jsonb NOT NULL,               -- [{"name", "slots"}], run in order on the edge
    taught_by text REFERENCES devices (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
