//! The API keeps to its own schema: every JSON request body is checked against the
//! operation's request schema in the OpenAPI document before the handler (and so before
//! any precondition) runs, naming each field at fault — an unknown field, a missing one,
//! a value of the wrong type (the framework alone would read `false` or `12` as the text
//! `"false"` or `"12"`), an unknown enum value, a malformed uuid or date — as one 422
//! problem. Query strings must decode to UTF-8, and request lines stay within
//! [`MAX_URI_BYTES`] (414).
//!
//! The checker is ours rather than a JSON-Schema crate's: it reads the small OpenAPI 3.0
//! dialect poem-openapi writes (`$ref`, `allOf`, `type`, `properties`, `required`,
//! `items`, `enum`, `format`, length and range bounds) and answers in the API's own
//! violation codes, which a general validator's error kinds would have to be mapped to.

use super::problem::{ApiError, Code};
use crm_domain::error::Validator;
use crm_domain::{ValidationError, ViolationKind};
use poem::Request;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Longest request line (path and query) accepted; longer ones get a 414 problem.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// Deepest nesting the checker follows.
const MAX_DEPTH: usize = 32;

/// The request body schema of each operation, read from the OpenAPI document.
#[derive(Debug, Default)]
pub struct BodySchemas {
    routes: Vec<Route>,
    /// The routes (indices into `routes`, in its order) by what a request's path shows
    /// before any lookup: method, number of segments, and the resource segment (the third,
    /// `contacts` in `/api/v1/contacts/{id}`; `None` for a route whose third segment is a
    /// parameter or that has none). A request looks at a handful of routes, not hundreds.
    by_shape: HashMap<RouteShape, Vec<usize>>,
    schemas: Map<String, Value>,
}

/// Method, number of segments, resource segment (see `BodySchemas::by_shape`).
type RouteShape = (String, usize, Option<String>);

/// The segment a route is filed under besides its method and length.
const RESOURCE_SEGMENT: usize = 2;

#[derive(Debug)]
struct Route {
    method: String,
    segments: Vec<Option<String>>,
    /// The JSON request body's schema, if the operation takes one.
    schema: Option<Value>,
    /// Whether the operation needs credentials.
    secured: bool,
}

impl BodySchemas {
    /// Reads the operations of an OpenAPI document (as poem-openapi writes it).
    pub fn from_spec(spec: &str) -> Self {
        let Ok(doc) = serde_json::from_str::<Value>(spec) else {
            return Self::default();
        };
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut routes = Vec::new();
        for (path, ops) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let schema = op
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object)
                    .and_then(|content| {
                        content
                            .iter()
                            .find(|(ct, _)| ct.starts_with("application/json"))
                            .and_then(|(_, c)| c.get("schema"))
                    })
                    .cloned();
                let segments = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                routes.push(Route {
                    method: method.to_ascii_uppercase(),
                    segments,
                    schema,
                    secured: op.get("security").is_some(),
                });
            }
        }
        // Literal segments win over parameters (`/contacts/merge` before `/contacts/{id}`).
        routes.sort_by_key(|r| std::cmp::Reverse(r.segments.iter().filter(|s| s.is_some()).count()));
        let mut by_shape: HashMap<RouteShape, Vec<usize>> = HashMap::new();
        for (i, r) in routes.iter().enumerate() {
            let resource = r.segments.get(RESOURCE_SEGMENT).cloned().flatten();
            by_shape.entry((r.method.clone(), r.segments.len(), resource)).or_default().push(i);
        }
        Self { routes, by_shape, schemas }
    }

    fn route(&self, method: &str, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let matches = |i: &usize| {
            self.routes
                .get(*i)
                .is_some_and(|r| r.segments.iter().zip(&parts).all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p)))
        };
        let first = |resource: Option<String>| {
            self.by_shape
                .get(&(method.to_owned(), parts.len(), resource))
                .and_then(|candidates| candidates.iter().copied().find(|i| matches(i)))
        };
        // The routes filed under the path's resource segment, and those taking any there:
        // the first of both in the routes' order (literal segments first).
        let named = parts.get(RESOURCE_SEGMENT).and_then(|p| first(Some((*p).to_owned())));
        let any = first(None);
        named.into_iter().chain(any).min().and_then(|i| self.routes.get(i))
    }

    fn schema_for(&self, method: &str, path: &str) -> Option<&Value> {
        self.route(method, path).and_then(|r| r.schema.as_ref())
    }

    /// Whether the operation at `method path` needs credentials.
    pub fn secured(&self, method: &str, path: &str) -> bool {
        self.route(method, path).is_some_and(|r| r.secured)
    }

    /// The fields at fault in `body` for an operation (empty when it conforms or when the
    /// operation takes no JSON body).
    pub fn check(&self, method: &str, path: &str, body: &Value) -> Vec<(String, ViolationKind)> {
        let mut errors = Vec::new();
        if method == "PATCH" {
            // A merge patch: checked against the `PUT` schema of the same path, each member
            // optional, `null` removing one (refused on a required field).
            if let Some(schema) = self.schema_for("PUT", path) {
                self.walk(schema, body, "", &mut errors, 0, true);
            }
        } else if let Some(schema) = self.schema_for(method, path) {
            self.walk(schema, body, "", &mut errors, 0, false);
        }
        errors
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/schemas/")
                .and_then(|name| self.schemas.get(name))
                .unwrap_or(&Value::Null),
            None => schema,
        }
    }

    fn walk(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<(String, ViolationKind)>, depth: usize, partial: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.walk(s, value, path, errors, depth + 1, partial);
            }
        }
        let before = errors.len();
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => self.object(schema, value, path, errors, depth, partial),
            Some("array") => match value.as_array() {
                Some(items) => {
                    if let Some(item) = schema.get("items") {
                        // A null item is let through: the document does not tell a list of
                        // optional values (an import's mapping, `null` for a column left
                        // out) from a list of values, and the handler's own reading
                        // refuses a null where none may be.
                        for (i, v) in items.iter().enumerate().filter(|(_, v)| !v.is_null()) {
                            self.walk(item, v, &join(path, &i.to_string()), errors, depth + 1, false);
                        }
                    }
                    bound(schema, "maxItems", "minItems", items.len(), path, errors);
                }
                None => errors.push((path.to_owned(), ViolationKind::WrongType)),
            },
            Some("string") => match value.as_str() {
                Some(s) => {
                    if !format_ok(schema.get("format").and_then(Value::as_str), s) {
                        errors.push((path.to_owned(), ViolationKind::Malformed));
                    }
                    bound(schema, "maxLength", "minLength", s.chars().count(), path, errors);
                }
                None => errors.push((path.to_owned(), ViolationKind::WrongType)),
            },
            Some("integer") => match value.as_i64().map(i128::from).or_else(|| value.as_u64().map(i128::from)) {
                Some(n) => range(schema, n as f64, path, errors),
                // A whole number beyond 64 bits is a value out of range, not of the wrong type.
                None => match value.as_f64() {
                    Some(f) if f.fract() == 0.0 => errors.push((
                        path.to_owned(),
                        if f < 0.0 {
                            ViolationKind::TooSmall
                        } else {
                            ViolationKind::TooLarge
                        },
                    )),
                    _ => errors.push((path.to_owned(), ViolationKind::WrongType)),
                },
            },
            Some("number") => match value.as_f64() {
                Some(n) => range(schema, n, path, errors),
                None => errors.push((path.to_owned(), ViolationKind::WrongType)),
            },
            Some("boolean") if !value.is_boolean() => errors.push((path.to_owned(), ViolationKind::WrongType)),
            _ => {}
        }
        if errors.len() == before
            && let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push((path.to_owned(), ViolationKind::Unknown));
        }
    }

    fn object(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<(String, ViolationKind)>, depth: usize, partial: bool) {
        let Some(obj) = value.as_object() else {
            errors.push((path.to_owned(), ViolationKind::WrongType));
            return;
        };
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = name.as_str() {
                let missing = if partial {
                    obj.get(name).is_some_and(Value::is_null)
                } else {
                    obj.get(name).is_none_or(Value::is_null)
                };
                if missing {
                    errors.push((join(path, name), ViolationKind::Required));
                }
            }
        }
        let open = schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        for (name, v) in obj {
            match props.and_then(|p| p.get(name)) {
                // An absent optional value may be written `null`.
                Some(_) if v.is_null() => {}
                Some(s) => self.walk(s, v, &join(path, name), errors, depth + 1, partial),
                None if props.is_some() && !open => errors.push((join(path, name), ViolationKind::UnknownField)),
                None => {}
            }
        }
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_owned()
    } else {
        format!("{path}.{part}")
    }
}

fn bound(schema: &Value, max: &str, min: &str, n: usize, path: &str, errors: &mut Vec<(String, ViolationKind)>) {
    let n = n as u64;
    if schema.get(max).and_then(Value::as_u64).is_some_and(|m| n > m) {
        errors.push((path.to_owned(), ViolationKind::TooLong));
    } else if schema.get(min).and_then(Value::as_u64).is_some_and(|m| n < m) {
        errors.push((path.to_owned(), ViolationKind::TooSmall));
    }
}

fn range(schema: &Value, n: f64, path: &str, errors: &mut Vec<(String, ViolationKind)>) {
    if schema.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m) {
        errors.push((path.to_owned(), ViolationKind::TooLarge));
    } else if schema.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m) {
        errors.push((path.to_owned(), ViolationKind::TooSmall));
    }
}

fn format_ok(format: Option<&str>, s: &str) -> bool {
    match format {
        Some("uuid") => uuid::Uuid::parse_str(s).is_ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        _ => true,
    }
}

/// The OpenAPI document as served: an optional member of a body may be sent as `null`
/// (it reads as absent, and in a merge patch it removes), so every property that is not
/// required is marked `nullable` — the document then says exactly what the server takes.
pub fn with_nullable_optionals(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for schema in schemas.values_mut() {
            mark_optionals(schema);
        }
    }
    serde_json::to_string(&doc).unwrap_or_else(|_| spec.to_owned())
}

fn mark_optionals(schema: &mut Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        if required.contains(name) {
            continue;
        }
        if let Some(obj) = prop.as_object_mut() {
            if let Some(r) = obj.remove("$ref") {
                // OpenAPI 3.0 ignores siblings of `$ref`: wrap it.
                obj.insert("allOf".to_owned(), Value::Array(vec![serde_json::json!({ "$ref": r })]));
            }
            obj.insert("nullable".to_owned(), Value::Bool(true));
        }
    }
}

/// The name of the first query parameter whose value does not decode to UTF-8.
pub fn bad_query_param(query: &str) -> Option<String> {
    fn decode(raw: &str) -> Option<Vec<u8>> {
        let b = raw.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Some(out)
    }
    let text = |raw: &str| decode(raw).and_then(|b| String::from_utf8(b).ok());
    query.split('&').filter(|p| !p.is_empty()).find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (text(k), text(v)) {
            (Some(_), Some(_)) => None,
            (Some(name), None) => Some(name),
            (None, _) => Some("query".to_owned()),
        }
    })
}

/// Checks request lines, query strings and JSON bodies before anything else reads them.
pub async fn conform(schemas: &BodySchemas, req: &mut Request) -> poem::Result<()> {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Err(ApiError::new(Code::UriTooLong).into());
    }
    if let Some(name) = req.uri().query().and_then(bad_query_param) {
        return Err(ApiError::from(ValidationError::field(name, ViolationKind::Malformed)).into());
    }
    // Credentials first: a request that cannot authenticate learns nothing about its body.
    if schemas.secured(req.method().as_str(), req.uri().path()) {
        match (req.data::<crate::assemble::CrmApp>(), super::security::presented_secret(req)) {
            (Some(app), Some(secret)) => match super::security::authenticate(app, &secret).await {
                // The route's own check of the credentials reads them here (see `Verified`).
                Ok(auth) => {
                    req.extensions_mut().insert(super::security::Verified { secret, auth });
                }
                Err(crm_ports::ServiceError::Unauthenticated) => return Err(ApiError::new(Code::Unauthenticated).into()),
                Err(e) => return Err(ApiError::from(e).into()),
            },
            (None, _) => {}
            (_, None) => return Err(ApiError::new(Code::Unauthenticated).into()),
        }
    }
    let is_json = req.header("content-type").is_some_and(|c| {
        let c = c.trim_start().to_ascii_lowercase();
        c.starts_with("application/json") || c.starts_with("application/merge-patch+json")
    });
    if is_json {
        let bytes = req.take_body().into_bytes().await?;
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            let mut v = Validator::new();
            for (f, k) in schemas.check(req.method().as_str(), req.uri().path(), &value) {
                v.push(f, k);
            }
            v.finish().map_err(ApiError::from)?;
        }
        req.set_body(bytes);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
