-- Activities (tasks, meetings, calls, emails, notes), the records they concern and their
-- attendees. The body is personal data: stored sealed. A reminder occurrence creates at
-- most one activity per tenant (unique reminder_key).

CREATE TABLE activities (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    kind                TEXT NOT NULL,
    subject             TEXT NOT NULL,
    body_ct             BYTEA,
    assignee_id         UUID NOT NULL,
    created_by          UUID,
    due_at              BIGINT,
    priority            TEXT NOT NULL,
    starts_at           BIGINT,
    ends_at             BIGINT,
    place               TEXT,
    direction           TEXT,
    duration_seconds    BIGINT,
    outcome             TEXT,
    done_at             BIGINT,
    system              BOOLEAN NOT NULL,
    reminder_key        TEXT,
    occurred_at         BIGINT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    deleted_at          BIGINT,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT activities_reminder_unique UNIQUE (tenant_id, reminder_key),
    CONSTRAINT activities_assignee_fk FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX activities_todo ON activities (tenant_id, assignee_id, kind, done_at, due_at);
CREATE INDEX activities_occurred ON activities (tenant_id, occurred_at);

CREATE TABLE activity_links (
    tenant_id   UUID NOT NULL,
    activity_id UUID NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   UUID NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, entity_type, entity_id),
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id)
);
CREATE INDEX activity_links_entity ON activity_links (tenant_id, entity_type, entity_id);

CREATE TABLE activity_attendees (
    tenant_id   UUID NOT NULL,
    activity_id UUID NOT NULL,
    user_id     UUID NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, user_id),
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id),
    CONSTRAINT activity_attendees_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX activity_attendees_user ON activity_attendees (tenant_id, user_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['activities', 'activity_links', 'activity_attendees']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    END LOOP;
END $$;
