//! Activities, timelines, to-do lists, reminders and notifications.

use super::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A record an activity concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRef {
    /// `contact`, `organization` or `opportunity`.
    pub entity_type: String,
    /// Id.
    pub entity_id: Uuid,
    /// The record's name (read only; absent when not visible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An activity (task, meeting, call, email, note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkRef>,
    /// Assignee.
    pub assignee_id: Uuid,
    /// The assignee's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_name: Option<String>,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Due (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: String,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[serde(default)]
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    pub direction: Option<String>,
    /// Duration, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Done.
    pub done_at: Option<DateTime<Utc>>,
    /// Created by a reminder rule.
    pub system: bool,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An activity to create (`kind` set) or its new fields (`kind` ignored on update).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityWrite {
    /// Kind (creation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Subject.
    pub subject: String,
    /// Body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkRef>,
    /// Assignee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    /// Due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Attendees.
    #[serde(default)]
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Duration, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    /// Outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// `activity` or `event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The activity.
    pub activity: Option<Activity>,
    /// The change.
    pub event: Option<Event>,
}

/// A to-do list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// Overdue, oldest first.
    pub overdue: Vec<Activity>,
    /// Due today.
    pub today: Vec<Activity>,
    /// Later.
    pub upcoming: Vec<Activity>,
}

/// A notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// `meeting_soon`, `task_due`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Activity concerned.
    pub activity_id: Option<Uuid>,
    /// The kind of record it is about (`contact`, `opportunity`, `activity`).
    #[serde(default)]
    pub entity_type: Option<String>,
    /// The record it is about.
    #[serde(default)]
    pub entity_id: Option<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Read.
    pub read_at: Option<DateTime<Utc>>,
}

/// A reminder rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRule {
    /// Id.
    pub id: Uuid,
    /// `no_activity`, `past_expected_close`, `meeting_soon`, `task_due`.
    pub kind: String,
    /// Quiet days.
    pub days: Option<i64>,
    /// Notice, minutes.
    pub minutes: Option<i64>,
    /// Enabled.
    pub enabled: bool,
    /// Version.
    pub version: i64,
}

/// What a reminder scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Tasks created.
    pub tasks: i64,
    /// Notifications created.
    pub notifications: i64,
    /// Already made earlier.
    pub already_done: i64,
}

/// Your day at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// In display order, overdue work first.
    pub sections: Vec<DashboardSection>,
    /// Unread notifications.
    pub unread_notifications: i64,
}

/// One part of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSection {
    /// `overdue`, `today`, `meetings` or `upcoming`.
    pub name: String,
    /// Its activities, in order.
    pub items: Vec<Activity>,
}

/// A private calendar feed (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// Id.
    pub id: Uuid,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Revoked, if so.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A calendar feed just created, with its private address (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCalendarFeed {
    /// The feed.
    pub feed: CalendarFeed,
    /// Its path on the server, `…/api/v1/calendar/<secret>`: anyone holding it reads your
    /// calendar (give the last segment to [`crate::Client::calendar_feed`]).
    pub path: String,
}

/// A call record, as a telephony system pushes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Calling number, as the telephony system writes it.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Start of the call.
    pub started_at: DateTime<Utc>,
    /// Length in seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Link to the recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
}

/// A call that matched no contact, kept for triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedCall {
    /// Id.
    pub id: Uuid,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Length, seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Recording.
    #[serde(default)]
    pub recording_url: Option<String>,
    /// Received.
    pub created_at: DateTime<Utc>,
}

/// Where a logged call went: a contact's timeline (`activity`) or the triage list
/// (`unmatched`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogged {
    /// Whether a contact matched.
    pub matched: bool,
    /// The call added to the matching contacts' timelines.
    #[serde(default)]
    pub activity: Option<Activity>,
    /// The call kept for triage.
    #[serde(default)]
    pub unmatched: Option<UnmatchedCall>,
}
