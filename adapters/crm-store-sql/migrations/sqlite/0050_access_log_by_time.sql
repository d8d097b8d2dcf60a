-- The access log read newest first from an index, and written at its end. The log's page
-- (newest first, for the company or one user) sorted every access of the company for
-- each page; its index by contact was never read (the lookup by contact also finds the
-- lists that showed them, their ids packed in one value, so it reads the log by time
-- whatever the index) and made every write touch a page picked at random in it, one for
-- each record opened. Every index now grows at its end (times and UUIDv7 ids only go up).
DROP INDEX access_log_by_contact;
DROP INDEX access_log_by_user;
CREATE INDEX access_log_by_time ON access_log (tenant_id, at, id);
CREATE INDEX access_log_by_user ON access_log (tenant_id, user_id, at, id);
