-- Stored files (uploads for imports, generated exports): what each is. The bytes live in
-- the file storage, sealed; the name is sealed here (names often carry a person's).
CREATE TABLE files (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    name            BYTEA NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    created_by      UUID,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX files_by_owner ON files (tenant_id, created_by, created_at);

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON files USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
