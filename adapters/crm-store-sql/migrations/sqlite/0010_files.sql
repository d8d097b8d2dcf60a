-- Stored files (uploads for imports, generated exports): what each is. The bytes live in
-- the file storage, sealed; the name is sealed here (names often carry a person's).
CREATE TABLE files (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    name            BLOB NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    created_by      BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX files_by_owner ON files (tenant_id, created_by, created_at);
