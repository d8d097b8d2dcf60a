-- Each person's data key (crypto-shredding): what the event log keeps of a contact is
-- sealed under it, and the key itself only wrapped by the tenant key. Erasing a person
-- empties `wrapped` (the row stays, so later reads know the values were erased rather
-- than never sealed).
CREATE TABLE person_keys (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    person_id       BLOB NOT NULL,
    wrapped         BLOB,
    created_at      INTEGER NOT NULL,
    destroyed_at    INTEGER,
    PRIMARY KEY (tenant_id, person_id)
);

-- Its foreign key named like on PostgreSQL (see 0011).
CREATE TRIGGER person_keys_fk_insert BEFORE INSERT ON person_keys
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: person_keys_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER person_keys_fk_update BEFORE UPDATE OF tenant_id ON person_keys
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: person_keys_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
