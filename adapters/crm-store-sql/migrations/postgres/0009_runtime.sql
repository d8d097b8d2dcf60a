-- The background runtime: where each reader of a tenant's event log stands, the events it
-- gave up on (kept for the tenant's Admins, replayable), and the durable queue of jobs and
-- timers.

CREATE TABLE consumer_cursors (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    consumer    TEXT NOT NULL,
    cursor      BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, consumer)
);

CREATE TABLE parked_events (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    consumer            TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    error               TEXT NOT NULL,
    attempts            BIGINT NOT NULL,
    parked_at           BIGINT NOT NULL,
    replay_requested_at BIGINT,
    replayed_at         BIGINT,
    PRIMARY KEY (tenant_id, consumer, seq)
);
CREATE INDEX parked_events_parked ON parked_events (tenant_id, parked_at);

-- The readers this release adds start at each existing tenant's present: an upgrade does
-- not notify people of assignments made before it (new tenants start at their beginning).
-- The migration runs as the tables' owner, whom the forced row-level security of
-- event_counters would otherwise hold to no tenant.
ALTER TABLE event_counters NO FORCE ROW LEVEL SECURITY;
INSERT INTO consumer_cursors (tenant_id, consumer, cursor, updated_at)
    SELECT tenant_id, 'assignment_notifications', last_seq, 0 FROM event_counters;
ALTER TABLE event_counters FORCE ROW LEVEL SECURITY;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consumer_cursors', 'parked_events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    END LOOP;
END $$;

-- Jobs and timers. Outside row-level security: workers claim them across tenants (FOR
-- UPDATE SKIP LOCKED). Every read made for a tenant filters by tenant_id in SQL. The payload
-- holds ids and settings, never personal data in clear.
CREATE TABLE jobs (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    payload     JSONB NOT NULL,
    key         TEXT,
    state       TEXT NOT NULL,
    step        BIGINT NOT NULL,
    progress    JSONB NOT NULL,
    attempts    BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    lease_owner UUID,
    lease_until BIGINT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- At most one live (queued or running) job per tenant and key.
CREATE UNIQUE INDEX jobs_live_key ON jobs (tenant_id, key) WHERE key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_claim ON jobs (state, due_at);
CREATE INDEX jobs_tenant ON jobs (tenant_id, created_at);
