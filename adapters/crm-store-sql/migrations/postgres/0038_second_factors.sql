-- Second factors of the logins (TOTP): the shared secret sealed under the tenant key, the
-- last step whose code was accepted (a code is good once), and the SHA-256 hashes of the
-- recovery codes still unused, 32 bytes each, end to end.
CREATE TABLE second_factors (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    user_id         UUID NOT NULL,
    secret_ct       BYTEA NOT NULL,
    confirmed_at    BIGINT,
    last_step       BIGINT NOT NULL,
    recovery        BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT second_factors_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

ALTER TABLE second_factors ENABLE ROW LEVEL SECURITY;
ALTER TABLE second_factors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON second_factors USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
