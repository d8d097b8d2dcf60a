//! Store ports: one role-named trait per aggregate, each write one transaction that also
//! appends its event to the log.
//!
//! Every method takes the tenant explicitly (taken from the actor by the services, never
//! from the outside); reads of owned records take a [`Scope`] that the store turns into a
//! query filter.

use crate::error::StoreError;
use crate::query::{ContactFilter, EventRecord, HistoryQuery, OpportunityFilter, Page, PageRequest, Scope};
use crm_domain::contact::Contact;
use crm_domain::event::NewEvent;
use crm_domain::forecast::ForecastItem;
use crm_domain::opportunity::Opportunity;
use crm_domain::organization::Organization;
use crm_domain::pipeline::Pipeline;
use crm_domain::tenant::Tenant;
use crm_domain::user::{Team, User};
use crm_domain::visibility::RecordScope;
use crm_domain::{ContactId, OpportunityId, OrganizationId, PipelineId, StageId, TeamId, TenantId, UserId};
use std::future::Future;
use uuid::Uuid;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Records that are deleted softly and can be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletable {
    /// A contact.
    Contact,
    /// An organization.
    Organization,
    /// An opportunity.
    Opportunity,
    /// A pipeline.
    Pipeline,
    /// An activity.
    Activity,
    /// A segment.
    Segment,
}

/// Tenants and their settings.
pub trait TenantStore: Send + Sync {
    /// Creates a tenant with its first Admin and its starting pipelines (stages included),
    /// in one transaction: nothing is written if any part fails.
    ///
    /// # Errors
    /// MUST return `Duplicate { field: "admin_email" }` if the email already logs in
    /// somewhere.
    fn create_tenant(
        &self,
        tenant: &Tenant,
        admin: &User,
        admin_password_hash: Option<&str>,
        pipelines: &[Pipeline],
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// A tenant.
    ///
    /// # Errors
    /// `NotFound`.
    fn tenant(&self, id: TenantId) -> impl Future<Output = StoreResult<Tenant>> + Send;

    /// Every tenant, for the platform operator.
    fn list_tenants(&self) -> impl Future<Output = StoreResult<Vec<Tenant>>> + Send;

    /// Replaces name and settings.
    ///
    /// # Errors
    /// MUST return `Conflict` if the stored version is not `expected_version`.
    fn update_tenant(&self, tenant: &Tenant, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Users and teams.
pub trait UserStore: Send + Sync {
    /// Adds a user.
    ///
    /// # Errors
    /// `Duplicate { field: "email" }` when the email is taken; `UnknownReference` for a
    /// missing team.
    fn create_user(&self, user: &User, password_hash: Option<&str>, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// A user of the tenant.
    fn user(&self, tenant: TenantId, id: UserId) -> impl Future<Output = StoreResult<User>> + Send;
    /// Every user of the tenant, by name.
    fn list_users(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<User>>> + Send;
    /// Replaces a user's fields. `Conflict` on a stale version.
    fn update_user(&self, user: &User, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Adds a team. `Duplicate { field: "name" }` when the name is taken.
    fn create_team(&self, team: &Team, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// A team.
    fn team(&self, tenant: TenantId, id: TeamId) -> impl Future<Output = StoreResult<Team>> + Send;
    /// Every team of the tenant.
    fn list_teams(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<Team>>> + Send;
    /// Replaces a team's fields. `Conflict` on a stale version.
    fn update_team(&self, team: &Team, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// The manager of the team the user belongs to, if any.
    fn team_manager_of(&self, tenant: TenantId, user: UserId) -> impl Future<Output = StoreResult<Option<UserId>>> + Send;
}

/// A contact found as a possible duplicate, with whether the caller may see it.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    /// The candidate.
    pub contact: Contact,
    /// Whether it is inside the caller's scope.
    pub visible: bool,
}

/// Contacts.
pub trait ContactStore: Send + Sync {
    /// Adds a contact with its blind indexes.
    ///
    /// # Errors
    /// `UnknownReference` for a missing organization or owner.
    fn create_contact(&self, contact: &Contact, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Adds contacts of one tenant with their events, all in one transaction (imports).
    ///
    /// # Errors
    /// As [`ContactStore::create_contact`]; nothing is written then.
    fn create_contacts(&self, contacts: &[Contact], events: &[NewEvent]) -> impl Future<Output = StoreResult<()>> + Send;
    /// A contact inside the scope.
    ///
    /// # Errors
    /// MUST return `NotFound` when missing, deleted, of another tenant or out of scope.
    fn contact(&self, scope: Scope, id: ContactId) -> impl Future<Output = StoreResult<Contact>> + Send;
    /// A page of contacts inside the scope.
    fn list_contacts(
        &self,
        scope: Scope,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Contact>>> + Send;
    /// Replaces a contact. `Conflict` on a stale version.
    fn update_contact(&self, contact: &Contact, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Contacts of the whole tenant (all scopes) sharing an email or phone blind index, or
    /// whose folded names could be similar, each marked visible or not for `visibility`.
    fn duplicate_candidates(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probe: &Contact,
    ) -> impl Future<Output = StoreResult<Vec<CandidateRow>>> + Send;
    /// Merges: writes the kept contact, moves every opportunity link, activity link and
    /// static segment membership of `merged` to it, takes `merged` out of the duplicate
    /// review queue (closing groups left with one member), marks `merged` deleted and merged
    /// into `kept` (so its history follows), in one transaction with both events.
    fn merge_contacts(
        &self,
        kept: &Contact,
        kept_version: i64,
        merged: ContactId,
        merged_version: i64,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Organizations.
pub trait OrganizationStore: Send + Sync {
    /// Adds an organization.
    fn create_organization(&self, org: &Organization, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// An organization (readable by every role).
    fn organization(&self, tenant: TenantId, id: OrganizationId) -> impl Future<Output = StoreResult<Organization>> + Send;
    /// A page of organizations.
    fn list_organizations(&self, tenant: TenantId, page: &PageRequest) -> impl Future<Output = StoreResult<Page<Organization>>> + Send;
    /// Replaces an organization. `Conflict` on a stale version.
    fn update_organization(
        &self,
        org: &Organization,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Pipelines and stages.
pub trait PipelineStore: Send + Sync {
    /// Adds a pipeline with its stages.
    fn create_pipeline(&self, pipeline: &Pipeline, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// A pipeline with its stages.
    fn pipeline(&self, tenant: TenantId, id: PipelineId) -> impl Future<Output = StoreResult<Pipeline>> + Send;
    /// Every pipeline of the tenant.
    fn list_pipelines(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<Pipeline>>> + Send;
    /// Replaces name and stages (kept stages by id, removed ones deleted). `Conflict` on a
    /// stale version.
    fn update_pipeline(&self, pipeline: &Pipeline, expected_version: i64, event: &NewEvent)
    -> impl Future<Output = StoreResult<()>> + Send;
    /// How many live opportunities sit in these stages.
    fn count_in_stages(&self, tenant: TenantId, stages: &[StageId]) -> impl Future<Output = StoreResult<u64>> + Send;
    /// How many live opportunities the pipeline holds.
    fn count_in_pipeline(&self, tenant: TenantId, pipeline: PipelineId) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Opportunities.
pub trait OpportunityStore: Send + Sync {
    /// Adds an opportunity.
    ///
    /// # Errors
    /// `UnknownReference` for a missing contact or organization.
    fn create_opportunity(&self, opp: &Opportunity, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// An opportunity inside the scope; `NotFound` otherwise.
    fn opportunity(&self, scope: Scope, id: OpportunityId) -> impl Future<Output = StoreResult<Opportunity>> + Send;
    /// A page of opportunities inside the scope.
    fn list_opportunities(
        &self,
        scope: Scope,
        filter: &OpportunityFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Opportunity>>> + Send;
    /// Replaces an opportunity. `Conflict` on a stale version.
    fn update_opportunity(
        &self,
        opp: &Opportunity,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Forecast inputs: open opportunities inside the scope matching the filter.
    fn forecast_items(&self, scope: Scope, filter: &OpportunityFilter) -> impl Future<Output = StoreResult<Vec<ForecastItem>>> + Send;
}

/// Soft deletion and restore, for every [`Deletable`] kind.
pub trait DeletionStore: Send + Sync {
    /// Marks a live record deleted. `Conflict` on a stale version, `NotFound` if absent.
    fn soft_delete(
        &self,
        tenant: TenantId,
        kind: Deletable,
        id: Uuid,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Brings a deleted record back. `NotFound` if there is no deleted record with this id.
    fn restore(&self, tenant: TenantId, kind: Deletable, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The event log: audit history and the cursor feed for readers.
pub trait EventLog: Send + Sync {
    /// Events with a sequence number greater than `after`, in order, at most `limit`.
    fn events_after(&self, tenant: TenantId, after: i64, limit: u32) -> impl Future<Output = StoreResult<Vec<EventRecord>>> + Send;
    /// Audit history, newest first, at most `limit`.
    fn history(&self, tenant: TenantId, query: &HistoryQuery, limit: u32) -> impl Future<Output = StoreResult<Vec<EventRecord>>> + Send;
}

/// Readiness of the store.
pub trait Health: Send + Sync {
    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Everything a full CRM store offers.
pub trait Store:
    TenantStore
    + UserStore
    + ContactStore
    + OrganizationStore
    + PipelineStore
    + OpportunityStore
    + DeletionStore
    + EventLog
    + Health
    + crate::auth::AuthStore
    + IdempotencyStore
    + ActivityStore
    + ReminderStore
    + CalendarStore
    + TelephonyStore
    + SearchHasher
    + SegmentStore
    + DuplicateStore
    + 'static
{
}

impl<T> Store for T where
    T: TenantStore
        + UserStore
        + ContactStore
        + OrganizationStore
        + PipelineStore
        + OpportunityStore
        + DeletionStore
        + EventLog
        + Health
        + crate::auth::AuthStore
        + IdempotencyStore
        + ActivityStore
        + ReminderStore
        + CalendarStore
        + TelephonyStore
        + SearchHasher
        + SegmentStore
        + DuplicateStore
        + 'static
{
}

/// A group of the duplicate review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGroupRow {
    /// Id.
    pub id: Uuid,
    /// Live members.
    pub members: Vec<ContactId>,
    /// Why they look alike.
    pub reasons: Vec<crm_domain::duplicates::MatchReason>,
    /// Found.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The duplicate review queue.
pub trait DuplicateStore: Send + Sync {
    /// Every live contact of the tenant as a duplicate scan compares them.
    fn scan_entries(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<crm_domain::duplicates::ScanEntry>>> + Send;
    /// Replaces the open groups by `found` (each with its new id), leaving out those whose
    /// members were dismissed together before; how many are open now. One transaction.
    fn replace_duplicate_groups(
        &self,
        tenant: TenantId,
        found: &[(Uuid, crm_domain::duplicates::FoundGroup)],
        at: chrono::DateTime<chrono::Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Open groups, oldest first, with their live members (a group left with fewer than two
    /// is not returned).
    fn open_duplicate_groups(&self, tenant: TenantId, limit: u32) -> impl Future<Output = StoreResult<Vec<DuplicateGroupRow>>> + Send;
    /// Closes an open group as dismissed. `NotFound` when there is no open group `id`.
    fn dismiss_duplicate_group(
        &self,
        tenant: TenantId,
        id: Uuid,
        by: Option<UserId>,
        at: chrono::DateTime<chrono::Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Segments and the members of static ones.
pub trait SegmentStore: Send + Sync {
    /// Adds a segment. `Duplicate { field: "name" }` when a live segment has the same
    /// (folded) name.
    fn create_segment(&self, segment: &crm_domain::segment::Segment, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// A live segment. `NotFound` otherwise.
    fn segment(
        &self,
        tenant: TenantId,
        id: crm_domain::SegmentId,
    ) -> impl Future<Output = StoreResult<crm_domain::segment::Segment>> + Send;
    /// Every live segment of the tenant, by name.
    fn list_segments(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<crm_domain::segment::Segment>>> + Send;
    /// Replaces name and rule. `Conflict` on a stale version, `Duplicate { field: "name" }`.
    fn update_segment(
        &self,
        segment: &crm_domain::segment::Segment,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Adds contacts to a static segment (those already in it are skipped); how many were
    /// added. The event is written only when some were.
    fn add_members(
        &self,
        tenant: TenantId,
        segment: crm_domain::SegmentId,
        contacts: &[ContactId],
        at: chrono::DateTime<chrono::Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Removes contacts from a static segment; how many were removed.
    fn remove_members(
        &self,
        tenant: TenantId,
        segment: crm_domain::SegmentId,
        contacts: &[ContactId],
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// How many contacts inside the scope match the filter.
    fn count_contacts(&self, scope: Scope, filter: &ContactFilter) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Keyed hashes of search tokens (email and phone tokens), per tenant: what a search index
/// holds instead of the personal data itself.
pub trait SearchHasher: Send + Sync {
    /// HMAC of `token` under the tenant's key, separated by `domain` (`email`, `phone`).
    fn search_hash(&self, tenant: TenantId, domain: &str, token: &str) -> [u8; 32];
}

/// What a request with an idempotency key finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use of the key: the request runs, then its response is recorded.
    Started,
    /// The key already served this same request: here is its response.
    Replay {
        /// HTTP status.
        status: u16,
        /// The recorded response (as the HTTP layer stored it).
        response: String,
    },
    /// The key already served another request.
    Mismatch,
    /// The first request with this key has not finished.
    InProgress,
}

/// Idempotency keys, kept per tenant and user for 24 hours.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request (by its hash), or reports what it already holds. Keys
    /// older than `expires_before` count as unused.
    fn begin_idempotent(
        &self,
        tenant: TenantId,
        user: UserId,
        key: &str,
        request_hash: &[u8; 32],
        now: chrono::DateTime<chrono::Utc>,
        expires_before: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = StoreResult<IdempotencyBegin>> + Send;
    /// Records the response of a started request.
    fn finish_idempotent(
        &self,
        tenant: TenantId,
        user: UserId,
        key: &str,
        status: u16,
        response: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Releases a started key whose request failed on the server side, so a retry runs.
    fn abandon_idempotent(&self, tenant: TenantId, user: UserId, key: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Activities (tasks, meetings, calls, emails, notes) with the records they concern.
pub trait ActivityStore: Send + Sync {
    /// Adds an activity with its links and attendees. A second activity with the same
    /// `reminder_key` in the tenant is refused with `Duplicate { field: "reminder_key" }`
    /// and writes nothing.
    fn create_activity(&self, activity: &crm_domain::activity::Activity, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// An activity inside the scope. `NotFound` otherwise.
    fn activity(
        &self,
        scope: crate::query::ActivityScope,
        id: crm_domain::ActivityId,
    ) -> impl Future<Output = StoreResult<crm_domain::activity::Activity>> + Send;
    /// Replaces an activity. `Conflict` on a stale version.
    fn update_activity(
        &self,
        activity: &crm_domain::activity::Activity,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Activities concerning a record, newest first, strictly before `before` when given.
    /// The caller has checked that the record is visible.
    fn activities_for(
        &self,
        tenant: TenantId,
        link: crm_domain::activity::Link,
        before: Option<chrono::DateTime<chrono::Utc>>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
    /// Open (not done) tasks of the assignees, at most `limit`.
    fn open_tasks(
        &self,
        tenant: TenantId,
        assignees: crate::query::AssigneeScope,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
}

/// A message to a user in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// Recipient.
    pub user_id: UserId,
    /// `meeting_soon`, `task_due`...
    pub kind: String,
    /// Text shown (the activity's subject).
    pub subject: String,
    /// The activity it is about.
    pub activity_id: Option<crm_domain::ActivityId>,
    /// The reminder occurrence that created it (unique in the tenant).
    pub reminder_key: String,
    /// Created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Read, if so.
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A prospect quiet since a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietProspect {
    /// The contact.
    pub contact_id: ContactId,
    /// Its owner.
    pub owner_id: UserId,
    /// Its name.
    pub display_name: String,
    /// Its last activity (not counting reminder tasks), or its creation.
    pub quiet_since: chrono::DateTime<chrono::Utc>,
}

/// An open opportunity past its expected close date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueDeal {
    /// The opportunity.
    pub opportunity_id: OpportunityId,
    /// Its owner.
    pub owner_id: UserId,
    /// Its title.
    pub title: String,
    /// Its expected close date.
    pub expected_close: chrono::NaiveDate,
}

/// Reminder rules, what they watch, and notifications.
pub trait ReminderStore: Send + Sync {
    /// Every rule of the tenant.
    fn rules(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<crm_domain::reminder::ReminderRule>>> + Send;
    /// Adds a rule.
    fn create_rule(
        &self,
        tenant: TenantId,
        rule: &crm_domain::reminder::ReminderRule,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a rule. `Conflict` on a stale version, `NotFound` if absent.
    fn update_rule(
        &self,
        tenant: TenantId,
        rule: &crm_domain::reminder::ReminderRule,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes a rule. `Conflict` on a stale version, `NotFound` if absent.
    fn delete_rule(
        &self,
        tenant: TenantId,
        id: Uuid,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Prospects whose last activity (reminder tasks excluded), or creation, is before
    /// `cutoff`.
    fn quiet_prospects(
        &self,
        tenant: TenantId,
        cutoff: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<QuietProspect>>> + Send;
    /// Open opportunities expected to close before `day`.
    fn overdue_deals(
        &self,
        tenant: TenantId,
        day: chrono::NaiveDate,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OverdueDeal>>> + Send;
    /// Live activities of a kind whose start (meetings) or due time (tasks, open only) is
    /// in `[from, to)`.
    fn activities_timed(
        &self,
        tenant: TenantId,
        kind: crm_domain::activity::ActivityKind,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
    /// Adds a notification. `Duplicate { field: "reminder_key" }` when its key exists;
    /// nothing is written then.
    fn create_notification(&self, tenant: TenantId, n: &Notification) -> impl Future<Output = StoreResult<()>> + Send;
    /// A user's notifications, newest first.
    fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;
    /// Marks one (or, with `None`, every) notification of a user read; how many changed.
    /// `NotFound` when the one named is not theirs.
    fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: Option<Uuid>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// What a user's calendar feed carries.
pub trait CalendarStore: Send + Sync {
    /// Live meetings the user holds or attends starting in `[from, to)`, and the user's
    /// open tasks with a due time, at most `limit`.
    fn calendar_items(
        &self,
        tenant: TenantId,
        user: UserId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
}

/// A call record that matched no contact, kept for triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedCall {
    /// Id.
    pub id: Uuid,
    /// Calling number as received (personal data).
    pub caller: String,
    /// Called number as received (personal data).
    pub callee: String,
    /// Start.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Length, seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Link to the recording.
    pub recording_url: Option<String>,
    /// Received.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Telephony: contacts by phone (blind index) and unmatched calls.
pub trait TelephonyStore: Send + Sync {
    /// Live contacts of the whole tenant with this phone number, with their owners.
    fn contacts_by_phone(
        &self,
        tenant: TenantId,
        phone: &crm_domain::phone::PhoneNumber,
    ) -> impl Future<Output = StoreResult<Vec<(ContactId, UserId)>>> + Send;
    /// Keeps a call that matched nobody (its numbers sealed), with its event.
    fn add_unmatched_call(&self, tenant: TenantId, call: &UnmatchedCall, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Unmatched calls, newest first.
    fn unmatched_calls(&self, tenant: TenantId, limit: u32) -> impl Future<Output = StoreResult<Vec<UnmatchedCall>>> + Send;
}
