-- Segments: static lists of contacts kept by hand, or dynamic rules (JSON) evaluated by
-- the store at each use.

CREATE TABLE segments (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    name            TEXT NOT NULL,
    name_sort       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('static', 'dynamic')),
    rule            JSONB,
    created_by      UUID,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT,
    PRIMARY KEY (tenant_id, id),
    CHECK ((kind = 'dynamic') = (rule IS NOT NULL))
);
CREATE UNIQUE INDEX segments_name ON segments (tenant_id, name_sort) WHERE deleted_at IS NULL;

CREATE TABLE segment_members (
    tenant_id       UUID NOT NULL,
    segment_id      UUID NOT NULL,
    contact_id      UUID NOT NULL,
    added_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, segment_id, contact_id),
    FOREIGN KEY (tenant_id, segment_id) REFERENCES segments (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX segment_members_contact ON segment_members (tenant_id, contact_id);

ALTER TABLE segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE segments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON segments USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE segment_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE segment_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON segment_members USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
