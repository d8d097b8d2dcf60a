//! The audit history (menu « Journal d'audit »): every change, who made it, when, on which
//! record, each field before and after, filtered by user, kind of record and dates (in the
//! company's time zone). The Admin reads the whole company's; a Manager the contacts and
//! opportunities of the teams they lead (the use case narrows the filter). Values kept
//! sealed in the log (emails, phones, notes) are shown to these readers marked as such;
//! those of an erased person read as erased.

use super::{Form, company_tz, signed_in};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crm_domain::UserId;
use crm_domain::event::EntityType;
use crm_domain::visibility::{Capability, allows};
use crm_ports::query::{AuditFilter, EventRecord};
use crm_ports::services::names::{NameRequest, Names};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::Value;
use uuid::Uuid;

/// Events per page.
const PER_PAGE: u32 = 100;

/// The kinds of record the filter offers (the Admin's; a Manager's are the first two).
const TYPES: [EntityType; 12] = [
    EntityType::Contact,
    EntityType::Opportunity,
    EntityType::Organization,
    EntityType::Activity,
    EntityType::Pipeline,
    EntityType::User,
    EntityType::Team,
    EntityType::Tenant,
    EntityType::Segment,
    EntityType::Campaign,
    EntityType::Territory,
    EntityType::PrivacyRequest,
];

struct Change {
    field: String,
    before: String,
    after: String,
}

struct Line {
    seq: i64,
    when: String,
    who: String,
    what: String,
    kind: &'static str,
    record: String,
    link: Option<String>,
    changes: Vec<Change>,
    /// Some of its values are kept sealed in the log (a person's data).
    sealed: bool,
    erased: bool,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    /// Id, name, chosen.
    users: Vec<(String, String, bool)>,
    /// Code, label, chosen.
    types: Vec<(&'static str, String, bool)>,
    from: String,
    to: String,
    lines: Vec<Line>,
    older: Option<String>,
    manager: bool,
}

fn local_start(tz: chrono_tz::Tz, d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|n| tz.from_local_datetime(&n).earliest())
        .map_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc(), |t| t.with_timezone(&Utc))
}

/// A value of the log as a reader reads it: ids named, lists joined.
fn shown(lang: Lang, v: Option<&Value>, names: &Names) -> String {
    match v {
        None | Some(Value::Null) => String::from("—"),
        Some(Value::String(s)) => match Uuid::parse_str(s).ok().and_then(|id| names.get(id)) {
            Some(n) => n,
            None => s.clone(),
        },
        Some(Value::Bool(b)) => lang.t(if *b { "audit.yes" } else { "audit.no" }),
        Some(Value::Array(items)) => items.iter().map(|i| shown(lang, Some(i), names)).collect::<Vec<_>>().join(", "),
        Some(other) => other.to_string(),
    }
}

fn line(page: &Page, e: &EventRecord, tz: chrono_tz::Tz, names: &Names) -> Line {
    let lang = page.lang;
    let what = [format!("audit.kind_{}", e.kind.name()), format!("timeline.{}", e.kind.name())]
        .into_iter()
        .map(|k| (lang.t(&k), k))
        .find(|(t, k)| t != k)
        .map_or_else(|| lang.t("timeline.other"), |(t, _)| t);
    let link = match e.entity_type {
        EntityType::Contact => Some(format!("/contacts/{}", e.entity_id)),
        EntityType::Opportunity => Some(format!("/opportunities/{}", e.entity_id)),
        EntityType::Organization => Some(format!("/organizations/{}", e.entity_id)),
        _ => None,
    };
    let type_label = lang.t(&format!("audit.type_{}", e.entity_type.code()));
    Line {
        seq: e.seq,
        when: lang.date_time(e.at, tz),
        who: match (e.actor_id, e.actor_kind.as_str()) {
            (Some(u), _) => names.get(u.as_uuid()).unwrap_or_else(|| lang.t("audit.former_user")),
            (None, "operator") => lang.t("app.operator_name"),
            _ => lang.t("timeline.by_system"),
        },
        what,
        kind: e.kind.name(),
        record: match names.get(e.entity_id) {
            Some(n) => format!("{type_label} · {n}"),
            None => type_label,
        },
        link: link.map(|l| page.url(&l)),
        changes: e
            .changes
            .iter()
            .map(|c| {
                let key = format!("field_name.{}", c.field);
                let label = lang.t(&key);
                let value = |v: Option<&Value>| match (c.field.as_str(), v.and_then(Value::as_str)) {
                    ("kind", Some(k)) => lang.t(&format!("contact_kind.{k}")),
                    _ => shown(lang, v, names),
                };
                Change {
                    field: if label == key { c.field.clone() } else { label },
                    before: value(c.before.as_ref()),
                    after: value(c.after.as_ref()),
                }
            })
            .collect(),
        sealed: e.changes.iter().any(|c| c.sealed),
        erased: e.erased,
    }
}

/// The names an event list mentions: its actors, records and the ids its values hold.
async fn names_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    events: &[EventRecord],
) -> Names {
    let mut req = NameRequest::default();
    for e in events {
        if let Some(u) = e.actor_id {
            req.user(u.as_uuid());
        }
        if matches!(
            e.entity_type,
            EntityType::Contact | EntityType::Opportunity | EntityType::Organization
        ) {
            req.record(e.entity_type, e.entity_id);
        }
        if e.entity_type == EntityType::User {
            req.user(e.entity_id);
        }
        for c in &e.changes {
            let id = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
            for v in [id(&c.before), id(&c.after)].into_iter().flatten() {
                match c.field.as_str() {
                    "owner_id" | "manager_id" | "assignee_id" => {
                        req.user(v);
                    }
                    "organization_id" => {
                        req.record(EntityType::Organization, v);
                    }
                    "merged_from" | "merged_into" | "contact_id" => {
                        req.record(EntityType::Contact, v);
                    }
                    _ => {}
                }
            }
        }
    }
    web.app.names(actor, &req).await.unwrap_or_default()
}

/// `GET /audit?user=&type=&from=&to=&before=`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "audit").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = &auth.actor;
    let q = Form::query(&req);
    let tz = company_tz(web, actor).await;
    let today = web.app.now().with_timezone(&tz).date_naive();
    let day = |k: &str| q.get(k).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let to_day = day("to").unwrap_or(today);
    let from_day = day("from").unwrap_or(to_day - Duration::days(30)).min(to_day);
    let user = q.get("user").and_then(|u| Uuid::parse_str(&u).ok());
    let kind = q.get("type").and_then(|t| EntityType::parse(&t));
    let filter = AuditFilter {
        from: local_start(tz, from_day),
        to: local_start(tz, to_day + Duration::days(1)),
        user_id: user.map(UserId::from_uuid),
        entity_types: kind.into_iter().collect(),
        owners: None,
        before_seq: q.get("before").and_then(|b| b.parse().ok()),
    };
    let events = match web.app.audit(actor, &filter, PER_PAGE).await {
        Ok(e) => e,
        Err(e) => return error_page(page, &e),
    };
    let names = names_of(web, actor, &events).await;
    let manager = !allows(actor, Capability::ReadAudit);
    let users = web.app.list_users(actor).await.unwrap_or_default();
    let query = |before: i64| {
        let mut parts = vec![format!("from={from_day}"), format!("to={to_day}"), format!("before={before}")];
        if let Some(u) = user {
            parts.push(format!("user={u}"));
        }
        if let Some(k) = kind {
            parts.push(format!("type={}", k.code()));
        }
        format!("{}?{}", page.url("/audit"), parts.join("&"))
    };
    let older = (events.len() == PER_PAGE as usize)
        .then(|| events.last().map(|e| query(e.seq)))
        .flatten();
    let types = TYPES
        .iter()
        .take(if manager { 2 } else { TYPES.len() })
        .map(|t| (t.code(), page.t(&format!("audit.type_{}", t.code())), kind == Some(*t)))
        .collect();
    let p = AuditPage {
        users: users
            .iter()
            .map(|u| (u.id.to_string(), u.display_name.to_string(), user == Some(u.id.as_uuid())))
            .collect(),
        types,
        from: from_day.to_string(),
        to: to_day.to_string(),
        lines: events.iter().map(|e| line(&page, e, tz, &names)).collect(),
        older,
        manager,
        page,
    };
    render(StatusCode::OK, &p)
}
