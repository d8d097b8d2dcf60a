-- Reminder rules and notifications (SQLite; the same tables as on PostgreSQL). A reminder occurrence creates at most one
-- notification per tenant (unique reminder_key).

CREATE TABLE reminder_rules (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    kind        TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE notifications (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    user_id         BLOB NOT NULL,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    activity_id     BLOB,
    reminder_key    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    read_at         INTEGER,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT notifications_reminder_unique UNIQUE (tenant_id, reminder_key),
    CONSTRAINT notifications_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, read_at, created_at);
