//! Store port of territories (postcode starts and industries given to a team).

use super::StoreResult;
use crm_domain::event::NewEvent;
use crm_domain::territory::Territory;
use crm_domain::{TenantId, TerritoryId};
use std::future::Future;

/// A company's territories.
pub trait TerritoryStore: Send + Sync {
    /// Every territory of the tenant, by name.
    fn territories(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<Territory>>> + Send;
    /// Adds one, with its event. `Duplicate` (`name`) when the name is taken; `Unknown`
    /// (`team_id`) for a team of no one.
    fn create_territory(&self, territory: &Territory, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces one at `expected_version` (`Conflict` otherwise), with its event.
    fn update_territory(
        &self,
        territory: &Territory,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes one, with its event. `NotFound` when the tenant has none.
    fn delete_territory(&self, tenant: TenantId, id: TerritoryId, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
}
