//! The suppression list (Admin): the emails and phones never to be imported back as
//! reachable nor written to. Look a value up (the list keeps only keyed hashes: it is
//! asked, never read back in clear), add one with its reason, remove an entry.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::suppression::{Suppression, SuppressionInput, SuppressionReason};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Entries listed.
const SHOWN: u32 = 200;

struct Line {
    id: String,
    channel: String,
    reason: String,
    note: String,
    fingerprint: String,
    created: String,
}

/// What a lookup found.
struct Found {
    value: String,
    /// The entry's reason and date, when the value is on the list.
    entry: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "suppressions.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    reasons: Vec<(&'static str, String)>,
    found: Option<Found>,
    /// A message (its key), and whether it is a refusal.
    message: Option<(&'static str, bool)>,
    /// The value of a refused addition, given back.
    value: String,
}

fn line(page: &Page, s: &Suppression, tz: chrono_tz::Tz) -> Line {
    Line {
        id: s.id.to_string(),
        channel: page.t(&format!("suppressions.channel_{}", s.channel.code())),
        reason: page.t(&format!("suppressions.reason_{}", s.reason.code())),
        note: s.note.as_ref().map(ToString::to_string).unwrap_or_default(),
        fingerprint: s.fingerprint.clone(),
        created: page.lang.date_time(s.created_at, tz),
    }
}

/// The value typed, as the input of an email or a phone.
fn input_of(value: &str) -> SuppressionInput {
    let value = value.trim().to_owned();
    if value.contains('@') {
        SuppressionInput {
            email: Some(value),
            ..SuppressionInput::default()
        }
    } else {
        SuppressionInput {
            phone: Some(value),
            ..SuppressionInput::default()
        }
    }
}

async fn list_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    lookup: Option<String>,
    message: Option<(&'static str, bool)>,
    status: StatusCode,
    value: String,
) -> Response {
    let tz = super::company_tz(web, actor).await;
    let entries = match web.app.suppressions(actor, None, SHOWN).await {
        Ok(e) => e,
        Err(e) => return error_page(page, &e),
    };
    let mut message = message;
    let found = match lookup.filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(v) => match web.app.suppressions(actor, Some(&input_of(&v)), 1).await {
            Ok(hit) => Some(Found {
                entry: hit.first().map(|s| {
                    (
                        page.t(&format!("suppressions.reason_{}", s.reason.code())),
                        page.lang.date_time(s.created_at, tz),
                    )
                }),
                value: v,
            }),
            Err(ServiceError::Invalid(_)) => {
                message = Some(("suppressions.invalid", true));
                None
            }
            Err(e) => return error_page(page, &e),
        },
    };
    let reasons = SuppressionReason::ALL
        .iter()
        .filter(|r| **r != SuppressionReason::Erased)
        .map(|r| (r.code(), page.t(&format!("suppressions.reason_{}", r.code()))))
        .collect();
    render(
        status,
        &ListPage {
            lines: entries.iter().map(|s| line(&page, s, tz)).collect(),
            reasons,
            found,
            message,
            value,
            page,
        },
    )
}

/// `GET /suppressions` (`?value=` looks a value up).
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "imports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = match q.get("done").as_deref() {
        Some("added") => Some(("suppressions.added", false)),
        Some("removed") => Some(("suppressions.removed", false)),
        _ => None,
    };
    list_page(web, &auth.actor, page, q.get("value"), message, StatusCode::OK, String::new()).await
}

/// `POST /suppressions`: a value put on the list.
pub(crate) async fn add<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "imports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let value = form.text("value");
    let input = SuppressionInput {
        reason: form.get("reason"),
        note: form.get("note").filter(|n| !n.trim().is_empty()),
        ..input_of(&value)
    };
    match web.app.add_suppression(&auth.actor, &input).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/suppressions?done=added"),
        Err(ServiceError::Invalid(e)) => {
            let already = e.errors().iter().any(|x| x.kind == crm_domain::ViolationKind::Repeated);
            let refused = Some((if already { "suppressions.already" } else { "suppressions.invalid" }, true));
            list_page(web, &auth.actor, page, None, refused, StatusCode::UNPROCESSABLE_ENTITY, value).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /suppressions/{id}/remove`: an entry taken off the list.
pub(crate) async fn remove<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "imports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.remove_suppression(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/suppressions?done=removed"),
        Err(e) => error_page(page, &e),
    }
}
