-- A deactivated user cannot log in and is given no new work; their records stay theirs.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;
