-- Territories: a company's areas (postcode starts, industries, as JSON arrays) each given
-- to a team; the team's next sales rep owns what a territory covers when asked.
CREATE TABLE territories (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    name                TEXT NOT NULL,
    name_fold           TEXT NOT NULL,
    team_id             BLOB NOT NULL,
    areas               TEXT NOT NULL,
    industries          TEXT NOT NULL,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT territories_name_unique UNIQUE (tenant_id, name_fold),
    CONSTRAINT territories_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE INDEX territories_team ON territories (tenant_id, team_id);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER territories_fk_insert BEFORE INSERT ON territories
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: territories_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: territories_team_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.team_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM teams AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.team_id);
END;

CREATE TRIGGER territories_fk_update BEFORE UPDATE OF tenant_id, team_id ON territories
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: territories_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: territories_team_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.team_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM teams AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.team_id);
END;
