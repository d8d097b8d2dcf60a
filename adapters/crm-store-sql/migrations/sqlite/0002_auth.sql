-- Authentication (SQLite): the same tables as on PostgreSQL.

CREATE TABLE credentials (
    tenant_id       BLOB NOT NULL,
    user_id         BLOB NOT NULL,
    password_hash   TEXT NOT NULL,
    changed_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE tokens (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT,
    csrf_hash   BLOB,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX tokens_user ON tokens (tenant_id, user_id, kind);

CREATE TABLE idempotency_keys (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    user_id         BLOB NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BLOB NOT NULL,
    status          INTEGER NOT NULL,
    response        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
);


-- Outside row-level security (read before any tenant is known): token hash -> holder.
CREATE TABLE token_lookups (
    token_hash  BLOB PRIMARY KEY,
    tenant_id   BLOB,
    principal_id BLOB NOT NULL,
    token_id    BLOB NOT NULL
);

-- Platform operators and their tokens: no tenant data.
CREATE TABLE operators (
    id              BLOB PRIMARY KEY,
    email_hash      BLOB NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE operator_tokens (
    id          BLOB PRIMARY KEY,
    operator_id BLOB NOT NULL REFERENCES operators (id),
    kind        TEXT NOT NULL,
    name        TEXT,
    csrf_hash   BLOB,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
