-- Each person's data key (crypto-shredding): what the event log keeps of a contact is
-- sealed under it, and the key itself only wrapped by the tenant key. Erasing a person
-- empties `wrapped` (the row stays, so later reads know the values were erased rather
-- than never sealed).
CREATE TABLE person_keys (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    person_id       UUID NOT NULL,
    wrapped         BYTEA,
    created_at      BIGINT NOT NULL,
    destroyed_at    BIGINT,
    PRIMARY KEY (tenant_id, person_id)
);

ALTER TABLE person_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON person_keys USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
