//! Store port of reports: the deals a report reads, as lean facts (state, amount,
//! currency, probability, creation and close times), within a visibility scope.

use super::StoreResult;
use crate::query::Scope;
use chrono::{DateTime, Utc};
use crm_domain::PipelineId;
use crm_domain::opportunity::StageChange;
use crm_domain::report::DealFact;
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
