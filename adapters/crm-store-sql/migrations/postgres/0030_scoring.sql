-- Lead scoring: a company's rules (what each looks at as JSON, its points and half-life),
-- and the contacts' scores in tables of their own — the score with its explanation
-- (JSON), and each change of it — so that a new score never changes the contact's row or
-- version. A contact deleted for good takes its scores with it.
CREATE TABLE scoring_rules (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    name                TEXT NOT NULL,
    signal              TEXT NOT NULL,
    points              BIGINT NOT NULL,
    half_life_days      BIGINT,
    active              BOOLEAN NOT NULL,
    updated_by          UUID,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE contact_scores (
    tenant_id           UUID NOT NULL,
    contact_id          UUID NOT NULL,
    score               BIGINT NOT NULL,
    breakdown           TEXT NOT NULL,
    computed_at         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, contact_id),
    CONSTRAINT contact_scores_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_scores_score ON contact_scores (tenant_id, score);

CREATE TABLE score_history (
    tenant_id           UUID NOT NULL,
    contact_id          UUID NOT NULL,
    at                  BIGINT NOT NULL,
    score               BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, at),
    CONSTRAINT score_history_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE scoring_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoring_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON scoring_rules USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE contact_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_scores FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON contact_scores USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
ALTER TABLE score_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE score_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON score_history USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
