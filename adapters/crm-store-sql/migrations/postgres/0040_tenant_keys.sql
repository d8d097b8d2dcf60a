-- Each company's field key of a master key, sealed under a (newer) master key: kept by
-- `crm keys rotate`, so that the older master key can be retired without re-encrypting
-- anything — rows, the append-only log and files keep naming the key they were sealed
-- under, and open through this copy. Platform data: read at start for every company.
CREATE TABLE tenant_keys (
    tenant_id   UUID NOT NULL,
    key_id      BIGINT NOT NULL,
    under_key   BIGINT NOT NULL,
    wrapped     BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key_id, under_key)
);
