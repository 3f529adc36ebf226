-- Missions: work handed to edge workers, their checkpoints and event log; the script registry;
-- privacy confirmations awaiting a yes; where each device is.

ALTER TABLE devices
    ADD COLUMN lat double precision,      -- decimal degrees (WGS 84), from hello; null: unknown
    ADD COLUMN lon double precision;

CREATE TABLE missions (
    id text PRIMARY KEY,
    kind text NOT NULL,                   -- python, browser, device_action
    steps jsonb NOT NULL,                 -- [Step.to_wire(), ...]
    summary text NOT NULL DEFAULT '',     -- what it does, as a phrase ("read the title of …")
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'assigned', 'running', 'succeeded', 'failed', 'cancelled')),
    idempotency_key text NOT NULL UNIQUE, -- from the request envelope id: one request, one mission
    trace_id text NOT NULL,
    requested_by text REFERENCES devices (id) ON DELETE SET NULL,
    utterance_id text,                    -- the utterance whose reply the result becomes
    capabilities jsonb NOT NULL DEFAULT '[]',
    device_name text,                     -- an explicit target, when the request named one
    assigned_to text REFERENCES devices (id) ON DELETE SET NULL,
    attempt integer NOT NULL DEFAULT 0,   -- 1 on the first assignment, +1 on each reassignment
    -- The lease is the worker's liveness: it lapses when devices.last_seen of assigned_to is
    -- older than the lease (JARVIS_MISSION_LEASE_S); there is nothing to renew here.
    assigned_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    result_ok boolean,
    result_output text,
    result_error text,
    finished_at timestamptz
);
CREATE INDEX missions_active ON missions (assigned_to) WHERE state IN ('assigned', 'running');
CREATE INDEX missions_queued ON missions (created_at) WHERE state = 'queued';
CREATE INDEX missions_latest ON missions (created_at DESC);

CREATE TABLE mission_checkpoints (
    mission_id text NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    step_index integer NOT NULL,
    name text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    ts double precision NOT NULL,         -- the worker's clock, seconds since the epoch
    device_id text,                       -- the worker that reported it
    attempt integer NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mission_id, step_index)
);

CREATE TABLE mission_events (
    id bigserial PRIMARY KEY,
    mission_id text NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    ts timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL,                   -- created, queued, assigned, checkpoint, lease_lapsed,
                                          -- reassigned, requeued, succeeded, failed
    device_id text,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX mission_events_mission ON mission_events (mission_id, id);

CREATE TABLE scripts (
    name text PRIMARY KEY,                -- lower case
    code text NOT NULL,
    packages jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A privacy action on a far device, waiting for the asker's yes (one per asking device).
CREATE TABLE pending_confirmations (
    device_id text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    spec jsonb NOT NULL,                  -- the mission to create on yes
    request_id text NOT NULL,             -- the request envelope that asked (idempotency key)
    trace_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
