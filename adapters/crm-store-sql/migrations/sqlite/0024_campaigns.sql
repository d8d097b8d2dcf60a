-- Campaigns: one template sent to the members of a segment, now or at a set time, and
-- where it is (draft, scheduled, sending, paused, sent, cancelled). Its messages are
-- ordinary outbox rows carrying its id, at most one per contact (the unique index makes a
-- page queued again after a crash a no-op). `next_slot` is the due time after its last
-- queued message: the company's sending campaigns share one pace.
CREATE TABLE campaigns (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    name            TEXT NOT NULL,
    segment_id      BLOB NOT NULL,
    template_id     BLOB NOT NULL,
    language        TEXT,
    status          TEXT NOT NULL,
    scheduled_at    INTEGER,
    created_by      BLOB,
    started_at      INTEGER,
    filled_at       INTEGER,
    finished_at     INTEGER,
    skipped         INTEGER NOT NULL DEFAULT 0,
    next_slot       INTEGER,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- Never set (a campaign is deleted outright); kept for the store's guarded update.
    deleted_at      INTEGER,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX campaigns_by_status ON campaigns (tenant_id, status);

ALTER TABLE email_messages ADD COLUMN campaign_id BLOB;
CREATE UNIQUE INDEX email_messages_campaign_contact ON email_messages (tenant_id, campaign_id, contact_id);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER campaigns_fk_insert BEFORE INSERT ON campaigns
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: campaigns_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER campaigns_fk_update BEFORE UPDATE OF tenant_id ON campaigns
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: campaigns_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
