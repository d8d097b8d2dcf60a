-- Campaigns: one template sent to the members of a segment, now or at a set time, and
-- where it is (draft, scheduled, sending, paused, sent, cancelled). Its messages are
-- ordinary outbox rows carrying its id, at most one per contact (the unique index makes a
-- page queued again after a crash a no-op). `next_slot` is the due time after its last
-- queued message: the company's sending campaigns share one pace.
CREATE TABLE campaigns (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    name            TEXT NOT NULL,
    segment_id      UUID NOT NULL,
    template_id     UUID NOT NULL,
    language        TEXT,
    status          TEXT NOT NULL,
    scheduled_at    BIGINT,
    created_by      UUID,
    started_at      BIGINT,
    filled_at       BIGINT,
    finished_at     BIGINT,
    skipped         BIGINT NOT NULL DEFAULT 0,
    next_slot       BIGINT,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- Never set (a campaign is deleted outright); kept for the store's guarded update.
    deleted_at      BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX campaigns_by_status ON campaigns (tenant_id, status);

ALTER TABLE email_messages ADD COLUMN campaign_id UUID;
CREATE UNIQUE INDEX email_messages_campaign_contact ON email_messages (tenant_id, campaign_id, contact_id);

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON campaigns USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
