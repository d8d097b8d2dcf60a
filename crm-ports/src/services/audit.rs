//! Audit history (by record, by user, by period) and the event feed.

use crate::app::{App, require, scope, tenant_of};
use crate::auth::Credentials;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{EventRecord, HistoryQuery};
use crate::store::Store;
use crm_domain::event::EntityType;
use crm_domain::visibility::{Capability, Owned};
use crm_domain::{Actor, ContactId, OpportunityId};

/// Most events returned by one history call.
pub const MAX_HISTORY: u32 = 1000;

impl<S: Store, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The history of one record, newest first. Whoever may see the record may read it.
    ///
    /// # Errors
    /// `NotFound` when the record is not visible.
    pub async fn history_of(
        &self,
        actor: &Actor,
        entity_type: EntityType,
        entity_id: uuid::Uuid,
        limit: u32,
    ) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        match entity_type {
            EntityType::Contact => {
                self.store
                    .contact(scope(actor, Owned::Contact)?, ContactId::from_uuid(entity_id))
                    .await?;
            }
            EntityType::Opportunity => {
                self.store
                    .opportunity(scope(actor, Owned::Opportunity)?, OpportunityId::from_uuid(entity_id))
                    .await?;
            }
            EntityType::Tenant if entity_id != tenant_id.as_uuid() => return Err(ServiceError::NotFound),
            _ => require(actor, Capability::ReadAudit)?,
        }
        let q = HistoryQuery::Entity {
            entity_type,
            entity_id,
            before: None,
        };
        Ok(self.store.history(tenant_id, &q, limit.clamp(1, MAX_HISTORY)).await?)
    }

    /// History by user or by period, newest first (Admin, Observer).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn history(&self, actor: &Actor, query: &HistoryQuery, limit: u32) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ReadAudit)?;
        Ok(self.store.history(tenant_id, query, limit.clamp(1, MAX_HISTORY)).await?)
    }

    /// Events after a cursor, oldest first, for readers of the log (system or Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn events_after(&self, actor: &Actor, after: i64, limit: u32) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ReadAudit)?;
        Ok(self.store.events_after(tenant_id, after, limit.clamp(1, MAX_HISTORY)).await?)
    }
}
