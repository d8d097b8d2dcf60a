-- Calls from the telephony system that matched no contact, kept for triage. The numbers
-- are personal data: stored sealed.

CREATE TABLE unmatched_calls (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    caller_ct           BYTEA NOT NULL,
    callee_ct           BYTEA NOT NULL,
    started_at          BIGINT NOT NULL,
    duration_seconds    BIGINT NOT NULL,
    direction           TEXT NOT NULL,
    recording_url       TEXT,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX unmatched_calls_created ON unmatched_calls (tenant_id, created_at);

ALTER TABLE unmatched_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE unmatched_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON unmatched_calls USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
