//! The background work of a company, for its Admin: the readers of the event log (lag,
//! parked events, replays) under `/api/v1/admin`, and jobs and timers under
//! `/api/v1/jobs` (state, progress, cancel).

use super::ApiTags;
use super::problem::{ApiError, ApiResult, Code};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::ViolationKind;
use crm_ports::runtime::consumers::{Consumer, ConsumerStatus};
use crm_ports::store::{Job, ParkedEvent};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::sync::Arc;
use uuid::Uuid;

/// A reader of the event log in your company.
#[derive(Debug, Clone, Object)]
pub struct ConsumerDto {
    /// Its name (`search_indexer`, `assignment_notifications`...).
    pub name: String,
    /// The last event it applied.
    pub cursor: i64,
    /// The last event of the company's log.
    pub latest: i64,
    /// Events it has still to read.
    pub lag: i64,
    /// Its parked events waiting for a fix.
    pub parked: i64,
}

impl From<&ConsumerStatus> for ConsumerDto {
    fn from(s: &ConsumerStatus) -> Self {
        Self {
            name: s.name.clone(),
            cursor: s.cursor,
            latest: s.latest,
            lag: s.lag,
            parked: i64::from(s.parked),
        }
    }
}

/// An event a reader gave up on after its retries.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ParkedEventDto {
    /// The reader.
    pub consumer: String,
    /// The event's sequence number (see the audit history).
    pub seq: i64,
    /// The last error.
    pub error: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
    /// When a replay was asked for.
    pub replay_requested_at: Option<DateTime<Utc>>,
    /// When it was applied by a replay.
    pub replayed_at: Option<DateTime<Utc>>,
}

impl From<&ParkedEvent> for ParkedEventDto {
    fn from(p: &ParkedEvent) -> Self {
        Self {
            consumer: p.consumer.clone(),
            seq: p.seq,
            error: p.error.clone(),
            attempts: i64::from(p.attempts),
            parked_at: p.parked_at,
            replay_requested_at: p.replay_requested_at,
            replayed_at: p.replayed_at,
        }
    }
}

/// A background job or timer.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct JobDto {
    /// Id.
    pub id: Uuid,
    /// What it does (`reminders.scan`...).
    pub kind: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The last step it committed (a resumed job goes on after it).
    pub step: i64,
    /// What it reported with that step.
    pub progress: serde_json::Value,
    /// Times a worker took it.
    pub attempts: i64,
    /// Not before.
    pub due_at: DateTime<Utc>,
    /// Until when its worker holds it (running jobs).
    pub lease_until: Option<DateTime<Utc>>,
    /// The last error.
    pub error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<&Job> for JobDto {
    fn from(j: &Job) -> Self {
        Self {
            id: j.id,
            kind: j.kind.clone(),
            state: j.state.name().to_owned(),
            step: j.step,
            progress: j.progress.clone(),
            attempts: i64::from(j.attempts),
            due_at: j.due_at,
            lease_until: j.lease_until,
            error: j.error.clone(),
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// A replay asked for.
#[derive(ApiResponse)]
pub enum Accepted {
    /// The reader applies it on its next wake-up (given now); the parked event shows
    /// `replayed_at` once done.
    #[oai(status = 202)]
    Accepted,
}

pub struct BackgroundApi {
    pub app: CrmApp,
    pub consumers: Arc<[Arc<dyn Consumer>]>,
}

#[OpenApi(tag = "ApiTags::Background")]
impl BackgroundApi {
    /// The readers of the event log: cursor, lag and parked events (Admin).
    #[oai(path = "/api/v1/admin/consumers", method = "get", operation_id = "list_consumers")]
    async fn consumers(&self, auth: Auth) -> ApiResult<Json<Vec<ConsumerDto>>> {
        let s = self.app.consumer_status(&auth.actor(), &self.consumers).await?;
        Ok(Json(s.iter().map(ConsumerDto::from).collect()))
    }

    /// Events a reader parked after its retries, newest first, with their error (Admin).
    #[oai(path = "/api/v1/admin/parked-events", method = "get", operation_id = "list_parked_events")]
    async fn parked(&self, auth: Auth) -> ApiResult<Json<Vec<ParkedEventDto>>> {
        let p = self.app.parked_events(&auth.actor()).await?;
        Ok(Json(p.iter().map(ParkedEventDto::from).collect()))
    }

    /// Apply a parked event again, once its cause is fixed (Admin).
    #[oai(
        path = "/api/v1/admin/parked-events/:consumer/:seq/replay",
        method = "post",
        operation_id = "replay_parked_event"
    )]
    async fn replay(&self, auth: Auth, consumer: Path<String>, seq: Path<i64>) -> ApiResult<Accepted> {
        if !self.consumers.iter().any(|c| c.name() == consumer.0) {
            return Err(ApiError::new(Code::NotFound));
        }
        self.app.replay_parked(&auth.actor(), &consumer.0, seq.0).await?;
        Ok(Accepted::Accepted)
    }

    /// Your company's background jobs and timers, newest first (Admin).
    #[oai(path = "/api/v1/jobs", method = "get", operation_id = "list_jobs")]
    async fn jobs(
        &self,
        auth: Auth,
        /// Only jobs of this kind.
        kind: Query<Option<String>>,
        /// At most this many (1 to 500, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<JobDto>>> {
        if kind.0.as_ref().is_some_and(|k| k.is_empty() || k.len() > 100) {
            return Err(ApiError::field("kind", ViolationKind::Malformed));
        }
        let jobs = self.app.jobs(&auth.actor(), kind.0.as_deref(), limit.0.unwrap_or(100)).await?;
        Ok(Json(jobs.iter().map(JobDto::from).collect()))
    }

    /// One job: its state and progress (Admin).
    #[oai(path = "/api/v1/jobs/:id", method = "get", operation_id = "get_job")]
    async fn job(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<JobDto>> {
        Ok(Json(JobDto::from(&self.app.job(&auth.actor(), id.0).await?)))
    }

    /// Cancel a queued or running job; a running one stops at its next step (Admin).
    #[oai(path = "/api/v1/jobs/:id/cancel", method = "post", operation_id = "cancel_job")]
    async fn cancel(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<JobDto>> {
        Ok(Json(JobDto::from(&self.app.cancel_job(&auth.actor(), id.0).await?)))
    }
}
