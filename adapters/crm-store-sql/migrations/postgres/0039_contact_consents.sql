-- Consent to be prospected, per contact and channel (GDPR): each record kept, the latest of
-- a channel being its state. The proof is sealed (it may hold personal data); an erasure
-- deletes the person's records.
CREATE TABLE contact_consents (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    contact_id          UUID NOT NULL,
    medium              TEXT NOT NULL,
    state               TEXT NOT NULL,
    basis               TEXT,
    source              TEXT NOT NULL,
    proof_ct            BYTEA,
    given_at            BIGINT NOT NULL,
    recorded_by         UUID,
    recorded_at         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT contact_consents_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contact_consents_by_contact ON contact_consents (tenant_id, contact_id, medium, recorded_at);

ALTER TABLE contact_consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON contact_consents USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
