//! List queries, pages and audit-history queries shared by services and stores.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::contact::ContactKind;
use crm_domain::event::EntityType;
use crm_domain::opportunity::Status;
use crm_domain::text::Tag;
use crm_domain::visibility::RecordScope;
use crm_domain::{ContactId, OrganizationId, PipelineId, StageId, TeamId, TenantId, UserId};
use serde_json::Value;
use uuid::Uuid;

/// Largest page a list returns.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Sort orders of lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Folded name (last then first for people), the same on every backend.
    #[default]
    Name,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// Page request: sort, direction, opaque cursor, size.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Sort key.
    pub sort: SortKey,
    /// Newest/last first.
    pub descending: bool,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to [`MAX_PAGE_SIZE`]; [`DEFAULT_PAGE_SIZE`] when `None`.
    pub limit: Option<u32>,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Items in order.
    pub items: Vec<T>,
    /// Cursor of the next page, `None` on the last.
    pub next_cursor: Option<String>,
}

/// Filters of the contact list.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Kind.
    pub kind: Option<ContactKind>,
    /// Owner.
    pub owner_id: Option<UserId>,
    /// Carries this tag.
    pub tag: Option<Tag>,
    /// Belongs to this organization.
    pub organization_id: Option<OrganizationId>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Member of a segment.
    pub segment: Option<SegmentMembership>,
    /// Leads in this status.
    pub lead_status: Option<crm_domain::lead::LeadStatus>,
    /// Leads waiting in the pool (`true`) or handed over / not leads (`false`).
    pub pooled: Option<bool>,
    /// A score of at least this.
    pub min_score: Option<i32>,
    /// Only these contacts.
    pub ids: Option<Vec<ContactId>>,
}

impl ContactFilter {
    /// Checks the dates of the filter against the accepted range.
    ///
    /// # Errors
    /// `out_of_range` on `updated_since`.
    pub fn check(&self) -> Result<(), crm_domain::ValidationError> {
        crm_domain::time::check_instants(&[("updated_since", self.updated_since)])
    }
}

/// Membership of a segment, as a list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentMembership {
    /// Listed in a static segment.
    Members(crm_domain::SegmentId),
    /// Matching a dynamic segment's rule, evaluated at `now` (for relative times).
    Rule {
        /// The rule.
        rule: crm_domain::segment::Rule,
        /// When it is evaluated.
        now: DateTime<Utc>,
    },
}

/// Filters of the opportunity list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    /// Owner.
    pub owner_id: Option<UserId>,
    /// Pipeline.
    pub pipeline_id: Option<PipelineId>,
    /// Stage.
    pub stage_id: Option<StageId>,
    /// Status code (`open`, `won`, `lost`).
    pub status: Option<&'static str>,
    /// Expected close on or after.
    pub close_from: Option<NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<NaiveDate>,
    /// Organization.
    pub organization_id: Option<OrganizationId>,
    /// A linked contact.
    pub contact_id: Option<ContactId>,
    /// The owner's team.
    pub team_id: Option<TeamId>,
}

impl OpportunityFilter {
    /// Checks the dates of the filter against the accepted range.
    ///
    /// # Errors
    /// `out_of_range` on `close_from` or `close_to`.
    pub fn check(&self) -> Result<(), crm_domain::ValidationError> {
        crm_domain::time::check_days(&[("close_from", self.close_from), ("close_to", self.close_to)])
    }

    /// Status filter from a [`Status`].
    pub fn with_status(mut self, s: &Status) -> Self {
        self.status = Some(s.code());
        self
    }
}

/// What a store list call is scoped by: the tenant and the actor's visibility.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Visible owned records.
    pub records: RecordScope,
}

/// Audit history selection.
#[derive(Debug, Clone)]
pub enum HistoryQuery {
    /// Every event about one entity (and entities merged into it).
    Entity {
        /// Entity type.
        entity_type: EntityType,
        /// Entity id.
        entity_id: Uuid,
        /// Only events strictly before this time (paging back through a timeline).
        before: Option<DateTime<Utc>>,
    },
    /// Every event by one user in a period.
    Actor {
        /// The user.
        user_id: UserId,
        /// From (inclusive).
        from: DateTime<Utc>,
        /// To (exclusive).
        to: DateTime<Utc>,
    },
    /// Every event in a period.
    Period {
        /// From (inclusive).
        from: DateTime<Utc>,
        /// To (exclusive).
        to: DateTime<Utc>,
    },
    /// The audit screen's selection.
    Filtered(AuditFilter),
}

/// The audit screen's selection: the events of a period, newest first, narrowed by
/// whichever filters are set.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// To (exclusive).
    pub to: DateTime<Utc>,
    /// Only the changes made by this user.
    pub user_id: Option<UserId>,
    /// Only events about these kinds of record (empty: every kind).
    pub entity_types: Vec<EntityType>,
    /// Only events whose record was owned, after the change, by one of these users.
    pub owners: Option<Vec<Uuid>>,
    /// Only events before this sequence number (paging back).
    pub before_seq: Option<i64>,
}

impl HistoryQuery {
    /// Checks the dates of the query against the accepted range.
    ///
    /// # Errors
    /// `out_of_range` on `before`, `from` or `to`.
    pub fn check(&self) -> Result<(), crm_domain::ValidationError> {
        use crm_domain::time::check_instants;
        match self {
            Self::Entity { before, .. } => check_instants(&[("before", *before)]),
            Self::Actor { from, to, .. } | Self::Period { from, to } => check_instants(&[("from", Some(*from)), ("to", Some(*to))]),
            Self::Filtered(f) => check_instants(&[("from", Some(f.from)), ("to", Some(f.to))]),
        }
    }
}

/// One change of a recorded event, decrypted for an authorized reader.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedChange {
    /// Field.
    pub field: String,
    /// Before.
    pub before: Option<Value>,
    /// After.
    pub after: Option<Value>,
    /// Whether the log keeps its values sealed (a sensitive field, a person's data): they
    /// leave the CRM only to those who asked for them (a webhook subscription that
    /// includes personal data).
    pub sealed: bool,
}

/// An event as read back from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Per-tenant sequence number, following commit order, no gaps.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `operator` or `system`.
    pub actor_kind: String,
    /// The acting user, if a user.
    pub actor_id: Option<UserId>,
    /// Entity type.
    pub entity_type: EntityType,
    /// Entity id.
    pub entity_id: Uuid,
    /// What happened.
    pub kind: crm_domain::event::EventKind,
    /// Owner of the entity after the change.
    pub owner_id: Option<Uuid>,
    /// Field changes (sensitive values decrypted).
    pub changes: Vec<RecordedChange>,
    /// The values of this event belonged to a person whose data was erased: they read as
    /// nothing ("données effacées" on screen).
    pub erased: bool,
    /// The automation rule that made the change, and its depth (see
    /// [`crm_domain::Actor::Automation`]).
    pub cause: Option<crm_domain::actor::Cause>,
}

/// Which activities an actor sees: those concerning a record in their scopes (every
/// organization is visible), and those assigned to them.
#[derive(Debug, Clone, Copy)]
pub struct ActivityScope {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Visible contacts.
    pub contacts: RecordScope,
    /// Visible opportunities.
    pub opportunities: RecordScope,
    /// The acting user (sees what is assigned to them).
    pub user: Option<UserId>,
}

/// Whose open tasks a to-do list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeScope {
    /// One user's.
    User(UserId),
    /// A manager's and their teams' members'.
    TeamsLedBy(UserId),
    /// Everyone's in the tenant.
    Tenant,
}
