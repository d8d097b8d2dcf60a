//! Routes of activities, to-do lists and timelines, reminders and notifications.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

impl Client {
    // --- activities ---

    /// Logs an activity (`a.kind` required).
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_activity(&self, a: &ActivityWrite) -> Result<Activity> {
        self.send(Method::POST, "/api/v1/activities", &[], Some(a), None).await
    }

    /// An activity.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn activity(&self, id: Uuid) -> Result<Activity> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/activities/{id}"), &[], None, None)
            .await
    }

    /// Replaces an activity's fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_activity(&self, id: Uuid, version: i64, a: &ActivityWrite) -> Result<Activity> {
        let body = ActivityWrite { kind: None, ..a.clone() };
        self.send(Method::PUT, &format!("/api/v1/activities/{id}"), &[], Some(&body), Some(version))
            .await
    }

    /// Deletes an activity softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_activity(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/activities/{id}"), None, Some(version))
            .await
    }

    /// Marks a task done (`done`) or open again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (not a task).
    pub async fn set_task_done(&self, id: Uuid, version: i64, done: bool) -> Result<Activity> {
        let action = if done { "complete" } else { "reopen" };
        self.send::<(), _>(Method::POST, &format!("/api/v1/activities/{id}/{action}"), &[], None, Some(version))
            .await
    }

    /// Your to-do list (with `team`, your teams' for a Manager, everyone's for an Admin).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn todo(&self, team: bool) -> Result<Todo> {
        self.send::<(), _>(Method::GET, "/api/v1/todo", &[("team", team.to_string())], None, None)
            .await
    }

    /// A record's timeline: `entity` is `contacts`, `organizations` or `opportunities`.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn timeline(&self, entity: &str, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        let mut query = Vec::new();
        push(&mut query, "before", before.map(|b| b.to_rfc3339()));
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/{entity}/{id}/timeline"), &query, None, None)
            .await
    }

    // --- reminders and notifications ---

    /// The tenant's reminder rules (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn reminder_rules(&self) -> Result<Vec<ReminderRule>> {
        self.send::<(), _>(Method::GET, "/api/v1/reminder-rules", &[], None, None).await
    }

    /// Adds a rule (Admin): `kind` with `days` (`no_activity`) or `minutes` (`meeting_soon`).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_reminder_rule(&self, kind: &str, days: Option<i64>, minutes: Option<i64>, enabled: bool) -> Result<ReminderRule> {
        let body = json!({"kind": kind, "days": days, "minutes": minutes, "enabled": enabled});
        self.send(Method::POST, "/api/v1/reminder-rules", &[], Some(&body), None).await
    }

    /// Changes a rule (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_reminder_rule(
        &self,
        id: Uuid,
        version: i64,
        kind: &str,
        days: Option<i64>,
        minutes: Option<i64>,
        enabled: bool,
    ) -> Result<ReminderRule> {
        let body = json!({"kind": kind, "days": days, "minutes": minutes, "enabled": enabled});
        self.send(
            Method::PUT,
            &format!("/api/v1/reminder-rules/{id}"),
            &[],
            Some(&body),
            Some(version),
        )
        .await
    }

    /// Removes a rule (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `PreconditionFailed`.
    pub async fn delete_reminder_rule(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/reminder-rules/{id}"), None, Some(version))
            .await
    }

    /// Applies the rules now (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn run_reminders(&self) -> Result<ScanReport> {
        self.send::<(), _>(Method::POST, "/api/v1/reminder-rules/run", &[], None, None)
            .await
    }

    /// Your notifications, newest first.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn notifications(&self, unread_only: bool) -> Result<Vec<Notification>> {
        self.send::<(), _>(
            Method::GET,
            "/api/v1/notifications",
            &[("unread", unread_only.to_string())],
            None,
            None,
        )
        .await
    }

    /// Marks one notification read.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn read_notification(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::POST, &format!("/api/v1/notifications/{id}/read"), None, None)
            .await
    }

    /// Marks all your notifications read; how many changed.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn read_all_notifications(&self) -> Result<i64> {
        let v: Value = self
            .send::<(), _>(Method::POST, "/api/v1/notifications/read-all", &[], None, None)
            .await?;
        Ok(v["count"].as_i64().unwrap_or(0))
    }
}
