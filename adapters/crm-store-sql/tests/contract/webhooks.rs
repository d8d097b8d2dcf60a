//! Webhooks in the store: subscriptions (versions, the secret sealed and renewed, a
//! company's own only), the fan-out queueing one job per change and subscription exactly
//! once through the log's runtime, the delivery log written attempt by attempt, dead
//! letters replayed once, and a deletion taking the log with it.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::webhook::{DeliveryState, WebhookInput};
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore};
use crm_ports::runtime::{RetryPolicy, Shutdown};
use crm_ports::services::webhooks::fanout::WebhookFanout;
use crm_ports::services::webhooks::{DeliveryJob, KIND};
use crm_ports::store::{AttemptRecord, DeliveryAttempt, DeliveryFilter, JobStore as _, WebhookStore as _};
use crm_ports::{ServiceError, StoreError};
use std::sync::Arc;
use std::time::Duration;

fn hook(events: &[&str]) -> WebhookInput {
    WebhookInput {
        url: "https://erp.exemple.fr/crm".into(),
        description: Some("ERP".into()),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        include_personal: false,
        active: true,
    }
}

fn attempt(delivery: uuid::Uuid, webhook: uuid::Uuid, state: DeliveryState, status: Option<u16>) -> AttemptRecord {
    AttemptRecord {
        delivery_id: delivery,
        webhook_id: webhook,
        event_seq: 7,
        event_type: "contact.created".into(),
        attempt: DeliveryAttempt {
            number: 0,
            at: chrono::Utc::now(),
            status,
            millis: 15,
            error: status.filter(|s| *s >= 300).map(|s| format!("HTTP {s}")),
        },
        state,
        next_at: (state == DeliveryState::Pending).then(|| chrono::Utc::now() + chrono::Duration::seconds(30)),
    }
}

pub async fn subscriptions_keep_their_secret_sealed_and_their_versions(h: &Harness) {
    let (t, admin) = h.tenant("Webhooks").await;
    let (other_t, other) = h.tenant("Ailleurs").await;
    let made = h
        .app
        .create_webhook(&admin, &hook(&["contact.*", "opportunity.won"]))
        .await
        .unwrap();
    assert!(made.secret.starts_with("whsec_"));
    let w = made.webhook;
    assert_eq!(h.app.store().webhook_secret(t.id, w.id).await.unwrap(), made.secret);
    assert_eq!(h.app.webhook(&admin, w.id).await.unwrap(), w);
    // Stale version: refused; the right one: changed.
    let paused = WebhookInput {
        active: false,
        ..hook(&["*"])
    };
    assert!(matches!(
        h.app.update_webhook(&admin, w.id, 9, &paused).await,
        Err(ServiceError::Conflict)
    ));
    let w2 = h.app.update_webhook(&admin, w.id, w.version, &paused).await.unwrap();
    assert_eq!((w2.version, w2.spec.active), (2, false));
    assert_eq!(h.app.webhooks(&admin).await.unwrap(), vec![w2.clone()]);
    let renewed = h.app.renew_webhook_secret(&admin, w.id, 2).await.unwrap();
    assert_ne!(renewed.secret, made.secret);
    assert_eq!(h.app.store().webhook_secret(t.id, w.id).await.unwrap(), renewed.secret);
    // Another company: none of it.
    assert!(matches!(h.app.webhook(&other, w.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        h.app.store().webhook_secret(other_t.id, w.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(h.app.webhooks(&other).await.unwrap().is_empty());
    assert!(matches!(h.app.delete_webhook(&other, w.id).await, Err(ServiceError::NotFound)));
    // The audit names the change, never the secret.
    let seen = h
        .app
        .history(
            &admin,
            &crm_ports::query::HistoryQuery::Entity {
                entity_type: crm_domain::event::EntityType::Webhook,
                entity_id: w.id,
                before: None,
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(!format!("{seen:?}").contains(&renewed.secret));
}

pub async fn the_delivery_log_keeps_every_attempt_and_replays_the_dead(h: &Harness) {
    let (t, admin) = h.tenant("Journal").await;
    let (other_t, other) = h.tenant("Voisin").await;
    let w = h.app.create_webhook(&admin, &hook(&["*"])).await.unwrap().webhook;
    let store = h.app.store();
    let d = uuid::Uuid::now_v7();
    store
        .record_attempt(t.id, &attempt(d, w.id, DeliveryState::Pending, Some(503)))
        .await
        .unwrap();
    store
        .record_attempt(t.id, &attempt(d, w.id, DeliveryState::Dead, Some(500)))
        .await
        .unwrap();
    let (delivery, attempts) = h.app.webhook_delivery(&admin, d).await.unwrap();
    assert_eq!(
        (delivery.state, delivery.attempts, delivery.last_status),
        (DeliveryState::Dead, 2, Some(500))
    );
    assert_eq!(attempts.iter().map(|a| a.number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(attempts[0].status, Some(503));
    let dead = DeliveryFilter {
        state: Some(DeliveryState::Dead),
        ..DeliveryFilter::default()
    };
    assert_eq!(h.app.webhook_deliveries(&admin, dead, 10).await.unwrap().len(), 1);
    // Another company's subscription cannot get an attempt; its delivery is not seen.
    assert!(matches!(
        store
            .record_attempt(other_t.id, &attempt(uuid::Uuid::now_v7(), w.id, DeliveryState::Pending, None))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(h.app.webhook_delivery(&other, d).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        h.app.replay_webhook_delivery(&other, d).await,
        Err(ServiceError::NotFound)
    ));
    let by_other_hook = DeliveryFilter {
        webhook_id: Some(w.id),
        ..DeliveryFilter::default()
    };
    assert!(matches!(
        h.app.webhook_deliveries(&other, by_other_hook, 10).await,
        Err(ServiceError::NotFound)
    ));
    // Replayed once: pending, its job queued; a second replay is refused with its field.
    let again = h.app.replay_webhook_delivery(&admin, d).await.unwrap();
    assert_eq!(again.state, DeliveryState::Pending);
    let jobs = store.jobs(t.id, Some(KIND), 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let job: DeliveryJob = serde_json::from_value(jobs[0].payload.clone()).unwrap();
    assert_eq!((job.delivery_id, job.webhook_id, job.seq), (d, w.id, 7));
    assert!(matches!(
        h.app.replay_webhook_delivery(&admin, d).await,
        Err(ServiceError::Invalid(_))
    ));
    // Delivered: the time is kept.
    store
        .record_attempt(t.id, &attempt(d, w.id, DeliveryState::Delivered, Some(204)))
        .await
        .unwrap();
    let (delivered, attempts) = h.app.webhook_delivery(&admin, d).await.unwrap();
    assert!(delivered.delivered_at.is_some() && delivered.next_at.is_none());
    assert_eq!(attempts.len(), 3);
    // Deleted: its log goes with it.
    h.app.delete_webhook(&admin, w.id).await.unwrap();
    assert!(matches!(h.app.webhook_delivery(&admin, d).await, Err(ServiceError::NotFound)));
    assert!(
        h.app
            .webhook_deliveries(&admin, DeliveryFilter::default(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn each_change_is_queued_once_per_subscription_that_wants_it(h: &Harness) {
    let (t, admin) = h.tenant("Diffusion").await;
    // Before any subscription: nothing will be sent for it.
    h.app
        .create_contact(&admin, &input("Avant", "Abonnement"), None, true)
        .await
        .unwrap();
    let contacts = h.app.create_webhook(&admin, &hook(&["contact.created"])).await.unwrap().webhook;
    let everything = h.app.create_webhook(&admin, &hook(&["*"])).await.unwrap().webhook;
    let paused = h
        .app
        .create_webhook(
            &admin,
            &WebhookInput {
                active: false,
                ..hook(&["*"])
            },
        )
        .await
        .unwrap()
        .webhook;
    for n in 0..3 {
        h.app
            .create_contact(&admin, &input("Après", &format!("Abonnement{n}")), None, true)
            .await
            .unwrap();
    }
    let consumer: Arc<dyn Consumer> = Arc::new(InStore::new(WebhookFanout::new(&h.app), &h.app));
    // The reader starts with every company of the database (on PostgreSQL the suite shares
    // one, where other cases leave logs of thousands of events): batches of a few dozen
    // reach this company's changes in time, two at a time did not.
    let options = ConsumerOptions {
        batch: 64,
        sweep: Duration::from_millis(100),
        gather: Duration::from_millis(5),
        retry: RetryPolicy::default(),
    };
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let runner = tokio::spawn(async move { app.run_consumer(consumer, options, shutdown).await });
    let store = h.app.store();
    for _ in 0..1200 {
        if store.jobs(t.id, Some(KIND), 100).await.unwrap().len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer: nothing more comes (no second queueing of the same change).
    tokio::time::sleep(Duration::from_millis(500)).await;
    trigger.trigger();
    runner.await.unwrap();
    let jobs = store.jobs(t.id, Some(KIND), 100).await.unwrap();
    let mut per_hook = std::collections::BTreeMap::new();
    for j in &jobs {
        let d: DeliveryJob = serde_json::from_value(j.payload.clone()).unwrap();
        *per_hook.entry(d.webhook_id).or_insert(0) += 1;
    }
    assert_eq!(per_hook.get(&contacts.id), Some(&3), "{per_hook:?}");
    assert_eq!(per_hook.get(&everything.id), Some(&3), "{per_hook:?}");
    assert_eq!(per_hook.get(&paused.id), None, "{per_hook:?}");
}

contract!(
    subscriptions_keep_their_secret_sealed_and_their_versions,
    the_delivery_log_keeps_every_attempt_and_replays_the_dead,
    each_change_is_queued_once_per_subscription_that_wants_it
);
