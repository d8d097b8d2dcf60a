-- Calls from the telephony system (SQLite) that matched no contact, kept for triage. The numbers
-- are personal data: stored sealed.

CREATE TABLE unmatched_calls (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    caller_ct           BLOB NOT NULL,
    callee_ct           BLOB NOT NULL,
    started_at          INTEGER NOT NULL,
    duration_seconds    INTEGER NOT NULL,
    direction           TEXT NOT NULL,
    recording_url       TEXT,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX unmatched_calls_created ON unmatched_calls (tenant_id, created_at);
