//! Store port of the rights requests (GDPR): each person's request, its deadline and its
//! answer.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::access_log::AccessEntry;
use crm_domain::event::NewEvent;
use crm_domain::privacy::PrivacyRequest;
use crm_domain::retention::RetentionCandidate;
use crm_domain::{ContactId, PrivacyRequestId, TenantId};
use std::future::Future;

/// A company's register of rights requests.
pub trait PrivacyStore: Send + Sync {
    /// The tenant's requests (those about `contact` when given): the open ones first by
    /// deadline, then the answered ones, newest first; at most `limit`.
    fn privacy_requests(
        &self,
        tenant: TenantId,
        contact: Option<ContactId>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<PrivacyRequest>>> + Send;
    /// One request. `NotFound` when the tenant has none.
    fn privacy_request(&self, tenant: TenantId, id: PrivacyRequestId) -> impl Future<Output = StoreResult<PrivacyRequest>> + Send;
    /// Logs a request, with its event. `Unknown` (`contact_id`) for a contact of no one.
    fn create_privacy_request(&self, request: &PrivacyRequest, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a request at `expected_version` (`Conflict` otherwise), with its event.
    fn update_privacy_request(
        &self,
        request: &PrivacyRequest,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Records an event that goes with no other write (an export of a person's data).
    fn record_event(&self, tenant: TenantId, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// The tenant's prospects (not deleted) created before `cutoff` who since then
    /// initiated no contact — no click and no reply to an email, no inbound call or email
    /// logged, no consent given — and have no open deal: oldest first, at most `limit`.
    fn retention_due(
        &self,
        tenant: TenantId,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<RetentionCandidate>>> + Send;
    /// Writes accesses to personal data, each in its company (one transaction per company).
    fn record_accesses(&self, entries: &[AccessEntry]) -> impl Future<Output = StoreResult<()>> + Send;
    /// The company's accesses, newest first: to one contact's record or by one user when
    /// given, after the access `before` in that order (the last one of the page before;
    /// none when it is not the company's); at most `limit`.
    fn access_log(
        &self,
        tenant: TenantId,
        contact: Option<ContactId>,
        user: Option<crm_domain::UserId>,
        before: Option<uuid::Uuid>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AccessEntry>>> + Send;
    /// How many prospects [`PrivacyStore::retention_due`] would give without a limit.
    fn retention_due_count(&self, tenant: TenantId, cutoff: DateTime<Utc>) -> impl Future<Output = StoreResult<u64>> + Send;
}
