//! What a change records in the event log: the entity, the kind of change and, per field,
//! the value before and after.

use crate::actor::Actor;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The kinds of entities that appear in the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// A tenant.
    Tenant,
    /// A user.
    User,
    /// A team.
    Team,
    /// A contact.
    Contact,
    /// An organization.
    Organization,
    /// A pipeline (stages included).
    Pipeline,
    /// An opportunity.
    Opportunity,
    /// An activity.
    Activity,
    /// A segment.
    Segment,
}

impl EntityType {
    /// Stable code, stored in the log.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::User => "user",
            Self::Team => "team",
            Self::Contact => "contact",
            Self::Organization => "organization",
            Self::Pipeline => "pipeline",
            Self::Opportunity => "opportunity",
            Self::Activity => "activity",
            Self::Segment => "segment",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Tenant,
            Self::User,
            Self::Team,
            Self::Contact,
            Self::Organization,
            Self::Pipeline,
            Self::Opportunity,
            Self::Activity,
            Self::Segment,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// Whether a field holds personal data that must stay encrypted at rest, in the log too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sensitivity {
    /// May be stored in clear.
    Clear,
    /// Stored as ciphertext only.
    Sensitive,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// Field name as in the API.
    pub field: &'static str,
    /// Value before (`None` when created).
    pub before: Option<Value>,
    /// Value after (`None` when removed).
    pub after: Option<Value>,
    /// Whether the values are personal data.
    pub sensitivity: Sensitivity,
}

/// An event about to be appended, in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Who did it.
    pub actor: Actor,
    /// What kind of entity changed.
    pub entity_type: EntityType,
    /// Which one.
    pub entity_id: Uuid,
    /// Stable snake_case name of the change (`created`, `updated`, `stage_moved`...).
    pub kind: &'static str,
    /// The owner of the entity after the change, so readers can filter by visibility.
    pub owner_id: Option<Uuid>,
    /// Field changes.
    pub changes: Vec<FieldChange>,
}

/// Collects field changes between two versions of an entity.
#[derive(Debug, Default)]
pub struct Diff {
    changes: Vec<FieldChange>,
}

impl Diff {
    /// An empty diff.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `field` if its value differs (`before` is `None` on creation).
    pub fn field<T: Serialize + PartialEq>(&mut self, field: &'static str, before: Option<&T>, after: &T, sensitivity: Sensitivity) {
        if before == Some(after) {
            return;
        }
        let to_json = |v: &T| serde_json::to_value(v).unwrap_or(Value::Null);
        let before = before.map(to_json);
        let after = to_json(after);
        if before.as_ref().is_none() && after.is_null() {
            return;
        }
        self.changes.push(FieldChange {
            field,
            before,
            after: Some(after),
            sensitivity,
        });
    }

    /// The changes found.
    pub fn into_changes(self) -> Vec<FieldChange> {
        self.changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let mut d = Diff::new();
        d.field("a", Some(&1), &1, Sensitivity::Clear);
        d.field("b", Some(&1), &2, Sensitivity::Clear);
        d.field("c", None, &Some("x"), Sensitivity::Sensitive);
        d.field::<Option<i32>>("d", None, &None, Sensitivity::Clear);
        let c = d.into_changes();
        assert_eq!(c.iter().map(|c| c.field).collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(c[1].sensitivity, Sensitivity::Sensitive);
    }

    #[test]
    fn entity_codes_round_trip() {
        for e in [EntityType::Contact, EntityType::Opportunity, EntityType::Tenant] {
            assert_eq!(EntityType::parse(e.code()), Some(e));
        }
    }
}
