-- PostgreSQL's migration 0052 dates the clients that 0015 could not reach under its
-- row-level security. SQLite has no such walls: 0015 reached every row, and this does
-- again what it did for any that would still be empty (none).
UPDATE contacts SET client_since = created_at WHERE kind = 'client' AND client_since IS NULL;
