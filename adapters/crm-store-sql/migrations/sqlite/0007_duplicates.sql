-- The duplicate review queue (SQLite): groups of likely duplicate contacts found by a scan,
-- open until merged or dismissed. A dismissed group (same members) is not proposed again.

CREATE TABLE duplicate_groups (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    member_key      TEXT NOT NULL,
    reasons         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'merged')),
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    resolved_by     BLOB,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX duplicate_groups_status ON duplicate_groups (tenant_id, status, created_at);
CREATE INDEX duplicate_groups_key ON duplicate_groups (tenant_id, member_key);

CREATE TABLE duplicate_group_members (
    tenant_id       BLOB NOT NULL,
    group_id        BLOB NOT NULL,
    contact_id      BLOB NOT NULL,
    PRIMARY KEY (tenant_id, group_id, contact_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES duplicate_groups (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX duplicate_group_members_contact ON duplicate_group_members (tenant_id, contact_id);
