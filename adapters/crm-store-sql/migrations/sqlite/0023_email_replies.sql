-- Replies: the company's inbound secret (kept only as its SHA-256; the mail server's pipe
-- or the inbound service presents it), and the replies a message received.
CREATE TABLE inbound_secrets (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    secret_hash     BLOB NOT NULL,
    created_by      BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id)
);
ALTER TABLE email_messages ADD COLUMN replied_at INTEGER;
ALTER TABLE email_messages ADD COLUMN replies INTEGER NOT NULL DEFAULT 0;

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER inbound_secrets_fk_insert BEFORE INSERT ON inbound_secrets
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: inbound_secrets_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER inbound_secrets_fk_update BEFORE UPDATE OF tenant_id ON inbound_secrets
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: inbound_secrets_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
