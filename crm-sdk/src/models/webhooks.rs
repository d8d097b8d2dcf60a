//! Models of webhooks: subscriptions, deliveries and their attempts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The changes it receives (`*`, `contact.*`, `opportunity.won`...).
    pub events: Vec<String>,
    /// Whether deliveries carry the sealed values.
    pub include_personal: bool,
    /// Whether it receives new changes.
    pub active: bool,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The signing secret: only when just created or renewed.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A subscription as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookWrite {
    /// `https://…` (or `http://…`).
    pub url: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The changes wanted.
    pub events: Vec<String>,
    /// Carry the sealed values.
    #[serde(default)]
    pub include_personal: bool,
    /// Receive new changes (default: yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// 1 for the first.
    pub number: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status.
    #[serde(default)]
    pub status: Option<i64>,
    /// Milliseconds.
    pub millis: i64,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// One change for one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Id.
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The change's id as the receiver gets it.
    pub event_id: String,
    /// Its sequence number.
    pub event_seq: i64,
    /// Its type.
    pub event_type: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last HTTP status.
    #[serde(default)]
    pub last_status: Option<i64>,
    /// The last failure.
    #[serde(default)]
    pub last_error: Option<String>,
    /// The last attempt.
    #[serde(default)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The next attempt.
    #[serde(default)]
    pub next_at: Option<DateTime<Utc>>,
    /// Taken by the receiver.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// First queued.
    pub created_at: DateTime<Utc>,
    /// Every attempt (one delivery read alone).
    #[serde(default)]
    pub attempt_log: Option<Vec<DeliveryAttempt>>,
}
