-- The learned scoring model of a company: its latest training (the model, or "too few
-- examples"; its AUC and the rules' beside it), as JSON, with when it was trained.
CREATE TABLE scoring_models (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    trained_at          INTEGER NOT NULL,
    training            TEXT NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER scoring_models_fk_insert BEFORE INSERT ON scoring_models
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: scoring_models_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER scoring_models_fk_update BEFORE UPDATE OF tenant_id ON scoring_models
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: scoring_models_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
