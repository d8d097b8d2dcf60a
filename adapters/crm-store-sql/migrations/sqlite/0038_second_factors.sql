-- Second factors of the logins (TOTP): the shared secret sealed under the tenant key, the
-- last step whose code was accepted (a code is good once), and the SHA-256 hashes of the
-- recovery codes still unused, 32 bytes each, end to end.
CREATE TABLE second_factors (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    user_id         BLOB NOT NULL,
    secret_ct       BLOB NOT NULL,
    confirmed_at    INTEGER,
    last_step       INTEGER NOT NULL,
    recovery        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT second_factors_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- The foreign keys named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER second_factors_fk_insert BEFORE INSERT ON second_factors
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: second_factors_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: second_factors_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;

CREATE TRIGGER second_factors_fk_update BEFORE UPDATE OF tenant_id, user_id ON second_factors
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: second_factors_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: second_factors_user_fk')
        WHERE NEW.tenant_id IS NOT NULL AND NEW.user_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.user_id);
END;
