//! Reports: the sales of a period beside the period before, and the open pipeline.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    /// The period asked, per team that won or lost a deal in it.
    #[serde(default)]
    pub by_team: Vec<TeamSales>,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFigures,
    /// The same per person (activities by assignee, prospects by owner).
    #[serde(default)]
    pub activity_by_rep: Vec<RepActivity>,
    /// The same per team of the people; the people in no team last.
    #[serde(default)]
    pub activity_by_team: Vec<TeamActivity>,
}

/// What one person did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepActivity {
    /// The person.
    pub user_id: uuid::Uuid,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFigures,
}

/// What the people of one team did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamActivity {
    /// The team (none: people in no team).
    #[serde(default)]
    pub team_id: Option<uuid::Uuid>,
    /// Its name.
    #[serde(default)]
    pub team_name: Option<String>,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFigures,
}

/// One team's sales in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSales {
    /// The team (none: owners in no team).
    #[serde(default)]
    pub team_id: Option<uuid::Uuid>,
    /// Its name.
    #[serde(default)]
    pub team_name: Option<String>,
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

/// Activities of one kind done in the period and the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityDone {
    /// The kind.
    pub kind: String,
    /// In the period.
    pub current: i64,
    /// In the period before.
    pub previous: i64,
}

/// What the people of a report's scope did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFigures {
    /// Per kind.
    #[serde(default)]
    pub done: Vec<ActivityDone>,
    /// Every kind, in the period.
    pub done_current: i64,
    /// Every kind, in the period before.
    pub done_previous: i64,
    /// Tasks overdue now.
    pub overdue_tasks_now: i64,
    /// Tasks overdue at the end of the period before.
    pub overdue_tasks_previous: i64,
    /// Prospects created in the period.
    pub new_leads_current: i64,
    /// Prospects created in the period before.
    pub new_leads_previous: i64,
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

/// One rep's forecast in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamForecastLine {
    /// The rep.
    pub owner_id: uuid::Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// Open deals due in the period.
    pub count: i64,
    /// Their total, minor units.
    pub total_minor: i64,
    /// Their weighted value, minor units.
    pub weighted_minor: i64,
    /// The Manager's figure, minor units.
    pub adjusted_minor: i64,
}

/// A team's forecast totals in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamForecastTotal {
    /// ISO 4217 code.
    pub currency: String,
    /// Open deals due in the period.
    pub count: i64,
    /// Their total, minor units.
    pub total_minor: i64,
    /// Their weighted value, minor units.
    pub weighted_minor: i64,
    /// The Manager's figure, minor units.
    pub adjusted_minor: i64,
}

/// A submitted (validated) team forecast, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSubmission {
    /// Id.
    pub id: uuid::Uuid,
    /// The team.
    pub team_id: uuid::Uuid,
    /// The month or quarter.
    pub period: ReportPeriod,
    /// Who submitted it.
    pub submitted_by: uuid::Uuid,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// The Manager's comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Per rep and currency.
    pub lines: Vec<TeamForecastLine>,
    /// Per currency.
    pub totals: Vec<TeamForecastTotal>,
}

/// A past period's forecast against what was won, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastAccuracy {
    /// The period.
    pub period: ReportPeriod,
    /// ISO 4217 code.
    pub currency: String,
    /// The weighted pipeline submitted (none: nothing was submitted).
    #[serde(default)]
    pub weighted_minor: Option<i64>,
    /// The Manager's figure submitted.
    #[serde(default)]
    pub adjusted_minor: Option<i64>,
    /// Won in the period by the team's reps.
    pub won_minor: i64,
    /// Won over the Manager's figure, tenths of a percent.
    #[serde(default)]
    pub attainment_permille: Option<i64>,
}

/// A team's forecast for a month or a quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamForecast {
    /// The team.
    pub team_id: uuid::Uuid,
    /// Its name.
    pub team_name: String,
    /// Its Manager.
    pub manager_id: uuid::Uuid,
    /// The period.
    pub period: ReportPeriod,
    /// Its reps' open deals due in it now.
    pub lines: Vec<TeamForecastLine>,
    /// Per currency.
    pub totals: Vec<TeamForecastTotal>,
    /// The latest submission for the period.
    #[serde(default)]
    pub submitted: Option<ForecastSubmission>,
    /// The six periods before, newest first.
    #[serde(default)]
    pub history: Vec<ForecastAccuracy>,
}

/// A Manager's own figure for one rep and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentWrite {
    /// The rep.
    pub owner_id: uuid::Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// The figure, minor units.
    pub amount_minor: i64,
}

/// A validation of a team's forecast.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionWrite {
    /// `month` (default) or `quarter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// A day in the period (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The Manager's figures.
    #[serde(default)]
    pub adjustments: Vec<AdjustmentWrite>,
    /// The Manager's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Which forecasts: a team's, a period's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamForecastQuery {
    /// One team's (the list only).
    pub team_id: Option<uuid::Uuid>,
    /// `month` or `quarter`.
    pub period: Option<String>,
    /// A day in the period.
    pub date: Option<NaiveDate>,
}

/// Which report to write as a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExportWrite {
    /// `pdf`, `xlsx` or `csv`.
    pub format: String,
    /// `mine`, `team` or `company` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `month` (default), `quarter` or `year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// A day in the period (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The pipeline of the funnel (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<uuid::Uuid>,
}

/// A scheduled report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubscription {
    /// Id.
    pub id: uuid::Uuid,
    /// `weekly` or `monthly`.
    pub frequency: String,
    /// `pdf` or `xlsx`.
    pub format: String,
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// When it goes next.
    pub next_at: DateTime<Utc>,
}

/// A report to receive by email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubscriptionWrite {
    /// `weekly` or `monthly`.
    pub frequency: String,
    /// `pdf` (default) or `xlsx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `mine`, `team` or `company` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Also send one now.
    #[serde(default)]
    pub send_now: bool,
}

/// One member's work in a team's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberWork {
    /// The member.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their open deals, per currency.
    pub open: Vec<OpenAmounts>,
    /// Tasks overdue now.
    pub overdue_tasks: u64,
    /// Activities done this week.
    pub activities_done: u64,
}

/// A team's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    /// The team.
    pub team_id: Uuid,
    /// Its name.
    pub name: String,
    /// Monday of this week.
    pub week_first: NaiveDate,
    /// Sunday of this week.
    pub week_last: NaiveDate,
    /// Its active members.
    pub members: Vec<MemberWork>,
}

/// What a bulk reassignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassigned {
    /// Deals given to the new owner.
    pub changed: u64,
    /// Deals the rules kept.
    pub refused: u64,
}
