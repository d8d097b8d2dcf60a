//! Reports: the sales of a period beside the period before, and the open pipeline.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A period of the company's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPeriod {
    /// `month`, `quarter`, `year` or `custom`.
    pub kind: String,
    /// First day.
    pub first: NaiveDate,
    /// Last day (included).
    pub last: NaiveDate,
    /// Its first instant.
    pub starts_at: DateTime<Utc>,
    /// The instant after it.
    pub ends_at: DateTime<Utc>,
}

/// Deals won in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WonAmounts {
    /// ISO 4217 code.
    pub currency: String,
    /// Deals.
    pub count: i64,
    /// Total, minor units.
    pub total_minor: i64,
    /// Average deal, minor units (half to even).
    pub average_minor: i64,
}

/// The open pipeline in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAmounts {
    /// ISO 4217 code.
    pub currency: String,
    /// Deals.
    pub count: i64,
    /// Total, minor units.
    pub total_minor: i64,
    /// Weighted total, minor units.
    pub weighted_minor: i64,
}

/// The sales figures of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFigures {
    /// The period.
    pub period: ReportPeriod,
    /// Won, per currency.
    pub won: Vec<WonAmounts>,
    /// Deals won.
    pub won_count: i64,
    /// Deals lost.
    pub lost_count: i64,
    /// Win rate, tenths of a percent.
    #[serde(default)]
    pub win_rate_permille: Option<i64>,
    /// Median creation-to-win time, seconds.
    #[serde(default)]
    pub median_cycle_seconds: Option<i64>,
    /// Deals created.
    pub created_count: i64,
}

/// The sales of a period, the period before, and the open pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// The company's time zone.
    pub time_zone: String,
    /// The period asked.
    pub current: SalesFigures,
    /// The period before.
    pub previous: SalesFigures,
    /// The open pipeline.
    pub open: Vec<OpenAmounts>,
    /// The period asked, per sales rep who won or lost a deal in it.
    #[serde(default)]
    pub by_rep: Vec<RepSales>,
}

/// One sales rep's sales in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepSales {
    /// The owner.
    pub owner_id: uuid::Uuid,
    /// Won, per currency.
    pub won: Vec<WonAmounts>,
    /// Deals won.
    pub won_count: i64,
    /// Deals lost.
    pub lost_count: i64,
    /// Win rate, tenths of a percent.
    #[serde(default)]
    pub win_rate_permille: Option<i64>,
}

/// Which sales report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesQuery {
    /// `mine`, `team` or `company`.
    pub scope: Option<String>,
    /// `month`, `quarter`, `year` or `custom`.
    pub period: Option<String>,
    /// A day in the period.
    pub date: Option<NaiveDate>,
    /// A custom period's first day.
    pub first: Option<NaiveDate>,
    /// A custom period's last day.
    pub last: Option<NaiveDate>,
}

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// The stage (none: the deals won).
    #[serde(default)]
    pub stage_id: Option<uuid::Uuid>,
    /// Its name.
    #[serde(default)]
    pub stage_name: Option<String>,
    /// Deals that entered it.
    pub entered: i64,
    /// Deals that reached it or beyond.
    pub reached: i64,
    /// Conversion to the next step, tenths of a percent.
    #[serde(default)]
    pub conversion_permille: Option<i64>,
    /// Deals that stopped here.
    pub dropped: i64,
    /// Median time in the stage, seconds.
    #[serde(default)]
    pub median_seconds: Option<i64>,
}

/// The conversion funnel of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelReport {
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// The pipeline.
    pub pipeline_id: uuid::Uuid,
    /// First day of the creation period (none: all deals).
    #[serde(default)]
    pub first: Option<NaiveDate>,
    /// Its last day.
    #[serde(default)]
    pub last: Option<NaiveDate>,
    /// The stages in order, then the deals won.
    pub steps: Vec<FunnelStep>,
}

/// Which funnel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelQuery {
    /// The pipeline.
    pub pipeline_id: Option<uuid::Uuid>,
    /// `mine`, `team` or `company`.
    pub scope: Option<String>,
    /// `month`, `quarter`, `year` or `custom` (none: every deal).
    pub period: Option<String>,
    /// A day in the period.
    pub date: Option<NaiveDate>,
    /// A custom period's first day.
    pub first: Option<NaiveDate>,
    /// A custom period's last day.
    pub last: Option<NaiveDate>,
}
