-- The background runtime (SQLite; the same tables as on PostgreSQL): where each reader of
-- a tenant's event log stands, the events it gave up on (kept for the tenant's Admins,
-- replayable), and the durable queue of jobs and timers.

CREATE TABLE consumer_cursors (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    consumer    TEXT NOT NULL,
    cursor      INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, consumer)
);

CREATE TABLE parked_events (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    consumer            TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    error               TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    parked_at           INTEGER NOT NULL,
    replay_requested_at INTEGER,
    replayed_at         INTEGER,
    PRIMARY KEY (tenant_id, consumer, seq)
);
CREATE INDEX parked_events_parked ON parked_events (tenant_id, parked_at);

-- The readers this release adds start at each existing tenant's present: an upgrade does
-- not notify people of assignments made before it (new tenants start at their beginning).
INSERT INTO consumer_cursors (tenant_id, consumer, cursor, updated_at)
    SELECT tenant_id, 'assignment_notifications', last_seq, 0 FROM event_counters;

-- Jobs and timers, claimed by workers across tenants. Every read made for a tenant
-- filters by tenant_id in SQL.
CREATE TABLE jobs (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    key         TEXT,
    state       TEXT NOT NULL,
    step        INTEGER NOT NULL,
    progress    TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    lease_owner BLOB,
    lease_until INTEGER,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- At most one live (queued or running) job per tenant and key.
CREATE UNIQUE INDEX jobs_live_key ON jobs (tenant_id, key) WHERE key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_claim ON jobs (state, due_at);
CREATE INDEX jobs_tenant ON jobs (tenant_id, created_at);
