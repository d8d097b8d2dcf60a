//! An activity as returned by the API: activities, timelines, to-do lists and telephony.

use chrono::{DateTime, Utc};
use crm_domain::activity::Activity;
use poem_openapi::Object;
use uuid::Uuid;

/// A record an activity concerns, with its name when the reader may see it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LinkNamedDto {
    /// `contact`, `organization` or `opportunity`.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Uuid,
    /// The contact's name, the organization's name or the opportunity's title (absent
    /// when the reader may not see the record).
    pub name: Option<String>,
}

/// An activity.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActivityDto {
    /// Id.
    pub id: Uuid,
    /// `task`, `meeting`, `call`, `email` or `note`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Body: call notes, email text, note content.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkNamedDto>,
    /// Who must do it / holds it.
    pub assignee_id: Uuid,
    /// The assignee's name.
    pub assignee_name: Option<String>,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// `low`, `normal` or `high`.
    pub priority: String,
    /// Start of a meeting, or when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End of a meeting.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place of a meeting.
    pub place: Option<String>,
    /// Attendees of a meeting.
    pub attendee_ids: Vec<Uuid>,
    /// `inbound` or `outbound` (calls, emails).
    pub direction: Option<String>,
    /// Length of a call, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome of a call.
    pub outcome: Option<String>,
    /// When a task was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Created by a reminder rule.
    pub system: bool,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Activity> for ActivityDto {
    fn from(a: &Activity) -> Self {
        let f = &a.fields;
        Self {
            id: a.id.as_uuid(),
            kind: a.kind.code().into(),
            subject: f.subject.to_string(),
            body: f.body.as_ref().map(ToString::to_string),
            links: f
                .links
                .iter()
                .map(|l| LinkNamedDto {
                    entity_type: l.entity_type.code().into(),
                    entity_id: l.entity_id,
                    name: None,
                })
                .collect(),
            assignee_id: f.assignee_id.as_uuid(),
            assignee_name: None,
            created_by: a.created_by.map(|u| u.as_uuid()),
            due_at: f.due_at,
            priority: f.priority.code().into(),
            starts_at: f.starts_at,
            ends_at: f.ends_at,
            place: f.place.as_ref().map(ToString::to_string),
            attendee_ids: f.attendees.iter().map(|u| u.as_uuid()).collect(),
            direction: f.direction.map(|d| d.code().into()),
            duration_seconds: f.duration_seconds,
            outcome: f.outcome.as_ref().map(ToString::to_string),
            done_at: a.done_at,
            system: a.system,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}
