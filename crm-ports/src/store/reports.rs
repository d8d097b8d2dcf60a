//! Store port of reports: the deals a report reads, as lean facts (state, amount,
//! currency, probability, creation and close times), within a visibility scope.

use super::StoreResult;
use crate::query::Scope;
use crm_domain::report::DealFact;
use std::future::Future;

/// What reports read.
pub trait ReportStore: Send + Sync {
    /// The live deals of the scope, as facts.
    fn deal_facts(&self, scope: Scope) -> impl Future<Output = StoreResult<Vec<DealFact>>> + Send;
}
