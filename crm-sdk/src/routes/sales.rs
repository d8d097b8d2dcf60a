//! Routes of pipelines and opportunities (with the merge patches of every record, the
//! forecast and the audit history).

use super::{AuditQuery, ForecastQuery, OpportunityQuery, push};
use crate::models::*;
use crate::{Client, Result};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

impl Client {
    // --- pipelines ---

    /// Every pipeline.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_pipelines(&self) -> Result<Vec<Pipeline>> {
        self.send::<(), _>(Method::GET, "/api/v1/pipelines", &[], None, None).await
    }

    /// Creates a pipeline (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_pipeline(&self, p: &PipelineWrite) -> Result<Pipeline> {
        self.send(Method::POST, "/api/v1/pipelines", &[], Some(p), None).await
    }

    /// A pipeline.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn pipeline(&self, id: Uuid) -> Result<Pipeline> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/pipelines/{id}"), &[], None, None)
            .await
    }

    /// Renames a pipeline and replaces its stages (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `PreconditionFailed`, `ValidationFailed`, `InUse`.
    pub async fn update_pipeline(&self, id: Uuid, version: i64, p: &PipelineWrite) -> Result<Pipeline> {
        self.send(Method::PUT, &format!("/api/v1/pipelines/{id}"), &[], Some(p), Some(version))
            .await
    }

    /// Deletes an empty pipeline (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `InUse`.
    pub async fn delete_pipeline(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/pipelines/{id}"), None, Some(version))
            .await
    }

    // --- opportunities ---

    /// A page of the opportunities you may see.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn list_opportunities(&self, q: &OpportunityQuery) -> Result<Page<Opportunity>> {
        let mut query = Vec::new();
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "stage_id", q.stage_id);
        push(&mut query, "status", q.status.as_ref());
        push(&mut query, "close_from", q.close_from);
        push(&mut query, "close_to", q.close_to);
        push(&mut query, "sort", q.sort.as_ref());
        push(&mut query, "order", q.order.as_ref());
        push(&mut query, "cursor", q.cursor.as_ref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/opportunities", &query, None, None).await
    }

    /// Creates an opportunity.
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_opportunity(&self, o: &NewOpportunity) -> Result<Opportunity> {
        self.send(Method::POST, "/api/v1/opportunities", &[], Some(o), None).await
    }

    /// An opportunity.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn opportunity(&self, id: Uuid) -> Result<Opportunity> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/opportunities/{id}"), &[], None, None)
            .await
    }

    /// Replaces an opportunity's editable fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`, `OpportunityClosed`.
    pub async fn update_opportunity(&self, id: Uuid, version: i64, o: &OpportunityWrite) -> Result<Opportunity> {
        self.send(Method::PUT, &format!("/api/v1/opportunities/{id}"), &[], Some(o), Some(version))
            .await
    }

    /// Deletes an open opportunity softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `OpportunityClosed`.
    pub async fn delete_opportunity(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/opportunities/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted opportunity (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_opportunity(&self, id: Uuid) -> Result<Opportunity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/opportunities/{id}/restore"), &[], None, None)
            .await
    }

    /// Moves to a stage.
    ///
    /// # Errors
    /// `StageSkipped`, `AlreadyAtStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn move_opportunity(&self, id: Uuid, version: i64, stage_id: Uuid) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/move"),
            &[],
            Some(&json!({"stage_id": stage_id})),
            Some(version),
        )
        .await
    }

    /// Changes some fields of a contact (JSON Merge Patch: members given replace, `null`
    /// removes, the address merges).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_contact(&self, id: Uuid, version: i64, patch: &Value) -> Result<Contact> {
        self.send(Method::PATCH, &format!("/api/v1/contacts/{id}"), &[], Some(patch), Some(version))
            .await
    }

    /// Changes some fields of an organization (JSON Merge Patch).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_organization(&self, id: Uuid, version: i64, patch: &Value) -> Result<Organization> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/organizations/{id}"),
            &[],
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Changes some fields of an opportunity (JSON Merge Patch; `probability: null` goes
    /// back to the stage's).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `OpportunityClosed`, `NotFound`.
    pub async fn patch_opportunity(&self, id: Uuid, version: i64, patch: &Value) -> Result<Opportunity> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/opportunities/{id}"),
            &[],
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Changes some fields of an activity (JSON Merge Patch).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_activity(&self, id: Uuid, version: i64, patch: &Value) -> Result<Activity> {
        self.send(Method::PATCH, &format!("/api/v1/activities/{id}"), &[], Some(patch), Some(version))
            .await
    }

    /// Moves to the next stage.
    ///
    /// # Errors
    /// `AtLastStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn advance_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/advance"),
            &[],
            None,
            Some(version),
        )
        .await
    }

    /// Closes as won.
    ///
    /// # Errors
    /// `NotAtLastStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn win_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/opportunities/{id}/win"), &[], None, Some(version))
            .await
    }

    /// Closes as lost.
    ///
    /// # Errors
    /// `ValidationFailed`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn lose_opportunity(&self, id: Uuid, version: i64, reason: &str) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/lose"),
            &[],
            Some(&json!({"reason": reason})),
            Some(version),
        )
        .await
    }

    /// Reopens a closed opportunity (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotClosed`, `PreconditionFailed`.
    pub async fn reopen_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/reopen"),
            &[],
            None,
            Some(version),
        )
        .await
    }

    /// Gives an opportunity to another owner.
    ///
    /// # Errors
    /// `Forbidden`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn assign_opportunity(&self, id: Uuid, version: i64, owner_id: Uuid) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/assign"),
            &[],
            Some(&json!({"owner_id": owner_id})),
            Some(version),
        )
        .await
    }

    /// An opportunity's history, newest first (Admin; a Manager for their teams'
    /// opportunities).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`.
    pub async fn opportunity_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.opportunity_history_with(id, None).await
    }

    /// An opportunity's history, newest first, at most `limit` events (1 to 1000, default 100).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`, `ValidationFailed` (`limit`).
    pub async fn opportunity_history_with(&self, id: Uuid, limit: Option<u32>) -> Result<Vec<Event>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/opportunities/{id}/history"), &query, None, None)
            .await
    }

    /// The forecast: `period` is `month` or `quarter`, `group_by` `none`, `owner`, `team` or
    /// `pipeline`.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn forecast(
        &self,
        period: &str,
        group_by: &str,
        close_from: Option<NaiveDate>,
        close_to: Option<NaiveDate>,
    ) -> Result<Vec<ForecastLine>> {
        self.forecast_with(&ForecastQuery {
            period: Some(period.to_owned()),
            group_by: Some(group_by.to_owned()),
            close_from,
            close_to,
            ..ForecastQuery::default()
        })
        .await
    }

    /// The forecast, with every filter of the route (of one owner, of one pipeline).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn forecast_with(&self, q: &ForecastQuery) -> Result<Vec<ForecastLine>> {
        let mut query = Vec::new();
        push(&mut query, "period", q.period.as_ref());
        push(&mut query, "group_by", q.group_by.as_ref());
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "close_from", q.close_from);
        push(&mut query, "close_to", q.close_to);
        self.send::<(), _>(Method::GET, "/api/v1/forecast", &query, None, None).await
    }

    /// The audit history of a period, optionally of one user (Admin only).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn audit(&self, from: DateTime<Utc>, to: DateTime<Utc>, user_id: Option<Uuid>) -> Result<Vec<Event>> {
        self.audit_with(from, to, user_id, None).await
    }

    /// The audit history of a period, at most `limit` events (1 to 1000, default 100).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn audit_with(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        user_id: Option<Uuid>,
        limit: Option<u32>,
    ) -> Result<Vec<Event>> {
        let mut query = vec![("from", from.to_rfc3339()), ("to", to.to_rfc3339())];
        push(&mut query, "user_id", user_id);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/audit", &query, None, None).await
    }

    /// The audit history with every filter: a Manager reads their teams' contacts and
    /// opportunities, the Admin everything.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`to`, `entity_type`).
    pub async fn audit_query(&self, q: &AuditQuery) -> Result<Vec<Event>> {
        let mut query = vec![("from", q.from.to_rfc3339()), ("to", q.to.to_rfc3339())];
        push(&mut query, "user_id", q.user_id);
        push(&mut query, "entity_type", q.entity_type.clone());
        push(&mut query, "before", q.before);
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/audit", &query, None, None).await
    }
}
