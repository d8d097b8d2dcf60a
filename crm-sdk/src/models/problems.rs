//! The audit log's events and the problem documents of errors.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// One change in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Field.
    pub field: String,
    /// For an id field: the name before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_name: Option<String>,
    /// The name after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_name: Option<String>,
    /// Before.
    pub before: Option<Value>,
    /// After.
    pub after: Option<Value>,
}

/// An event of the audit history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor.
    pub actor_id: Option<Uuid>,
    /// The acting user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// Entity type.
    pub entity_type: String,
    /// Entity.
    pub entity_id: Uuid,
    /// Kind.
    pub kind: String,
    /// Changes.
    pub changes: Vec<Change>,
    /// The values belonged to a person whose data was erased (they read as nothing).
    #[serde(default)]
    pub erased: bool,
}

/// A field at fault in a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// Field path.
    pub field: String,
    /// Violation code.
    pub code: String,
    /// Message.
    pub message: String,
    /// The line of a text field where the fault is (a template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What is at fault in the value (an unknown variable's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A possible duplicate in a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateProblem {
    /// Contact, when visible.
    pub contact_id: Option<Uuid>,
    /// Name, when visible.
    pub display_name: Option<String>,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Type URI.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: u16,
    /// Detail.
    pub detail: String,
    /// Stable code.
    pub code: String,
    /// Path.
    pub instance: String,
    /// Request id.
    pub request_id: String,
    /// Fields at fault.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// Possible duplicates.
    #[serde(default)]
    pub duplicates: Vec<DuplicateProblem>,
    /// Companies to choose from (`tenant_choice_required` at login).
    #[serde(default)]
    pub tenants: Vec<TenantChoice>,
    /// The login's second step (`second_factor_required`): the ticket for
    /// [`crate::Client::login_second_factor`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<SecondFactorTicket>,
}

/// The ticket of a login's second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorTicket {
    /// The ticket (valid five minutes, once).
    pub ticket: String,
    /// The company requires a second factor and the person has none yet: set it up first
    /// with [`crate::Client::begin_second_factor_at_login`].
    pub enrol: bool,
}

/// A company a person may log in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantChoice {
    /// Its id, for [`crate::Client::login_to`].
    pub id: Uuid,
    /// Its name.
    pub name: String,
}
