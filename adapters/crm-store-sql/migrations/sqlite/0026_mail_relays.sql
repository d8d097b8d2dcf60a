-- A company's own SMTP relay: its URL (with the user and password: sealed under the
-- company's key, never in clear) and the From address its messages carry. Without a row,
-- the installation's relay and From are used.
CREATE TABLE mail_relays (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    url_sealed      BLOB NOT NULL,
    from_address    TEXT,
    updated_by      BLOB,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER mail_relays_fk_insert BEFORE INSERT ON mail_relays
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: mail_relays_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER mail_relays_fk_update BEFORE UPDATE OF tenant_id ON mail_relays
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: mail_relays_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
