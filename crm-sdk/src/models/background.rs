//! Background work: readers of the event log, parked events, jobs and timers; stored files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A reader of the event log in your company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerStatus {
    /// Its name (`search_indexer`, `assignment_notifications`...).
    pub name: String,
    /// The last event it applied.
    pub cursor: i64,
    /// The last event of the company's log.
    pub latest: i64,
    /// Events it has still to read.
    pub lag: i64,
    /// Its parked events waiting for a fix.
    pub parked: i64,
}

/// An event a reader gave up on after its retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedEvent {
    /// The reader.
    pub consumer: String,
    /// The event's sequence number.
    pub seq: i64,
    /// The last error.
    pub error: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
    /// When a replay was asked for.
    #[serde(default)]
    pub replay_requested_at: Option<DateTime<Utc>>,
    /// When a replay applied it.
    #[serde(default)]
    pub replayed_at: Option<DateTime<Utc>>,
}

/// A background job or timer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: Uuid,
    /// What it does (`reminders.scan`...).
    pub kind: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The last step it committed.
    pub step: i64,
    /// What it reported with that step.
    #[serde(default)]
    pub progress: serde_json::Value,
    /// Times a worker took it.
    pub attempts: i64,
    /// Not before.
    pub due_at: DateTime<Utc>,
    /// Until when its worker holds it.
    #[serde(default)]
    pub lease_until: Option<DateTime<Utc>>,
    /// The last error.
    #[serde(default)]
    pub error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A stored file (an upload for an import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    /// Who sent it.
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}
