//! Store ports of lists kept beside the records: the duplicate review queue, segments,
//! search hashes and idempotency keys.

use super::StoreResult;
use crate::query::{ContactFilter, Scope};
use crm_domain::event::NewEvent;
use crm_domain::{ContactId, TenantId, UserId};
use std::future::Future;
use uuid::Uuid;

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
    /// The ids of the contacts inside the scope that match the filter, at most `limit`
    /// (nothing of them opened: what a condition needs).
    fn matching_contact_ids(
        &self,
        scope: Scope,
        filter: &ContactFilter,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<ContactId>>> + Send;
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
