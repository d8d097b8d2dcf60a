//! The search port: a full-text index of contacts, organizations and opportunities kept
//! current from the event log, queried with the actor's tenant and visibility as filters
//! inside the index itself.
//!
//! What reaches an index: clear names, organization names, job titles, tags, titles, and
//! the filter values of the lists; emails and phone numbers only as per-tenant keyed hashes
//! of their tokens ([`crm_domain::search`]). Street addresses and notes never.

use crm_domain::{TenantId, UserId};
use std::collections::HashMap;
use std::future::Future;
use uuid::Uuid;

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchEntity {
    /// A contact.
    Contact,
    /// An organization.
    Organization,
    /// An opportunity.
    Opportunity,
}

impl SearchEntity {
    /// Every kind, in the order results are grouped.
    pub const ALL: [Self; 3] = [Self::Contact, Self::Organization, Self::Opportunity];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Organization => "organization",
            Self::Opportunity => "opportunity",
        }
    }

    /// From [`SearchEntity::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// A text of a document, indexed word by word and returned for highlighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocText {
    /// Field name as shown to clients (`name`, `organization`, `job_title`, `tag`...).
    pub field: &'static str,
    /// The text.
    pub text: String,
    /// Whether this is the record's name (ranked above other texts).
    pub primary: bool,
}

/// Values the list filters look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFilters {
    /// Contact kind code.
    pub kind: Option<&'static str>,
    /// A lead's status code (contacts that are leads).
    pub lead_status: Option<&'static str>,
    /// Tags.
    pub tags: Vec<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// Opportunity status code.
    pub status: Option<&'static str>,
    /// Expected close date.
    pub expected_close: Option<chrono::NaiveDate>,
    /// Last change.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A lead waiting in the pool: indexed under [`pool_owner`] too, so that a Manager's
    /// search finds it (never a sales rep's).
    pub pooled: bool,
}

/// The owner a lead waiting in the pool is also indexed under (the nil id: no user has
/// it), and that a Manager's owner filter on contacts includes.
pub fn pool_owner() -> UserId {
    UserId::from_uuid(Uuid::nil())
}

/// One record as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Kind of record.
    pub entity: SearchEntity,
    /// Record id.
    pub id: Uuid,
    /// Owner (organizations have none and are visible to every role).
    pub owner_id: Option<UserId>,
    /// Display title.
    pub title: String,
    /// Second line (organization of a contact, amount and stage of a deal...).
    pub subtitle: Option<String>,
    /// Texts indexed in clear.
    pub texts: Vec<DocText>,
    /// Keyed hashes of the email and phone tokens.
    pub hashes: Vec<[u8; 32]>,
    /// Filter values.
    pub filters: DocFilters,
}

/// Which owners' records of one kind a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    /// All of the tenant's.
    Any,
    /// Those owned by one of these users.
    Owners(Vec<UserId>),
    /// None.
    Nothing,
}

/// One term of an index query: its folded words (all must match, each exactly, as a prefix
/// or with one typo on long words) or one of its hashes (exactly).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexTerm {
    /// Folded words.
    pub words: Vec<String>,
    /// Keyed hashes of the email/phone probes.
    pub hashes: Vec<[u8; 32]>,
}

/// Filters of a search, as in the lists. A filter that only some kinds have (`kind` for
/// contacts, `stage_id` for opportunities...) leaves out the other kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters {
    /// Owner.
    pub owner_id: Option<UserId>,
    /// Contact kind code.
    pub kind: Option<&'static str>,
    /// A lead's status code.
    pub lead_status: Option<&'static str>,
    /// Tag (exact).
    pub tag: Option<String>,
    /// Organization (contacts and opportunities of it).
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// Status code.
    pub status: Option<&'static str>,
    /// Expected close on or after.
    pub close_from: Option<chrono::NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<chrono::NaiveDate>,
    /// Changed at or after.
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Contacts with a lead score of at least this (applied by the use case, not the
    /// index: scores change without the contact changing).
    pub min_score: Option<i32>,
}

impl SearchFilters {
    /// Checks the dates of the filters against the accepted range.
    ///
    /// # Errors
    /// `out_of_range` on each date at fault.
    pub fn check(&self) -> Result<(), crm_domain::ValidationError> {
        crm_domain::time::check_days(&[("close_from", self.close_from), ("close_to", self.close_to)])?;
        crm_domain::time::check_instants(&[("updated_since", self.updated_since)])
    }
}

/// A query to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexQuery {
    /// Tenant (always a filter).
    pub tenant_id: TenantId,
    /// Terms, all required.
    pub terms: Vec<IndexTerm>,
    /// Kinds asked for.
    pub entities: Vec<SearchEntity>,
    /// Visible contacts.
    pub contacts: OwnerFilter,
    /// Visible opportunities.
    pub opportunities: OwnerFilter,
    /// Filters.
    pub filters: SearchFilters,
    /// Most hits per kind.
    pub limit: usize,
}

/// A matched span of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// Field name.
    pub field: String,
    /// The whole text.
    pub text: String,
    /// Byte ranges of the matched words.
    pub ranges: Vec<(usize, usize)>,
}

/// A hit.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexHit {
    /// Kind.
    pub entity: SearchEntity,
    /// Record id.
    pub id: Uuid,
    /// Relevance.
    pub score: f32,
    /// Title.
    pub title: String,
    /// Second line.
    pub subtitle: Option<String>,
    /// Matched texts.
    pub highlights: Vec<Highlight>,
    /// Whether some term matched no text, so it matched an email or phone token: the
    /// snippet for it must come from the decrypted record.
    pub matched_secret: bool,
}

/// Hits grouped by kind, in [`SearchEntity::ALL`] order, best first in each group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexResults {
    /// Groups.
    pub groups: Vec<(SearchEntity, Vec<IndexHit>)>,
}

/// One commit of a tenant's rebuild. Its documents replace those of the tenant without a
/// gap: searches keep finding the tenant's records (old or new) while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildStep {
    /// The tenant rebuilt.
    pub tenant_id: TenantId,
    /// The rebuild (the same on each of its steps); the step's upserts are marked with it.
    pub id: Uuid,
    /// Whether this is the last step: the tenant's documents not written by this rebuild
    /// are then dropped. Before it, the tenant has no cursor (a rebuild cut short starts
    /// again); `cursors` gives it one with the last step.
    pub last: bool,
}

/// Changes to apply in one index commit.
#[derive(Debug, Clone, Default)]
pub struct IndexChanges {
    /// A step of a tenant's rebuild.
    pub rebuild: Option<RebuildStep>,
    /// Records removed.
    pub deletes: Vec<Uuid>,
    /// Records added or replaced.
    pub upserts: Vec<SearchDoc>,
    /// New cursors (last event applied) per tenant, committed with the changes.
    pub cursors: Vec<(TenantId, i64)>,
}

/// Why the index failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Another process holds the index for writing.
    #[error("the search index is held by another process")]
    Busy,
    /// The index is unusable.
    #[error("search index: {0}")]
    Index(String),
}

/// A search index.
pub trait SearchIndex: Send + Sync + 'static {
    /// The last event applied, per tenant, as committed.
    fn cursors(&self) -> HashMap<TenantId, i64>;
    /// Applies changes and their cursors in one commit; searches see them once it returns.
    fn apply(&self, changes: IndexChanges) -> impl Future<Output = Result<(), SearchError>> + Send;
    /// Runs a query.
    fn search(&self, query: IndexQuery) -> impl Future<Output = Result<IndexResults, SearchError>> + Send;
    /// Rewrites the index without its deleted documents and removes the files that held
    /// them (after an erasure: a deleted document otherwise stays in its segment until a
    /// merge happens to take it).
    fn purge(&self) -> impl Future<Output = Result<(), SearchError>> + Send;
}
