-- Teams' validated forecasts: what a Manager submitted for a month or a quarter — per rep
-- and currency the open deals due in the period, their value, weighted value and the
-- Manager's own figure (`lines`, JSON) — and their comment. Kept as submitted: a new
-- submission for the same period supersedes the earlier one, which stays.
CREATE TABLE forecast_submissions (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    team_id         UUID NOT NULL,
    period_kind     TEXT NOT NULL,
    period_first    DATE NOT NULL,
    period_last     DATE NOT NULL,
    submitted_by    UUID NOT NULL,
    submitted_at    BIGINT NOT NULL,
    comment         TEXT,
    lines           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX forecast_submissions_by_team ON forecast_submissions (tenant_id, team_id, period_kind, period_first);

ALTER TABLE forecast_submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE forecast_submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON forecast_submissions USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
