-- CRM schema for PostgreSQL. Every tenant table leads its primary and foreign keys with
-- tenant_id (distributable by tenant_id, e.g. on Citus), has row-level security enabled
-- and forced, and a policy bound to the per-transaction setting app.tenant_id.
-- Timestamps are microseconds since the Unix epoch (BIGINT), identical on both backends.

CREATE OR REPLACE FUNCTION crm_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    JSONB NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Per-tenant event sequence: the row lock taken by the increment serializes writers of
-- one tenant, so sequence numbers follow commit order.
CREATE TABLE event_counters (
    tenant_id   UUID PRIMARY KEY REFERENCES tenants (id),
    last_seq    BIGINT NOT NULL
);

CREATE TABLE users (
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    id           UUID NOT NULL,
    email_ct     BYTEA NOT NULL,
    email_bidx   BYTEA NOT NULL,
    display_name TEXT NOT NULL,
    name_sort    TEXT COLLATE "C" NOT NULL,
    role         TEXT NOT NULL,
    team_id      UUID,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE teams (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    name        TEXT NOT NULL,
    name_fold   TEXT COLLATE "C" NOT NULL,
    manager_id  UUID NOT NULL,
    territory   TEXT,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT teams_name_unique UNIQUE (tenant_id, name_fold),
    CONSTRAINT teams_manager_fk FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id)
);

ALTER TABLE users ADD CONSTRAINT users_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id);
CREATE INDEX users_team ON users (tenant_id, team_id);
CREATE INDEX teams_manager ON teams (tenant_id, manager_id);

-- Login lookup, outside row-level security because it is read before the tenant is known.
-- Holds a keyed hash of the email and where it leads, nothing else.
CREATE TABLE user_logins (
    email_hash  BYTEA PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    user_id     UUID NOT NULL
);

CREATE TABLE organizations (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    name        TEXT NOT NULL,
    name_sort   TEXT COLLATE "C" NOT NULL,
    domain      TEXT,
    industry    TEXT,
    size        TEXT,
    street_ct   BYTEA,
    postal_code TEXT,
    city        TEXT,
    country     TEXT,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX organizations_name ON organizations (tenant_id, name_sort, id);
CREATE INDEX organizations_created ON organizations (tenant_id, created_at, id);
CREATE INDEX organizations_updated ON organizations (tenant_id, updated_at, id);
CREATE INDEX organizations_domain ON organizations (tenant_id, domain);

CREATE TABLE contacts (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    id              UUID NOT NULL,
    kind            TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    first_fold      TEXT COLLATE "C" NOT NULL,
    last_fold       TEXT COLLATE "C" NOT NULL,
    name_sort       TEXT COLLATE "C" NOT NULL,
    emails_ct       BYTEA NOT NULL,
    phones_ct       BYTEA NOT NULL,
    organization_id UUID,
    job_title       TEXT,
    street_ct       BYTEA,
    postal_code     TEXT,
    city            TEXT,
    country         TEXT,
    tags            JSONB NOT NULL,
    owner_id        UUID NOT NULL,
    source          TEXT,
    notes_ct        BYTEA,
    score           BIGINT NOT NULL,
    merged_into     UUID,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT,
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
    tenant_id   UUID NOT NULL,
    contact_id  UUID NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, tag),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_tags_tag ON contact_tags (tenant_id, tag);

-- Blind indexes (HMAC) of emails and phones for equality lookups.
CREATE TABLE contact_lookups (
    tenant_id   UUID NOT NULL,
    field       TEXT NOT NULL,
    hash        BYTEA NOT NULL,
    contact_id  UUID NOT NULL,
    PRIMARY KEY (tenant_id, field, hash, contact_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_lookups_contact ON contact_lookups (tenant_id, contact_id);

CREATE TABLE pipelines (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    name        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE stages (
    tenant_id   UUID NOT NULL,
    id          UUID NOT NULL,
    pipeline_id UUID NOT NULL,
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    probability BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id)
);
CREATE INDEX stages_pipeline ON stages (tenant_id, pipeline_id, position);

CREATE TABLE opportunities (
    tenant_id               UUID NOT NULL REFERENCES tenants (id),
    id                      UUID NOT NULL,
    title                   TEXT NOT NULL,
    title_sort              TEXT COLLATE "C" NOT NULL,
    pipeline_id             UUID NOT NULL,
    stage_id                UUID NOT NULL,
    value_minor             BIGINT NOT NULL,
    currency                TEXT NOT NULL,
    probability             BIGINT NOT NULL,
    probability_overridden  BOOLEAN NOT NULL,
    expected_close          DATE,
    owner_id                UUID NOT NULL,
    organization_id         UUID,
    status                  TEXT NOT NULL,
    lost_reason             TEXT,
    closed_at               BIGINT,
    stage_history           JSONB NOT NULL,
    version                 BIGINT NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    deleted_at              BIGINT,
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
    tenant_id       UUID NOT NULL,
    opportunity_id  UUID NOT NULL,
    contact_id      UUID NOT NULL,
    position        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, contact_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id),
    CONSTRAINT opportunity_contacts_contact_fk FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX opportunity_contacts_contact ON opportunity_contacts (tenant_id, contact_id);

-- The append-only event log: audit history and outbox of every reader.
CREATE TABLE events (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    UUID,
    entity_type TEXT NOT NULL,
    entity_id   UUID NOT NULL,
    kind        TEXT NOT NULL,
    owner_id    UUID,
    changes     JSONB NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_entity ON events (tenant_id, entity_type, entity_id, seq);
CREATE INDEX events_actor ON events (tenant_id, actor_id, at);
CREATE INDEX events_at ON events (tenant_id, at);

CREATE OR REPLACE FUNCTION crm_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only' USING ERRCODE = '42501';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION crm_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION crm_events_append_only();

-- Row-level security: the second wall behind the tenant filter of every query.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tenants
    USING (id = crm_current_tenant() OR current_setting('app.platform', true) = 'on')
    WITH CHECK (id = crm_current_tenant() OR current_setting('app.platform', true) = 'on');

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['event_counters', 'users', 'teams', 'organizations', 'contacts',
        'contact_tags', 'contact_lookups', 'pipelines', 'stages', 'opportunities',
        'opportunity_contacts', 'events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    END LOOP;
END $$;
