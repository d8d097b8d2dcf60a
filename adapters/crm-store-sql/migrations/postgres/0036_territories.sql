-- Territories: a company's areas (postcode starts, industries, as JSON arrays) each given
-- to a team; the team's next sales rep owns what a territory covers when asked.
CREATE TABLE territories (
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    id                  UUID NOT NULL,
    name                TEXT NOT NULL,
    name_fold           TEXT NOT NULL,
    team_id             UUID NOT NULL,
    areas               TEXT NOT NULL,
    industries          TEXT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT territories_name_unique UNIQUE (tenant_id, name_fold),
    CONSTRAINT territories_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE INDEX territories_team ON territories (tenant_id, team_id);

ALTER TABLE territories ENABLE ROW LEVEL SECURITY;
ALTER TABLE territories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON territories USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
