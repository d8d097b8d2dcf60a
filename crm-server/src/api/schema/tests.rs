//! The schema checker: fields at fault named, merge patches, nullable optionals, query
//! strings, and the route lookup.

use super::*;
use serde_json::json;

fn schemas() -> BodySchemas {
    let spec = json!({
        "paths": {
            "/api/v1/things/{id}": {"put": {"requestBody": {"content": {"application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
            "/api/v1/things/merge": {"put": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "string", "format": "uuid"}}}}}}}}}
        },
        "components": {"schemas": {
            "Thing": {"type": "object", "required": ["name", "n"], "properties": {
                "name": {"type": "string", "maxLength": 5},
                "n": {"type": "integer", "minimum": 0},
                "on": {"type": "boolean"},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "at": {"type": "string", "format": "date-time"},
                "address": {"allOf": [{"$ref": "#/components/schemas/Address"}, {"description": "x"}]},
                "rule": {"description": "any JSON"}
            }},
            "Address": {"type": "object", "properties": {"city": {"type": "string"}}}
        }}
    });
    BodySchemas::from_spec(&spec.to_string())
}

fn check(path: &str, body: Value) -> Vec<(String, &'static str)> {
    let mut v: Vec<_> = schemas()
        .check("PUT", path, &body)
        .into_iter()
        .map(|(f, k)| (f, k.code()))
        .collect();
    v.sort();
    v
}

/// The indexed lookup finds the route the scan of every route in order finds.
#[test]
fn routes_are_found_as_a_scan_finds_them() {
    let ops = |secured: bool| {
        if secured {
            json!({"get": {"security": [{}]}})
        } else {
            json!({"get": {}})
        }
    };
    let mut paths = serde_json::Map::new();
    for (i, p) in [
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/merge",
        "/api/v1/contacts/{id}/timeline",
        "/api/v1/{kind}/{id}",
        "/api/{version}/contacts/{id}",
        "/api/v1/calendar/{secret}",
        "/api",
        "/healthz",
        "/x/{a}/y",
        // Filed under no resource, yet before the other (three literal segments to two).
        "/api/v1/{kind}/{id}/notes",
        "/{a}/{b}/contacts/{id}/notes",
    ]
    .into_iter()
    .enumerate()
    {
        paths.insert(p.to_owned(), ops(i % 2 == 0));
    }
    let s = BodySchemas::from_spec(&json!({"paths": paths}).to_string());
    let scan = |path: &str| {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        s.routes.iter().position(|r| {
            r.method == "GET"
                && r.segments.len() == parts.len()
                && r.segments.iter().zip(&parts).all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p))
        })
    };
    let mut found = 0;
    for path in [
        "/api/v1/contacts",
        "/api/v1/contacts/0190c2f4-6b1e-7c3a-9d2e-5f4a3b2c1d0e",
        "/api/v1/contacts/merge",
        "/api/v1/contacts/7/timeline",
        "/api/v1/opportunities/7",
        "/api/v2/contacts/7",
        "/api/v2/deals/7",
        "/api/v1/calendar/crm_abc",
        "/api",
        "/api/",
        "/healthz",
        "/x/1/y",
        "/x/1/z",
        "/",
        "",
        "/api/v1/contacts/7/timeline/more",
        "/api/v1/contacts/7/notes",
    ] {
        let indexed = s.route("GET", path).map(|r| r as *const Route);
        let scanned = scan(path).map(|i| &s.routes[i] as *const Route);
        assert_eq!(indexed, scanned, "{path}");
        found += usize::from(indexed.is_some());
        assert!(s.route("POST", path).is_none(), "{path}");
    }
    assert_eq!(found, 12);
}

#[test]
fn names_every_field_at_fault() {
    assert!(check("/api/v1/things/1", json!({"name": "abc", "n": 1, "rule": {"x": [1]}, "on": null})).is_empty());
    assert_eq!(
        check(
            "/api/v1/things/1",
            json!({"name": false, "nom": 1, "on": "yes", "kind": "c", "at": "hier", "address": {"ville": "Lyon"}})
        ),
        vec![
            ("address.ville".to_owned(), "unknown_field"),
            ("at".to_owned(), "malformed"),
            ("kind".to_owned(), "unknown"),
            ("n".to_owned(), "required"),
            ("name".to_owned(), "wrong_type"),
            ("nom".to_owned(), "unknown_field"),
            ("on".to_owned(), "wrong_type"),
        ]
    );
    assert_eq!(
        check("/api/v1/things/1", json!({"name": "abcdef", "n": -1})),
        vec![("n".to_owned(), "too_small"), ("name".to_owned(), "too_long")]
    );
    assert_eq!(
        check("/api/v1/things/merge", json!({"ids": ["x"]})),
        vec![("ids.0".to_owned(), "malformed")]
    );
    assert!(check("/api/v1/other", json!({"anything": 1})).is_empty());
    assert_eq!(check("/api/v1/things/1", json!([1])), vec![(String::new(), "wrong_type")]);
}

#[test]
fn merge_patches_are_checked_member_by_member() {
    let s = schemas();
    let check = |body: Value| {
        let mut v: Vec<_> = s
            .check("PATCH", "/api/v1/things/1", &body)
            .into_iter()
            .map(|(f, k)| (f, k.code()))
            .collect();
        v.sort();
        v
    };
    assert!(check(json!({"on": true})).is_empty(), "required members may be left out");
    assert!(check(json!({"on": null, "address": {"city": null}})).is_empty(), "null removes");
    assert_eq!(
        check(json!({"name": null, "n": "2", "nom": 1})),
        vec![
            ("n".to_owned(), "wrong_type"),
            ("name".to_owned(), "required"),
            ("nom".to_owned(), "unknown_field")
        ]
    );
}

#[test]
fn optional_members_are_documented_nullable() {
    let spec = json!({"components": {"schemas": {"T": {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string"}, "b": {"type": "string"}, "c": {"$ref": "#/components/schemas/U"}
    }}}}});
    let out: Value = serde_json::from_str(&with_nullable_optionals(&spec.to_string())).unwrap();
    let p = &out["components"]["schemas"]["T"]["properties"];
    assert_eq!(p["a"].get("nullable"), None);
    assert_eq!(p["b"]["nullable"], true);
    assert_eq!(p["c"]["nullable"], true);
    assert_eq!(p["c"]["allOf"][0]["$ref"], "#/components/schemas/U");
}

#[test]
fn query_strings_decode_to_utf8() {
    assert_eq!(bad_query_param("q=%C3%A9t%C3%A9&limit=5"), None);
    assert_eq!(bad_query_param("q=ok&tag=%FF%FE"), Some("tag".to_owned()));
    assert_eq!(bad_query_param("q=%E9"), Some("q".to_owned()));
    assert_eq!(bad_query_param("q=%zz"), Some("q".to_owned()));
}
