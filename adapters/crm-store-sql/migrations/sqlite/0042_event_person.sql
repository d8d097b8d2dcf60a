-- Whose data key seals an event's values when it is not the entity's own: an activity
-- that concerns a contact has what the log keeps of it (subject, body, place, outcome…)
-- sealed under that contact's key, so erasing them leaves it unreadable too. Empty for
-- a contact's own events (their id is the entity's) and for what concerns no one.
ALTER TABLE events ADD COLUMN person_id BLOB;
