-- Webhooks: a company's subscriptions to its changes (the address, the event patterns as a
-- JSON array, the signing secret sealed under the company's key), the delivery log — one
-- row per change and subscription — and every attempt at each delivery. Deleting a
-- subscription deletes its log.
CREATE TABLE webhooks (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    url                 TEXT NOT NULL,
    description         TEXT,
    events              TEXT NOT NULL,
    include_personal    INTEGER NOT NULL,
    active              INTEGER NOT NULL,
    secret_sealed       BLOB NOT NULL,
    created_by          BLOB,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    webhook_id          BLOB NOT NULL,
    event_seq           INTEGER NOT NULL,
    event_type          TEXT NOT NULL,
    state               TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    last_status         INTEGER,
    last_error          TEXT,
    last_attempt_at     INTEGER,
    next_at             INTEGER,
    delivered_at        INTEGER,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhook_deliveries_webhook_fk FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (tenant_id, created_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (tenant_id, webhook_id, created_at);
CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries (tenant_id, state, created_at);

CREATE TABLE webhook_attempts (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    delivery_id         BLOB NOT NULL,
    number              INTEGER NOT NULL,
    at                  INTEGER NOT NULL,
    status              INTEGER,
    millis              INTEGER NOT NULL,
    error               TEXT,
    PRIMARY KEY (tenant_id, delivery_id, number),
    CONSTRAINT webhook_attempts_delivery_fk FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER webhooks_fk_insert BEFORE INSERT ON webhooks
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhooks_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER webhooks_fk_update BEFORE UPDATE OF tenant_id ON webhooks
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhooks_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER webhook_deliveries_fk_insert BEFORE INSERT ON webhook_deliveries
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_deliveries_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_deliveries_webhook_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.webhook_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM webhooks AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.webhook_id);
END;

CREATE TRIGGER webhook_deliveries_fk_update BEFORE UPDATE OF tenant_id, webhook_id ON webhook_deliveries
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_deliveries_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_deliveries_webhook_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.webhook_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM webhooks AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.webhook_id);
END;

CREATE TRIGGER webhook_attempts_fk_insert BEFORE INSERT ON webhook_attempts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_attempts_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_attempts_delivery_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.delivery_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.delivery_id);
END;

CREATE TRIGGER webhook_attempts_fk_update BEFORE UPDATE OF tenant_id, delivery_id ON webhook_attempts
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_attempts_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: webhook_attempts_delivery_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.delivery_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.delivery_id);
END;
