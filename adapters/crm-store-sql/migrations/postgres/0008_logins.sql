-- One person may be a user of several tenants: a login email leads to one user per tenant.
ALTER TABLE user_logins DROP CONSTRAINT user_logins_pkey;
ALTER TABLE user_logins ADD PRIMARY KEY (email_hash, tenant_id);

-- Login attempts counted before a password is checked, shared by every process: a keyed
-- hash of what is counted (an email, a client address, a user's password checks) and its
-- fixed window. Outside row-level security: read before any tenant is known.
CREATE TABLE login_attempts (
    key_hash        BYTEA PRIMARY KEY,
    window_start    BIGINT NOT NULL,
    attempts        BIGINT NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- Which master keys wrote this database: a MAC of a constant under each key id, so that a
-- process given another key is refused at start instead of writing what nobody can read.
CREATE TABLE key_checks (
    key_id      BIGINT PRIMARY KEY,
    mac         BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
