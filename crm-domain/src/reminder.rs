//! Reminder rules, set per tenant by an Admin, and the keys that make each reminder happen
//! exactly once: a key names the tenant's rule, the subject and the occurrence, so a
//! second scan (after a restart, or in another server process) finds it already done.

use crate::error::{ValidationError, ViolationKind};
use crate::ids::{ActivityId, ContactId, OpportunityId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest quiet period a rule may watch, days.
pub const MAX_DAYS: i64 = 3650;
/// Longest notice before a meeting, minutes.
pub const MAX_MINUTES: i64 = 7 * 24 * 60;

/// What a rule watches and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// A prospect without activity for `days` gives its owner a follow-up task.
    NoActivity {
        /// Quiet days.
        days: i64,
    },
    /// An open opportunity past its expected close date gives its owner a task.
    PastExpectedClose,
    /// A meeting starting within `minutes` notifies its assignee and attendees.
    MeetingSoon {
        /// Notice, minutes.
        minutes: i64,
    },
    /// A task falling due notifies its assignee.
    TaskDue,
}

impl RuleKind {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NoActivity { .. } => "no_activity",
            Self::PastExpectedClose => "past_expected_close",
            Self::MeetingSoon { .. } => "meeting_soon",
            Self::TaskDue => "task_due",
        }
    }

    /// Builds a rule from its code and parameter (`days` or `minutes`).
    ///
    /// # Errors
    /// `kind: unknown`; `days`/`minutes` required or out of range.
    pub fn parse(code: &str, days: Option<i64>, minutes: Option<i64>) -> Result<Self, ValidationError> {
        match code.trim() {
            "no_activity" => match days {
                None => Err(ValidationError::field("days", ViolationKind::Required)),
                Some(d) if d < 1 => Err(ValidationError::field("days", ViolationKind::TooSmall)),
                Some(d) if d > MAX_DAYS => Err(ValidationError::field("days", ViolationKind::TooLarge)),
                Some(d) => Ok(Self::NoActivity { days: d }),
            },
            "past_expected_close" => Ok(Self::PastExpectedClose),
            "meeting_soon" => match minutes {
                None => Err(ValidationError::field("minutes", ViolationKind::Required)),
                Some(m) if m < 1 => Err(ValidationError::field("minutes", ViolationKind::TooSmall)),
                Some(m) if m > MAX_MINUTES => Err(ValidationError::field("minutes", ViolationKind::TooLarge)),
                Some(m) => Ok(Self::MeetingSoon { minutes: m }),
            },
            "task_due" => Ok(Self::TaskDue),
            _ => Err(ValidationError::field("kind", ViolationKind::Unknown)),
        }
    }
}

/// A tenant's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRule {
    /// Id.
    pub id: Uuid,
    /// What it does.
    pub kind: RuleKind,
    /// Whether the scheduler applies it.
    pub enabled: bool,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// The key of one quiet period of a prospect: a new activity starts a new period.
pub fn no_activity_key(rule: Uuid, contact: ContactId, quiet_since: DateTime<Utc>) -> String {
    format!("{rule}:contact:{contact}:since:{}", quiet_since.timestamp_micros())
}

/// The key of an opportunity overdue for one expected close date.
pub fn past_close_key(rule: Uuid, opp: OpportunityId, expected_close: NaiveDate) -> String {
    format!("{rule}:opportunity:{opp}:close:{expected_close}")
}

/// The key of one user's notice of one meeting start.
pub fn meeting_key(rule: Uuid, meeting: ActivityId, starts_at: DateTime<Utc>, user: UserId) -> String {
    format!("{rule}:meeting:{meeting}:start:{}:user:{user}", starts_at.timestamp_micros())
}

/// The key of one task's due notice.
pub fn task_due_key(rule: Uuid, task: ActivityId, due_at: DateTime<Utc>, user: UserId) -> String {
    format!("{rule}:task:{task}:due:{}:user:{user}", due_at.timestamp_micros())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert_eq!(
            RuleKind::parse("no_activity", Some(14), None).unwrap(),
            RuleKind::NoActivity { days: 14 }
        );
        assert_eq!(RuleKind::parse("no_activity", None, None).unwrap_err().errors()[0].field, "days");
        assert_eq!(
            RuleKind::parse("no_activity", Some(0), None).unwrap_err().errors()[0].kind,
            ViolationKind::TooSmall
        );
        assert_eq!(
            RuleKind::parse("meeting_soon", None, Some(30)).unwrap(),
            RuleKind::MeetingSoon { minutes: 30 }
        );
        assert!(RuleKind::parse("meeting_soon", None, Some(100_000)).is_err());
        assert_eq!(RuleKind::parse("party", None, None).unwrap_err().errors()[0].field, "kind");
    }

    #[test]
    fn keys_change_with_the_occurrence() {
        let r = Uuid::from_u128(1);
        let c = ContactId::from_uuid(Uuid::from_u128(2));
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(no_activity_key(r, c, t), no_activity_key(r, c, t));
        assert_ne!(no_activity_key(r, c, t), no_activity_key(r, c, t + chrono::Duration::seconds(1)));
    }
}
