//! Routes of reports.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;

impl Client {
    /// The sales of a period beside the period before, and the open pipeline.
    ///
    /// # Errors
    /// `Forbidden` (Marketing), `ValidationFailed` (`scope`, `period`, `first`, `last`).
    pub async fn sales_report(&self, q: &SalesQuery) -> Result<SalesReport> {
        let mut query = Vec::new();
        push(&mut query, "scope", q.scope.as_deref());
        push(&mut query, "period", q.period.as_deref());
        push(&mut query, "date", q.date);
        push(&mut query, "first", q.first);
        push(&mut query, "last", q.last);
        self.send::<(), _>(Method::GET, "/api/v1/reports/sales", &query, None, None).await
    }

    /// The conversion funnel of a pipeline.
    ///
    /// # Errors
    /// `Forbidden` (Marketing), `ValidationFailed` (`pipeline_id` required or unknown,
    /// `scope`, `period`).
    pub async fn funnel_report(&self, q: &FunnelQuery) -> Result<FunnelReport> {
        let mut query = Vec::new();
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "scope", q.scope.as_deref());
        push(&mut query, "period", q.period.as_deref());
        push(&mut query, "date", q.date);
        push(&mut query, "first", q.first);
        push(&mut query, "last", q.last);
        self.send::<(), _>(Method::GET, "/api/v1/reports/funnel", &query, None, None).await
    }
}
