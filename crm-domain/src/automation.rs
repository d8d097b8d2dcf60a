//! Automation rules: when something happens to a record (a trigger), and the contact it
//! concerns matches the conditions (a segment rule), do a list of actions — send a
//! template email, wait, create a task, give the contact an owner, tag it, add it to a
//! static list, change a field, notify someone, call a webhook.
//!
//! Rules arrive as JSON and are checked here, every fault named with its path
//! (`actions.2.hours`):
//!
//! ```json
//! {"name": "Relance après ouverture",
//!  "trigger": {"type": "email_opened"},
//!  "conditions": {"all": [{"field": "kind", "op": "eq", "value": "prospect"}]},
//!  "actions": [{"type": "wait", "hours": 48, "unless_replied": true},
//!              {"type": "create_task", "title": "Rappeler", "due_in_days": 1}]}
//! ```
//!
//! Which events a trigger matches is decided here too ([`Trigger::matches`]); running the
//! actions is the runtime's.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{EntityType, EventKind};
use crate::segment::Rule;
use crate::text::Name;
use crate::{TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

mod read;
mod run;

pub use read::{Action, ContactField};
pub use run::{RunState, StepOutcome, derived_id};

/// Most actions in a rule.
pub const MAX_ACTIONS: usize = 10;
/// Deepest chain of automations: a run started by a change that a run of depth
/// `MAX_LOOP_DEPTH` made is not started (and its skip is logged).
pub const MAX_LOOP_DEPTH: u8 = 5;
/// Longest wait, in hours (90 days).
pub const MAX_WAIT_HOURS: u32 = 24 * 90;
/// Furthest a date trigger reaches from the expected close, in days.
pub const MAX_DATE_DAYS: i32 = 365;
/// Longest notification message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// The kind of record a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// Contacts.
    Contact,
    /// Organizations.
    Organization,
    /// Opportunities.
    Opportunity,
    /// Activities.
    Activity,
}

impl Subject {
    /// The entity of the event log.
    pub const fn entity(self) -> EntityType {
        match self {
            Self::Contact => EntityType::Contact,
            Self::Organization => EntityType::Organization,
            Self::Opportunity => EntityType::Opportunity,
            Self::Activity => EntityType::Activity,
        }
    }

    /// The fields whose change a trigger may watch (as the event log names them).
    pub const fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Contact => &[
                "kind",
                "owner_id",
                "first_name",
                "last_name",
                "emails",
                "phones",
                "organization_id",
                "job_title",
                "address.postal_code",
                "address.city",
                "address.country",
                "tags",
                "source",
                "external_id",
                "email_opt_out",
                "phone_opt_out",
                "lead.status",
            ],
            Self::Organization => &["name", "domain", "industry", "size", "address.city", "address.country"],
            Self::Opportunity => &["title", "value", "currency", "stage_id", "owner_id", "status", "contact_ids"],
            Self::Activity => &["subject", "assignee_id", "due_at", "priority", "starts_at", "outcome", "done_at"],
        }
    }
}

/// What starts a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A record created.
    RecordCreated {
        /// Which kind.
        entity: Subject,
    },
    /// A record changed (fields, owner, stage, status, qualification...).
    RecordChanged {
        /// Which kind.
        entity: Subject,
    },
    /// A field of a record changed (to a value, when given; compared without case).
    FieldChanged {
        /// Which kind.
        entity: Subject,
        /// The field, as the event log names it.
        field: String,
        /// The new value it must have.
        #[serde(default)]
        to: Option<String>,
    },
    /// An opportunity moved to another stage (to this one, when given).
    StageChanged {
        /// The stage it must reach.
        #[serde(default)]
        stage_id: Option<Uuid>,
    },
    /// A contact's score rose to the threshold or above, from below it.
    ScoreCrossed {
        /// The threshold.
        threshold: i32,
    },
    /// A contact opened an email.
    EmailOpened,
    /// A contact followed a link of an email.
    EmailClicked,
    /// A contact replied to an email.
    EmailReplied,
    /// An open opportunity's expected close is `days` away (negative: before it; 0: the
    /// day itself), checked each day.
    DateReached {
        /// Days from the expected close (−3: three days before).
        days: i32,
    },
}

/// One field's change, as a trigger sees it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The field.
    pub field: &'a str,
    /// Before.
    pub before: Option<&'a Value>,
    /// After.
    pub after: Option<&'a Value>,
}

/// The kinds of change that count as "changed".
const CHANGED: [EventKind; 11] = [
    EventKind::Updated,
    EventKind::OwnerChanged,
    EventKind::StageMoved,
    EventKind::Won,
    EventKind::Lost,
    EventKind::Reopened,
    EventKind::Completed,
    EventKind::LeadStatusChanged,
    EventKind::Converted,
    EventKind::Restored,
    EventKind::Merged,
];

/// A value of the log as text, to compare with a trigger's `to`.
fn as_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.to_lowercase(),
        Some(other) => other.to_string().to_lowercase(),
    }
}

impl Trigger {
    /// The kind of record it watches.
    pub const fn subject(&self) -> Subject {
        match self {
            Self::RecordCreated { entity } | Self::RecordChanged { entity } | Self::FieldChanged { entity, .. } => *entity,
            Self::StageChanged { .. } | Self::DateReached { .. } => Subject::Opportunity,
            Self::ScoreCrossed { .. } | Self::EmailOpened | Self::EmailClicked | Self::EmailReplied => Subject::Contact,
        }
    }

    /// Stable code of its type.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::RecordCreated { .. } => "record_created",
            Self::RecordChanged { .. } => "record_changed",
            Self::FieldChanged { .. } => "field_changed",
            Self::StageChanged { .. } => "stage_changed",
            Self::ScoreCrossed { .. } => "score_crossed",
            Self::EmailOpened => "email_opened",
            Self::EmailClicked => "email_clicked",
            Self::EmailReplied => "email_replied",
            Self::DateReached { .. } => "date_reached",
        }
    }

    /// Whether a change of the log starts the rule (a date trigger matches no event).
    pub fn matches(&self, entity: EntityType, kind: EventKind, changes: &[Change<'_>]) -> bool {
        if entity != self.subject().entity() {
            return false;
        }
        let change = |field: &str| changes.iter().find(|c| c.field == field);
        match self {
            Self::RecordCreated { .. } => kind == EventKind::Created,
            Self::RecordChanged { .. } => CHANGED.contains(&kind),
            Self::FieldChanged { field, to, .. } => {
                kind != EventKind::Created
                    && change(field).is_some_and(|c| to.as_ref().is_none_or(|to| as_text(c.after) == to.to_lowercase()))
            }
            Self::StageChanged { stage_id } => {
                matches!(kind, EventKind::StageMoved | EventKind::Won | EventKind::Lost)
                    && change("stage_id")
                        .is_some_and(|c| stage_id.is_none_or(|s| c.after.and_then(Value::as_str) == Some(s.to_string().as_str())))
            }
            Self::ScoreCrossed { threshold } => {
                let t = i64::from(*threshold);
                kind == EventKind::ScoreChanged
                    && change("score").is_some_and(|c| {
                        let before = c.before.and_then(Value::as_i64).unwrap_or(0);
                        let after = c.after.and_then(Value::as_i64).unwrap_or(0);
                        before < t && after >= t
                    })
            }
            Self::EmailOpened => kind == EventKind::EmailOpened,
            Self::EmailClicked => kind == EventKind::EmailClicked,
            Self::EmailReplied => kind == EventKind::EmailReplied,
            Self::DateReached { .. } => false,
        }
    }
}

/// A rule as written (API, form).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutomationInput {
    /// Its name.
    pub name: String,
    /// Whether it runs.
    pub active: bool,
    /// The trigger, as JSON.
    pub trigger: Value,
    /// The conditions on the contact concerned (a segment rule), if any.
    pub conditions: Option<Value>,
    /// The actions, in order, as JSON.
    pub actions: Vec<Value>,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationSpec {
    /// Its name.
    pub name: Name,
    /// Whether it runs.
    pub active: bool,
    /// What starts it.
    pub trigger: Trigger,
    /// What the contact concerned must match.
    pub conditions: Option<Rule>,
    /// What it does.
    pub actions: Vec<Action>,
}

impl AutomationInput {
    /// Checks the rule.
    ///
    /// # Errors
    /// Every fault with its path: `name` required or too long; `trigger` malformed or
    /// unknown (`trigger.field` unknown, `trigger.days` out of range); `conditions` as a
    /// segment rule, or not allowed on organizations; `actions` required or too many, each
    /// `actions.N` malformed or its field at fault, not allowed without a contact.
    pub fn validate(&self) -> Result<AutomationSpec, ValidationError> {
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(&self.name));
        let trigger = v.check("trigger", read::trigger(&self.trigger));
        let conditions = match &self.conditions {
            None | Some(Value::Null) => None,
            // The segment rule's faults carry their full path already.
            Some(c) => v.check("", Rule::parse(c, "conditions")),
        };
        if self.actions.is_empty() {
            v.push("actions", ViolationKind::Required);
        } else if self.actions.len() > MAX_ACTIONS {
            v.push("actions", ViolationKind::TooLarge);
        }
        let mut actions = Vec::new();
        for (i, a) in self.actions.iter().enumerate() {
            if let Some(a) = v.check(&format!("actions.{i}"), read::action(a)) {
                actions.push(a);
            }
        }
        if let Some(t) = &trigger {
            if t.subject() == Subject::Organization && conditions.is_some() {
                v.push("conditions", ViolationKind::NotAllowed);
            }
            for (i, a) in actions.iter().enumerate() {
                let needs_contact = a.needs_contact() && t.subject() == Subject::Organization;
                let needs_event = matches!(a, Action::CallWebhook { .. }) && matches!(t, Trigger::DateReached { .. });
                if needs_contact || needs_event {
                    v.push(format!("actions.{i}.type"), ViolationKind::NotAllowed);
                }
            }
        }
        if matches!(actions.last(), Some(Action::Wait { .. })) {
            v.push(format!("actions.{}", actions.len() - 1), ViolationKind::NotAllowed);
        }
        v.finish()?;
        match (name, trigger) {
            (Some(name), Some(trigger)) => Ok(AutomationSpec {
                name,
                active: self.active,
                trigger,
                conditions,
                actions,
            }),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
    }
}

impl AutomationSpec {
    /// The rule as written again (to change one part of it and check it anew).
    pub fn input(&self) -> AutomationInput {
        AutomationInput {
            name: self.name.as_str().to_owned(),
            active: self.active,
            trigger: serde_json::to_value(&self.trigger).unwrap_or(Value::Null),
            conditions: self.conditions.as_ref().map(Rule::to_json),
            actions: self
                .actions
                .iter()
                .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
                .collect(),
        }
    }
}

/// A rule as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationRule {
    /// Id.
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// What it is.
    pub spec: AutomationSpec,
    /// Who wrote it.
    pub created_by: Option<UserId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
