-- Segments (SQLite): static lists of contacts kept by hand, or dynamic rules (JSON)
-- evaluated by the store at each use.

CREATE TABLE segments (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    name            TEXT NOT NULL,
    name_sort       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('static', 'dynamic')),
    rule            TEXT,
    created_by      BLOB,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    PRIMARY KEY (tenant_id, id),
    CHECK ((kind = 'dynamic') = (rule IS NOT NULL))
);
CREATE UNIQUE INDEX segments_name ON segments (tenant_id, name_sort) WHERE deleted_at IS NULL;

CREATE TABLE segment_members (
    tenant_id       BLOB NOT NULL,
    segment_id      BLOB NOT NULL,
    contact_id      BLOB NOT NULL,
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, segment_id, contact_id),
    FOREIGN KEY (tenant_id, segment_id) REFERENCES segments (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX segment_members_contact ON segment_members (tenant_id, contact_id);
