//! Reading a rule's trigger and actions from JSON: serde reads the shape, then each value
//! is checked, every fault named by its field.

use super::{MAX_DATE_DAYS, MAX_MESSAGE_CHARS, MAX_WAIT_HOURS, Trigger};
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::text::{Label, Tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A contact's field an action may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    /// Where the contact came from.
    Source,
    /// Job title.
    JobTitle,
    /// Prospect, client or partner.
    Kind,
}

/// One action of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Sends a template to the contact (from the company's address).
    SendEmail {
        /// The template.
        template_id: Uuid,
    },
    /// Waits before the next actions; with `unless_replied`, stops if the contact replied
    /// to an email in the meantime.
    Wait {
        /// Hours to wait.
        hours: u32,
        /// Stop when the contact replied.
        #[serde(default)]
        unless_replied: bool,
    },
    /// Creates a task on the record (and its contact).
    CreateTask {
        /// Its subject.
        title: String,
        /// Due so many days later (0: today).
        #[serde(default)]
        due_in_days: u32,
        /// Assigned to this user (default: the record's owner).
        #[serde(default)]
        assignee_id: Option<Uuid>,
    },
    /// Gives the contact an owner: the next sales rep of the team, in turn.
    AssignOwner {
        /// The team.
        team_id: Uuid,
    },
    /// Tags the contact.
    AddTag {
        /// The tag.
        tag: String,
    },
    /// Adds the contact to a static list.
    AddToList {
        /// The list (a static segment).
        segment_id: Uuid,
    },
    /// Sets a field of the contact.
    UpdateField {
        /// The field.
        field: ContactField,
        /// Its new value.
        value: String,
    },
    /// Notifies a user (default: the record's owner).
    Notify {
        /// Who.
        #[serde(default)]
        user_id: Option<Uuid>,
        /// What to tell them.
        message: String,
    },
    /// Sends the triggering change to a webhook subscription.
    CallWebhook {
        /// The subscription.
        webhook_id: Uuid,
    },
}

impl Action {
    /// Stable code of its type.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::SendEmail { .. } => "send_email",
            Self::Wait { .. } => "wait",
            Self::CreateTask { .. } => "create_task",
            Self::AssignOwner { .. } => "assign_owner",
            Self::AddTag { .. } => "add_tag",
            Self::AddToList { .. } => "add_to_list",
            Self::UpdateField { .. } => "update_field",
            Self::Notify { .. } => "notify",
            Self::CallWebhook { .. } => "call_webhook",
        }
    }

    /// Whether it acts on a contact (and cannot run without one).
    pub const fn needs_contact(&self) -> bool {
        matches!(
            self,
            Self::SendEmail { .. }
                | Self::AssignOwner { .. }
                | Self::AddTag { .. }
                | Self::AddToList { .. }
                | Self::UpdateField { .. }
                | Self::Wait { unless_replied: true, .. }
        )
    }
}

/// A serde fault as a field error: a missing field is `required`, an unknown field
/// `unknown_field`, an unknown type `unknown` at `type`, anything else `malformed`.
fn fault(e: &serde_json::Error) -> ValidationError {
    let msg = e.to_string();
    let quoted = |after: &str| {
        msg.split_once(after)
            .and_then(|(_, rest)| rest.split('`').nth(1))
            .map(str::to_owned)
    };
    if let Some(f) = quoted("missing field") {
        return ValidationError::field(f, ViolationKind::Required);
    }
    if let Some(f) = quoted("unknown field") {
        return ValidationError::field(f, ViolationKind::UnknownField);
    }
    if msg.contains("unknown variant") {
        return ValidationError::field("type", ViolationKind::Unknown);
    }
    if msg.contains("invalid type") || msg.contains("invalid value") {
        return ValidationError::field("", ViolationKind::WrongType);
    }
    ValidationError::field("", ViolationKind::Malformed)
}

/// Reads and checks a trigger.
pub(super) fn trigger(value: &Value) -> Result<Trigger, ValidationError> {
    if value.is_null() {
        return Err(ValidationError::field("", ViolationKind::Required));
    }
    let t: Trigger = serde_json::from_value(value.clone()).map_err(|e| fault(&e))?;
    let mut v = Validator::new();
    match &t {
        Trigger::FieldChanged { entity, field, to } => {
            if !entity.fields().contains(&field.as_str()) {
                v.push("field", ViolationKind::Unknown);
            }
            if to.as_ref().is_some_and(|s| s.chars().count() > Label::MAX_CHARS) {
                v.push("to", ViolationKind::TooLong);
            }
        }
        Trigger::DateReached { days } if days.abs() > MAX_DATE_DAYS => v.push("days", ViolationKind::OutOfRange),
        Trigger::ScoreCrossed { threshold } if !(-100_000..=100_000).contains(threshold) => {
            v.push("threshold", ViolationKind::OutOfRange);
        }
        _ => {}
    }
    v.finish()?;
    Ok(t)
}

/// Reads and checks an action.
pub(super) fn action(value: &Value) -> Result<Action, ValidationError> {
    let a: Action = serde_json::from_value(value.clone()).map_err(|e| fault(&e))?;
    let mut v = Validator::new();
    match &a {
        Action::Wait { hours, .. } => {
            if *hours == 0 {
                v.push("hours", ViolationKind::TooSmall);
            } else if *hours > MAX_WAIT_HOURS {
                v.push("hours", ViolationKind::TooLarge);
            }
        }
        Action::CreateTask { title, due_in_days, .. } => {
            v.check("title", Label::parse(title));
            if *due_in_days > 365 {
                v.push("due_in_days", ViolationKind::TooLarge);
            }
        }
        Action::AddTag { tag } => {
            v.check("tag", Tag::parse(tag));
        }
        Action::UpdateField { field, value } => {
            if value.chars().count() > Label::MAX_CHARS {
                v.push("value", ViolationKind::TooLong);
            }
            let kinds = ["prospect", "client", "partner"];
            if *field == ContactField::Kind && !kinds.contains(&value.as_str()) {
                v.push("value", ViolationKind::Unknown);
            }
        }
        Action::Notify { message, .. } => {
            if message.trim().is_empty() {
                v.push("message", ViolationKind::Required);
            } else if message.chars().count() > MAX_MESSAGE_CHARS {
                v.push("message", ViolationKind::TooLong);
            }
        }
        Action::SendEmail { .. } | Action::AssignOwner { .. } | Action::AddToList { .. } | Action::CallWebhook { .. } => {}
    }
    v.finish()?;
    Ok(a)
}
