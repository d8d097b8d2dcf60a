//! `/api/v1/reminder-rules` (Admin) and `/api/v1/notifications` (every user).

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::reminder::{ReminderRule, RuleKind};
use crm_ports::store::Notification;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A reminder rule.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RuleDto {
    /// Id.
    pub id: Uuid,
    /// `no_activity` (a prospect quiet for `days` gets a follow-up task),
    /// `past_expected_close` (an open deal past its date gets a task), `meeting_soon`
    /// (attendees are notified `minutes` before), `task_due` (the assignee is notified).
    pub kind: String,
    /// Quiet days (`no_activity`).
    pub days: Option<i64>,
    /// Notice in minutes (`meeting_soon`).
    pub minutes: Option<i64>,
    /// Applied by the scheduler.
    pub enabled: bool,
    /// Version (ETag).
    pub version: i64,
}

impl From<&ReminderRule> for RuleDto {
    fn from(r: &ReminderRule) -> Self {
        let (days, minutes) = match r.kind {
            RuleKind::NoActivity { days } => (Some(days), None),
            RuleKind::MeetingSoon { minutes } => (None, Some(minutes)),
            _ => (None, None),
        };
        Self {
            id: r.id,
            kind: r.kind.code().into(),
            days,
            minutes,
            enabled: r.enabled,
            version: r.version,
        }
    }
}

/// A rule to create, or its new settings.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RuleBody {
    /// `no_activity`, `past_expected_close`, `meeting_soon` or `task_due`.
    pub kind: String,
    /// Quiet days (`no_activity`), 1 to 3650.
    pub days: Option<i64>,
    /// Notice in minutes (`meeting_soon`), 1 to 10080.
    pub minutes: Option<i64>,
    /// Applied by the scheduler (default true).
    pub enabled: Option<bool>,
}

/// What a scan did.
#[derive(Debug, Clone, Object)]
pub struct ScanDto {
    /// Follow-up tasks created.
    pub tasks: i64,
    /// Notifications created.
    pub notifications: i64,
    /// Reminders already made by an earlier scan.
    pub already_done: i64,
}

/// A notification.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NotificationDto {
    /// Id.
    pub id: Uuid,
    /// `meeting_soon` or `task_due`.
    pub kind: String,
    /// What it is about.
    pub subject: String,
    /// The activity concerned.
    pub activity_id: Option<Uuid>,
    /// The kind of record it is about (`contact`, `opportunity`, `activity`), with
    /// `entity_id`: the interface names and opens it (a contact's name is not copied into
    /// the notification; `subject` is empty then).
    pub entity_type: Option<String>,
    /// The record it is about.
    pub entity_id: Option<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Read, if so.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<&Notification> for NotificationDto {
    fn from(n: &Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind.clone(),
            subject: n.subject.clone(),
            activity_id: n.activity_id.map(|a| a.as_uuid()),
            entity_type: n.link.map(|l| l.entity_type.code().to_owned()),
            entity_id: n.link.map(|l| l.entity_id),
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// How many notifications changed.
#[derive(Debug, Clone, Object)]
pub struct CountDto {
    /// Count.
    pub count: i64,
}

/// A rule with its ETag.
#[derive(ApiResponse)]
pub enum RuleResponse {
    /// The rule.
    #[oai(status = 200)]
    Ok(Json<RuleDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<RuleDto>, #[oai(header = "ETag")] String),
}

pub struct RemindersApi {
    pub app: CrmApp,
}

impl RuleBody {
    fn kind(&self) -> ApiResult<RuleKind> {
        Ok(RuleKind::parse(&self.kind, self.days, self.minutes)?)
    }
}

#[OpenApi(tag = "ApiTags::Activities")]
impl RemindersApi {
    /// The tenant's reminder rules (Admin).
    #[oai(path = "/api/v1/reminder-rules", method = "get", operation_id = "list_reminder_rules")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<RuleDto>>> {
        Ok(Json(
            self.app.reminder_rules(&auth.actor()).await?.iter().map(RuleDto::from).collect(),
        ))
    }

    /// Add a reminder rule (Admin).
    #[oai(path = "/api/v1/reminder-rules", method = "post", operation_id = "create_reminder_rule")]
    async fn create(&self, auth: Auth, body: Json<RuleBody>) -> ApiResult<RuleResponse> {
        let r = self
            .app
            .create_reminder_rule(&auth.actor(), body.0.kind()?, body.0.enabled.unwrap_or(true))
            .await?;
        Ok(RuleResponse::Created(Json((&r).into()), etag(r.version)))
    }

    /// Change a reminder rule (Admin).
    #[oai(path = "/api/v1/reminder-rules/:id", method = "put", operation_id = "update_reminder_rule")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<RuleBody>,
    ) -> ApiResult<RuleResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let r = self
            .app
            .update_reminder_rule(&auth.actor(), id.0, v, body.0.kind()?, body.0.enabled.unwrap_or(true))
            .await?;
        Ok(RuleResponse::Ok(Json((&r).into()), etag(r.version)))
    }

    /// Remove a reminder rule (Admin).
    #[oai(path = "/api/v1/reminder-rules/:id", method = "delete", operation_id = "delete_reminder_rule")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_reminder_rule(&auth.actor(), id.0, v).await?;
        Ok(NoContent::Done)
    }

    /// Apply the rules now instead of waiting for the scheduler (Admin).
    #[oai(path = "/api/v1/reminder-rules/run", method = "post", operation_id = "run_reminders")]
    async fn run(&self, auth: Auth) -> ApiResult<Json<ScanDto>> {
        let r = self.app.run_reminders_now(&auth.actor()).await?;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Ok(Json(ScanDto {
            tasks: n(r.tasks),
            notifications: n(r.notifications),
            already_done: n(r.already_done),
        }))
    }

    /// Your notifications, newest first.
    #[oai(path = "/api/v1/notifications", method = "get", operation_id = "list_notifications")]
    async fn notifications(
        &self,
        auth: Auth,
        /// Only unread ones.
        unread: Query<Option<bool>>,
        /// At most this many (1 to 500, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<NotificationDto>>> {
        let n = self
            .app
            .notifications(&auth.actor(), unread.0.unwrap_or(false), limit.0.unwrap_or(100))
            .await?;
        Ok(Json(n.iter().map(NotificationDto::from).collect()))
    }

    /// Mark one of your notifications read.
    #[oai(path = "/api/v1/notifications/:id/read", method = "post", operation_id = "read_notification")]
    async fn read(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.mark_notifications_read(&auth.actor(), Some(id.0)).await?;
        Ok(NoContent::Done)
    }

    /// Mark all your notifications read.
    #[oai(path = "/api/v1/notifications/read-all", method = "post", operation_id = "read_all_notifications")]
    async fn read_all(&self, auth: Auth) -> ApiResult<Json<CountDto>> {
        let n = self.app.mark_notifications_read(&auth.actor(), None).await?;
        Ok(Json(CountDto {
            count: i64::try_from(n).unwrap_or(i64::MAX),
        }))
    }
}
