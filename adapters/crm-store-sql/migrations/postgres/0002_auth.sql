-- Authentication: passwords, tokens, platform operators, idempotency keys.

CREATE TABLE credentials (
    tenant_id       UUID NOT NULL,
    user_id         UUID NOT NULL,
    password_hash   TEXT NOT NULL,
    changed_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE tokens (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    user_id     UUID NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT,
    csrf_hash   BYTEA,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX tokens_user ON tokens (tenant_id, user_id, kind);

CREATE TABLE idempotency_keys (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    user_id         UUID NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BYTEA NOT NULL,
    status          BIGINT NOT NULL,
    response        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['credentials', 'tokens', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    END LOOP;
END $$;

-- Outside row-level security (read before any tenant is known): token hash -> holder.
CREATE TABLE token_lookups (
    token_hash  BYTEA PRIMARY KEY,
    tenant_id   UUID,
    principal_id UUID NOT NULL,
    token_id    UUID NOT NULL
);

-- Platform operators and their tokens: no tenant data.
CREATE TABLE operators (
    id              UUID PRIMARY KEY,
    email_hash      BYTEA NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE operator_tokens (
    id          UUID PRIMARY KEY,
    operator_id UUID NOT NULL REFERENCES operators (id),
    kind        TEXT NOT NULL,
    name        TEXT,
    csrf_hash   BYTEA,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
