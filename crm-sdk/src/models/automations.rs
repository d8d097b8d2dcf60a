//! Models of automation: rules, their runs, a dry run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// An automation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Whether it runs.
    pub active: bool,
    /// What starts it (`{"type": "email_opened"}`...).
    pub trigger: serde_json::Value,
    /// What the contact concerned must match (a segment rule).
    #[serde(default)]
    pub conditions: Option<serde_json::Value>,
    /// What it does, in order.
    pub actions: Vec<serde_json::Value>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A rule as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AutomationWrite {
    /// Name.
    pub name: String,
    /// Runs (default: yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// What starts it.
    pub trigger: serde_json::Value,
    /// Conditions (a segment rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<serde_json::Value>,
    /// Actions, 1 to 10.
    pub actions: Vec<serde_json::Value>,
}

/// What one action of a run gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationRunStep {
    /// The action's place in the rule.
    pub index: i64,
    /// Its type.
    pub action: String,
    /// `done`, `skipped`, `failed`, `stopped`.
    pub outcome: String,
    /// Why, or what it made.
    #[serde(default)]
    pub detail: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One start of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationRun {
    /// Id.
    pub id: Uuid,
    /// The rule.
    pub rule_id: Uuid,
    /// What started it.
    pub trigger_key: String,
    /// The triggering change.
    #[serde(default)]
    pub event_seq: Option<i64>,
    /// The record concerned.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Uuid,
    /// The contact acted on.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// Depth in a chain of automations.
    pub depth: i64,
    /// `skipped`, `running`, `waiting`, `done`, `failed`, `stopped`.
    pub state: String,
    /// Why it was skipped, stopped or failed.
    #[serde(default)]
    pub reason: Option<String>,
    /// Each action done so far.
    pub steps: Vec<AutomationRunStep>,
    /// When a waiting run goes on.
    #[serde(default)]
    pub resume_at: Option<DateTime<Utc>>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What a rule would have done over the last 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationDryRun {
    /// Changes read.
    pub events: i64,
    /// Matches of its trigger.
    pub matched: i64,
    /// Runs it would have started.
    pub started: i64,
    /// Matches skipped, by reason.
    pub skipped: BTreeMap<String, i64>,
    /// The newest runs it would have started or skipped.
    pub samples: Vec<AutomationRun>,
    /// More changes than a dry run reads.
    pub truncated: bool,
}
