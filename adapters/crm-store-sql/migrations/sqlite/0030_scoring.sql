-- Lead scoring: a company's rules (what each looks at as JSON, its points and half-life),
-- and the contacts' scores in tables of their own — the score with its explanation
-- (JSON), and each change of it — so that a new score never changes the contact's row or
-- version. A contact deleted for good takes its scores with it.
CREATE TABLE scoring_rules (
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    id                  BLOB NOT NULL,
    name                TEXT NOT NULL,
    signal              TEXT NOT NULL,
    points              INTEGER NOT NULL,
    half_life_days      INTEGER,
    active              INTEGER NOT NULL,
    updated_by          BLOB,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE contact_scores (
    tenant_id           BLOB NOT NULL,
    contact_id          BLOB NOT NULL,
    score               INTEGER NOT NULL,
    breakdown           TEXT NOT NULL,
    computed_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, contact_id),
    CONSTRAINT contact_scores_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_scores_score ON contact_scores (tenant_id, score);

CREATE TABLE score_history (
    tenant_id           BLOB NOT NULL,
    contact_id          BLOB NOT NULL,
    at                  INTEGER NOT NULL,
    score               INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, at),
    CONSTRAINT score_history_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER scoring_rules_fk_insert BEFORE INSERT ON scoring_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: scoring_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER scoring_rules_fk_update BEFORE UPDATE OF tenant_id ON scoring_rules
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: scoring_rules_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER contact_scores_fk_insert BEFORE INSERT ON contact_scores
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_scores_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER contact_scores_fk_update BEFORE UPDATE OF tenant_id, contact_id ON contact_scores
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: contact_scores_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER score_history_fk_insert BEFORE INSERT ON score_history
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: score_history_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;

CREATE TRIGGER score_history_fk_update BEFORE UPDATE OF tenant_id, contact_id ON score_history
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: score_history_contact_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.contact_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM contacts AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.contact_id);
END;
