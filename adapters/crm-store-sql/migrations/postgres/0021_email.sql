-- Email: the company's templates (a subject and a body per language, as JSON; nothing
-- personal), and the outbox: one row per message to one recipient, its content (from, to,
-- subject, text, HTML) sealed under the recipient's own data key, its Message-ID fixed at
-- queueing, its state and attempts. The job that sends a message is queued in the same
-- transaction (jobs, kind email.send).
CREATE TABLE email_templates (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    variants        JSONB NOT NULL,
    created_by      UUID,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- Never set (a template is deleted outright); kept for the store's guarded update.
    deleted_at      BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX email_templates_name ON email_templates (tenant_id, name_key);

CREATE TABLE email_messages (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    message_id      TEXT NOT NULL,
    contact_id      UUID NOT NULL,
    opportunity_id  UUID,
    activity_id     UUID,
    template_id     UUID,
    sender_id       UUID,
    content         BYTEA NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    resends         BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    queued_at       BIGINT NOT NULL,
    sent_at         BIGINT,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX email_messages_message_id ON email_messages (tenant_id, message_id);
CREATE INDEX email_messages_by_contact ON email_messages (tenant_id, contact_id, queued_at);

ALTER TABLE email_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON email_templates USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE email_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON email_messages USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
