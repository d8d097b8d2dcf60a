-- The duplicate review queue: groups of likely duplicate contacts found by a scan, open
-- until merged or dismissed. A dismissed group (same members) is not proposed again.

CREATE TABLE duplicate_groups (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    member_key      TEXT NOT NULL,
    reasons         JSONB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'merged')),
    created_at      BIGINT NOT NULL,
    resolved_at     BIGINT,
    resolved_by     UUID,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX duplicate_groups_status ON duplicate_groups (tenant_id, status, created_at);
CREATE INDEX duplicate_groups_key ON duplicate_groups (tenant_id, member_key);

CREATE TABLE duplicate_group_members (
    tenant_id       UUID NOT NULL,
    group_id        UUID NOT NULL,
    contact_id      UUID NOT NULL,
    PRIMARY KEY (tenant_id, group_id, contact_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES duplicate_groups (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX duplicate_group_members_contact ON duplicate_group_members (tenant_id, contact_id);

ALTER TABLE duplicate_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE duplicate_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON duplicate_groups USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE duplicate_group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE duplicate_group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON duplicate_group_members USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
