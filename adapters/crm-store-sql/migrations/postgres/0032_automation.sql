-- Automation: each change in the log records the automation rule that made it, if any,
-- and its depth in a chain of automations (0: not an automation); a company's rules (the
-- trigger, the conditions and the actions as JSON); their runs — one per rule and
-- triggering change or date, with each decision, its reason and each action's outcome.
-- Deleting a rule deletes its runs.
ALTER TABLE events ADD COLUMN cause_rule UUID;
ALTER TABLE events ADD COLUMN cause_depth BIGINT NOT NULL DEFAULT 0;

CREATE TABLE automation_rules (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    name                TEXT NOT NULL,
    active              BOOLEAN NOT NULL,
    trigger_spec        TEXT NOT NULL,
    conditions          TEXT,
    actions             TEXT NOT NULL,
    created_by          UUID,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE automation_runs (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    rule_id             UUID NOT NULL,
    trigger_key         TEXT NOT NULL,
    event_seq           BIGINT,
    entity_type         TEXT NOT NULL,
    entity_id           UUID NOT NULL,
    contact_id          UUID,
    depth               BIGINT NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    steps               TEXT NOT NULL,
    next_step           BIGINT NOT NULL,
    resume_at           BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT automation_runs_rule_fk FOREIGN KEY (tenant_id, rule_id) REFERENCES automation_rules (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX automation_runs_trigger ON automation_runs (tenant_id, rule_id, trigger_key);
CREATE INDEX automation_runs_recent ON automation_runs (tenant_id, rule_id, created_at);

ALTER TABLE automation_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE automation_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON automation_rules USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE automation_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE automation_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON automation_runs USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
