-- Activities (SQLite; the same tables as on PostgreSQL): tasks, meetings, calls, emails, notes), the records they concern and their
-- attendees. The body is personal data: stored sealed. A reminder occurrence creates at
-- most one activity per tenant (unique reminder_key).

CREATE TABLE activities (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    kind                TEXT NOT NULL,
    subject             TEXT NOT NULL,
    body_ct             BLOB,
    assignee_id         BLOB NOT NULL,
    created_by          BLOB,
    due_at              INTEGER,
    priority            TEXT NOT NULL,
    starts_at           INTEGER,
    ends_at             INTEGER,
    place               TEXT,
    direction           TEXT,
    duration_seconds    INTEGER,
    outcome             TEXT,
    done_at             INTEGER,
    system              INTEGER NOT NULL,
    reminder_key        TEXT,
    occurred_at         INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    deleted_at          INTEGER,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT activities_reminder_unique UNIQUE (tenant_id, reminder_key),
    CONSTRAINT activities_assignee_fk FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX activities_todo ON activities (tenant_id, assignee_id, kind, done_at, due_at);
CREATE INDEX activities_occurred ON activities (tenant_id, occurred_at);

CREATE TABLE activity_links (
    tenant_id   BLOB NOT NULL,
    activity_id BLOB NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, entity_type, entity_id),
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id)
);
CREATE INDEX activity_links_entity ON activity_links (tenant_id, entity_type, entity_id);

CREATE TABLE activity_attendees (
    tenant_id   BLOB NOT NULL,
    activity_id BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, user_id),
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id),
    CONSTRAINT activity_attendees_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX activity_attendees_user ON activity_attendees (tenant_id, user_id);
