-- Constraint names in errors: PostgreSQL reports the name of the violated constraint
-- itself, so nothing is needed here (SQLite's 0011 adds triggers that name its foreign
-- keys). Kept so both backends number their migrations alike.
SELECT 1;
