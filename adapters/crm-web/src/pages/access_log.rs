//! Who opened or exported whose personal data (Admin, « Données personnelles » ›
//! « Consultations des données »): the latest accesses, or those to one contact's record,
//! with who, when and what; older ones page by page.

use super::{Form, signed_in};
use crate::Web;
use crate::view::{Page, error_page, render};
use askama::Template;
use crm_domain::ContactId;
use crm_domain::access_log::AccessEntry;
use crm_domain::event::EntityType;
use crm_ports::services::names::NameRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Accesses on a page.
const PAGE: u32 = 100;

struct Line {
    at: String,
    who: String,
    kind: &'static str,
    what: String,
    /// The record, when it is one (and not erased).
    contact: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    page: Page,
    lines: Vec<Line>,
    /// The contact the list is narrowed to: id and name.
    contact: Option<(String, String)>,
    /// The link to older accesses.
    older: Option<String>,
}

/// `GET /privacy/access-log[?contact=&before=]`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let contact = q
        .get("contact")
        .and_then(|c| uuid::Uuid::parse_str(&c).ok())
        .map(ContactId::from_uuid);
    // The cursor: the last access of the page before.
    let before = q.get("before").and_then(|b| uuid::Uuid::parse_str(&b).ok());
    let entries = match web.app.access_log(&auth.actor, contact, None, before, PAGE).await {
        Ok(e) => e,
        Err(e) => return error_page(page, &e),
    };
    let mut want = NameRequest::default();
    for e in &entries {
        want.user(e.user_id.as_uuid());
        if let Some(c) = e.contact_id {
            want.record(EntityType::Contact, c.as_uuid());
        }
    }
    if let Some(c) = contact {
        want.record(EntityType::Contact, c.as_uuid());
    }
    let names = match web.app.names(&auth.actor, &want).await {
        Ok(n) => n,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, &auth.actor).await;
    let name_of = |c: ContactId| names.get(c.as_uuid()).filter(|n| !n.trim().is_empty());
    let line = |e: &AccessEntry| Line {
        at: e.at.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string(),
        who: names.get(e.user_id.as_uuid()).unwrap_or_default(),
        kind: e.kind.code(),
        what: page
            .t(&format!("access_log.kind_{}", e.kind.code()))
            .replace("{n}", &e.count.to_string()),
        // A list names no one; on a person's page it is theirs.
        contact: e
            .contact_id
            .or(contact.filter(|c| e.listed.contains(c)))
            .map(|c| (c.to_string(), name_of(c).unwrap_or_else(|| page.t("privacy.erased_person")))),
    };
    let lines: Vec<Line> = entries.iter().map(line).collect();
    let older = (entries.len() == PAGE as usize).then(|| entries.last()).flatten().map(|last| {
        let mut url = format!("/privacy/access-log?before={}", last.id);
        if let Some(c) = contact {
            url.push_str(&format!("&contact={c}"));
        }
        url
    });
    render(
        StatusCode::OK,
        &AccessLogPage {
            contact: contact.map(|c| (c.to_string(), name_of(c).unwrap_or_else(|| page.t("privacy.erased_person")))),
            lines,
            older,
            page,
        },
    )
}
