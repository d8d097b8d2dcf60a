-- A stage taken out of its pipeline while closed deals still name it is kept, archived:
-- their history and reports keep its name; it is on no board and no deal moves to it.
ALTER TABLE stages ADD COLUMN archived_at INTEGER;
