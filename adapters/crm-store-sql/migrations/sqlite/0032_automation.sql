-- Automation: each change in the log records the automation rule that made it, if any,
-- and its depth in a chain of automations (0: not an automation); a company's rules (the
-- trigger, the conditions and the actions as JSON); their runs — one per rule and
-- triggering change or date, with each decision, its reason and each action's outcome.
-- Deleting a rule deletes its runs.
ALTER TABLE events ADD COLUMN cause_rule BLOB;
ALTER TABLE events ADD COLUMN cause_depth INTEGER NOT NULL DEFAULT 0;

CREATE TABLE automation_rules (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    name                TEXT NOT NULL,
    active              INTEGER NOT NULL,
    trigger_spec        TEXT NOT NULL,
    conditions          TEXT,
    actions             TEXT NOT NULL,
    created_by          BLOB,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE automation_runs (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    rule_id             BLOB NOT NULL,
    trigger_key         TEXT NOT NULL,
    event_seq           INTEGER,
    entity_type         TEXT NOT NULL,
    entity_id           BLOB NOT NULL,
    contact_id          BLOB,
    depth               INTEGER NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    steps               TEXT NOT NULL,
    next_step           INTEGER NOT NULL,
    resume_at           INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT automation_runs_rule_fk FOREIGN KEY (tenant_id, rule_id) REFERENCES automation_rules (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX automation_runs_trigger ON automation_runs (tenant_id, rule_id, trigger_key);
CREATE INDEX automation_runs_recent ON automation_runs (tenant_id, rule_id, created_at);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER automation_rules_fk_insert BEFORE INSERT ON automation_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER automation_rules_fk_update BEFORE UPDATE OF tenant_id ON automation_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER automation_runs_fk_insert BEFORE INSERT ON automation_runs
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_runs_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_runs_rule_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.rule_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM automation_rules AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.rule_id);
END;

CREATE TRIGGER automation_runs_fk_update BEFORE UPDATE OF tenant_id, rule_id ON automation_runs
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_runs_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: automation_runs_rule_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.rule_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM automation_rules AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.rule_id);
END;
