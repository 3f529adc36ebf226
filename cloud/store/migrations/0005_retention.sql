-- The cloud forgets old handled message ids, delivered messages and trace events (see
-- cloud/retention.py). These tables only grow at the end, so a BRIN index per table finds the
-- old rows for a few kilobytes, at almost no cost to the request path's inserts.
CREATE INDEX processed_messages_age ON processed_messages USING brin (processed_at);
CREATE INDEX outbox_age ON outbox USING brin (created_at);
CREATE INDEX trace_events_age ON trace_events USING brin (ts);
