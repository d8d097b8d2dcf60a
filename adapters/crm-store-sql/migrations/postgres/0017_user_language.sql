-- The interface language a person chose for themselves (fr, en; NULL: their browser's).
ALTER TABLE users ADD COLUMN language TEXT;
