//! Store port of webhooks: the subscriptions (their secret sealed), and the delivery log —
//! one row per change and subscription, with every attempt at it.

use super::{NewJob, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::event::NewEvent;
use crm_domain::webhook::{DeliveryState, Webhook};
use std::future::Future;
use uuid::Uuid;

/// One change for one subscription, and where its delivery is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Id.
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The change: its sequence number in the company's log.
    pub event_seq: i64,
    /// Its type (`contact.created`).
    pub event_type: String,
    /// Where it is.
    pub state: DeliveryState,
    /// Attempts made (replays included).
    pub attempts: u32,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// The last failure (timeout, refused address, connection...).
    pub last_error: Option<String>,
    /// The last attempt.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The next attempt, while pending.
    pub next_at: Option<DateTime<Utc>>,
    /// When the receiver took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// First queued.
    pub created_at: DateTime<Utc>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// Its number (1 for the first, across replays).
    pub number: u32,
    /// When it started.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// How long it took, milliseconds.
    pub millis: u64,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// What an attempt leaves: the attempt and the delivery's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The delivery (created by its first attempt).
    pub delivery_id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The change.
    pub event_seq: i64,
    /// Its type.
    pub event_type: String,
    /// The attempt (its number is the store's: one more than the delivery's).
    pub attempt: DeliveryAttempt,
    /// The delivery's state after it.
    pub state: DeliveryState,
    /// The next attempt, when pending.
    pub next_at: Option<DateTime<Utc>>,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Of this subscription.
    pub webhook_id: Option<Uuid>,
    /// In this state.
    pub state: Option<DeliveryState>,
}

/// Webhook subscriptions and their deliveries.
pub trait WebhookStore: Send + Sync {
    /// Keeps a new subscription with its secret (sealed), and its event.
    fn create_webhook(&self, webhook: &Webhook, secret: &str, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a subscription (and its secret when given) if it is still at
    /// `expected_version`. `NotFound`, `Conflict`.
    fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_version: i64,
        secret: Option<&str>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a subscription and its delivery log. `NotFound`.
    fn delete_webhook(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One subscription. `NotFound`.
    fn webhook(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<Webhook>> + Send;
    /// The company's subscriptions, oldest first.
    fn webhooks(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<Webhook>>> + Send;
    /// A subscription's secret, opened. `NotFound`.
    fn webhook_secret(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<String>> + Send;
    /// Records an attempt: the delivery created by its first, its counters and state
    /// updated, the attempt kept. `NotFound` when the subscription is gone.
    fn record_attempt(&self, tenant: TenantId, record: &AttemptRecord) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deliveries, newest first, at most `limit`.
    fn deliveries(&self, tenant: TenantId, filter: DeliveryFilter, limit: u32) -> impl Future<Output = StoreResult<Vec<Delivery>>> + Send;
    /// One delivery. `NotFound`.
    fn delivery(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<Delivery>> + Send;
    /// A delivery's attempts, in order. `NotFound` when the company has no such delivery.
    fn delivery_attempts(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<Vec<DeliveryAttempt>>> + Send;
    /// A dead delivery pending again, its job queued, in one transaction. `NotFound`;
    /// `Conflict` when it is not dead.
    fn replay_delivery(&self, tenant: TenantId, id: Uuid, job: &NewJob, now: DateTime<Utc>)
    -> impl Future<Output = StoreResult<()>> + Send;
}
