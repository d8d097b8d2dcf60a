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

mod activities;
mod automation;
mod campaigns;
mod consents;
mod drafts;
mod email;
mod erasure;
mod files;
mod imports;
mod leads;
mod lists;
mod privacy;
mod reports;
mod runtime;
mod scoring;
mod second_factor;
mod suppressions;
mod territories;
mod webhooks;

pub use activities::*;
pub use automation::*;
pub use campaigns::*;
pub use consents::*;
pub use drafts::*;
pub use email::*;
pub use erasure::*;
pub use files::*;
pub use imports::*;
pub use leads::*;
pub use lists::*;
pub use privacy::*;
pub use reports::*;
pub use runtime::*;
pub use scoring::*;
pub use second_factor::*;
pub use suppressions::*;
pub use territories::*;
pub use webhooks::*;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// The most contacts [`ContactStore::contacts_by_ids`] reads at once (one statement).
pub const MAX_CONTACTS_BY_IDS: usize = 500;

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

    /// Suspends (`Some(when)`) or reinstates (`None`) a tenant, with the event.
    fn set_tenant_suspended(
        &self,
        tenant: TenantId,
        at: Option<chrono::DateTime<chrono::Utc>>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// What a tenant holds, for the platform operator's list.
    fn tenant_counts(&self, tenant: TenantId) -> impl Future<Output = StoreResult<TenantCounts>> + Send;

    /// Replaces name and settings.
    ///
    /// # Errors
    /// MUST return `Conflict` if the stored version is not `expected_version`.
    fn update_tenant(&self, tenant: &Tenant, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
}

/// What a tenant holds (no personal data): its active users, its live contacts, its open
/// deals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantCounts {
    /// Users who may log in.
    pub users: u64,
    /// Contacts not deleted.
    pub contacts: u64,
    /// Open opportunities not deleted.
    pub open_deals: u64,
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

/// The candidates of one probe of an import.
#[derive(Debug, Clone, Default)]
pub struct ProbeCandidates {
    /// Contacts sharing its external id, an email or a phone.
    pub rows: Vec<CandidateRow>,
    /// Contacts whose names are similar to its own, and nothing else.
    pub similar: Vec<ContactId>,
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
    /// The contacts of `ids` inside the scope, in no particular order (at most
    /// [`MAX_CONTACTS_BY_IDS`] ids): the missing, deleted, other tenants' and out-of-scope
    /// ones are left out.
    fn contacts_by_ids(&self, scope: Scope, ids: &[ContactId]) -> impl Future<Output = StoreResult<Vec<Contact>>> + Send;
    /// A page of contacts inside the scope.
    fn list_contacts(
        &self,
        scope: Scope,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Contact>>> + Send;
    /// Replaces a contact. `Conflict` on a stale version.
    fn update_contact(&self, contact: &Contact, expected_version: i64, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Contacts of the whole tenant (all scopes) with the probe's external id, sharing an
    /// email or phone blind index, or whose folded names could be similar, each marked visible or not for `visibility`.
    fn duplicate_candidates(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probe: &Contact,
    ) -> impl Future<Output = StoreResult<Vec<CandidateRow>>> + Send;
    /// The candidates of several probes at once (a piece of an import), in the probes'
    /// order: the contacts sharing their external id or a blind index, read whole; with
    /// `names`, the ids of those whose names are similar (and nothing else in common),
    /// read without decrypting anything.
    fn duplicate_candidates_many(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probes: &[&Contact],
        names: bool,
    ) -> impl Future<Output = StoreResult<Vec<ProbeCandidates>>> + Send;
    /// Live contacts of the whole tenant with this email (blind index), with their
    /// owners, the last changed first. The caller checks what the actor may see.
    fn contacts_by_email(
        &self,
        tenant: TenantId,
        email: &crm_domain::email::EmailAddress,
    ) -> impl Future<Output = StoreResult<Vec<(ContactId, UserId)>>> + Send;
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
    /// Replaces name and stages (kept stages by id, `archived` ones marked, the others
    /// deleted) with the open deals moved out of the removed stages (`moved`, each at its
    /// version minus one), and the events, in one transaction. `Conflict` on a stale
    /// version of the pipeline or of a deal.
    fn update_pipeline(
        &self,
        pipeline: &Pipeline,
        expected_version: i64,
        events: &[NewEvent],
        moved: &[Opportunity],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The live open opportunities in these stages, every owner's.
    fn open_in_stages(&self, tenant: TenantId, stages: &[StageId]) -> impl Future<Output = StoreResult<Vec<Opportunity>>> + Send;
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

/// Declares a sum of store ports: the trait named, with the listed ports as supertraits
/// (and `'static`), and its blanket implementation for every type that has them all. The
/// list is written once; adding a port to the sum is one line.
macro_rules! store_sum {
    ($(#[$meta:meta])* $vis:vis trait $name:ident = $($port:path),+ $(,)?) => {
        $(#[$meta])*
        $vis trait $name: $($port +)+ 'static {}

        impl<T: $($port +)+ 'static> $name for T {}
    };
}

store_sum! {
    /// Everything a full CRM store offers: what a production adapter implements and what
    /// embedding code may ask for. The use cases ask for less: each is bound by the ports
    /// it calls (see the `impl` headers under `services/`), so a test can run one on a fake
    /// of just those.
    pub trait Store = TenantStore,
        UserStore,
        ContactStore,
        OrganizationStore,
        PipelineStore,
        OpportunityStore,
        DeletionStore,
        EventLog,
        Health,
        crate::auth::AuthStore,
        IdempotencyStore,
        ActivityStore,
        ReminderStore,
        CalendarStore,
        TelephonyStore,
        SearchHasher,
        SegmentStore,
        DuplicateStore,
        ConsumerStore,
        JobStore,
        Wakeups,
        FileRecordStore,
        PersonKeyStore,
        LeadStore,
        DraftStore,
        ImportStore,
        SuppressionStore,
        EmailStore,
        CampaignStore,
        MailRelayStore,
        ReportStore,
        WebhookStore,
        ScoringStore,
        ForecastStore,
        AutomationStore,
        TerritoryStore,
        PrivacyStore,
        SecondFactorStore,
        ConsentStore,
}
