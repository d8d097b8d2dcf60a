-- Email: the company's templates (a subject and a body per language, as JSON; nothing
-- personal), and the outbox: one row per message to one recipient, its content (from, to,
-- subject, text, HTML) sealed under the recipient's own data key, its Message-ID fixed at
-- queueing, its state and attempts. The job that sends a message is queued in the same
-- transaction (jobs, kind email.send).
CREATE TABLE email_templates (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    variants        TEXT NOT NULL,
    created_by      BLOB,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- Never set (a template is deleted outright); kept for the store's guarded update.
    deleted_at      INTEGER,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX email_templates_name ON email_templates (tenant_id, name_key);

CREATE TABLE email_messages (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    message_id      TEXT NOT NULL,
    contact_id      BLOB NOT NULL,
    opportunity_id  BLOB,
    activity_id     BLOB,
    template_id     BLOB,
    sender_id       BLOB,
    content         BLOB NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    resends         INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    queued_at       INTEGER NOT NULL,
    sent_at         INTEGER,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX email_messages_message_id ON email_messages (tenant_id, message_id);
CREATE INDEX email_messages_by_contact ON email_messages (tenant_id, contact_id, queued_at);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER email_templates_fk_insert BEFORE INSERT ON email_templates
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: email_templates_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER email_templates_fk_update BEFORE UPDATE OF tenant_id ON email_templates
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: email_templates_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER email_messages_fk_insert BEFORE INSERT ON email_messages
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: email_messages_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER email_messages_fk_update BEFORE UPDATE OF tenant_id ON email_messages
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: email_messages_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
