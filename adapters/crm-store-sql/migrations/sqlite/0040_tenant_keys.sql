-- Each company's field key of a master key, sealed under a (newer) master key: kept by
-- `crm keys rotate`, so that the older master key can be retired without re-encrypting
-- anything — rows, the append-only log and files keep naming the key they were sealed
-- under, and open through this copy. Platform data: read at start for every company.
CREATE TABLE tenant_keys (
    tenant_id   BLOB NOT NULL,
    key_id      INTEGER NOT NULL,
    under_key   INTEGER NOT NULL,
    wrapped     BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id, under_key)
);
