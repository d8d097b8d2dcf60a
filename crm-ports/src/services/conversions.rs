//! A won deal makes its contacts clients: a reader of the event log that converts every
//! prospect (or former client) of a won opportunity, with an event naming the deal. Its
//! effect is idempotent (a client stays a client), so an event seen twice changes nothing
//! the second time; a contact edited meanwhile makes the event fail and be retried.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{EventRecord, Scope};
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Consumer, Interest, Positions};
use crate::store::{Advance, ConsumerStore, ContactStore, OpportunityStore};
use crm_domain::contact::ContactKind;
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::visibility::RecordScope;
use crm_domain::{Actor, OpportunityId, TenantId};

/// The consumer's name (its cursors and parked events are kept under it).
pub const CONVERSIONS: &str = "client_conversions";

const INTEREST: &[(EntityType, EventKind)] = &[(EntityType::Opportunity, EventKind::Won)];

/// Converts the contacts of won deals into clients.
pub struct ClientConversions<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> ClientConversions<S, K, C, I> {
    /// The consumer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<S: ContactStore + OpportunityStore, K, C: Clock, I: IdGenerator> ClientConversions<S, K, C, I> {
    async fn convert_for(&self, tenant: TenantId, e: &EventRecord) -> Result<(), ServiceError> {
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let opportunity = match self.app.store.opportunity(scope, OpportunityId::from_uuid(e.entity_id)).await {
            Ok(o) => o,
            // Deleted since: nothing to convert for.
            Err(StoreError::NotFound) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        if opportunity.status != crm_domain::opportunity::Status::Won {
            // Reopened since.
            return Ok(());
        }
        let actor = Actor::System { tenant_id: tenant };
        for id in &opportunity.fields.contact_ids {
            let before = match self.app.store.contact(scope, *id).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => continue,
                Err(err) => return Err(err.into()),
            };
            if !matches!(before.kind, ContactKind::Prospect | ContactKind::FormerClient) {
                continue;
            }
            let mut after = before.clone();
            after.set_kind(ContactKind::Client, self.app.now());
            after.version = before.version + 1;
            after.updated_at = self.app.now();
            let mut changes = crm_domain::contact::Contact::changes(Some(&before), &after);
            changes.push(FieldChange {
                field: "opportunity_id",
                before: None,
                after: Some(serde_json::Value::String(opportunity.id.to_string())),
                sensitivity: Sensitivity::Clear,
            });
            let ev = self.app.event(
                &actor,
                EntityType::Contact,
                id.as_uuid(),
                EventKind::Converted,
                Some(after.owner_id.as_uuid()),
                changes,
            );
            self.app.store.update_contact(&after, before.version, &ev).await?;
        }
        Ok(())
    }
}

impl<
    S: ContactStore + OpportunityStore + ConsumerStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> Consumer for ClientConversions<S, K, C, I>
{
    fn name(&self) -> &'static str {
        CONVERSIONS
    }

    fn interest(&self) -> Interest {
        Interest::Only(INTEREST)
    }

    fn positions(&self) -> Positions {
        Positions::Store
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move { Ok(self.app.store.consumer_cursor(tenant, CONVERSIONS).await?) })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            for e in events {
                self.convert_for(tenant, e).await?;
            }
            self.app
                .store
                .consumer_commit(tenant, CONVERSIONS, advance, &[], self.app.now())
                .await?;
            Ok(())
        })
    }
}
