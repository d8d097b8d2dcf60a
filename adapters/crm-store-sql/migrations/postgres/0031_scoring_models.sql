-- The learned scoring model of a company: its latest training (the model, or "too few
-- examples"; its AUC and the rules' beside it), as JSON, with when it was trained.
CREATE TABLE scoring_models (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    trained_at          BIGINT NOT NULL,
    training            TEXT NOT NULL,
    PRIMARY KEY (tenant_id)
);

ALTER TABLE scoring_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoring_models FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON scoring_models USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
