//! The bodies of the activity routes: what is written, the timeline and to-do list
//! entries, and the answer with its ETag.

use crate::api::dto::activities::ActivityDto;
use crate::api::dto::events::EventDto;
use crate::api::problem::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::{UserId, ViolationKind};
use crm_ports::services::activities::{TimelineEntry, Todo};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use uuid::Uuid;

/// A record an activity concerns.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkDto {
    /// `contact`, `organization` or `opportunity`.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Uuid,
}

/// The fields of an activity as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ActivityWrite {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned (at least one, visible to you).
    pub links: Vec<LinkDto>,
    /// Assignee (default: you).
    pub assignee_id: Option<Uuid>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// `low`, `normal` (default) or `high`.
    pub priority: Option<String>,
    /// Start of a meeting, or when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End of a meeting.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[oai(default)]
    pub attendee_ids: Vec<Uuid>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// Length of a call, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome of a call.
    pub outcome: Option<String>,
}

/// An activity to create.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewActivityBody {
    /// `task`, `meeting`, `call`, `email` or `note`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkDto>,
    /// Assignee (default: you).
    pub assignee_id: Option<Uuid>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: Option<String>,
    /// Start / when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End (meetings).
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[oai(default)]
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    pub direction: Option<String>,
    /// Duration, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome.
    pub outcome: Option<String>,
}

fn links(l: &[LinkDto]) -> ApiResult<Vec<Link>> {
    l.iter()
        .enumerate()
        .map(|(i, l)| match EntityType::parse(&l.entity_type) {
            Some(t @ (EntityType::Contact | EntityType::Organization | EntityType::Opportunity)) => Ok(Link {
                entity_type: t,
                entity_id: l.entity_id,
            }),
            _ => Err(ApiError::field(&format!("links.{i}.entity_type"), ViolationKind::Unknown)),
        })
        .collect()
}

impl From<&Activity> for ActivityWrite {
    fn from(a: &Activity) -> Self {
        let d = ActivityDto::from(a);
        Self {
            subject: d.subject,
            body: d.body,
            links: d
                .links
                .into_iter()
                .map(|l| LinkDto {
                    entity_type: l.entity_type,
                    entity_id: l.entity_id,
                })
                .collect(),
            assignee_id: Some(d.assignee_id),
            due_at: d.due_at,
            priority: Some(d.priority),
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            place: d.place,
            attendee_ids: d.attendee_ids,
            direction: d.direction,
            duration_seconds: d.duration_seconds,
            outcome: d.outcome,
        }
    }
}

impl ActivityWrite {
    pub(super) fn input(&self) -> ApiResult<ActivityInput> {
        Ok(ActivityInput {
            subject: self.subject.clone(),
            body: self.body.clone(),
            links: links(&self.links)?,
            assignee_id: self.assignee_id.map(UserId::from_uuid),
            due_at: self.due_at,
            priority: self.priority.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: self.place.clone(),
            attendees: self.attendee_ids.iter().copied().map(UserId::from_uuid).collect(),
            direction: self.direction.clone(),
            duration_seconds: self.duration_seconds,
            outcome: self.outcome.clone(),
        })
    }
}

/// One timeline entry: an activity or a change of the record.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TimelineEntryDto {
    /// `activity` or `event`.
    #[oai(rename = "type")]
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The activity.
    pub activity: Option<ActivityDto>,
    /// The change.
    pub event: Option<EventDto>,
}

impl From<&TimelineEntry> for TimelineEntryDto {
    fn from(e: &TimelineEntry) -> Self {
        match e {
            TimelineEntry::Activity(a) => Self {
                kind: "activity".into(),
                at: e.at(),
                activity: Some(a.as_ref().into()),
                event: None,
            },
            TimelineEntry::Event(ev) => Self {
                kind: "event".into(),
                at: e.at(),
                activity: None,
                event: Some(ev.as_ref().into()),
            },
        }
    }
}

/// A to-do list.
#[derive(Debug, Clone, Object)]
pub struct TodoDto {
    /// Past due, oldest first.
    pub overdue: Vec<ActivityDto>,
    /// Due today (tenant's time zone).
    pub today: Vec<ActivityDto>,
    /// Later, or without a due time.
    pub upcoming: Vec<ActivityDto>,
}

impl From<&Todo> for TodoDto {
    fn from(t: &Todo) -> Self {
        Self {
            overdue: t.overdue.iter().map(ActivityDto::from).collect(),
            today: t.today.iter().map(ActivityDto::from).collect(),
            upcoming: t.upcoming.iter().map(ActivityDto::from).collect(),
        }
    }
}

/// An activity with its ETag.
#[derive(ApiResponse)]
pub enum ActivityResponse {
    /// The activity.
    #[oai(status = 200)]
    Ok(Json<ActivityDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<ActivityDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}
