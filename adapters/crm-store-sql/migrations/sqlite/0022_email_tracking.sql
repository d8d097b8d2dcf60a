-- What recipients did with their email: the first open and the count of a person's opens
-- (opens by machines — proxies, scanners — counted apart), the first click and the count,
-- and when the recipient unsubscribed through the message's link.
ALTER TABLE email_messages ADD COLUMN opened_at INTEGER;
ALTER TABLE email_messages ADD COLUMN opens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_messages ADD COLUMN machine_opens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_messages ADD COLUMN clicked_at INTEGER;
ALTER TABLE email_messages ADD COLUMN clicks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_messages ADD COLUMN unsubscribed_at INTEGER;
