//! Partial updates: `PATCH` with a JSON Merge Patch (RFC 7396, `application/merge-patch+json`
//! or `application/json`) on contacts, organizations, opportunities and activities. The
//! record's current editable fields are written as the `PUT` body would be, the patch is
//! merged in (a member set to `null` is removed, objects merge, anything else replaces),
//! and the result goes through the same use case as `PUT`, with the same `If-Match`. The
//! patch itself is checked against the `PUT` schema before any of this (see
//! `schema.rs`): each field at fault is named.

use super::problem::{ApiError, ApiResult, Code};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use serde_json::Value;

/// Applies a merge patch to `target` (RFC 7396, section 2).
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in members {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// The `PUT` body `current` becomes once `patch` is merged into it.
///
/// # Errors
/// `validation_failed` when the patch is not an object; `malformed_request` when the
/// result does not read as a body (the schema check names the fields first).
pub fn patched<T: ParseFromJSON + ToJSON>(current: &T, patch: &Value) -> ApiResult<T> {
    if !patch.is_object() {
        return Err(ApiError::field("", crm_domain::ViolationKind::WrongType));
    }
    let mut doc = current.to_json().unwrap_or(Value::Null);
    merge(&mut doc, patch);
    T::parse_from_json(Some(doc)).map_err(|_| ApiError::new(Code::MalformedRequest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn rfc_7396_examples() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, want) in cases {
            let mut t = target.clone();
            merge(&mut t, &patch);
            assert_eq!(t, want, "{target} + {patch}");
        }
    }
}
