-- Reminder rules and notifications. A reminder occurrence creates at most one
-- notification per tenant (unique reminder_key).

CREATE TABLE reminder_rules (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    kind        JSONB NOT NULL,
    enabled     BOOLEAN NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE notifications (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    user_id         UUID NOT NULL,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    activity_id     UUID,
    reminder_key    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT notifications_reminder_unique UNIQUE (tenant_id, reminder_key),
    CONSTRAINT notifications_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, read_at, created_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['reminder_rules', 'notifications']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    END LOOP;
END $$;
