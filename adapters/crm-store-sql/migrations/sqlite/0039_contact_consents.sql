-- Consent to be prospected, per contact and channel (GDPR): each record kept, the latest of
-- a channel being its state. The proof is sealed (it may hold personal data); an erasure
-- deletes the person's records.
CREATE TABLE contact_consents (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    contact_id          BLOB NOT NULL,
    medium              TEXT NOT NULL,
    state               TEXT NOT NULL,
    basis               TEXT,
    source              TEXT NOT NULL,
    proof_ct            BLOB,
    given_at            INTEGER NOT NULL,
    recorded_by         BLOB,
    recorded_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT contact_consents_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contact_consents_by_contact ON contact_consents (tenant_id, contact_id, medium, recorded_at);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER contact_consents_fk_insert BEFORE INSERT ON contact_consents
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_consents_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_consents_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER contact_consents_fk_update BEFORE UPDATE OF tenant_id, contact_id ON contact_consents
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_consents_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_consents_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;
