-- A company's own SMTP relay: its URL (with the user and password: sealed under the
-- company's key, never in clear) and the From address its messages carry. Without a row,
-- the installation's relay and From are used.
CREATE TABLE mail_relays (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    url_sealed      BYTEA NOT NULL,
    from_address    TEXT,
    updated_by      UUID,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id)
);

ALTER TABLE mail_relays ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_relays FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON mail_relays USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
