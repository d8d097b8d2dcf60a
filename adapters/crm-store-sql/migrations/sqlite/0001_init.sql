-- CRM schema for SQLite, the same tables as on PostgreSQL. Every tenant table leads its
-- primary and foreign keys with tenant_id. BLOBs are 16-byte BLOBs.
-- Timestamps are microseconds since the Unix epoch (INTEGER), identical on both backends.


CREATE TABLE tenants (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Per-tenant event sequence: the row lock taken by the increment serializes writers of
-- one tenant, so sequence numbers follow commit order.
CREATE TABLE event_counters (
    tenant_id   BLOB PRIMARY KEY REFERENCES tenants (id),
    last_seq    INTEGER NOT NULL
);

CREATE TABLE users (
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    id           BLOB NOT NULL,
    email_ct     BLOB NOT NULL,
    email_bidx   BLOB NOT NULL,
    display_name TEXT NOT NULL,
    name_sort    TEXT NOT NULL,
    role         TEXT NOT NULL,
    team_id      BLOB,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);

CREATE TABLE teams (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    name        TEXT NOT NULL,
    name_fold   TEXT NOT NULL,
    manager_id  BLOB NOT NULL,
    territory   TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT teams_name_unique UNIQUE (tenant_id, name_fold),
    CONSTRAINT teams_manager_fk FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX users_team ON users (tenant_id, team_id);
CREATE INDEX teams_manager ON teams (tenant_id, manager_id);

-- Login lookup, outside row-level security because it is read before the tenant is known.
-- Holds a keyed hash of the email and where it leads, nothing else.
CREATE TABLE user_logins (
    email_hash  BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL,
    user_id     BLOB NOT NULL
);

CREATE TABLE organizations (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    name        TEXT NOT NULL,
    name_sort   TEXT NOT NULL,
    domain      TEXT,
    industry    TEXT,
    size        TEXT,
    street_ct   BLOB,
    postal_code TEXT,
    city        TEXT,
    country     TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX organizations_name ON organizations (tenant_id, name_sort, id);
CREATE INDEX organizations_created ON organizations (tenant_id, created_at, id);
CREATE INDEX organizations_updated ON organizations (tenant_id, updated_at, id);
CREATE INDEX organizations_domain ON organizations (tenant_id, domain);

CREATE TABLE contacts (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    kind            TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    first_fold      TEXT NOT NULL,
    last_fold       TEXT NOT NULL,
    name_sort       TEXT NOT NULL,
    emails_ct       BLOB NOT NULL,
    phones_ct       BLOB NOT NULL,
    organization_id BLOB,
    job_title       TEXT,
    street_ct       BLOB,
    postal_code     TEXT,
    city            TEXT,
    country         TEXT,
    tags            TEXT NOT NULL,
    owner_id        BLOB NOT NULL,
    source          TEXT,
    notes_ct        BLOB,
    score           INTEGER NOT NULL,
    merged_into     BLOB,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT contacts_organization_fk FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    CONSTRAINT contacts_owner_fk FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX contacts_name ON contacts (tenant_id, name_sort, id);
CREATE INDEX contacts_created ON contacts (tenant_id, created_at, id);
CREATE INDEX contacts_updated ON contacts (tenant_id, updated_at, id);
CREATE INDEX contacts_owner ON contacts (tenant_id, owner_id);
CREATE INDEX contacts_last_fold ON contacts (tenant_id, last_fold);
CREATE INDEX contacts_first_fold ON contacts (tenant_id, first_fold);
CREATE INDEX contacts_organization ON contacts (tenant_id, organization_id);
CREATE INDEX contacts_merged_into ON contacts (tenant_id, merged_into);

CREATE TABLE contact_tags (
    tenant_id   BLOB NOT NULL,
    contact_id  BLOB NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, tag),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_tags_tag ON contact_tags (tenant_id, tag);

-- Blind indexes (HMAC) of emails and phones for equality lookups.
CREATE TABLE contact_lookups (
    tenant_id   BLOB NOT NULL,
    field       TEXT NOT NULL,
    hash        BLOB NOT NULL,
    contact_id  BLOB NOT NULL,
    PRIMARY KEY (tenant_id, field, hash, contact_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_lookups_contact ON contact_lookups (tenant_id, contact_id);

CREATE TABLE pipelines (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE stages (
    tenant_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    pipeline_id BLOB NOT NULL,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    probability INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id)
);
CREATE INDEX stages_pipeline ON stages (tenant_id, pipeline_id, position);

CREATE TABLE opportunities (
    tenant_id               BLOB NOT NULL REFERENCES tenants (id),
    id                      BLOB NOT NULL,
    title                   TEXT NOT NULL,
    title_sort              TEXT NOT NULL,
    pipeline_id             BLOB NOT NULL,
    stage_id                BLOB NOT NULL,
    value_minor             INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    probability             INTEGER NOT NULL,
    probability_overridden  INTEGER NOT NULL,
    expected_close          TEXT,
    owner_id                BLOB NOT NULL,
    organization_id         BLOB,
    status                  TEXT NOT NULL,
    lost_reason             TEXT,
    closed_at               INTEGER,
    stage_history           TEXT NOT NULL,
    version                 INTEGER NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    deleted_at              INTEGER,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT opportunities_pipeline_fk FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id),
    CONSTRAINT opportunities_stage_fk FOREIGN KEY (tenant_id, stage_id) REFERENCES stages (tenant_id, id),
    CONSTRAINT opportunities_owner_fk FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    CONSTRAINT opportunities_organization_fk FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX opportunities_title ON opportunities (tenant_id, title_sort, id);
CREATE INDEX opportunities_created ON opportunities (tenant_id, created_at, id);
CREATE INDEX opportunities_updated ON opportunities (tenant_id, updated_at, id);
CREATE INDEX opportunities_owner ON opportunities (tenant_id, owner_id);
CREATE INDEX opportunities_stage ON opportunities (tenant_id, stage_id);
CREATE INDEX opportunities_close ON opportunities (tenant_id, status, expected_close);

CREATE TABLE opportunity_contacts (
    tenant_id       BLOB NOT NULL,
    opportunity_id  BLOB NOT NULL,
    contact_id      BLOB NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, contact_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id),
    CONSTRAINT opportunity_contacts_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX opportunity_contacts_contact ON opportunity_contacts (tenant_id, contact_id);

-- The append-only event log: audit history and outbox of every reader.
CREATE TABLE events (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    BLOB,
    entity_type TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    kind        TEXT NOT NULL,
    owner_id    BLOB,
    changes     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_entity ON events (tenant_id, entity_type, entity_id, seq);
CREATE INDEX events_actor ON events (tenant_id, actor_id, at);
CREATE INDEX events_at ON events (tenant_id, at);

-- The event log is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
