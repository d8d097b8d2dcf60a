//! Opportunities as returned by the API, their list filters and the forecast: opportunities,
//! search (status filter) and names beside ids.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::opportunity::{Opportunity, Status};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

/// One entry of the stage history.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StageChangeDto {
    /// Stage left (absent at creation).
    pub from: Option<Uuid>,
    /// Name of the stage left.
    pub from_name: Option<String>,
    /// Stage entered.
    pub to: Uuid,
    /// Name of the stage entered.
    pub to_name: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Option<Uuid>,
    /// Their name.
    pub by_name: Option<String>,
}

/// An opportunity.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OpportunityDto {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Amount in minor units (cents).
    pub value_minor: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Linked contacts.
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// The organization's name.
    pub organization_name: Option<String>,
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// The pipeline's name.
    pub pipeline_name: Option<String>,
    /// Current stage.
    pub stage_id: Uuid,
    /// The stage's name.
    pub stage_name: Option<String>,
    /// Probability, whole percent.
    pub probability: i64,
    /// Whether the probability was set by hand.
    pub probability_overridden: bool,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// Owner.
    pub owner_id: Uuid,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// `open`, `won` or `lost`.
    pub status: String,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// Stages entered, oldest first.
    pub stage_history: Vec<StageChangeDto>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Opportunity> for OpportunityDto {
    fn from(o: &Opportunity) -> Self {
        Self {
            id: o.id.as_uuid(),
            title: o.fields.title.to_string(),
            value_minor: o.fields.value.minor(),
            currency: o.fields.value.currency().as_str().to_owned(),
            contact_ids: o.fields.contact_ids.iter().map(|c| c.as_uuid()).collect(),
            organization_id: o.fields.organization_id.map(|x| x.as_uuid()),
            organization_name: None,
            pipeline_id: o.pipeline_id.as_uuid(),
            pipeline_name: None,
            stage_id: o.stage_id.as_uuid(),
            stage_name: None,
            probability: i64::from(o.probability.percent()),
            probability_overridden: o.probability_overridden,
            expected_close: o.fields.expected_close,
            owner_id: o.owner_id.as_uuid(),
            owner_name: None,
            status: o.status.code().to_owned(),
            lost_reason: match &o.status {
                Status::Lost { reason } => Some(reason.to_string()),
                _ => None,
            },
            closed_at: o.closed_at,
            stage_history: o
                .stage_history
                .iter()
                .map(|h| StageChangeDto {
                    from: h.from.map(|s| s.as_uuid()),
                    from_name: None,
                    to: h.to.as_uuid(),
                    to_name: None,
                    at: h.at,
                    by: h.by.map(|u| u.as_uuid()),
                    by_name: None,
                })
                .collect(),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A page of opportunities.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OpportunityPage {
    /// Opportunities in order (`name` sorts by title).
    pub items: Vec<OpportunityDto>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Status filter.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusParam {
    /// In progress.
    Open,
    /// Won.
    Won,
    /// Lost.
    Lost,
}

impl StatusParam {
    /// The status code the filters take.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }
}

/// Forecast period.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PeriodParam {
    /// Calendar month.
    Month,
    /// Calendar quarter.
    Quarter,
}

/// Forecast grouping.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum GroupParam {
    /// One group.
    None,
    /// By owner.
    Owner,
    /// By the owner's team.
    Team,
    /// By pipeline.
    Pipeline,
}

/// One forecast line.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ForecastLine {
    /// First day of the period; absent for opportunities without an expected close date.
    pub period_start: Option<NaiveDate>,
    /// `all`, `owner`, `team` or `pipeline`.
    pub group: String,
    /// The owner, team or pipeline (absent for `all`, or for owners in no team).
    pub group_id: Option<Uuid>,
    /// Its name.
    pub group_name: Option<String>,
    /// Currency (never mixed).
    pub currency: String,
    /// Number of open opportunities.
    pub count: i64,
    /// Sum of amounts, minor units.
    pub total_minor: i64,
    /// Sum of amount x probability, minor units, rounded half-even once.
    pub weighted_minor: i64,
}
