-- Who looked at whose personal data: a person's record opened, a person's data exported,
-- a list of contacts exported (contact_id empty, count its size). Written in batches off
-- the request path; only ids, never a name.
CREATE TABLE access_log (
    tenant_id   UUID NOT NULL,
    id          UUID NOT NULL,
    at          BIGINT NOT NULL,
    user_id     UUID NOT NULL,
    kind        TEXT NOT NULL,
    contact_id  UUID,
    count       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_log_by_contact ON access_log (tenant_id, contact_id, at);
CREATE INDEX access_log_by_user ON access_log (tenant_id, user_id, at);

ALTER TABLE access_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON access_log USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
