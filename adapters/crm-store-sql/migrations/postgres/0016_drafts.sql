-- Drafts (autosave): what a person typed in a form and has not saved, one per person,
-- form and record (the nil id for a form creating one). The fields are sealed, bound to
-- the tenant, the person, the form and the record. No foreign key: a draft lives at most
-- 30 days, its tenant and person come from the session, and erasing a person deletes the
-- drafts about them.
CREATE TABLE drafts (
    tenant_id       UUID NOT NULL,
    user_id         UUID NOT NULL,
    form            TEXT NOT NULL,
    record_id       UUID NOT NULL,
    body            BYTEA NOT NULL,
    saved_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, form, record_id)
);
CREATE INDEX drafts_by_record ON drafts (tenant_id, record_id);
CREATE INDEX drafts_by_age ON drafts (tenant_id, saved_at);

ALTER TABLE drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON drafts USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
