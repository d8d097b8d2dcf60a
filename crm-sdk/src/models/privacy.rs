//! The rights of the people the company keeps data on (GDPR): requests, their answers,
//! an erasure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person's request about their data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyRequest {
    /// Id.
    pub id: Uuid,
    /// The contact it is about (kept after an erasure).
    pub contact_id: Uuid,
    /// `access`, `portability`, `rectification`, `erasure`, `restriction`, `objection`.
    pub kind: String,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// The deadline: one month after it came in.
    pub due_at: DateTime<Utc>,
    /// Still open past its deadline.
    pub late: bool,
    /// How it came in, what is asked.
    #[serde(default)]
    pub note: Option<String>,
    /// `open`, `done` or `refused`.
    pub status: String,
    /// The answer.
    #[serde(default)]
    pub answer: Option<String>,
    /// Who logged it.
    #[serde(default)]
    pub logged_by: Option<Uuid>,
    /// Who answered it.
    #[serde(default)]
    pub answered_by: Option<Uuid>,
    /// When.
    #[serde(default)]
    pub answered_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
}

/// A request to log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyRequestWrite {
    /// The contact.
    pub contact_id: Uuid,
    /// What is asked.
    pub kind: String,
    /// When it came in (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The answer to a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyAnswer {
    /// `done` or `refused`.
    pub status: String,
    /// Why, for a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// An erasure, with the request it carries out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// The erasure request (answered « done » with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Uuid>,
    /// Its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_version: Option<i64>,
}

/// One record of a person's consent on a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// Id.
    pub id: Uuid,
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// `granted` or `withdrawn`.
    pub state: String,
    /// For a granted consent: `consent` or `legitimate_interest`.
    #[serde(default)]
    pub basis: Option<String>,
    /// Where it came from (`objection`, `unsubscribe`: recorded by the CRM).
    pub source: String,
    /// The proof.
    #[serde(default)]
    pub proof: Option<String>,
    /// When the person gave or withdrew it.
    pub given_at: DateTime<Utc>,
    /// Who recorded it (none: the system).
    #[serde(default)]
    pub recorded_by: Option<Uuid>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// One channel of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// Whether campaigns and automation may reach the person there.
    pub allowed: bool,
    /// Why (`consent`, `legitimate_interest`, `client`, `opt_out_regime`, `opt_out`,
    /// `withdrawn`, `no_consent`).
    pub reason: String,
    /// The record that decides it.
    #[serde(default)]
    pub latest: Option<ConsentRecord>,
}

/// A person's consents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consents {
    /// The company's audience: `b2b`, `b2c` or `mixed`.
    pub audience: String,
    /// Email, phone, SMS.
    pub channels: Vec<ChannelConsent>,
    /// Every record, newest first.
    pub history: Vec<ConsentRecord>,
}

/// A consent given or withdrawn.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentWrite {
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// `granted` or `withdrawn`.
    pub state: String,
    /// With `granted`: `consent` or `legitimate_interest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Where it came from.
    pub source: String,
    /// The proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// When it was given (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_at: Option<DateTime<Utc>>,
}

/// A prospect whose retention time is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueProspect {
    /// The contact.
    pub contact_id: Uuid,
    /// Their owner.
    pub owner_id: Uuid,
    /// When their data was collected.
    pub created_at: DateTime<Utc>,
    /// The last contact that came from them, if any.
    #[serde(default)]
    pub last_initiated_at: Option<DateTime<Utc>>,
}

/// What the retention policy would do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReport {
    /// Months a prospect is kept.
    pub retention_months: i64,
    /// `flag` or `erase`.
    pub retention_action: String,
    /// Prospects with no contact of their own since this instant are due.
    pub cutoff: DateTime<Utc>,
    /// How many are due.
    pub total: u64,
    /// The oldest of them.
    pub prospects: Vec<DueProspect>,
}

/// An erasure of the prospects due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionErasure {
    /// Erased by this call.
    pub erased: u64,
    /// Still due.
    pub remaining: u64,
}

/// An anonymisation of the prospects due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionAnonymisation {
    /// Anonymised by this call.
    pub anonymised: u64,
    /// Still due.
    pub remaining: u64,
}

/// A row of a register section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRow {
    /// What it says.
    pub label: String,
    /// Its items.
    pub items: Vec<String>,
}

/// A section of the register of processing activities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSection {
    /// Its title.
    pub title: String,
    /// Its rows.
    pub rows: Vec<RegisterRow>,
}

/// The register of processing activities (GDPR art. 30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessingRegister {
    /// The company responsible.
    pub company: String,
    /// The latest change of what it rests on.
    pub changed_at: DateTime<Utc>,
    /// When it was drawn up.
    pub made_at: DateTime<Utc>,
    /// Its sections.
    pub sections: Vec<RegisterSection>,
}

/// An access to personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub user_id: Uuid,
    /// `view`, `personal_data`, `export` or `listed`.
    pub kind: String,
    /// Whose record (none for a list).
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// How many people.
    pub count: u32,
    /// Everyone a list showed (`listed`).
    #[serde(default)]
    pub contact_ids: Vec<Uuid>,
}
