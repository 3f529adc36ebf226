-- GET /v1/requests/{utterance_id}/reply finds a device's reply by its utterance id, pending or
-- already delivered (a client retrying a lost answer): without this it would scan the outbox.
CREATE INDEX outbox_reply_lookup ON outbox (device_id, (envelope->'body'->>'utterance_id'));
