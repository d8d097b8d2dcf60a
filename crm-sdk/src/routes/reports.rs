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

    /// A team's view: each active member's open deals, overdue tasks and activities of
    /// the week.
    ///
    /// # Errors
    /// `NotFound` (a team the reader does not lead), `Forbidden` (Sales rep, Marketing).
    pub async fn team_view(&self, team_id: uuid::Uuid) -> Result<TeamView> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/teams/{team_id}/view"), &[], None, None)
            .await
    }

    /// Gives every open deal of `from` the reader may reassign to `to` (Admin, Manager).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`owner_id`: a deactivated person).
    pub async fn reassign_opportunities(&self, from: uuid::Uuid, to: uuid::Uuid) -> Result<Reassigned> {
        self.send(
            Method::POST,
            "/api/v1/opportunities/reassign",
            &[],
            Some(&serde_json::json!({"from_owner_id": from, "to_owner_id": to})),
            None,
        )
        .await
    }

    /// A team's forecast for a month or a quarter: the live figures, the latest
    /// submission, the six periods before against what was won.
    ///
    /// # Errors
    /// `NotFound` (a team the reader does not lead), `Forbidden` (Sales rep, Marketing),
    /// `ValidationFailed` (`period`).
    pub async fn team_forecast(&self, team_id: uuid::Uuid, q: &TeamForecastQuery) -> Result<TeamForecast> {
        let mut query = Vec::new();
        push(&mut query, "period", q.period.as_deref());
        push(&mut query, "date", q.date);
        self.send::<(), _>(Method::GET, &format!("/api/v1/forecast/teams/{team_id}"), &query, None, None)
            .await
    }

    /// Validates (submits) a team's forecast.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed` (`period`, `date`,
    /// `adjustments[i].owner_id`, `adjustments[i].amount_minor`, `comment`).
    pub async fn submit_forecast(&self, team_id: uuid::Uuid, s: &SubmissionWrite) -> Result<ForecastSubmission> {
        self.send(
            Method::POST,
            &format!("/api/v1/forecast/teams/{team_id}/submissions"),
            &[],
            Some(s),
            None,
        )
        .await
    }

    /// Submitted forecasts of the teams the reader sees, newest first.
    ///
    /// # Errors
    /// `Forbidden` (Sales rep, Marketing), `NotFound` (`team_id` of a team not led).
    pub async fn forecast_submissions(&self, q: &TeamForecastQuery) -> Result<Vec<ForecastSubmission>> {
        let mut query = Vec::new();
        push(&mut query, "team_id", q.team_id);
        push(&mut query, "period", q.period.as_deref());
        push(&mut query, "date", q.date);
        self.send::<(), _>(Method::GET, "/api/v1/forecast/submissions", &query, None, None)
            .await
    }

    /// One submitted forecast.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn forecast_submission(&self, id: uuid::Uuid) -> Result<ForecastSubmission> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/forecast/submissions/{id}"), &[], None, None)
            .await
    }

    /// The sales report as a file (PDF, Excel workbook or CSV), in the client's language.
    /// With an `idempotency_key`, a retry gets the same bytes.
    ///
    /// # Errors
    /// `Forbidden` (Marketing), `ValidationFailed` (`format`, `scope`, `period`).
    pub async fn export_report(&self, r: &ReportExportWrite, idempotency_key: Option<&str>) -> Result<Vec<u8>> {
        let mut req = self.request(Method::POST, self.url("/api/v1/reports/exports", &[])?, None).json(r);
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        let res = Self::check(req.send().await?).await?;
        Ok(res.bytes().await?.to_vec())
    }

    /// The reports I receive by email.
    ///
    /// # Errors
    /// `Forbidden` (Marketing).
    pub async fn report_subscriptions(&self) -> Result<Vec<ReportSubscription>> {
        self.send::<(), _>(Method::GET, "/api/v1/reports/subscriptions", &[], None, None)
            .await
    }

    /// Receive the sales report by email every week or month.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`frequency`, `format`, `scope`).
    pub async fn subscribe_report(&self, s: &ReportSubscriptionWrite) -> Result<ReportSubscription> {
        self.send(Method::POST, "/api/v1/reports/subscriptions", &[], Some(s), None).await
    }

    /// Stop receiving a report.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn unsubscribe_report(&self, id: uuid::Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/reports/subscriptions/{id}"), None, None)
            .await
    }
}
