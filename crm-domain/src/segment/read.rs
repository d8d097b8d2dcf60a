//! Reading a segment rule from its JSON form: every fault named with its path.

use super::{Condition, MAX_CONDITIONS, MAX_DEPTH, MAX_LIST, MAX_TEXT, Op, Operand, Rule, SegmentField, Shape, When};
use crate::contact::ContactKind;
use crate::error::{Validator, ViolationKind};
use crate::organization::OrganizationSize;
use crate::text::{Tag, fold};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

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
        Shape::Lead => {
            let s = v.as_str().ok_or(ViolationKind::Malformed)?;
            crate::lead::LeadStatus::parse(s).map_err(|_| ViolationKind::Unknown)?;
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

pub(super) fn rule(value: &Value, v: &mut Validator, path: &str, depth: usize, count: &mut usize) -> Option<Rule> {
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
