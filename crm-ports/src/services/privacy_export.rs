//! One person's data as they receive it (GDPR access and portability): a JSON document
//! (machine-readable, for another service) and a CSV of `section;field;value` lines (for
//! a spreadsheet, UTF-8 with BOM and semicolons as French Excel opens it). Field names are
//! the API's codes, the same in both.

use super::activities::TimelineEntry;
use super::privacy::{PersonalData, event_lines};
use serde_json::{Value, json};

fn opt<T: ToString>(v: Option<&T>) -> Value {
    v.map_or(Value::Null, |x| Value::String(x.to_string()))
}

/// The export as JSON.
pub fn personal_data_json(d: &PersonalData) -> Value {
    let c = &d.contact;
    let f = &c.fields;
    let activities: Vec<Value> = d
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::Activity(a) => Some(json!({
                "id": a.id.as_uuid(),
                "kind": a.kind.code(),
                "subject": a.fields.subject.as_str(),
                "body": opt(a.fields.body.as_ref()),
                "at": a.occurred_at(),
                "done_at": a.done_at,
            })),
            TimelineEntry::Event(_) => None,
        })
        .collect();
    let history: Vec<Value> = d
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::Event(ev) => Some(json!({
                "at": ev.at,
                "kind": ev.kind.name(),
                "changes": event_lines(ev)
                    .into_iter()
                    .map(|(field, before, after)| json!({"field": field, "before": before, "after": after}))
                    .collect::<Vec<_>>(),
            })),
            TimelineEntry::Activity(_) => None,
        })
        .collect();
    let emails: Vec<Value> = d
        .emails
        .iter()
        .map(|m| {
            json!({
                "subject": m.content.as_ref().map(|c| c.subject.clone()),
                "state": m.state.code(),
                "queued_at": m.queued_at,
                "sent_at": m.sent_at,
                "opened_at": m.stats.opened_at,
            })
        })
        .collect();
    let requests: Vec<Value> = d
        .requests
        .iter()
        .map(|q| {
            json!({
                "kind": q.kind.code(),
                "received_at": q.received_at,
                "due_at": q.due_at,
                "status": q.status.code(),
                "answer": opt(q.answer.as_ref()),
            })
        })
        .collect();
    let consents: Vec<Value> = d
        .consents
        .iter()
        .map(|r| {
            json!({
                "medium": r.medium.code(),
                "state": r.state.code(),
                "basis": r.state.basis().map(|b| b.code()),
                "source": r.source.as_str(),
                "proof": opt(r.proof.as_ref()),
                "given_at": r.given_at,
                "recorded_at": r.recorded_at,
            })
        })
        .collect();
    json!({
        "made_at": d.made_at,
        "contact": {
            "id": c.id.as_uuid(),
            "kind": c.kind.code(),
            "first_name": f.first_name.as_str(),
            "last_name": f.last_name.as_str(),
            "emails": f.emails.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            "phones": f.phones.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "organization": d.organization,
            "job_title": opt(f.job_title.as_ref()),
            "street": opt(f.address.street.as_ref()),
            "postal_code": opt(f.address.postal_code.as_ref()),
            "city": opt(f.address.city.as_ref()),
            "country": f.address.country.as_ref().map(|x| x.as_str()),
            "tags": f.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "source": opt(f.source.as_ref()),
            "notes": opt(f.notes.as_ref()),
            "email_opt_out": f.email_opt_out,
            "phone_opt_out": f.phone_opt_out,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        },
        "activities": activities,
        "emails": emails,
        "history": history,
        "requests": requests,
        "consents": consents,
    })
}

/// A CSV cell: quoted when it holds a separator, a quote or a line break.
fn cell(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Flattens a JSON value into `(path, text)` lines.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&p, x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), x, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The export as CSV: a header, then one `section;field;value` line per value.
pub fn personal_data_csv(d: &PersonalData) -> Vec<u8> {
    let mut lines = Vec::new();
    flatten("", &personal_data_json(d), &mut lines);
    let mut out = String::from("\u{feff}section;champ;valeur\r\n");
    for (path, value) in lines {
        let (section, field) = path.split_once('.').unwrap_or((path.as_str(), ""));
        out.push_str(&format!("{};{};{}\r\n", cell(section), cell(field), cell(&value)));
    }
    out.into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        assert_eq!(cell("Dupont"), "Dupont");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("dit \"Jo\""), "\"dit \"\"Jo\"\"\"");
        assert_eq!(cell("deux\nlignes"), "\"deux\nlignes\"");
    }

    #[test]
    fn nested_values_flatten_to_paths() {
        let mut out = Vec::new();
        flatten("", &json!({"contact": {"emails": ["a@b.fr", "c@d.fr"], "notes": null}}), &mut out);
        assert_eq!(
            out,
            vec![
                ("contact.emails.0".to_owned(), "a@b.fr".to_owned()),
                ("contact.emails.1".to_owned(), "c@d.fr".to_owned()),
                ("contact.notes".to_owned(), String::new()),
            ]
        );
    }
}
