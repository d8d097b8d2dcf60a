//! `/api/v1/forecast/teams/{id}` and `/api/v1/forecast/submissions`: a team's forecast for a
//! month or a quarter (its reps' open deals due in it, weighted), the Manager's validation
//! with adjustments and comment kept as submitted, and past submissions set against what
//! was won. A Manager for the teams they lead, an Admin for every team, an Observer reads.

use super::ApiTags;
use super::problem::{ApiError, ApiResult};
use super::reports::{ReportPeriodDto, period_dto};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::money::Currency;
use crm_domain::report::submission::{Accuracy, Adjustment, Submission, SubmissionLine, totals};
use crm_domain::report::{PeriodKind, ReportPeriod};
use crm_domain::{SubmissionId, TeamId, UserId, ValidationError, ViolationKind};
use crm_ports::services::reports::period_of;
use crm_ports::services::team_forecast::{SubmitForecast, TeamForecast};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// One rep's forecast in one currency.
#[derive(Debug, Clone, Object)]
pub struct TeamForecastLineDto {
    /// The rep.
    pub owner_id: Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// Open deals due in the period.
    pub count: i64,
    /// Their total, minor units.
    pub total_minor: i64,
    /// Σ value × probability, minor units, rounded half to even once.
    pub weighted_minor: i64,
    /// The Manager's figure (the weighted value unless adjusted).
    pub adjusted_minor: i64,
}

/// A team's totals in one currency.
#[derive(Debug, Clone, Object)]
pub struct TeamForecastTotalDto {
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

/// A submitted forecast, as submitted.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SubmissionDto {
    /// Id.
    pub id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The month or quarter.
    pub period: ReportPeriodDto,
    /// Who submitted it.
    pub submitted_by: Uuid,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// The Manager's comment.
    pub comment: Option<String>,
    /// Per rep and currency.
    pub lines: Vec<TeamForecastLineDto>,
    /// Per currency.
    pub totals: Vec<TeamForecastTotalDto>,
}

/// A past period's forecast against what was won, in one currency.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AccuracyDto {
    /// The period.
    pub period: ReportPeriodDto,
    /// ISO 4217 code.
    pub currency: String,
    /// The weighted pipeline submitted (absent: nothing was submitted).
    pub weighted_minor: Option<i64>,
    /// The Manager's figure submitted.
    pub adjusted_minor: Option<i64>,
    /// Won in the period by the team's reps, minor units.
    pub won_minor: i64,
    /// Won over the Manager's figure, tenths of a percent (`1000`: on target).
    pub attainment_permille: Option<i64>,
}

/// A team's forecast for a period.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamForecastDto {
    /// The team.
    pub team_id: Uuid,
    /// Its name.
    pub team_name: String,
    /// Its Manager.
    pub manager_id: Uuid,
    /// The month or quarter.
    pub period: ReportPeriodDto,
    /// Its reps' open deals due in it now, per rep and currency.
    pub lines: Vec<TeamForecastLineDto>,
    /// Per currency.
    pub totals: Vec<TeamForecastTotalDto>,
    /// The latest submission for the period.
    pub submitted: Option<SubmissionDto>,
    /// The six periods before, newest first.
    pub history: Vec<AccuracyDto>,
}

/// A Manager's own figure for one rep and currency.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AdjustmentWrite {
    /// The rep (a member of the team).
    pub owner_id: Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// The figure, minor units (0 or more).
    pub amount_minor: i64,
}

/// A validation of a team's forecast.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SubmissionWrite {
    /// `month` (default) or `quarter`.
    pub period: Option<String>,
    /// A day in the period (default: today); the period must not be over.
    pub date: Option<NaiveDate>,
    /// The Manager's figures where they differ from the weighted value.
    #[oai(default)]
    pub adjustments: Vec<AdjustmentWrite>,
    /// The Manager's comment (2,000 characters at most).
    pub comment: Option<String>,
}

#[derive(ApiResponse)]
pub enum SubmissionResponse {
    /// The submission.
    #[oai(status = 200)]
    Ok(Json<SubmissionDto>),
    /// Kept.
    #[oai(status = 201)]
    Created(Json<SubmissionDto>, #[oai(header = "Location")] String),
}

fn n(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

fn line_dto(l: &SubmissionLine) -> TeamForecastLineDto {
    TeamForecastLineDto {
        owner_id: l.owner_id.as_uuid(),
        currency: l.currency.as_str().to_owned(),
        count: n(l.count),
        total_minor: n(l.total_minor),
        weighted_minor: n(l.weighted_minor),
        adjusted_minor: n(l.adjusted_minor),
    }
}

fn totals_dto(lines: &[SubmissionLine]) -> Vec<TeamForecastTotalDto> {
    totals(lines)
        .into_iter()
        .map(|(c, t)| TeamForecastTotalDto {
            currency: c.as_str().to_owned(),
            count: n(t.count),
            total_minor: n(t.total_minor),
            weighted_minor: n(t.weighted_minor),
            adjusted_minor: n(t.adjusted_minor),
        })
        .collect()
}

pub(crate) fn submission_dto(s: &Submission, tz: &crm_domain::tenant::TimeZone) -> SubmissionDto {
    SubmissionDto {
        id: s.id.as_uuid(),
        team_id: s.team_id.as_uuid(),
        period: period_dto(&s.period, &tz.tz()),
        submitted_by: s.submitted_by.as_uuid(),
        submitted_at: s.submitted_at,
        comment: s.comment.clone(),
        lines: s.lines.iter().map(line_dto).collect(),
        totals: totals_dto(&s.lines),
    }
}

fn accuracy_dto(a: &Accuracy, tz: &crm_domain::tenant::TimeZone) -> AccuracyDto {
    AccuracyDto {
        period: period_dto(&a.period, &tz.tz()),
        currency: a.currency.as_str().to_owned(),
        weighted_minor: a.weighted_minor.map(n),
        adjusted_minor: a.adjusted_minor.map(n),
        won_minor: n(a.won_minor),
        attainment_permille: a.attainment_permille,
    }
}

fn team_dto(f: &TeamForecast, tz: &crm_domain::tenant::TimeZone) -> TeamForecastDto {
    TeamForecastDto {
        team_id: f.team.id.as_uuid(),
        team_name: f.team.name.as_str().to_owned(),
        manager_id: f.team.manager_id.as_uuid(),
        period: period_dto(&f.period, &tz.tz()),
        lines: f.lines.iter().map(line_dto).collect(),
        totals: totals_dto(&f.lines),
        submitted: f.submitted.as_ref().map(|s| submission_dto(s, tz)),
        history: f.history.iter().map(|a| accuracy_dto(a, tz)).collect(),
    }
}

fn forecast_kind(raw: Option<&str>) -> Result<PeriodKind, ApiError> {
    match raw {
        None => Ok(PeriodKind::Month),
        Some(p) => match PeriodKind::parse(p) {
            Some(k @ (PeriodKind::Month | PeriodKind::Quarter)) => Ok(k),
            _ => Err(ValidationError::field("period", ViolationKind::Unknown).into()),
        },
    }
}

pub struct TeamForecastApi {
    pub app: CrmApp,
}

impl TeamForecastApi {
    async fn period(&self, actor: &crm_domain::Actor, kind: Option<&str>, date: Option<NaiveDate>) -> ApiResult<ReportPeriod> {
        let today = self.app.company_today(actor).await?;
        Ok(period_of(forecast_kind(kind)?, date, None, None, today)?)
    }
}

#[OpenApi(tag = "ApiTags::Reports")]
impl TeamForecastApi {
    /// A team's forecast for a month (default) or a quarter holding `date` (default:
    /// today): its reps' open deals due in it, weighted, per rep and currency; the latest
    /// submission; the six periods before set against what was won. A Manager for the
    /// teams they lead (another team: 404), an Admin and an Observer for every team.
    #[oai(path = "/api/v1/forecast/teams/:id", method = "get", operation_id = "team_forecast")]
    async fn team(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// `month` or `quarter`.
        period: Query<Option<String>>,
        /// A day in the period.
        date: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<TeamForecastDto>> {
        let actor = auth.actor();
        let p = self.period(&actor, period.0.as_deref(), date.0).await?;
        let f = self.app.team_forecast(&actor, TeamId::from_uuid(id.0), p).await?;
        let tz = self.app.company_time_zone(&actor).await?;
        Ok(Json(team_dto(&f, &tz)))
    }

    /// The Manager validates the team's forecast for a month or a quarter not yet over:
    /// the live figures, their adjustments and comment are kept as submitted (a later
    /// submission supersedes it; both stay). 422 on `period`, `date` (a period over),
    /// `adjustments[i].owner_id` (not in the team), `adjustments[i].amount_minor`,
    /// `comment`.
    #[oai(path = "/api/v1/forecast/teams/:id/submissions", method = "post", operation_id = "submit_forecast")]
    async fn submit(&self, auth: Auth, id: Path<Uuid>, body: Json<SubmissionWrite>) -> ApiResult<SubmissionResponse> {
        let actor = auth.actor();
        let b = body.0;
        let p = self.period(&actor, b.period.as_deref(), b.date).await?;
        let adjustments = b
            .adjustments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let currency = Currency::parse(&a.currency)
                    .map_err(|_| ValidationError::field(format!("adjustments[{i}].currency"), ViolationKind::Unknown))?;
                Ok(Adjustment {
                    owner_id: UserId::from_uuid(a.owner_id),
                    currency,
                    amount_minor: a.amount_minor,
                })
            })
            .collect::<Result<Vec<_>, ValidationError>>()?;
        let input = SubmitForecast {
            adjustments,
            comment: b.comment,
        };
        let s = self.app.submit_forecast(&actor, TeamId::from_uuid(id.0), p, &input).await?;
        let tz = self.app.company_time_zone(&actor).await?;
        Ok(SubmissionResponse::Created(
            Json(submission_dto(&s, &tz)),
            format!("/api/v1/forecast/submissions/{}", s.id.as_uuid()),
        ))
    }

    /// Submitted forecasts, newest first (at most 500): every team's for an Admin or an
    /// Observer, the teams they lead for a Manager; `team_id` one team's, `period` with
    /// `date` those for that month or quarter.
    #[oai(path = "/api/v1/forecast/submissions", method = "get", operation_id = "list_forecast_submissions")]
    async fn list(
        &self,
        auth: Auth,
        /// One team's.
        team_id: Query<Option<Uuid>>,
        /// `month` or `quarter`.
        period: Query<Option<String>>,
        /// A day in the period.
        date: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<Vec<SubmissionDto>>> {
        let actor = auth.actor();
        let p = match (&period.0, date.0) {
            (None, None) => None,
            (kind, date) => Some(self.period(&actor, kind.as_deref(), date).await?),
        };
        let list = self.app.forecast_submissions(&actor, team_id.0.map(TeamId::from_uuid), p).await?;
        let tz = self.app.company_time_zone(&actor).await?;
        Ok(Json(list.iter().map(|s| submission_dto(s, &tz)).collect()))
    }

    /// One submitted forecast, as submitted.
    #[oai(
        path = "/api/v1/forecast/submissions/:id",
        method = "get",
        operation_id = "get_forecast_submission"
    )]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<SubmissionResponse> {
        let actor = auth.actor();
        let s = self.app.forecast_submission(&actor, SubmissionId::from_uuid(id.0)).await?;
        let tz = self.app.company_time_zone(&actor).await?;
        Ok(SubmissionResponse::Ok(Json(submission_dto(&s, &tz))))
    }
}
