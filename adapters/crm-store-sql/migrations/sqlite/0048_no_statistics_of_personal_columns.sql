-- Nothing to change on SQLite: its statistics (sqlite_stat1, written by ANALYZE or PRAGMA
-- optimize) hold row counts per index, never values (the bundled SQLite is built without
-- SQLITE_ENABLE_STAT4). The PostgreSQL migration of the same number stops sampling the
-- columns that hold a person's data in clear.
SELECT 1;
