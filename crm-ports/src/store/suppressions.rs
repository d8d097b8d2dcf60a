//! Store port of the suppression list: values kept as keyed hashes (the store makes them
//! with the blind-index key of the contacts' lookups), so that a value can be checked
//! against the list and never read back from it.

use super::StoreResult;
use crm_domain::TenantId;
use crm_domain::event::NewEvent;
use crm_domain::suppression::{Channel, Suppression};
use std::future::Future;
use uuid::Uuid;

/// The suppression list.
pub trait SuppressionStore: Send + Sync {
    /// Puts `value` (in its normal form) on the list as `entry`, with its event.
    /// `Duplicate` (field `email` or `phone`) when it is already there.
    fn add_suppression(&self, entry: &Suppression, value: &str, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// The list, newest first, at most `limit`; only the entry of `value` when given.
    fn suppressions(
        &self,
        tenant: TenantId,
        value: Option<(Channel, &str)>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Suppression>>> + Send;
    /// Takes an entry off the list, with its event. `NotFound` when the tenant has none.
    fn remove_suppression(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Which of `values` (normal forms) are on the list, in their order.
    fn suppressed(&self, tenant: TenantId, values: &[(Channel, &str)]) -> impl Future<Output = StoreResult<Vec<bool>>> + Send;
}
