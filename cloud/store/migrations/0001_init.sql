-- The cloud brain's first schema. PostgreSQL is the only state the cloud keeps.

CREATE TABLE devices (
    id text PRIMARY KEY,
    name text NOT NULL,
    token_hash bytea NOT NULL,            -- sha256 of the device token; the token is never stored
    revoked_at timestamptz,               -- set when the token is revoked; null while it is valid
    settings jsonb NOT NULL DEFAULT '{}', -- the device's settings; the cloud is their source of truth
    capabilities jsonb NOT NULL DEFAULT '[]',
    version text,
    load jsonb,                           -- the last heartbeat's {"cpu_percent", "memory_percent"}
    last_seen timestamptz,
    connected_instance text,              -- the cloud instance holding its link, null when none
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX devices_name_key ON devices (lower(name));

CREATE TABLE reminders (
    id text PRIMARY KEY,
    device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    text text NOT NULL,
    due_at timestamptz NOT NULL,
    utterance_id text,
    trace_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz              -- when its reply went into the outbox
);
CREATE INDEX reminders_pending ON reminders (due_at) WHERE delivered_at IS NULL;

-- Messages for a device until it acks them (at-least-once delivery).
CREATE TABLE outbox (
    id text PRIMARY KEY,                  -- the envelope id, the edge's idempotency key
    seq bigserial NOT NULL,               -- send order (created_at ties within a transaction)
    device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    envelope jsonb NOT NULL,
    reminder_id text REFERENCES reminders (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz              -- when the edge acked it
);
CREATE INDEX outbox_pending ON outbox (device_id, seq) WHERE delivered_at IS NULL;

-- Ids of edge messages already handled: a duplicate is re-acked, never re-run.
CREATE TABLE processed_messages (
    id text PRIMARY KEY,
    device_id text NOT NULL,
    type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- Commands sent to one device on behalf of another, until the result comes back.
CREATE TABLE device_commands (
    request_id text PRIMARY KEY,
    target_device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    text text NOT NULL,
    reply_to_device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    reply_to_utterance_id text,
    trace_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    result_text text,
    completed_at timestamptz
);

CREATE TABLE trace_events (
    id bigserial PRIMARY KEY,
    trace_id text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,                 -- 'cloud' here; the edge reports its own later
    device_id text,
    kind text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX trace_events_trace ON trace_events (trace_id, ts);
