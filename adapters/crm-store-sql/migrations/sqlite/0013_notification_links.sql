-- What a notification is about, as a link (the interface names it and opens it): a
-- contact's name is not copied into the notification, so erasing the person leaves
-- nothing of theirs there.
ALTER TABLE notifications ADD COLUMN entity_type TEXT;
ALTER TABLE notifications ADD COLUMN entity_id BLOB;
