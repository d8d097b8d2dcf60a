//! Activities: tasks, meetings, calls, emails logged by hand, notes. Each concerns one or
//! more records (contacts, organizations, opportunities) and appears in their timelines.
//! Tasks feed the to-do list: overdue first (oldest first), then today, then upcoming, in
//! the tenant's time zone.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{Diff, EntityType, FieldChange, Sensitivity};
use crate::ids::{ActivityId, TenantId, UserId};
use crate::tenant::TimeZone;
use crate::text::{Label, LongText};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most records one activity concerns.
pub const MAX_LINKS: usize = 20;
/// Most attendees of a meeting.
pub const MAX_ATTENDEES: usize = 50;
/// Longest call, in seconds (a day).
pub const MAX_CALL_SECONDS: i64 = 86_400;

/// What kind of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Something to do.
    Task,
    /// A dated appointment.
    Meeting,
    /// A phone call.
    Call,
    /// An email logged by hand.
    Email,
    /// A note or comment.
    Note,
}

impl ActivityKind {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Meeting => "meeting",
            Self::Call => "call",
            Self::Email => "email",
            Self::Note => "note",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Task, Self::Meeting, Self::Call, Self::Email, Self::Note]
            .into_iter()
            .find(|k| k.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }
}

/// Priority of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Normal (default).
    #[default]
    Normal,
    /// High.
    High,
}

impl Priority {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Low, Self::Normal, Self::High]
            .into_iter()
            .find(|k| k.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }
}

/// Direction of a call or email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the outside in.
    Inbound,
    /// From us out.
    Outbound,
}

impl Direction {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim() {
            "inbound" => Ok(Self::Inbound),
            "outbound" => Ok(Self::Outbound),
            _ => Err(ValidationError::field("", ViolationKind::Unknown)),
        }
    }
}

/// A record an activity concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Link {
    /// Contact, organization or opportunity.
    pub entity_type: EntityType,
    /// Which one.
    pub entity_id: Uuid,
}

/// The editable fields of an activity, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFields {
    /// Short title (subject of an email, object of a meeting...).
    pub subject: Label,
    /// Free text: notes of a call, body of an email, content of a note (personal data).
    pub body: Option<LongText>,
    /// Records concerned, at least one.
    pub links: Vec<Link>,
    /// Who must do it (tasks) or who holds it.
    pub assignee_id: UserId,
    /// Due time of a task.
    pub due_at: Option<DateTime<Utc>>,
    /// Priority of a task.
    pub priority: Priority,
    /// Start of a meeting, or when a call/email/note happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End of a meeting.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place of a meeting.
    pub place: Option<Label>,
    /// Users attending a meeting.
    pub attendees: Vec<UserId>,
    /// Direction of a call or email.
    pub direction: Option<Direction>,
    /// Length of a call, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome of a call.
    pub outcome: Option<Label>,
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Id.
    pub id: ActivityId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Kind (fixed at creation).
    pub kind: ActivityKind,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Fields.
    pub fields: ActivityFields,
    /// When a task was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Created by a reminder rule: does not count as activity with the records.
    pub system: bool,
    /// Unique key of the reminder occurrence that created it.
    pub reminder_key: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An activity as given by a caller.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<Link>,
    /// Assignee (default: the caller).
    pub assignee_id: Option<UserId>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// Priority code (tasks).
    pub priority: Option<String>,
    /// Start / when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End (meetings).
    pub ends_at: Option<DateTime<Utc>>,
    /// Place (meetings).
    pub place: Option<String>,
    /// Attendees (meetings).
    pub attendees: Vec<UserId>,
    /// Direction code (calls, emails).
    pub direction: Option<String>,
    /// Duration in seconds (calls).
    pub duration_seconds: Option<i64>,
    /// Outcome (calls).
    pub outcome: Option<String>,
}

impl ActivityInput {
    /// Checks the input for a kind; `default_assignee` is the caller.
    ///
    /// # Errors
    /// Every field at fault: no link, a meeting ending before it starts, a call without
    /// direction, a negative duration...
    pub fn parse(&self, kind: ActivityKind, default_assignee: UserId) -> Result<ActivityFields, ValidationError> {
        let mut v = Validator::new();
        let subject = v.check("subject", Label::parse(&self.subject));
        let body = v.check("body", LongText::parse_optional(self.body.as_deref()));
        if self.links.is_empty() {
            v.push("links", ViolationKind::Required);
        } else if self.links.len() > MAX_LINKS {
            v.push("links", ViolationKind::TooLarge);
        }
        for (i, l) in self.links.iter().enumerate() {
            if !matches!(
                l.entity_type,
                EntityType::Contact | EntityType::Organization | EntityType::Opportunity
            ) {
                v.push(format!("links.{i}.entity_type"), ViolationKind::Unknown);
            }
            if self.links[..i].contains(l) {
                v.push(format!("links.{i}"), ViolationKind::Repeated);
            }
        }
        let priority = match &self.priority {
            None => Some(Priority::Normal),
            Some(p) => v.check("priority", Priority::parse(p)),
        };
        let place = v.check("place", Label::parse_optional(self.place.as_deref()));
        let outcome = v.check("outcome", Label::parse_optional(self.outcome.as_deref()));
        let direction = match &self.direction {
            None => Some(None),
            Some(d) => v.check("direction", Direction::parse(d)).map(Some),
        };
        for (field, t) in [("due_at", self.due_at), ("starts_at", self.starts_at), ("ends_at", self.ends_at)] {
            if let Some(t) = t {
                v.check(field, crate::time::check_instant(t));
            }
        }
        if self.attendees.len() > MAX_ATTENDEES {
            v.push("attendee_ids", ViolationKind::TooLarge);
        }
        match kind {
            ActivityKind::Meeting => match (self.starts_at, self.ends_at) {
                (None, _) => v.push("starts_at", ViolationKind::Required),
                (_, None) => v.push("ends_at", ViolationKind::Required),
                (Some(s), Some(e)) if e <= s => v.push("ends_at", ViolationKind::TooSmall),
                _ => {}
            },
            ActivityKind::Call if self.direction.is_none() => v.push("direction", ViolationKind::Required),
            _ => {}
        }
        if let Some(d) = self.duration_seconds {
            if d < 0 {
                v.push("duration_seconds", ViolationKind::TooSmall);
            } else if d > MAX_CALL_SECONDS {
                v.push("duration_seconds", ViolationKind::TooLarge);
            }
        }
        v.finish()?;
        let (Some(subject), Some(body), Some(priority), Some(place), Some(outcome), Some(direction)) =
            (subject, body, priority, place, outcome, direction)
        else {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        };
        let mut attendees = self.attendees.clone();
        attendees.sort();
        attendees.dedup();
        let mut links = self.links.clone();
        links.sort();
        Ok(ActivityFields {
            subject,
            body,
            links,
            assignee_id: self.assignee_id.unwrap_or(default_assignee),
            due_at: self.due_at,
            priority,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place,
            attendees,
            direction,
            duration_seconds: self.duration_seconds,
            outcome,
        })
    }
}

impl Activity {
    /// When it appears in a timeline: when it happened, or when it was created.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self.kind {
            ActivityKind::Task => self.created_at,
            _ => self.fields.starts_at.unwrap_or(self.created_at),
        }
    }

    /// Field changes between two versions.
    pub fn changes(before: Option<&Self>, after: &Self) -> Vec<FieldChange> {
        let mut d = Diff::new();
        let (b, a) = (before.map(|b| &b.fields), &after.fields);
        d.field("kind", before.map(|b| &b.kind), &after.kind, Sensitivity::Clear);
        d.field("subject", b.map(|b| &b.subject), &a.subject, Sensitivity::Clear);
        d.field("body", b.map(|b| &b.body), &a.body, Sensitivity::Sensitive);
        d.field("links", b.map(|b| &b.links), &a.links, Sensitivity::Clear);
        d.field("assignee_id", b.map(|b| &b.assignee_id), &a.assignee_id, Sensitivity::Clear);
        d.field("due_at", b.map(|b| &b.due_at), &a.due_at, Sensitivity::Clear);
        d.field("priority", b.map(|b| &b.priority), &a.priority, Sensitivity::Clear);
        d.field("starts_at", b.map(|b| &b.starts_at), &a.starts_at, Sensitivity::Clear);
        d.field("ends_at", b.map(|b| &b.ends_at), &a.ends_at, Sensitivity::Clear);
        d.field("place", b.map(|b| &b.place), &a.place, Sensitivity::Clear);
        d.field("attendee_ids", b.map(|b| &b.attendees), &a.attendees, Sensitivity::Clear);
        d.field("direction", b.map(|b| &b.direction), &a.direction, Sensitivity::Clear);
        d.field(
            "duration_seconds",
            b.map(|b| &b.duration_seconds),
            &a.duration_seconds,
            Sensitivity::Clear,
        );
        d.field("outcome", b.map(|b| &b.outcome), &a.outcome, Sensitivity::Clear);
        d.field("done_at", before.map(|b| &b.done_at), &after.done_at, Sensitivity::Clear);
        d.into_changes()
    }
}

/// Where a task stands in a to-do list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoBucket {
    /// Past due and not done.
    Overdue,
    /// Due today (tenant's calendar), not yet past.
    Today,
    /// Due later, or without a due time.
    Upcoming,
}

/// The bucket of an open task at `now` in the tenant's time zone.
pub fn todo_bucket(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: TimeZone) -> TodoBucket {
    let Some(due) = due_at else { return TodoBucket::Upcoming };
    if due < now {
        return TodoBucket::Overdue;
    }
    if crate::time::local_day(due, tz.tz()) == crate::time::local_day(now, tz.tz()) {
        TodoBucket::Today
    } else {
        TodoBucket::Upcoming
    }
}

/// Orders open tasks for a to-do list: overdue (oldest due first), today, upcoming (soonest
/// first, undated last); ties by priority (high first) then creation.
pub fn sort_todo(tasks: &mut [Activity], now: DateTime<Utc>, tz: TimeZone) {
    tasks.sort_by(|a, b| {
        let (ba, bb) = (todo_bucket(a.fields.due_at, now, tz), todo_bucket(b.fields.due_at, now, tz));
        ba.cmp(&bb)
            .then_with(|| match (a.fields.due_at, b.fields.due_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| b.fields.priority.cmp(&a.fields.priority))
            .then_with(|| a.created_at.cmp(&b.created_at))
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn link() -> Link {
        Link {
            entity_type: EntityType::Contact,
            entity_id: Uuid::from_u128(1),
        }
    }

    fn user() -> UserId {
        UserId::from_uuid(Uuid::from_u128(9))
    }

    #[test]
    fn rules_by_kind() {
        let base = ActivityInput {
            subject: "Rappeler".into(),
            links: vec![link()],
            ..ActivityInput::default()
        };
        assert_eq!(base.parse(ActivityKind::Task, user()).unwrap().assignee_id, user());
        let e = ActivityInput {
            links: vec![],
            ..base.clone()
        }
        .parse(ActivityKind::Note, user())
        .unwrap_err();
        assert_eq!(e.errors()[0].field, "links");
        let e = base.parse(ActivityKind::Meeting, user()).unwrap_err();
        assert_eq!(e.errors()[0].field, "starts_at");
        let t = Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap();
        let e = ActivityInput {
            starts_at: Some(t),
            ends_at: Some(t),
            ..base.clone()
        }
        .parse(ActivityKind::Meeting, user())
        .unwrap_err();
        assert_eq!(
            (e.errors()[0].field.as_str(), e.errors()[0].kind),
            ("ends_at", ViolationKind::TooSmall)
        );
        let e = base.parse(ActivityKind::Call, user()).unwrap_err();
        assert_eq!(e.errors()[0].field, "direction");
        let e = ActivityInput {
            direction: Some("outbound".into()),
            duration_seconds: Some(-3),
            ..base.clone()
        }
        .parse(ActivityKind::Call, user())
        .unwrap_err();
        assert_eq!(e.errors()[0].field, "duration_seconds");
        let e = ActivityInput {
            links: vec![link(), link()],
            ..base.clone()
        }
        .parse(ActivityKind::Note, user())
        .unwrap_err();
        assert_eq!(e.errors()[0].field, "links.1");
        let e = ActivityInput {
            links: vec![Link {
                entity_type: EntityType::Tenant,
                entity_id: Uuid::nil(),
            }],
            ..base
        }
        .parse(ActivityKind::Note, user())
        .unwrap_err();
        assert_eq!(e.errors()[0].field, "links.0.entity_type");
    }

    #[test]
    fn buckets_follow_the_tenant_calendar() {
        let paris = TimeZone::PARIS;
        // 23:30 UTC on 4 May is 01:30 on 5 May in Paris.
        let now = Utc.with_ymd_and_hms(2026, 5, 4, 23, 30, 0).unwrap();
        assert_eq!(
            todo_bucket(Some(now - chrono::Duration::minutes(1)), now, paris),
            TodoBucket::Overdue
        );
        assert_eq!(
            todo_bucket(Some(Utc.with_ymd_and_hms(2026, 5, 5, 20, 0, 0).unwrap()), now, paris),
            TodoBucket::Today
        );
        assert_eq!(
            todo_bucket(Some(Utc.with_ymd_and_hms(2026, 5, 5, 22, 30, 0).unwrap()), now, paris),
            TodoBucket::Upcoming
        );
        assert_eq!(todo_bucket(None, now, paris), TodoBucket::Upcoming);
    }
}
