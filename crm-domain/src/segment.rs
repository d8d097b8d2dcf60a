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

use crate::contact::ContactKind;
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::organization::OrganizationSize;
use crate::text::{Name, Tag, fold};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

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
}

/// The kind of values a field takes, which decides its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Kind,
    Size,
    Tag,
    Id,
    Int,
    Time,
}

const FIELDS: [(SegmentField, &str, Shape); 20] = [
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
            Shape::Kind | Shape::Size => matches!(self, Eq | Ne | In) || (shape == Shape::Size && matches!(self, IsEmpty | IsNotEmpty)),
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

fn text(v: &Value, field: SegmentField) -> Result<String, ViolationKind> {
    let s = v.as_str().ok_or(ViolationKind::Malformed)?.trim();
    if s.is_empty() {
        return Err(ViolationKind::Required);
    }
    if s.chars().count() > MAX_TEXT {
        return Err(ViolationKind::TooLong);
    }
    Ok(if field.folded() { fold(s) } else { s.to_owned() })
}

fn one_value(shape: Shape, field: SegmentField, v: &Value) -> Result<Operand, ViolationKind> {
    match shape {
        Shape::Text => Ok(Operand::Texts(vec![text(v, field)?])),
        Shape::Kind => {
            let s = v.as_str().ok_or(ViolationKind::Malformed)?;
            ContactKind::parse(s).map_err(|_| ViolationKind::Unknown)?;
            Ok(Operand::Texts(vec![s.trim().to_owned()]))
        }
        Shape::Size => {
            let s = v.as_str().ok_or(ViolationKind::Malformed)?;
            OrganizationSize::parse(s).map_err(|_| ViolationKind::Unknown)?;
            Ok(Operand::Texts(vec![s.trim().to_owned()]))
        }
        Shape::Tag => {
            let t = Tag::parse(v.as_str().ok_or(ViolationKind::Malformed)?)
                .map_err(|e| e.errors().first().map_or(ViolationKind::Malformed, |f| f.kind))?;
            Ok(Operand::Texts(vec![t.as_str().to_owned()]))
        }
        Shape::Id => {
            let id = v.as_str().and_then(|s| Uuid::parse_str(s).ok()).ok_or(ViolationKind::Malformed)?;
            Ok(Operand::Ids(vec![id]))
        }
        Shape::Int => {
            let n = v.as_i64().ok_or(ViolationKind::Malformed)?;
            if !(-1_000_000..=1_000_000).contains(&n) {
                return Err(ViolationKind::TooLarge);
            }
            Ok(Operand::Int(n))
        }
        Shape::Time => {
            if let Some(days) = v.get("days_ago") {
                let d = days.as_u64().ok_or(ViolationKind::Malformed)?;
                if d > 36_500 {
                    return Err(ViolationKind::TooLarge);
                }
                return Ok(Operand::Time(When::DaysAgo(u32::try_from(d).map_err(|_| ViolationKind::TooLarge)?)));
            }
            let s = v.as_str().ok_or(ViolationKind::Malformed)?;
            let t = DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()))
                .map_err(|_| ViolationKind::Malformed)?;
            if !crate::time::instant_in_range(t) {
                return Err(ViolationKind::OutOfRange);
            }
            Ok(Operand::Time(When::At(t)))
        }
    }
}

fn condition(obj: &serde_json::Map<String, Value>, v: &mut Validator, path: &str) -> Option<Condition> {
    let field = match obj.get("field").and_then(Value::as_str) {
        None => {
            v.push(format!("{path}.field"), ViolationKind::Required);
            return None;
        }
        Some(f) => match SegmentField::parse(f) {
            Some(f) => f,
            None => {
                v.push(format!("{path}.field"), ViolationKind::Unknown);
                return None;
            }
        },
    };
    let shape = field.shape();
    let op = match obj.get("op").and_then(Value::as_str).map(Op::parse) {
        None => {
            v.push(format!("{path}.op"), ViolationKind::Required);
            return None;
        }
        Some(Some(op)) if op.allowed(shape) => op,
        Some(_) => {
            v.push(format!("{path}.op"), ViolationKind::Unknown);
            return None;
        }
    };
    if let Some(extra) = obj.keys().find(|k| !matches!(k.as_str(), "field" | "op" | "value")) {
        v.push(format!("{path}.{extra}"), ViolationKind::Unknown);
        return None;
    }
    let raw = obj.get("value");
    let value = match (op, raw) {
        (Op::IsEmpty | Op::IsNotEmpty, None | Some(Value::Null)) => Ok(Operand::Nothing),
        (Op::IsEmpty | Op::IsNotEmpty, Some(_)) => Err(ViolationKind::Malformed),
        (_, None | Some(Value::Null)) => Err(ViolationKind::Required),
        (Op::In, Some(Value::Array(items))) => {
            if items.is_empty() {
                Err(ViolationKind::Required)
            } else if items.len() > MAX_LIST {
                Err(ViolationKind::TooLarge)
            } else {
                let mut texts = Vec::new();
                let mut ids = Vec::new();
                let mut bad = None;
                for (i, item) in items.iter().enumerate() {
                    match one_value(shape, field, item) {
                        Ok(Operand::Texts(t)) => texts.extend(t),
                        Ok(Operand::Ids(t)) => ids.extend(t),
                        Ok(_) => {}
                        Err(k) => {
                            bad.get_or_insert((i, k));
                        }
                    }
                }
                if let Some((i, k)) = bad {
                    v.push(format!("{path}.value.{i}"), k);
                    return None;
                }
                Ok(if shape == Shape::Id {
                    Operand::Ids(ids)
                } else {
                    Operand::Texts(texts)
                })
            }
        }
        (Op::In, Some(_)) => Err(ViolationKind::Malformed),
        (_, Some(raw)) => one_value(shape, field, raw),
    };
    match value {
        Ok(value) => Some(Condition { field, op, value }),
        Err(k) => {
            v.push(format!("{path}.value"), k);
            None
        }
    }
}

fn rule(value: &Value, v: &mut Validator, path: &str, depth: usize, count: &mut usize) -> Option<Rule> {
    let Some(obj) = value.as_object() else {
        v.push(path, ViolationKind::Malformed);
        return None;
    };
    if depth > MAX_DEPTH {
        v.push(path, ViolationKind::TooLarge);
        return None;
    }
    let group = |key: &str, v: &mut Validator, count: &mut usize| -> Option<Vec<Rule>> {
        let Some(items) = obj.get(key).and_then(Value::as_array) else {
            v.push(format!("{path}.{key}"), ViolationKind::Malformed);
            return None;
        };
        let rules: Vec<Option<Rule>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| rule(item, v, &format!("{path}.{key}.{i}"), depth + 1, count))
            .collect();
        rules.into_iter().collect()
    };
    if obj.len() == 1 && obj.contains_key("all") {
        return group("all", v, count).map(Rule::All);
    }
    if obj.len() == 1 && obj.contains_key("any") {
        return group("any", v, count).map(Rule::Any);
    }
    if obj.len() == 1 && obj.contains_key("not") {
        return obj
            .get("not")
            .and_then(|inner| rule(inner, v, &format!("{path}.not"), depth + 1, count))
            .map(|r| Rule::Not(Box::new(r)));
    }
    *count += 1;
    if *count > MAX_CONDITIONS {
        v.push(path, ViolationKind::TooLarge);
        return None;
    }
    condition(obj, v, path).map(Rule::Condition)
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
        let r = rule(value, &mut v, path, 0, &mut count);
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
mod tests {
    use super::*;

    fn fields(e: ValidationError) -> Vec<(String, ViolationKind)> {
        e.errors().iter().map(|f| (f.field.clone(), f.kind)).collect()
    }

    #[test]
    fn a_nested_rule_reads_and_writes_back() {
        let raw = json!({"all": [
            {"field": "kind", "op": "in", "value": ["prospect", "client"]},
            {"field": "last_name", "op": "starts_with", "value": "Lefèvre"},
            {"any": [
                {"field": "tag", "op": "has", "value": "salon-2026"},
                {"field": "last_activity", "op": "before", "value": {"days_ago": 90}},
                {"not": {"field": "organization.size", "op": "is_empty"}}
            ]},
            {"field": "score", "op": "gte", "value": 40},
            {"field": "created_at", "op": "after", "value": "2026-01-01"}
        ]});
        let r = Rule::parse(&raw, "rule").unwrap();
        assert_eq!(r.conditions().len(), 7);
        let Rule::All(items) = &r else { panic!() };
        assert_eq!(
            items[1],
            Rule::Condition(Condition {
                field: SegmentField::LastName,
                op: Op::StartsWith,
                value: Operand::Texts(vec!["lefevre".into()]),
            }),
            "names are compared folded"
        );
        assert_eq!(Rule::parse(&r.to_json(), "rule").unwrap(), r);
    }

    #[test]
    fn every_fault_is_named_with_its_path() {
        let raw = json!({"all": [
            {"field": "couleur", "op": "eq", "value": "bleu"},
            {"field": "score", "op": "contains", "value": 3},
            {"field": "kind", "op": "in", "value": ["prospect", "fournisseur"]},
            {"field": "city", "op": "eq"},
            {"field": "created_at", "op": "before", "value": "hier"},
            {"field": "tag", "op": "has", "value": "ok", "extra": 1},
            {"any": "non"}
        ]});
        assert_eq!(
            fields(Rule::parse(&raw, "rule").unwrap_err()),
            [
                ("rule.all.0.field".to_owned(), ViolationKind::Unknown),
                ("rule.all.1.op".to_owned(), ViolationKind::Unknown),
                ("rule.all.2.value.1".to_owned(), ViolationKind::Unknown),
                ("rule.all.3.value".to_owned(), ViolationKind::Required),
                ("rule.all.4.value".to_owned(), ViolationKind::Malformed),
                ("rule.all.5.extra".to_owned(), ViolationKind::Unknown),
                ("rule.all.6.any".to_owned(), ViolationKind::Malformed),
            ]
        );
    }

    #[test]
    fn size_limits() {
        let mut deep = json!({"field": "city", "op": "eq", "value": "Lyon"});
        for _ in 0..=MAX_DEPTH {
            deep = json!({"not": deep});
        }
        assert!(Rule::parse(&deep, "rule").is_err());
        let many: Vec<Value> = (0..=MAX_CONDITIONS)
            .map(|_| json!({"field": "city", "op": "eq", "value": "Lyon"}))
            .collect();
        assert!(Rule::parse(&json!({"any": many}), "rule").is_err());
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            fields(Rule::parse(&json!({"field": "city", "op": "eq", "value": long}), "rule").unwrap_err()),
            [("rule.value".to_owned(), ViolationKind::TooLong)]
        );
    }

    #[test]
    fn relative_times_resolve_at_evaluation() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(When::DaysAgo(2).at(now).to_rfc3339(), "2026-11-27T10:00:00+00:00");
    }
}
