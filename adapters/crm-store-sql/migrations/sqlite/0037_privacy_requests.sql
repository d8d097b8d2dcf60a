-- The rights requests of the people a company keeps data on (GDPR): what is asked, when it
-- came in, the deadline, the answer. The note and the answer are sealed (they may name
-- the person); the contact stays an id, kept after an erasure.
CREATE TABLE privacy_requests (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    contact_id          BLOB NOT NULL,
    kind                TEXT NOT NULL,
    received_at         INTEGER NOT NULL,
    due_at              INTEGER NOT NULL,
    note_ct             BLOB,
    status              TEXT NOT NULL,
    answer_ct           BLOB,
    logged_by           BLOB,
    answered_by         BLOB,
    answered_at         INTEGER,
    version             INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT privacy_requests_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX privacy_requests_by_contact ON privacy_requests (tenant_id, contact_id);
CREATE INDEX privacy_requests_by_status ON privacy_requests (tenant_id, status, due_at);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER privacy_requests_fk_insert BEFORE INSERT ON privacy_requests
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: privacy_requests_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: privacy_requests_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER privacy_requests_fk_update BEFORE UPDATE OF tenant_id, contact_id ON privacy_requests
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: privacy_requests_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: privacy_requests_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;
