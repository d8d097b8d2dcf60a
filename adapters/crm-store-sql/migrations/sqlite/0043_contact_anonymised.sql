-- When a contact was anonymised (their time of retention up): the record stays, naming no
-- one, and is never due for retention again.
ALTER TABLE contacts ADD COLUMN anonymised_at INTEGER;
