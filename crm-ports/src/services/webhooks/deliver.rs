//! Sending a delivery: the job that reads the change from the log, writes its document,
//! has the transport sign and post it, and records the attempt. A failure is retried with
//! the runner's policy (exponential backoff with jitter); after its last attempt — or at
//! once when the address is refused — the delivery is dead, in the dead letters until an
//! Admin replays it. Delivery is at least once: a worker killed mid-send sends again once
//! its lease has run out, with the same event id for the receiver to drop the repeat.

use super::{DeliveryJob, KIND};
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::EventRecord;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::runtime::{BoxFuture, RetryPolicy};
use crate::store::{AttemptRecord, DeliveryAttempt, EventLog, WebhookStore};
use crate::webhook::{TransportError, WebhookRequest, WebhookTransport};
use crm_domain::TenantId;
use crm_domain::webhook::{DeliveryState, event_type};
use serde_json::{Value, json};
use std::sync::Arc;

/// The id a change is published under: the receiver's deduplication key.
pub fn event_id(tenant: TenantId, seq: i64) -> String {
    format!("evt_{}_{seq}", tenant.as_uuid().simple())
}

/// The document of a change: its id, type, time, company and sequence number, and what
/// changed. Sealed values (a person's data, sensitive fields) are left out unless
/// `personal`; the fields left out are named in `withheld`.
pub fn document(tenant: TenantId, e: &EventRecord, personal: bool) -> Value {
    let mut changes = Vec::new();
    let mut withheld = Vec::new();
    for c in &e.changes {
        if c.sealed && !personal {
            withheld.push(Value::from(c.field.as_str()));
        } else {
            changes.push(json!({ "field": c.field, "before": c.before, "after": c.after }));
        }
    }
    json!({
        "id": event_id(tenant, e.seq),
        "type": event_type(e.entity_type, e.kind),
        "created_at": e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "company_id": tenant.as_uuid(),
        "sequence": e.seq,
        "data": {
            "entity_type": e.entity_type.code(),
            "entity_id": e.entity_id,
            "owner_id": e.owner_id,
            "actor": { "kind": e.actor_kind, "id": e.actor_id.map(|u| u.as_uuid()) },
            "changes": changes,
            "withheld": withheld,
            "erased": e.erased,
        }
    })
}

/// The delivery jobs' handler.
pub struct WebhookSender<S, K, C, I> {
    app: App<S, K, C, I>,
    transport: Arc<dyn WebhookTransport>,
    retry: RetryPolicy,
}

impl<S, K, C: Clone, I: Clone> WebhookSender<S, K, C, I> {
    /// The handler; `retry` must be its runner's policy (it decides when a delivery is
    /// dead and when the next attempt is).
    pub fn new(app: &App<S, K, C, I>, transport: Arc<dyn WebhookTransport>, retry: RetryPolicy) -> Self {
        Self {
            app: app.clone(),
            transport,
            retry,
        }
    }
}

impl<S: WebhookStore + EventLog, K, C: Clock, I: IdGenerator> WebhookSender<S, K, C, I> {
    async fn deliver(&self, ctx: &JobContext) -> Result<JobFinish, ServiceError> {
        let held = ctx.job();
        let tenant = held.tenant_id;
        let Ok(job) = serde_json::from_value::<DeliveryJob>(held.payload.clone()) else {
            tracing::error!(%tenant, id = %held.id, "webhook delivery: unreadable job; dropped");
            return Ok(JobFinish::default());
        };
        let store = &self.app.store;
        let webhook = match store.webhook(tenant, job.webhook_id).await {
            Ok(w) => w,
            // Deleted since: nothing to send.
            Err(StoreError::NotFound) => return Ok(JobFinish::default()),
            Err(e) => return Err(e.into()),
        };
        let Some(event) = store
            .events_after(tenant, job.seq.saturating_sub(1), 1)
            .await?
            .into_iter()
            .find(|e| e.seq == job.seq)
        else {
            tracing::error!(%tenant, seq = job.seq, "webhook delivery: no such event; dropped");
            return Ok(JobFinish::default());
        };
        let kind = event_type(event.entity_type, event.kind);
        let body = serde_json::to_vec(&document(tenant, &event, webhook.spec.include_personal))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let request = WebhookRequest {
            url: webhook.spec.url.as_str().to_owned(),
            secret: store.webhook_secret(tenant, webhook.id).await?,
            event_id: event_id(tenant, event.seq),
            event_type: kind.clone(),
            timestamp: self.app.clock.now().timestamp(),
            body,
        };
        let at = self.app.clock.now();
        let started = std::time::Instant::now();
        let sent = self.transport.send(&request).await;
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, error, refused) = match &sent {
            Ok(r) if (200..300).contains(&r.status) => (Some(r.status), None, false),
            Ok(r) => (Some(r.status), Some(format!("HTTP {}", r.status)), false),
            Err(e @ TransportError::Refused(_)) => (None, Some(e.to_string()), true),
            Err(e) => (None, Some(e.to_string()), false),
        };
        let last = held.attempts >= self.retry.attempts.max(1);
        let (state, next_at) = match (&error, refused || last) {
            (None, _) => (DeliveryState::Delivered, None),
            (Some(_), true) => (DeliveryState::Dead, None),
            (Some(_), false) => {
                let wait = chrono::Duration::from_std(self.retry.wait(held.attempts, held.id)).unwrap_or(chrono::Duration::MAX);
                (DeliveryState::Pending, Some(crm_domain::time::add(self.app.clock.now(), wait)))
            }
        };
        let record = AttemptRecord {
            delivery_id: job.delivery_id,
            webhook_id: webhook.id,
            event_seq: event.seq,
            event_type: kind,
            attempt: DeliveryAttempt {
                number: 0,
                at,
                status,
                millis,
                error: error.clone(),
            },
            state,
            next_at,
        };
        match store.record_attempt(tenant, &record).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Ok(JobFinish::default()),
            Err(e) => return Err(e.into()),
        }
        match (state, error) {
            (DeliveryState::Pending, Some(e)) => Err(ServiceError::Internal(format!("webhook {}: {e}", webhook.id))),
            _ => Ok(JobFinish::default()),
        }
    }
}

impl<S, K, C, I> JobHandler for WebhookSender<S, K, C, I>
where
    S: WebhookStore + EventLog + 'static,
    K: Send + Sync + 'static,
    C: Clock + 'static,
    I: IdGenerator + 'static,
{
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(self.deliver(ctx))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::query::RecordedChange;
    use crm_domain::event::{EntityType, EventKind};
    use uuid::Uuid;

    fn event(sealed: bool) -> EventRecord {
        EventRecord {
            seq: 42,
            at: chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            actor_kind: "user".into(),
            actor_id: None,
            entity_type: EntityType::Contact,
            entity_id: Uuid::nil(),
            kind: EventKind::Updated,
            owner_id: None,
            changes: vec![
                RecordedChange {
                    field: "email".into(),
                    before: None,
                    after: Some(Value::from("lea@exemple.fr")),
                    sealed,
                },
                RecordedChange {
                    field: "kind".into(),
                    before: Some(Value::from("prospect")),
                    after: Some(Value::from("client")),
                    sealed: false,
                },
            ],
            erased: false,
            cause: None,
        }
    }

    #[test]
    fn sealed_values_leave_only_when_asked_for() {
        let tenant = TenantId::from_uuid(Uuid::from_u128(7));
        let doc = document(tenant, &event(true), false);
        assert_eq!(doc["type"], "contact.updated");
        assert_eq!(doc["id"], format!("evt_{}_42", Uuid::from_u128(7).simple()));
        assert_eq!(doc["data"]["withheld"], json!(["email"]));
        assert_eq!(doc["data"]["changes"].as_array().unwrap().len(), 1);
        assert!(!doc.to_string().contains("lea@exemple.fr"));
        let asked = document(tenant, &event(true), true);
        assert!(asked.to_string().contains("lea@exemple.fr"));
        assert_eq!(asked["data"]["withheld"], json!([]));
    }
}
