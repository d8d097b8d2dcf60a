//! Store port of consents: each person's records per channel, kept as a history.

use super::StoreResult;
use crm_domain::consent::ConsentRecord;
use crm_domain::contact::Contact;
use crm_domain::event::NewEvent;
use crm_domain::{ContactId, TenantId};
use std::future::Future;

/// People's consents to be prospected.
pub trait ConsentStore: Send + Sync {
    /// A contact's records, newest first; at most `limit`.
    fn consents(&self, tenant: TenantId, contact: ContactId, limit: u32) -> impl Future<Output = StoreResult<Vec<ConsentRecord>>> + Send;
    /// The latest record of each channel of each of `contacts` (those with none give
    /// none), for a send to decide whom it reaches.
    fn latest_consents(&self, tenant: TenantId, contacts: &[ContactId]) -> impl Future<Output = StoreResult<Vec<ConsentRecord>>> + Send;
    /// Records consents of one contact with their events, in one transaction with the
    /// contact rewritten at `expected_version` when its opt-outs follow (`Conflict` when
    /// it changed meanwhile). `Unknown` (`contact_id`) for a contact of no one.
    fn record_consents(
        &self,
        records: &[ConsentRecord],
        contact: Option<(&Contact, i64)>,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
