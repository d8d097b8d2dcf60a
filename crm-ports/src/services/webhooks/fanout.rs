//! From the event log to the deliveries: a reader of the log that, for each change of an
//! outward record, queues one delivery job per active subscription that wants it — in the
//! transaction that moves its cursor, so each change is queued exactly once per
//! subscription, across crashes and replicas. A subscription receives the changes made
//! after it was created.

use super::DeliveryJob;
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::EventRecord;
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Interest, StoreConsumer};
use crate::store::{ConsumerWrite, WebhookStore};
use crm_domain::TenantId;
use crm_domain::webhook::ENTITIES;

/// The consumer's name (its cursors and parked events are kept under it).
pub const FANOUT: &str = "webhooks";

/// The fan-out (run it wrapped in [`InStore`](crate::runtime::consumers::InStore)).
pub struct WebhookFanout<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> WebhookFanout<S, K, C, I> {
    /// The consumer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<
    S: WebhookStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> StoreConsumer for WebhookFanout<S, K, C, I>
{
    fn name(&self) -> &'static str {
        FANOUT
    }

    fn interest(&self) -> Interest {
        Interest::Entities(&ENTITIES)
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async move {
            let hooks = self.app.store.webhooks(tenant).await?;
            if hooks.is_empty() {
                return Ok(Vec::new());
            }
            let now = self.app.clock.now();
            let mut out = Vec::new();
            for e in events {
                for w in hooks.iter().filter(|w| w.wants(e.entity_type, e.kind) && e.at >= w.created_at) {
                    let job = DeliveryJob {
                        delivery_id: self.app.new_id(),
                        webhook_id: w.id,
                        seq: e.seq,
                    };
                    out.push(ConsumerWrite::Enqueue(job.job(tenant, self.app.new_id(), now)));
                }
            }
            Ok(out)
        })
    }
}
