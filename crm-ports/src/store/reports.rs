//! Store port of reports: the deals a report reads, as lean facts (state, amount,
//! currency, probability, creation and close times), within a visibility scope; and the
//! teams' submitted forecasts.

use super::StoreResult;
use crate::query::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::event::NewEvent;
use crm_domain::opportunity::StageChange;
use crm_domain::report::DealFact;
use crm_domain::report::PeriodKind;
use crm_domain::report::submission::Submission;
use crm_domain::{PipelineId, SubmissionId, TeamId, TenantId};
use std::future::Future;

/// What reports read.
pub trait ReportStore: Send + Sync {
    /// The live deals of the scope, as facts.
    fn deal_facts(&self, scope: Scope) -> impl Future<Output = StoreResult<Vec<DealFact>>> + Send;
    /// The live deals of a pipeline in the scope, created in `[from, to)` when given, with
    /// their stage histories.
    fn funnel_facts(
        &self,
        scope: Scope,
        pipeline: PipelineId,
        created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> impl Future<Output = StoreResult<Vec<FunnelFact>>> + Send;
}

/// A deal as the funnel reads it (owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelFact {
    /// Every stage it entered, oldest first.
    pub history: Vec<StageChange>,
    /// Whether it was won.
    pub won: bool,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
}

/// Which submitted forecasts to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionFilter {
    /// Of these teams only (`None`: every team).
    pub team_ids: Option<Vec<TeamId>>,
    /// Of this kind of period (month or quarter).
    pub kind: Option<PeriodKind>,
    /// For periods starting on or after this day.
    pub first_from: Option<NaiveDate>,
    /// For periods starting on or before this day.
    pub first_to: Option<NaiveDate>,
}

/// The forecasts teams' Managers submitted: kept as submitted, never changed (a new
/// submission for the same period supersedes the earlier one, which stays).
pub trait ForecastStore: Send + Sync {
    /// Keeps a submission, with its event.
    fn submit_forecast(&self, submission: &Submission, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One submission. `NotFound` when absent.
    fn forecast_submission(&self, tenant: TenantId, id: SubmissionId) -> impl Future<Output = StoreResult<Submission>> + Send;
    /// The submissions matching `filter`, newest first, at most [`MAX_SUBMISSIONS`].
    fn forecast_submissions(
        &self,
        tenant: TenantId,
        filter: &SubmissionFilter,
    ) -> impl Future<Output = StoreResult<Vec<Submission>>> + Send;
}

/// The most submissions one read returns.
pub const MAX_SUBMISSIONS: u64 = 500;
