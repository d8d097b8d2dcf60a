-- The suppression list: emails and phones of people who must not be reached again (they
-- unsubscribed, were erased, bounced, or an Admin said so), kept only as keyed hashes (the
-- blind index of the contacts' lookups): an import or a campaign can tell a value is on
-- the list, nobody can read the list back as addresses.
CREATE TABLE suppressions (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    channel         TEXT NOT NULL,
    hash            BLOB NOT NULL,
    reason          TEXT NOT NULL,
    note            TEXT,
    created_by      BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX suppressions_value ON suppressions (tenant_id, channel, hash);

-- The foreign key named as on PostgreSQL (see 0011_constraint_names.sql).
CREATE TRIGGER suppressions_fk_insert BEFORE INSERT ON suppressions
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: suppressions_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;

CREATE TRIGGER suppressions_fk_update BEFORE UPDATE OF tenant_id ON suppressions
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: suppressions_tenant_id_fkey')
        WHERE NEW.tenant_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tenants AS p WHERE p.id = NEW.tenant_id);
END;
