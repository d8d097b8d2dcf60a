-- Nothing to change on SQLite: it has no row-level security. The PostgreSQL migration of the
-- same number lets the platform's setting read the log's heads, the readers' cursors and
-- their parked events' sequence numbers, for the sweeps of the log readers.
SELECT 1;
