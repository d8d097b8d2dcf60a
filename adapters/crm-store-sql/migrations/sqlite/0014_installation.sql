-- Installation-wide keys, one sealed copy under each master key the installation was
-- given. `blind-index-root`: the root the blind indexes derive from, so that lookups and
-- suppression hashes survive a rotation of master keys (a process opens the copy of a key
-- it holds, and adds a copy under each of its keys that has none).
CREATE TABLE installation_keys (
    name        TEXT NOT NULL,
    key_id      INTEGER NOT NULL,
    sealed      BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (name, key_id)
);

-- Data migrations, run by the program after the schema's (they need the master key): a
-- row says one is done. `person-events-sealed`: the values that contacts' events written
-- before person keys existed (migration 0012) keep of them are sealed under those keys.
CREATE TABLE data_migrations (
    name        TEXT PRIMARY KEY,
    done_at     INTEGER NOT NULL,
    detail      TEXT NOT NULL
);
