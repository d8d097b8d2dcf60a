-- Webhooks: a company's subscriptions to its changes (the address, the event patterns as a
-- JSON array, the signing secret sealed under the company's key), the delivery log — one
-- row per change and subscription — and every attempt at each delivery. Deleting a
-- subscription deletes its log.
CREATE TABLE webhooks (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    url                 TEXT NOT NULL,
    description         TEXT,
    events              TEXT NOT NULL,
    include_personal    BOOLEAN NOT NULL,
    active              BOOLEAN NOT NULL,
    secret_sealed       BYTEA NOT NULL,
    created_by          UUID,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    webhook_id          UUID NOT NULL,
    event_seq           BIGINT NOT NULL,
    event_type          TEXT NOT NULL,
    state               TEXT NOT NULL,
    attempts            BIGINT NOT NULL,
    last_status         BIGINT,
    last_error          TEXT,
    last_attempt_at     BIGINT,
    next_at             BIGINT,
    delivered_at        BIGINT,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhook_deliveries_webhook_fk FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (tenant_id, created_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (tenant_id, webhook_id, created_at);
CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries (tenant_id, state, created_at);

CREATE TABLE webhook_attempts (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    delivery_id         UUID NOT NULL,
    number              BIGINT NOT NULL,
    at                  BIGINT NOT NULL,
    status              BIGINT,
    millis              BIGINT NOT NULL,
    error               TEXT,
    PRIMARY KEY (tenant_id, delivery_id, number),
    CONSTRAINT webhook_attempts_delivery_fk FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhooks USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhook_deliveries USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhook_attempts USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
