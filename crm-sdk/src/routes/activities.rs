//! Routes of activities, to-do lists and timelines, reminders and notifications.

use super::{push, urlencoding_segment};
use crate::models::*;
use crate::{Client, Error, Result};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

impl Client {
    // --- activities ---

    /// Logs an activity (`a.kind` required).
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_activity(&self, a: &ActivityWrite) -> Result<Activity> {
        self.send(Method::POST, "/api/v1/activities", &[], Some(&activity_body(a, true)), None)
            .await
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
        let body = activity_body(a, false);
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

    /// Marks a task done (`done`, [`Client::complete_task`]) or open again
    /// ([`Client::reopen_task`]).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (not a task).
    pub async fn set_task_done(&self, id: Uuid, version: i64, done: bool) -> Result<Activity> {
        if done {
            self.complete_task(id, version).await
        } else {
            self.reopen_task(id, version).await
        }
    }

    /// Marks a task done.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (not a task).
    pub async fn complete_task(&self, id: Uuid, version: i64) -> Result<Activity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/activities/{id}/complete"), &[], None, Some(version))
            .await
    }

    /// Opens a done task again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (not a task).
    pub async fn reopen_task(&self, id: Uuid, version: i64) -> Result<Activity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/activities/{id}/reopen"), &[], None, Some(version))
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

    /// A record's timeline: `entity` is `contacts`, `organizations` or `opportunities` (see
    /// [`Client::contact_timeline`] and its siblings).
    ///
    /// # Errors
    /// `NotFound`; `BaseUrl`, without a request, for another `entity`.
    pub async fn timeline(&self, entity: &str, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        match entity {
            "contacts" => self.contact_timeline(id, before, limit).await,
            "organizations" => self.organization_timeline(id, before, limit).await,
            "opportunities" => self.opportunity_timeline(id, before, limit).await,
            other => Err(Error::BaseUrl(format!(
                "no timeline of `{other}`: contacts, organizations or opportunities"
            ))),
        }
    }

    /// A contact's timeline (activities and changes), newest first; `before` pages on.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn contact_timeline(&self, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        self.send::<(), _>(
            Method::GET,
            &format!("/api/v1/contacts/{id}/timeline"),
            &page(before, limit),
            None,
            None,
        )
        .await
    }

    /// An organization's timeline, newest first; `before` pages on.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn organization_timeline(&self, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        self.send::<(), _>(
            Method::GET,
            &format!("/api/v1/organizations/{id}/timeline"),
            &page(before, limit),
            None,
            None,
        )
        .await
    }

    /// An opportunity's timeline, newest first; `before` pages on.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn opportunity_timeline(&self, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        self.send::<(), _>(
            Method::GET,
            &format!("/api/v1/opportunities/{id}/timeline"),
            &page(before, limit),
            None,
            None,
        )
        .await
    }

    /// Your day at a glance: overdue tasks, today's, the week's meetings, later tasks, and
    /// how many notifications are unread.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn dashboard(&self) -> Result<Dashboard> {
        self.send::<(), _>(Method::GET, "/api/v1/dashboard", &[], None, None).await
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
        self.notifications_with(unread_only, None).await
    }

    /// Your notifications, newest first, at most `limit`.
    ///
    /// # Errors
    /// `Unauthenticated`, `ValidationFailed` (`limit`).
    pub async fn notifications_with(&self, unread_only: bool, limit: Option<u32>) -> Result<Vec<Notification>> {
        let mut query = vec![("unread", unread_only.to_string())];
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/notifications", &query, None, None).await
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
        let v: Count = self
            .send::<(), _>(Method::POST, "/api/v1/notifications/read-all", &[], None, None)
            .await?;
        Ok(i64::try_from(v.count).unwrap_or(i64::MAX))
    }

    // --- calendar feeds ---

    /// Creates a private calendar feed of your meetings and open tasks; its address is
    /// shown once.
    ///
    /// # Errors
    /// `Unauthenticated`, `Forbidden`.
    pub async fn create_calendar_feed(&self) -> Result<NewCalendarFeed> {
        self.send::<(), _>(Method::POST, "/api/v1/calendar-feeds", &[], None, None).await
    }

    /// Your calendar feeds (without their secrets).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn calendar_feeds(&self) -> Result<Vec<CalendarFeed>> {
        self.send::<(), _>(Method::GET, "/api/v1/calendar-feeds", &[], None, None).await
    }

    /// Revokes one of your calendar feeds: its address stops working.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn revoke_calendar_feed(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/calendar-feeds/{id}"), None, None)
            .await
    }

    /// The iCalendar document of a feed, by its secret (the last segment of
    /// [`NewCalendarFeed::path`]); needs no login, as calendar clients read it.
    ///
    /// # Errors
    /// `NotFound` (unknown or revoked secret).
    pub async fn calendar_feed(&self, secret: &str) -> Result<String> {
        let url = self.url(&format!("/api/v1/calendar/{}", urlencoding_segment(secret)), &[])?;
        let res = Self::check(self.request(Method::GET, url, None).send().await?).await?;
        Ok(res.text().await?)
    }

    // --- telephony ---

    /// Pushes a call record (an Admin's API token): the call joins the timeline of the
    /// contact on the other side, or the triage list when it matches nobody.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn log_call(&self, call: &CallRecord) -> Result<CallLogged> {
        self.send(Method::POST, "/api/v1/telephony/calls", &[], Some(call), None).await
    }

    /// Calls that matched no contact, newest first (Admin; at most `limit`, 1 to 500,
    /// default 100).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn unmatched_calls(&self, limit: Option<u32>) -> Result<Vec<UnmatchedCall>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/telephony/unmatched", &query, None, None)
            .await
    }
}

/// An activity as the server takes it: `kind` on creation only, and links without the
/// records' names (read only, refused in a write), so that links read back can be sent.
fn activity_body(a: &ActivityWrite, creation: bool) -> ActivityWrite {
    ActivityWrite {
        kind: a.kind.clone().filter(|_| creation),
        links: a.links.iter().map(|l| LinkRef { name: None, ..l.clone() }).collect(),
        ..a.clone()
    }
}

/// The `before` and `limit` of a timeline page.
fn page(before: Option<DateTime<Utc>>, limit: Option<u32>) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    push(&mut query, "before", before.map(|b| b.to_rfc3339()));
    push(&mut query, "limit", limit);
    query
}
