-- A list's view is one access naming everyone it showed: their ids packed, 16 bytes each.
ALTER TABLE access_log ADD COLUMN contacts BYTEA;
