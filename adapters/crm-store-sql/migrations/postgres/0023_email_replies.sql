-- Replies: the company's inbound secret (kept only as its SHA-256; the mail server's pipe
-- or the inbound service presents it), and the replies a message received.
CREATE TABLE inbound_secrets (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    secret_hash     BYTEA NOT NULL,
    created_by      UUID,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id)
);
ALTER TABLE email_messages ADD COLUMN replied_at BIGINT;
ALTER TABLE email_messages ADD COLUMN replies BIGINT NOT NULL DEFAULT 0;

ALTER TABLE inbound_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON inbound_secrets USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
