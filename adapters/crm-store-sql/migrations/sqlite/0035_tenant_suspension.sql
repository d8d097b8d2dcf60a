-- A company the platform operator suspended: none of its people logs in, none of their
-- tokens opens anything, until it is reinstated; nothing is deleted.
ALTER TABLE tenants ADD COLUMN suspended_at INTEGER;
