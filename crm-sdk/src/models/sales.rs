//! Pipelines, opportunities and the forecast.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Probability, percent.
    pub probability: i64,
}

/// A pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Stages.
    pub stages: Vec<Stage>,
    /// Stages taken out that closed deals still name.
    #[serde(default)]
    pub archived_stages: Vec<Stage>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A stage as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageWrite {
    /// Existing stage to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Probability, percent.
    pub probability: i64,
}

/// A pipeline to create or its new name and stages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PipelineWrite {
    /// Name.
    pub name: String,
    /// Stages.
    pub stages: Vec<StageWrite>,
    /// On an update: where the open deals of each stage left out go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<StageMove>,
}

/// Where the open deals of a stage left out go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMove {
    /// The stage left out.
    pub from: Uuid,
    /// A stage kept.
    pub to: Uuid,
}

/// One entry of an opportunity's stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// From.
    pub from: Option<Uuid>,
    /// To.
    pub to: Uuid,
    /// Name of the stage left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Name of the stage entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    /// Who moved it (name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Option<Uuid>,
}

/// An opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    pub currency: String,
    /// Contacts.
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// Stage.
    pub stage_id: Uuid,
    /// The stage's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_name: Option<String>,
    /// The pipeline's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_name: Option<String>,
    /// The owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// The organization's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Probability, percent.
    pub probability: i64,
    /// Set by hand.
    pub probability_overridden: bool,
    /// Expected close.
    pub expected_close: Option<NaiveDate>,
    /// Owner.
    pub owner_id: Uuid,
    /// `open`, `won`, `lost`.
    pub status: String,
    /// Loss reason.
    pub lost_reason: Option<String>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Stage history.
    pub stage_history: Vec<StageChange>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An opportunity to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewOpportunity {
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// Starting stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Contacts.
    #[serde(default)]
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Expected close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<NaiveDate>,
    /// Probability override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<i64>,
}

/// The editable fields of an opportunity.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OpportunityWrite {
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Contacts.
    #[serde(default)]
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Expected close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<NaiveDate>,
    /// Probability override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<i64>,
}

/// One forecast line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastLine {
    /// Period start.
    pub period_start: Option<NaiveDate>,
    /// `all`, `owner`, `team`, `pipeline`.
    pub group: String,
    /// The group's name (owner, team or pipeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Group id.
    pub group_id: Option<Uuid>,
    /// Currency.
    pub currency: String,
    /// Count.
    pub count: i64,
    /// Total, minor units.
    pub total_minor: i64,
    /// Weighted, minor units.
    pub weighted_minor: i64,
}
