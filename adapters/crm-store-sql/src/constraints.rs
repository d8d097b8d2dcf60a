//! Every unique and foreign-key constraint of the schema, with the field of the API it
//! guards and the store error its violation becomes.
//!
//! The store never guesses a field from an error text. PostgreSQL names the violated
//! constraint; SQLite names the table and columns of a violated unique index or primary
//! key (`UNIQUE constraint failed: teams.tenant_id, teams.name_fold`), and its violated
//! foreign keys are named by the triggers of migration `sqlite/0011_constraint_names.sql`
//! (`FOREIGN KEY constraint failed: contacts_owner_fk`), with the names they have on
//! PostgreSQL. A constraint missing from [`CONSTRAINTS`] is a store failure
//! ([`StoreError::Internal`], logged with its name), never a guessed field.
//!
//! Limit: a foreign key violated from the referenced side (deleting or re-keying a row
//! still referenced) is reported by PostgreSQL under the referencing constraint's name,
//! hence as that constraint's field; SQLite reports it unnamed, as the generic field
//! `reference`. The store only deletes rows nothing refers to any more (stages left empty,
//! duplicate groups after their members), so this takes a concurrent write.

pub(crate) mod violations;

use crm_ports::StoreError;

/// What a constraint enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A primary key (listed only where a caller can hit it with a value of its own).
    PrimaryKey,
    /// A unique constraint or unique index.
    Unique,
    /// A foreign key.
    ForeignKey {
        /// The referenced table.
        references: &'static str,
    },
}

/// One constraint of the schema and what its violation means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraint {
    /// Its name on PostgreSQL; also the name the SQLite triggers give foreign keys.
    pub name: &'static str,
    /// The table it is on.
    pub table: &'static str,
    /// Its columns, in order (how SQLite reports a unique violation).
    pub columns: &'static [&'static str],
    /// What it enforces.
    pub kind: Kind,
    /// The API field at fault when it is violated.
    pub field: &'static str,
}

impl Constraint {
    /// The store error of a violation: `Duplicate` for a unique constraint or primary key,
    /// `UnknownReference` for a foreign key, both with [`Constraint::field`].
    pub fn error(&self) -> StoreError {
        match self.kind {
            Kind::PrimaryKey | Kind::Unique => StoreError::Duplicate { field: self.field },
            Kind::ForeignKey { .. } => StoreError::UnknownReference { field: self.field },
        }
    }

    fn is_unique(&self) -> bool {
        matches!(self.kind, Kind::PrimaryKey | Kind::Unique)
    }
}

/// The field of a foreign key that SQLite reports without a name (see the module's limit).
pub const UNNAMED_REFERENCE: &str = "reference";

const fn pk(name: &'static str, table: &'static str, columns: &'static [&'static str], field: &'static str) -> Constraint {
    Constraint {
        name,
        table,
        columns,
        kind: Kind::PrimaryKey,
        field,
    }
}

const fn unique(name: &'static str, table: &'static str, columns: &'static [&'static str], field: &'static str) -> Constraint {
    Constraint {
        name,
        table,
        columns,
        kind: Kind::Unique,
        field,
    }
}

/// A foreign key from `columns` to the key of `references`.
const fn fk(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    references: &'static str,
    field: &'static str,
) -> Constraint {
    Constraint {
        name,
        table,
        columns,
        kind: Kind::ForeignKey { references },
        field,
    }
}

/// The foreign key `tenant_id` to `tenants (id)` of a table: a write for a tenant that does
/// not exist.
const fn tenant(name: &'static str, table: &'static str) -> Constraint {
    fk(name, table, &["tenant_id"], "tenants", "tenant_id")
}

/// Every unique constraint, unique index and foreign key of the schema (migrations 0001 to
/// 0019, both backends), and the primary keys a caller's own value can collide with.
pub const CONSTRAINTS: &[Constraint] = &[
    // Unique values.
    pk("user_logins_pkey", "user_logins", &["email_hash", "tenant_id"], "email"),
    pk(
        "idempotency_keys_pkey",
        "idempotency_keys",
        &["tenant_id", "user_id", "key"],
        "idempotency_key",
    ),
    unique("teams_name_unique", "teams", &["tenant_id", "name_fold"], "name"),
    unique("territories_name_unique", "territories", &["tenant_id", "name_fold"], "name"),
    unique(
        "automation_runs_trigger",
        "automation_runs",
        &["tenant_id", "rule_id", "trigger_key"],
        "trigger_key",
    ),
    unique("operators_email_hash_key", "operators", &["email_hash"], "email"),
    unique(
        "activities_reminder_unique",
        "activities",
        &["tenant_id", "reminder_key"],
        "reminder_key",
    ),
    unique(
        "notifications_reminder_unique",
        "notifications",
        &["tenant_id", "reminder_key"],
        "reminder_key",
    ),
    unique("segments_name", "segments", &["tenant_id", "name_sort"], "name"),
    unique("jobs_live_key", "jobs", &["tenant_id", "key"], "key"),
    unique("contacts_external_id", "contacts", &["tenant_id", "external_id"], "external_id"),
    unique(
        "organizations_external_id",
        "organizations",
        &["tenant_id", "external_id"],
        "external_id",
    ),
    unique("suppressions_value", "suppressions", &["tenant_id", "channel", "hash"], "value"),
    unique("email_templates_name", "email_templates", &["tenant_id", "name_key"], "name"),
    unique(
        "email_messages_message_id",
        "email_messages",
        &["tenant_id", "message_id"],
        "message_id",
    ),
    unique(
        "email_messages_campaign_contact",
        "email_messages",
        &["tenant_id", "campaign_id", "contact_id"],
        "contact_id",
    ),
    // References to the tenant: a write for a tenant that does not exist.
    tenant("event_counters_tenant_id_fkey", "event_counters"),
    tenant("users_tenant_id_fkey", "users"),
    tenant("teams_tenant_id_fkey", "teams"),
    tenant("organizations_tenant_id_fkey", "organizations"),
    tenant("contacts_tenant_id_fkey", "contacts"),
    tenant("pipelines_tenant_id_fkey", "pipelines"),
    tenant("opportunities_tenant_id_fkey", "opportunities"),
    tenant("events_tenant_id_fkey", "events"),
    tenant("tokens_tenant_id_fkey", "tokens"),
    tenant("idempotency_keys_tenant_id_fkey", "idempotency_keys"),
    tenant("activities_tenant_id_fkey", "activities"),
    tenant("reminder_rules_tenant_id_fkey", "reminder_rules"),
    tenant("notifications_tenant_id_fkey", "notifications"),
    tenant("unmatched_calls_tenant_id_fkey", "unmatched_calls"),
    tenant("segments_tenant_id_fkey", "segments"),
    tenant("duplicate_groups_tenant_id_fkey", "duplicate_groups"),
    tenant("consumer_cursors_tenant_id_fkey", "consumer_cursors"),
    tenant("parked_events_tenant_id_fkey", "parked_events"),
    tenant("jobs_tenant_id_fkey", "jobs"),
    tenant("files_tenant_id_fkey", "files"),
    tenant("person_keys_tenant_id_fkey", "person_keys"),
    tenant("suppressions_tenant_id_fkey", "suppressions"),
    tenant("email_templates_tenant_id_fkey", "email_templates"),
    tenant("email_messages_tenant_id_fkey", "email_messages"),
    tenant("inbound_secrets_tenant_id_fkey", "inbound_secrets"),
    tenant("campaigns_tenant_id_fkey", "campaigns"),
    tenant("mail_relays_tenant_id_fkey", "mail_relays"),
    tenant("forecast_submissions_tenant_id_fkey", "forecast_submissions"),
    tenant("webhooks_tenant_id_fkey", "webhooks"),
    tenant("webhook_deliveries_tenant_id_fkey", "webhook_deliveries"),
    tenant("webhook_attempts_tenant_id_fkey", "webhook_attempts"),
    tenant("scoring_rules_tenant_id_fkey", "scoring_rules"),
    tenant("scoring_models_tenant_id_fkey", "scoring_models"),
    tenant("automation_rules_tenant_id_fkey", "automation_rules"),
    tenant("automation_runs_tenant_id_fkey", "automation_runs"),
    tenant("territories_tenant_id_fkey", "territories"),
    tenant("privacy_requests_tenant_id_fkey", "privacy_requests"),
    tenant("second_factors_tenant_id_fkey", "second_factors"),
    tenant("contact_consents_tenant_id_fkey", "contact_consents"),
    // References between records.
    fk(
        "contact_scores_contact_fk",
        "contact_scores",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "score_history_contact_fk",
        "score_history",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "automation_runs_rule_fk",
        "automation_runs",
        &["tenant_id", "rule_id"],
        "automation_rules",
        "rule_id",
    ),
    fk(
        "webhook_deliveries_webhook_fk",
        "webhook_deliveries",
        &["tenant_id", "webhook_id"],
        "webhooks",
        "webhook_id",
    ),
    fk(
        "webhook_attempts_delivery_fk",
        "webhook_attempts",
        &["tenant_id", "delivery_id"],
        "webhook_deliveries",
        "delivery_id",
    ),
    fk("users_team_fk", "users", &["tenant_id", "team_id"], "teams", "team_id"),
    fk("teams_manager_fk", "teams", &["tenant_id", "manager_id"], "users", "manager_id"),
    fk("territories_team_fk", "territories", &["tenant_id", "team_id"], "teams", "team_id"),
    fk(
        "contact_consents_contact_fk",
        "contact_consents",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "privacy_requests_contact_fk",
        "privacy_requests",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "contacts_organization_fk",
        "contacts",
        &["tenant_id", "organization_id"],
        "organizations",
        "organization_id",
    ),
    fk("contacts_owner_fk", "contacts", &["tenant_id", "owner_id"], "users", "owner_id"),
    fk(
        "contact_tags_tenant_id_contact_id_fkey",
        "contact_tags",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "contact_lookups_tenant_id_contact_id_fkey",
        "contact_lookups",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_id",
    ),
    fk(
        "stages_tenant_id_pipeline_id_fkey",
        "stages",
        &["tenant_id", "pipeline_id"],
        "pipelines",
        "pipeline_id",
    ),
    fk(
        "opportunities_pipeline_fk",
        "opportunities",
        &["tenant_id", "pipeline_id"],
        "pipelines",
        "pipeline_id",
    ),
    fk(
        "opportunities_stage_fk",
        "opportunities",
        &["tenant_id", "stage_id"],
        "stages",
        "stage_id",
    ),
    fk(
        "opportunities_owner_fk",
        "opportunities",
        &["tenant_id", "owner_id"],
        "users",
        "owner_id",
    ),
    fk(
        "opportunities_organization_fk",
        "opportunities",
        &["tenant_id", "organization_id"],
        "organizations",
        "organization_id",
    ),
    fk(
        "opportunity_contacts_tenant_id_opportunity_id_fkey",
        "opportunity_contacts",
        &["tenant_id", "opportunity_id"],
        "opportunities",
        "opportunity_id",
    ),
    fk(
        "opportunity_stays_tenant_id_opportunity_id_fkey",
        "opportunity_stays",
        &["tenant_id", "opportunity_id"],
        "opportunities",
        "opportunity_id",
    ),
    fk(
        "opportunity_contacts_contact_fk",
        "opportunity_contacts",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_ids",
    ),
    fk(
        "credentials_tenant_id_user_id_fkey",
        "credentials",
        &["tenant_id", "user_id"],
        "users",
        "user_id",
    ),
    fk(
        "second_factors_user_fk",
        "second_factors",
        &["tenant_id", "user_id"],
        "users",
        "user_id",
    ),
    fk(
        "tokens_tenant_id_user_id_fkey",
        "tokens",
        &["tenant_id", "user_id"],
        "users",
        "user_id",
    ),
    fk(
        "operator_tokens_operator_id_fkey",
        "operator_tokens",
        &["operator_id"],
        "operators",
        "operator_id",
    ),
    fk(
        "activities_assignee_fk",
        "activities",
        &["tenant_id", "assignee_id"],
        "users",
        "assignee_id",
    ),
    fk(
        "activity_links_tenant_id_activity_id_fkey",
        "activity_links",
        &["tenant_id", "activity_id"],
        "activities",
        "activity_id",
    ),
    fk(
        "activity_attendees_tenant_id_activity_id_fkey",
        "activity_attendees",
        &["tenant_id", "activity_id"],
        "activities",
        "activity_id",
    ),
    fk(
        "activity_attendees_user_fk",
        "activity_attendees",
        &["tenant_id", "user_id"],
        "users",
        "attendee_ids",
    ),
    fk(
        "notifications_user_fk",
        "notifications",
        &["tenant_id", "user_id"],
        "users",
        "user_id",
    ),
    fk(
        "segment_members_tenant_id_segment_id_fkey",
        "segment_members",
        &["tenant_id", "segment_id"],
        "segments",
        "segment_id",
    ),
    fk(
        "segment_members_tenant_id_contact_id_fkey",
        "segment_members",
        &["tenant_id", "contact_id"],
        "contacts",
        "contact_ids",
    ),
    fk(
        "duplicate_group_members_tenant_id_group_id_fkey",
        "duplicate_group_members",
        &["tenant_id", "group_id"],
        "duplicate_groups",
        "group_id",
    ),
    fk(
        "duplicate_group_members_tenant_id_contact_id_fkey",
        "duplicate_group_members",
        &["tenant_id", "contact_id"],
        "contacts",
        "contacts",
    ),
];

/// The constraint of this name.
pub fn by_name(name: &str) -> Option<&'static Constraint> {
    CONSTRAINTS.iter().find(|c| c.name == name)
}

/// The unique constraint, unique index or listed primary key on exactly these columns of
/// the table (in order).
pub fn unique_on(table: &str, columns: &[&str]) -> Option<&'static Constraint> {
    CONSTRAINTS
        .iter()
        .find(|c| c.is_unique() && c.table == table && c.columns == columns)
}
