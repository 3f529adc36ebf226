-- Every instance keeps the device names and settings in memory for the request path (one round
-- trip saved per request) and drops that copy when told. Told by a trigger, so no statement that
-- enrolls, renames, revokes or re-configures a device can forget to. Heartbeats and hellos touch
-- other columns and notify nothing.
CREATE FUNCTION jarvis_devices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jarvis_devices', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER devices_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, settings, revoked_at, token_hash ON devices
    FOR EACH STATEMENT EXECUTE FUNCTION jarvis_devices_changed();
