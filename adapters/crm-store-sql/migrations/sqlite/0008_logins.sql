-- One person may be a user of several tenants: a login email leads to one user per tenant.
CREATE TABLE user_logins_by_tenant (
    email_hash  BLOB NOT NULL,
    tenant_id   BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    PRIMARY KEY (email_hash, tenant_id)
);
INSERT INTO user_logins_by_tenant (email_hash, tenant_id, user_id)
    SELECT email_hash, tenant_id, user_id FROM user_logins;
DROP TABLE user_logins;
ALTER TABLE user_logins_by_tenant RENAME TO user_logins;

-- Login attempts counted before a password is checked, shared by every process: a keyed
-- hash of what is counted (an email, a client address, a user's password checks) and its
-- fixed window.
CREATE TABLE login_attempts (
    key_hash        BLOB PRIMARY KEY,
    window_start    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- Which master keys wrote this database: a MAC of a constant under each key id, so that a
-- process given another key is refused at start instead of writing what nobody can read.
CREATE TABLE key_checks (
    key_id      INTEGER PRIMARY KEY,
    mac         BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
