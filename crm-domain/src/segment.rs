//! Segments: named sets of contacts, either a static list kept by hand or a dynamic rule
//! evaluated by the store. A rule is a tree of `all` / `any` / `not` over conditions on a
//! contact's fields, tags, kind, owner, score, dates, last activity and organization.
//!
//! Rules arrive as JSON and are checked here, every fault named with its path
//! (`rule.all.1.value`):
//!
//! ```json
//! {"all": [
//!   {"field": "kind", "op": "in", "value": ["prospect", "client"]},
//!   {"field": "organization.industry", "op": "eq", "value": "Vins"},
//!   {"any": [{"field": "tag", "op": "has", "value": "salon-2026"},
//!            {"field": "last_activity", "op": "before", "value": {"days_ago": 90}}]}
//! ]}
//! ```

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::text::Name;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

mod read;

/// Deepest nesting of `all` / `any` / `not`.
pub const MAX_DEPTH: usize = 6;
/// Most conditions in one rule.
pub const MAX_CONDITIONS: usize = 50;
/// Most values of an `in` list.
pub const MAX_LIST: usize = 100;
/// Longest text value, in characters.
pub const MAX_TEXT: usize = 200;

/// What a condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentField {
    /// First name (compared folded).
    FirstName,
    /// Last name (compared folded).
    LastName,
    /// Job title.
    JobTitle,
    /// Source.
    Source,
    /// City.
    City,
    /// Postal code.
    PostalCode,
    /// Country code.
    Country,
    /// Prospect, client, partner.
    Kind,
    /// A tag.
    Tag,
    /// Owner.
    OwnerId,
    /// Lead score.
    Score,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Time of the latest activity concerning the contact (reminder tasks excluded).
    LastActivity,
    /// Organization.
    OrganizationId,
    /// Organization's name (compared folded).
    OrganizationName,
    /// Organization's industry.
    OrganizationIndustry,
    /// Organization's web domain.
    OrganizationDomain,
    /// Organization's city.
    OrganizationCity,
    /// Organization's size band.
    OrganizationSize,
    /// A lead's status (`new`, `working`, `qualified`, `disqualified`; empty: not a lead).
    LeadStatus,
}

/// The kind of values a field takes, which decides its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Kind,
    Size,
    Lead,
    Tag,
    Id,
    Int,
    Time,
}

const FIELDS: [(SegmentField, &str, Shape); 21] = [
    (SegmentField::FirstName, "first_name", Shape::Text),
    (SegmentField::LastName, "last_name", Shape::Text),
    (SegmentField::JobTitle, "job_title", Shape::Text),
    (SegmentField::Source, "source", Shape::Text),
    (SegmentField::City, "city", Shape::Text),
    (SegmentField::PostalCode, "postal_code", Shape::Text),
    (SegmentField::Country, "country", Shape::Text),
    (SegmentField::Kind, "kind", Shape::Kind),
    (SegmentField::Tag, "tag", Shape::Tag),
    (SegmentField::OwnerId, "owner_id", Shape::Id),
    (SegmentField::Score, "score", Shape::Int),
    (SegmentField::CreatedAt, "created_at", Shape::Time),
    (SegmentField::UpdatedAt, "updated_at", Shape::Time),
    (SegmentField::LastActivity, "last_activity", Shape::Time),
    (SegmentField::OrganizationId, "organization_id", Shape::Id),
    (SegmentField::OrganizationName, "organization.name", Shape::Text),
    (SegmentField::OrganizationIndustry, "organization.industry", Shape::Text),
    (SegmentField::OrganizationDomain, "organization.domain", Shape::Text),
    (SegmentField::OrganizationCity, "organization.city", Shape::Text),
    (SegmentField::OrganizationSize, "organization.size", Shape::Size),
    (SegmentField::LeadStatus, "lead_status", Shape::Lead),
];

impl SegmentField {
    /// Stable code.
    pub fn code(self) -> &'static str {
        FIELDS.iter().find(|(f, _, _)| *f == self).map_or("", |(_, c, _)| c)
    }

    fn shape(self) -> Shape {
        FIELDS.iter().find(|(f, _, _)| *f == self).map_or(Shape::Text, |(_, _, s)| *s)
    }

    fn parse(code: &str) -> Option<Self> {
        FIELDS.iter().find(|(_, c, _)| *c == code).map(|(f, _, _)| *f)
    }

    /// Whether values are compared folded (accents and case ignored).
    pub fn folded(self) -> bool {
        matches!(self, Self::FirstName | Self::LastName | Self::OrganizationName)
    }
}

/// What a rule editor offers: each field's code, the kind of value it takes (`text`,
/// `kind`, `size`, `lead`, `tag`, `id`, `int`, `time`) and the codes of its operators.
pub fn catalogue() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    FIELDS
        .iter()
        .map(|(_, code, shape)| {
            let kind = match shape {
                Shape::Text => "text",
                Shape::Kind => "kind",
                Shape::Size => "size",
                Shape::Lead => "lead",
                Shape::Tag => "tag",
                Shape::Id => "id",
                Shape::Int => "int",
                Shape::Time => "time",
            };
            let ops = OPS.iter().filter(|(o, _)| o.allowed(*shape)).map(|(_, c)| *c).collect();
            (*code, kind, ops)
        })
        .collect()
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal (or empty).
    Ne,
    /// One of.
    In,
    /// Contains (case-insensitive).
    Contains,
    /// Starts with (case-insensitive).
    StartsWith,
    /// No value.
    IsEmpty,
    /// Some value.
    IsNotEmpty,
    /// Carries the tag.
    Has,
    /// Does not carry the tag.
    HasNot,
    /// Greater or equal.
    Gte,
    /// Less or equal.
    Lte,
    /// Strictly before (for `last_activity`: no activity at or after, none at all included).
    Before,
    /// At or after (for `last_activity`: some activity at or after).
    After,
}

const OPS: [(Op, &str); 13] = [
    (Op::Eq, "eq"),
    (Op::Ne, "ne"),
    (Op::In, "in"),
    (Op::Contains, "contains"),
    (Op::StartsWith, "starts_with"),
    (Op::IsEmpty, "is_empty"),
    (Op::IsNotEmpty, "is_not_empty"),
    (Op::Has, "has"),
    (Op::HasNot, "has_not"),
    (Op::Gte, "gte"),
    (Op::Lte, "lte"),
    (Op::Before, "before"),
    (Op::After, "after"),
];

impl Op {
    /// Stable code.
    pub fn code(self) -> &'static str {
        OPS.iter().find(|(o, _)| *o == self).map_or("", |(_, c)| c)
    }

    fn parse(code: &str) -> Option<Self> {
        OPS.iter().find(|(_, c)| *c == code).map(|(o, _)| *o)
    }

    fn allowed(self, shape: Shape) -> bool {
        use Op::*;
        match shape {
            Shape::Text => matches!(self, Eq | Ne | In | Contains | StartsWith | IsEmpty | IsNotEmpty),
            Shape::Kind | Shape::Size | Shape::Lead => {
                matches!(self, Eq | Ne | In) || (shape != Shape::Kind && matches!(self, IsEmpty | IsNotEmpty))
            }
            Shape::Tag => matches!(self, Has | HasNot),
            Shape::Id => matches!(self, Eq | Ne | In | IsEmpty | IsNotEmpty),
            Shape::Int => matches!(self, Eq | Gte | Lte),
            Shape::Time => matches!(self, Before | After),
        }
    }
}

/// A point in time in a rule: fixed, or relative to when the segment is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// This instant.
    At(DateTime<Utc>),
    /// So many days before evaluation.
    DaysAgo(u32),
}

impl When {
    /// The instant, evaluated at `now`.
    pub fn at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::At(t) => t,
            Self::DaysAgo(d) => crate::time::sub(now, Duration::days(i64::from(d))),
        }
    }
}

/// The value a condition compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// None (`is_empty`, `is_not_empty`).
    Nothing,
    /// Texts (one for `eq`, `ne`, `contains`, `starts_with`, `has`; several for `in`);
    /// folded already for folded fields.
    Texts(Vec<String>),
    /// Ids.
    Ids(Vec<Uuid>),
    /// A number.
    Int(i64),
    /// A time.
    Time(When),
}

/// One condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Field.
    pub field: SegmentField,
    /// Comparison.
    pub op: Op,
    /// Value.
    pub value: Operand,
}

/// A segment rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Every rule holds (true when empty).
    All(Vec<Rule>),
    /// Some rule holds (false when empty).
    Any(Vec<Rule>),
    /// The rule does not hold.
    Not(Box<Rule>),
    /// A condition.
    Condition(Condition),
}

impl Rule {
    /// Reads a rule from its JSON form, naming every fault under `path`.
    ///
    /// # Errors
    /// `malformed`, `unknown`, `required`, `too_long`, `too_large` with the path of the
    /// fault.
    pub fn parse(value: &Value, path: &str) -> Result<Self, ValidationError> {
        let mut v = Validator::new();
        let mut count = 0;
        let r = read::rule(value, &mut v, path, 0, &mut count);
        v.finish()?;
        r.ok_or_else(|| ValidationError::field(path, ViolationKind::Malformed))
    }

    /// The JSON form (what [`Rule::parse`] reads back).
    pub fn to_json(&self) -> Value {
        match self {
            Self::All(r) => json!({"all": r.iter().map(Self::to_json).collect::<Vec<_>>()}),
            Self::Any(r) => json!({"any": r.iter().map(Self::to_json).collect::<Vec<_>>()}),
            Self::Not(r) => json!({"not": r.to_json()}),
            Self::Condition(c) => {
                let value = match &c.value {
                    Operand::Nothing => Value::Null,
                    Operand::Texts(t) if c.op == Op::In => json!(t),
                    Operand::Texts(t) => json!(t.first()),
                    Operand::Ids(ids) if c.op == Op::In => json!(ids),
                    Operand::Ids(ids) => json!(ids.first()),
                    Operand::Int(n) => json!(n),
                    Operand::Time(When::At(t)) => json!(t.to_rfc3339()),
                    Operand::Time(When::DaysAgo(d)) => json!({"days_ago": d}),
                };
                if value.is_null() {
                    json!({"field": c.field.code(), "op": c.op.code()})
                } else {
                    json!({"field": c.field.code(), "op": c.op.code(), "value": value})
                }
            }
        }
    }

    /// Every user id the rule names (checked to exist in the tenant).
    pub fn owner_ids(&self) -> Vec<Uuid> {
        self.conditions()
            .into_iter()
            .filter(|c| c.field == SegmentField::OwnerId)
            .flat_map(|c| match &c.value {
                Operand::Ids(ids) => ids.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// Every condition, depth first.
    pub fn conditions(&self) -> Vec<&Condition> {
        match self {
            Self::All(r) | Self::Any(r) => r.iter().flat_map(Self::conditions).collect(),
            Self::Not(r) => r.conditions(),
            Self::Condition(c) => vec![c],
        }
    }
}

/// A segment's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definition {
    /// Members added and removed by hand.
    Static,
    /// Contacts matching a rule, evaluated at each use.
    Dynamic(Rule),
}

impl Definition {
    /// `static` or `dynamic`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Dynamic(_) => "dynamic",
        }
    }
}

/// A segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Id.
    pub id: crate::SegmentId,
    /// Tenant.
    pub tenant_id: crate::TenantId,
    /// Name.
    pub name: Name,
    /// Static list or rule.
    pub definition: Definition,
    /// Who made it.
    pub created_by: Option<crate::UserId>,
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
