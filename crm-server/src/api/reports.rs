//! `/api/v1/reports`: the sales figures of a period beside the period before, and the open
//! pipeline, over the reader's deals (mine, my team's, the company's — never beyond what
//! the reader sees), counted in the company's time zone.

mod activity;

use super::ApiTags;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use activity::{ActivityFiguresDto, RepActivityDto, TeamActivityDto, activity_dto};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::report::{Amounts, PeriodKind, ReportPeriod, ReportScope, SalesFigures};
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::services::reports::{FunnelReport, SalesReport, period_of};
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A period of the company's calendar.
#[derive(Debug, Clone, Object)]
pub struct ReportPeriodDto {
    /// `month`, `quarter`, `year` or `custom`.
    pub kind: String,
    /// Its first day.
    pub first: NaiveDate,
    /// Its last day (included).
    pub last: NaiveDate,
    /// Its first instant (the start of its first day in the company's time zone).
    pub starts_at: DateTime<Utc>,
    /// The instant after it (the start of the day after its last), excluded.
    pub ends_at: DateTime<Utc>,
}

/// Deals won in one currency.
#[derive(Debug, Clone, Object)]
pub struct WonAmountsDto {
    /// ISO 4217 code.
    pub currency: String,
    /// Deals.
    pub count: i64,
    /// Their total, minor units (cents).
    pub total_minor: i64,
    /// The average deal, minor units, rounded half to even.
    pub average_minor: i64,
}

/// The open pipeline in one currency.
#[derive(Debug, Clone, Object)]
pub struct OpenAmountsDto {
    /// ISO 4217 code.
    pub currency: String,
    /// Deals.
    pub count: i64,
    /// Their total, minor units.
    pub total_minor: i64,
    /// Σ value × probability, minor units, rounded half to even once.
    pub weighted_minor: i64,
}

/// The sales figures of one period.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SalesFiguresDto {
    /// The period.
    pub period: ReportPeriodDto,
    /// Won in the period (by close time), per currency.
    pub won: Vec<WonAmountsDto>,
    /// Deals won.
    pub won_count: i64,
    /// Deals lost.
    pub lost_count: i64,
    /// Won among those closed in the period, in tenths of a percent (`625` = 62.5 %).
    pub win_rate_permille: Option<i64>,
    /// The median time from creation to win of the deals won, in seconds.
    pub median_cycle_seconds: Option<i64>,
    /// Deals created in the period.
    pub created_count: i64,
}

/// One sales rep's sales in the period.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RepSalesDto {
    /// The owner.
    pub owner_id: Uuid,
    /// Won, per currency.
    pub won: Vec<WonAmountsDto>,
    /// Deals won.
    pub won_count: i64,
    /// Deals lost.
    pub lost_count: i64,
    /// Win rate, tenths of a percent.
    pub win_rate_permille: Option<i64>,
}

/// One team's sales in the period.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamSalesDto {
    /// The team (absent: owners in no team).
    pub team_id: Option<Uuid>,
    /// Its name.
    pub team_name: Option<String>,
    /// Won, per currency.
    pub won: Vec<WonAmountsDto>,
    /// Deals won.
    pub won_count: i64,
    /// Deals lost.
    pub lost_count: i64,
    /// Win rate, tenths of a percent.
    pub win_rate_permille: Option<i64>,
}

/// The sales of a period, the period before, and the open pipeline.
#[derive(Debug, Clone, Object)]
pub struct SalesReportDto {
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// The company's time zone the periods are read in.
    pub time_zone: String,
    /// The period asked.
    pub current: SalesFiguresDto,
    /// The period before.
    pub previous: SalesFiguresDto,
    /// The pipeline open now, per currency.
    pub open: Vec<OpenAmountsDto>,
    /// The period asked, per owner who won or lost a deal in it.
    pub by_rep: Vec<RepSalesDto>,
    /// The period asked, per team (of the owners now) that won or lost a deal in it.
    pub by_team: Vec<TeamSalesDto>,
    /// Activities done, tasks overdue, prospects created.
    pub activity: ActivityFiguresDto,
    /// The same per person (activities by their assignee, prospects by their owner), for
    /// those who did, were late with or created anything.
    pub activity_by_rep: Vec<RepActivityDto>,
    /// The same per team of the people (now); the people in no team last.
    pub activity_by_team: Vec<TeamActivityDto>,
}

fn n(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

/// A period with the instants it runs over in `tz`.
pub(crate) fn period_dto<Tz: chrono::TimeZone>(p: &ReportPeriod, tz: &Tz) -> ReportPeriodDto {
    let (starts_at, ends_at) = p.bounds(tz);
    ReportPeriodDto {
        kind: p.kind.code().to_owned(),
        first: p.first,
        last: p.last,
        starts_at,
        ends_at,
    }
}

fn figures(f: &SalesFigures, (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>)) -> SalesFiguresDto {
    SalesFiguresDto {
        period: ReportPeriodDto {
            kind: f.period.kind.code().to_owned(),
            first: f.period.first,
            last: f.period.last,
            starts_at,
            ends_at,
        },
        won: f.won.iter().map(won_amounts).collect(),
        won_count: n(f.won_count),
        lost_count: n(f.lost_count),
        win_rate_permille: f.win_rate_permille,
        median_cycle_seconds: f.median_cycle_seconds,
        created_count: n(f.created_count),
    }
}

fn won_amounts(a: &Amounts) -> WonAmountsDto {
    WonAmountsDto {
        currency: a.currency.as_str().to_owned(),
        count: n(a.count),
        total_minor: n(a.total_minor),
        average_minor: n(a.derived_minor),
    }
}

pub(super) fn open(a: &Amounts) -> OpenAmountsDto {
    OpenAmountsDto {
        currency: a.currency.as_str().to_owned(),
        count: n(a.count),
        total_minor: n(a.total_minor),
        weighted_minor: n(a.derived_minor),
    }
}

fn report_dto(r: &SalesReport) -> SalesReportDto {
    SalesReportDto {
        scope: r.scope.code().to_owned(),
        time_zone: r.time_zone.clone(),
        current: figures(&r.current, r.bounds[0]),
        previous: figures(&r.previous, r.bounds[1]),
        open: r.open.iter().map(open).collect(),
        by_team: r
            .by_team
            .iter()
            .map(|(t, name)| TeamSalesDto {
                team_id: t.team_id.map(|id| id.as_uuid()),
                team_name: name.clone(),
                won: t.won.iter().map(won_amounts).collect(),
                won_count: n(t.won_count),
                lost_count: n(t.lost_count),
                win_rate_permille: t.win_rate_permille,
            })
            .collect(),
        activity: activity_dto(&r.activity.total),
        activity_by_rep: r
            .activity
            .by_person
            .iter()
            .map(|(user, a)| RepActivityDto {
                user_id: user.as_uuid(),
                activity: activity_dto(a),
            })
            .collect(),
        activity_by_team: r
            .activity_by_team
            .iter()
            .map(|(team, name, a)| TeamActivityDto {
                team_id: team.map(|id| id.as_uuid()),
                team_name: name.clone(),
                activity: activity_dto(a),
            })
            .collect(),
        by_rep: r
            .by_owner
            .iter()
            .map(|o| RepSalesDto {
                owner_id: o.owner_id.as_uuid(),
                won: o.won.iter().map(won_amounts).collect(),
                won_count: n(o.won_count),
                lost_count: n(o.lost_count),
                win_rate_permille: o.win_rate_permille,
            })
            .collect(),
    }
}

/// One step of a funnel.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FunnelStepDto {
    /// The stage (none: the last step, the deals won).
    pub stage_id: Option<Uuid>,
    /// Its name.
    pub stage_name: Option<String>,
    /// Deals that entered the stage (once each).
    pub entered: i64,
    /// Deals that reached it or a later step.
    pub reached: i64,
    /// Share of those that reached the next step, in tenths of a percent.
    pub conversion_permille: Option<i64>,
    /// Deals that reached this step and not the next.
    pub dropped: i64,
    /// The median time spent in the stage, seconds (stays that ended).
    pub median_seconds: Option<i64>,
}

/// The conversion funnel of a pipeline.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FunnelReportDto {
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// The pipeline.
    pub pipeline_id: Uuid,
    /// The first day of the period the deals were created in (none: all deals).
    pub first: Option<NaiveDate>,
    /// Its last day.
    pub last: Option<NaiveDate>,
    /// The stages in order, then the deals won.
    pub steps: Vec<FunnelStepDto>,
}

fn funnel_dto(r: &FunnelReport) -> FunnelReportDto {
    FunnelReportDto {
        scope: r.scope.code().to_owned(),
        pipeline_id: r.pipeline_id.as_uuid(),
        first: r.period.map(|p| p.first),
        last: r.period.map(|p| p.last),
        steps: r
            .steps
            .iter()
            .map(|(s, name)| FunnelStepDto {
                stage_id: s.stage_id.map(|id| id.as_uuid()),
                stage_name: name.clone(),
                entered: n(s.entered),
                reached: n(s.reached),
                conversion_permille: s.conversion_permille,
                dropped: n(s.dropped),
                median_seconds: s.median_seconds,
            })
            .collect(),
    }
}

fn scope_of(raw: Option<&str>) -> Result<ReportScope, ApiError> {
    match raw {
        None => Ok(ReportScope::Company),
        Some(s) => ReportScope::parse(s).ok_or_else(|| ApiError::from(ValidationError::field("scope", ViolationKind::Unknown))),
    }
}

fn kind_of(raw: Option<&str>) -> Result<Option<PeriodKind>, ApiError> {
    raw.map(|p| PeriodKind::parse(p).ok_or_else(|| ApiError::from(ValidationError::field("period", ViolationKind::Unknown))))
        .transpose()
}

/// Which report to write as a file.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ReportExportWrite {
    /// `pdf`, `xlsx` or `csv`.
    pub format: String,
    /// `mine`, `team` or `company` (default).
    pub scope: Option<String>,
    /// `month` (default), `quarter` or `year`.
    pub period: Option<String>,
    /// A day in the period (default: today).
    pub date: Option<NaiveDate>,
    /// The pipeline of the funnel (default: the first).
    pub pipeline_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum ReportFile {
    /// The report as a PDF.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
    /// The report as an Excel workbook.
    #[oai(status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
    /// The report as CSV (UTF-8 with a byte order mark, semicolons, CRLF).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

pub struct ReportsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ReportsApi {
    /// The sales of a period beside the period before, and the open pipeline (Admin,
    /// Manager, Sales rep, Observer): `scope` `mine`, `team` or `company` (default: all
    /// the reader sees; never beyond it); `period` `month` (default), `quarter` or `year`
    /// holding `date` (default: today), or `custom` from `first` to `last`.
    #[oai(path = "/api/v1/reports/sales", method = "get", operation_id = "sales_report")]
    async fn sales(
        &self,
        auth: Auth,
        /// `mine`, `team` or `company`.
        scope: Query<Option<String>>,
        /// `month`, `quarter`, `year` or `custom`.
        period: Query<Option<String>>,
        /// A day in the period (`2026-03-17`).
        date: Query<Option<NaiveDate>>,
        /// A custom period's first day.
        first: Query<Option<NaiveDate>>,
        /// A custom period's last day (included).
        last: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<SalesReportDto>> {
        let actor = auth.actor();
        let scope = scope_of(scope.0.as_deref())?;
        let kind = kind_of(period.0.as_deref())?.unwrap_or(PeriodKind::Month);
        let today = self.app.company_today(&actor).await?;
        let period = period_of(kind, date.0, first.0, last.0, today)?;
        let report = self.app.sales_report(&actor, scope, period).await?;
        Ok(Json(report_dto(&report)))
    }

    /// The conversion funnel of a pipeline from its deals' stage histories: per stage,
    /// deals entered and reached, conversion to the next step, drop-off, median time in the
    /// stage; then the deals won. Over the reader's deals of `scope` created in the period
    /// when one is given (`period`, `date`, `first`, `last` as for the sales), else all.
    #[oai(path = "/api/v1/reports/funnel", method = "get", operation_id = "funnel_report")]
    #[allow(clippy::too_many_arguments)] // the query's parameters, as documented
    async fn funnel(
        &self,
        auth: Auth,
        /// The pipeline.
        pipeline_id: Query<Option<Uuid>>,
        /// `mine`, `team` or `company`.
        scope: Query<Option<String>>,
        /// `month`, `quarter`, `year` or `custom` (none: every deal).
        period: Query<Option<String>>,
        /// A day in the period.
        date: Query<Option<NaiveDate>>,
        /// A custom period's first day.
        first: Query<Option<NaiveDate>>,
        /// A custom period's last day (included).
        last: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<FunnelReportDto>> {
        let actor = auth.actor();
        let pipeline = pipeline_id
            .0
            .ok_or_else(|| ApiError::from(ValidationError::field("pipeline_id", ViolationKind::Required)))?;
        let scope = scope_of(scope.0.as_deref())?;
        let period = match kind_of(period.0.as_deref())? {
            Some(kind) => Some(period_of(kind, date.0, first.0, last.0, self.app.company_today(&actor).await?)?),
            None => None,
        };
        let report = self
            .app
            .funnel_report(&actor, scope, crm_domain::PipelineId::from_uuid(pipeline), period)
            .await?;
        Ok(Json(funnel_dto(&report)))
    }

    /// The sales report as a file — the period's sales beside the period before, the open
    /// pipeline, the sales per rep, a pipeline's funnel, with their charts — as a PDF, an
    /// Excel workbook (typed cells, native charts) or CSV, in the language of
    /// `Accept-Language`, over the reader's deals of `scope` only. With an
    /// `Idempotency-Key`, a retry gets the same file byte for byte.
    #[oai(path = "/api/v1/reports/exports", method = "post", operation_id = "export_report")]
    async fn export(
        &self,
        auth: Auth,
        #[oai(name = "Accept-Language")] accept_language: poem_openapi::param::Header<Option<String>>,
        body: Json<ReportExportWrite>,
    ) -> ApiResult<ReportFile> {
        use crm_web::report_export::{ReportFormat, document, gather, render};
        let actor = auth.actor();
        let b = body.0;
        let format =
            ReportFormat::parse(&b.format).ok_or_else(|| ApiError::from(ValidationError::field("format", ViolationKind::Unknown)))?;
        let scope = scope_of(b.scope.as_deref())?;
        let kind = kind_of(b.period.as_deref())?.unwrap_or(PeriodKind::Month);
        if kind == PeriodKind::Custom {
            return Err(ValidationError::field("period", ViolationKind::Unknown).into());
        }
        let today = self.app.company_today(&actor).await?;
        let period = period_of(kind, b.date, None, None, today)?;
        let pipeline = b.pipeline_id.map(crm_domain::PipelineId::from_uuid);
        let g = gather(&self.app, &actor, scope, period, pipeline).await?;
        let lang = crm_web::Lang::from_accept_language(accept_language.0.as_deref());
        let doc = document(lang, &g);
        let (bytes, name) = render(&doc, format, &period).map_err(|e| ApiError::internal(e.to_string()))?;
        let disposition = format!("attachment; filename=\"{name}\"");
        Ok(match format {
            ReportFormat::Pdf => ReportFile::Pdf(Binary(bytes), disposition),
            ReportFormat::Xlsx => ReportFile::Xlsx(Binary(bytes), disposition),
            ReportFormat::Csv => ReportFile::Csv(Binary(bytes), disposition),
        })
    }
}
