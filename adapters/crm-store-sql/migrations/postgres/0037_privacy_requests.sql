-- The rights requests of the people a company keeps data on (GDPR): what is asked, when it
-- came in, the deadline, the answer. The note and the answer are sealed (they may name
-- the person); the contact stays an id, kept after an erasure.
CREATE TABLE privacy_requests (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    contact_id          UUID NOT NULL,
    kind                TEXT NOT NULL,
    received_at         BIGINT NOT NULL,
    due_at              BIGINT NOT NULL,
    note_ct             BYTEA,
    status              TEXT NOT NULL,
    answer_ct           BYTEA,
    logged_by           UUID,
    answered_by         UUID,
    answered_at         BIGINT,
    version             BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT privacy_requests_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX privacy_requests_by_contact ON privacy_requests (tenant_id, contact_id);
CREATE INDEX privacy_requests_by_status ON privacy_requests (tenant_id, status, due_at);

ALTER TABLE privacy_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE privacy_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON privacy_requests USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
