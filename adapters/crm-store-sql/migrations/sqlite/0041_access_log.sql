-- Who looked at whose personal data: a person's record opened, a person's data exported,
-- a list of contacts exported (contact_id empty, count its size). Written in batches off
-- the request path; only ids, never a name.
CREATE TABLE access_log (
    tenant_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    at          INTEGER NOT NULL,
    user_id     BLOB NOT NULL,
    kind        TEXT NOT NULL,
    contact_id  BLOB,
    count       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_log_by_contact ON access_log (tenant_id, contact_id, at);
CREATE INDEX access_log_by_user ON access_log (tenant_id, user_id, at);
