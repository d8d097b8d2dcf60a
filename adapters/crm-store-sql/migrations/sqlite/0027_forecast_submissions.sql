-- Teams' validated forecasts: what a Manager submitted for a month or a quarter — per rep
-- and currency the open deals due in the period, their value, weighted value and the
-- Manager's own figure (`lines`, JSON) — and their comment. Kept as submitted: a new
-- submission for the same period supersedes the earlier one, which stays.
CREATE TABLE forecast_submissions (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    team_id         BLOB NOT NULL,
    period_kind     TEXT NOT NULL,
    period_first    TEXT NOT NULL,
    period_last     TEXT NOT NULL,
    submitted_by    BLOB NOT NULL,
    submitted_at    INTEGER NOT NULL,
    comment         TEXT,
    lines           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX forecast_submissions_by_team ON forecast_submissions (tenant_id, team_id, period_kind, period_first);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER forecast_submissions_fk_insert BEFORE INSERT ON forecast_submissions
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: forecast_submissions_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER forecast_submissions_fk_update BEFORE UPDATE OF tenant_id ON forecast_submissions
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: forecast_submissions_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
