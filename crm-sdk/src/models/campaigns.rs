//! Campaigns: one template sent to the members of a segment, their statistics and
//! recipients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What became of a campaign's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignStats {
    /// Messages queued (one per recipient).
    pub recipients: i64,
    /// Waiting for their attempt (or held by a pause).
    pub queued: i64,
    /// Accepted by the relay.
    pub sent: i64,
    /// Given up.
    pub failed: i64,
    /// Refused for good.
    pub bounced: i64,
    /// Never sent: cancelled first.
    pub cancelled: i64,
    /// Opened by a person.
    pub opened: i64,
    /// With a link followed.
    pub clicked: i64,
    /// Whose recipient unsubscribed through it.
    pub unsubscribed: i64,
    /// Answered.
    pub replied: i64,
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The segment.
    pub segment_id: Uuid,
    /// The template.
    pub template_id: Uuid,
    /// `fr` or `en` (none: the company's).
    #[serde(default)]
    pub language: Option<String>,
    /// `draft`, `scheduled`, `sending`, `paused`, `sent` or `cancelled`.
    pub status: String,
    /// When it starts.
    #[serde(default)]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Who wrote it.
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When every recipient had their message queued.
    #[serde(default)]
    pub filled_at: Option<DateTime<Utc>>,
    /// When it was sent or cancelled.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Members left out (no address, suppressed).
    pub skipped: i64,
    /// Statistics (one campaign read).
    #[serde(default)]
    pub stats: Option<CampaignStats>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A campaign as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignWrite {
    /// Name.
    pub name: String,
    /// The segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<Uuid>,
    /// The template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<Uuid>,
    /// `fr` or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A move in a campaign's life.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignMove {
    /// `schedule`, `unschedule`, `start`, `pause`, `resume` or `cancel`.
    pub action: String,
    /// The start time of `schedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// One recipient of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecipient {
    /// Their message.
    pub email_id: Uuid,
    /// The contact.
    pub contact_id: Uuid,
    /// Their name.
    #[serde(default)]
    pub name: Option<String>,
    /// The address written to.
    #[serde(default)]
    pub address: Option<String>,
    /// The message's state.
    pub state: String,
    /// The last failure.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Sent.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// First opened by a person.
    #[serde(default)]
    pub opened_at: Option<DateTime<Utc>>,
    /// First click.
    #[serde(default)]
    pub clicked_at: Option<DateTime<Utc>>,
    /// Unsubscribed through it.
    #[serde(default)]
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// First reply.
    #[serde(default)]
    pub replied_at: Option<DateTime<Utc>>,
}
