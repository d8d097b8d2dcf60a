//! Models of lead scoring: rules, and a contact's score with its lines and history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A scoring rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringRule {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// What it looks at (`kind` and its members).
    pub signal: serde_json::Value,
    /// Points.
    pub points: i32,
    /// Half-life in days.
    #[serde(default)]
    pub half_life_days: Option<u32>,
    /// Counts.
    pub active: bool,
    /// Version (`ETag`).
    pub version: i64,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A scoring rule as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoringRuleWrite {
    /// Name.
    pub name: String,
    /// What it looks at, such as `{"kind": "engagement", "engagement": "email_opened"}`.
    pub signal: serde_json::Value,
    /// Points.
    pub points: i32,
    /// Half-life in days (engagement rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life_days: Option<u32>,
    /// Counts (default: yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// One line of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreLine {
    /// The rule.
    pub rule_id: Uuid,
    /// Its name.
    pub rule: String,
    /// Points given (two decimals).
    pub points: f64,
    /// The engagement's time (none: the profile).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// A point of a score's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePoint {
    /// When.
    pub at: DateTime<Utc>,
    /// The score.
    pub score: i32,
}

/// A contact's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactScore {
    /// The contact.
    pub contact_id: Uuid,
    /// Whole points.
    pub score: i32,
    /// Computed at.
    pub computed_at: DateTime<Utc>,
    /// The lines.
    pub lines: Vec<ScoreLine>,
    /// The changes, newest first.
    pub history: Vec<ScorePoint>,
}

/// One factor of the learned model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    /// What the model reads.
    pub feature: String,
    /// How it weighs (`strong_up` … `strong_down`).
    pub effect: String,
}

/// The company's learned model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringModel {
    /// `none`, `too_few` or `trained`.
    pub state: String,
    /// When trained.
    #[serde(default)]
    pub trained_at: Option<DateTime<Utc>>,
    /// Contacts of the history.
    #[serde(default)]
    pub examples: Option<i64>,
    /// Won among them.
    #[serde(default)]
    pub won: Option<i64>,
    /// Trained on.
    #[serde(default)]
    pub trained_on: Option<i64>,
    /// Kept aside.
    #[serde(default)]
    pub held_out: Option<i64>,
    /// AUC, thousandths.
    #[serde(default)]
    pub auc_permille: Option<i64>,
    /// The rules' AUC, thousandths.
    #[serde(default)]
    pub rules_auc_permille: Option<i64>,
    /// Better than the rules.
    pub beats_rules: bool,
    /// Factors, the strongest first.
    pub factors: Vec<Factor>,
}
