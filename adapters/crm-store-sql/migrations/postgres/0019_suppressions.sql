-- The suppression list: emails and phones of people who must not be reached again (they
-- unsubscribed, were erased, bounced, or an Admin said so), kept only as keyed hashes (the
-- blind index of the contacts' lookups): an import or a campaign can tell a value is on
-- the list, nobody can read the list back as addresses.
CREATE TABLE suppressions (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    channel         TEXT NOT NULL,
    hash            BYTEA NOT NULL,
    reason          TEXT NOT NULL,
    note            TEXT,
    created_by      UUID,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX suppressions_value ON suppressions (tenant_id, channel, hash);

ALTER TABLE suppressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE suppressions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON suppressions USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
