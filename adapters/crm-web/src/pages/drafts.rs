//! Drafts of forms (autosave), for the page's script: what is typed in a form marked
//! `data-draft` is kept while typing (`POST /drafts`), offered back when the form shows
//! again (`GET /drafts`), set aside on request (`POST /drafts/discard`) and forgotten by the
//! form's own save ([`forget`]). The script's requests never redirect: without a session
//! they get 401, and the page asks for the password in a dialog, keeping what is typed.

use super::{Form, csrf_ok};
use crate::Web;
use crate::view::Page;
use crm_ports::services::auth::Authenticated;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Fields a draft never keeps: the form's own plumbing and secrets.
const NOT_KEPT: [&str; 8] = [
    "csrf",
    "version",
    "form",
    "record",
    "base_version",
    "password",
    "current_password",
    "new_password",
];

/// A bare answer.
fn status(code: StatusCode) -> Response {
    Response::builder().status(code).header("cache-control", "no-store").finish()
}

/// The answer of a use case's refusal.
fn refusal(e: &ServiceError) -> Response {
    match e {
        ServiceError::Invalid(_) => status(StatusCode::UNPROCESSABLE_ENTITY),
        ServiceError::NotFound => status(StatusCode::NOT_FOUND),
        ServiceError::Forbidden => status(StatusCode::FORBIDDEN),
        ServiceError::Unauthenticated => status(StatusCode::UNAUTHORIZED),
        other => {
            tracing::error!(error = %other, "a draft could not be kept or read");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The signed-in person; else 401 (the page asks for the password again).
async fn session<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: &Request) -> Result<Authenticated, Response>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    crate::session::current(&web.app, req).await.ok_or_else(super::login_required)
}

/// A write of the page's script: the signed-in person and the form, once its CSRF token
/// is checked; else 401 or 403.
async fn write_of<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: &mut Request) -> Result<(Authenticated, Form), Response>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    let form = Form::body(req).await;
    let auth = session(web, req).await?;
    if csrf_ok(&web.app, &auth, req, &form) {
        Ok((auth, form))
    } else {
        Err(status(StatusCode::FORBIDDEN))
    }
}

/// The draft named by a form or a query: its form and record.
fn key_of(f: &Form) -> (String, Option<Uuid>) {
    (f.text("form"), f.get("record").and_then(|r| Uuid::parse_str(&r).ok()))
}

/// `POST /drafts`: keeps what is typed (`form`, `record`, `base_version`, then the form's
/// own fields); 204.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (auth, form) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (name, record) = key_of(&form);
    let base = form.get("base_version").and_then(|v| v.parse::<i64>().ok());
    let fields: BTreeMap<String, String> = form
        .pairs()
        .iter()
        .filter(|(k, _)| !NOT_KEPT.contains(&k.as_str()))
        .cloned()
        .collect();
    match web.app.save_draft(&auth.actor, &name, record, fields, base).await {
        Ok(_) => status(StatusCode::NO_CONTENT),
        Err(e) => refusal(&e),
    }
}

/// `GET /drafts?form=…&record=…`: the person's draft as JSON (`fields`, `base_version`,
/// `saved`: when, in words of the page's language), or 204 when there is none.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let auth = match session(web, &req).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (name, record) = key_of(&Form::query(&req));
    let draft = match web.app.draft(&auth.actor, &name, record).await {
        Ok(Some(d)) => d,
        Ok(None) => return status(StatusCode::NO_CONTENT),
        Err(e) => return refusal(&e),
    };
    let page = Page::new(&req, &web.settings.base_path, "drafts");
    let tz = super::company_tz(web, &auth.actor).await;
    let body = serde_json::json!({
        "fields": draft.fields,
        "base_version": draft.base_version,
        "saved": page.lang.date_time(draft.saved_at, tz),
    });
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .header("cache-control", "no-store")
        .body(body.to_string())
}

/// `POST /drafts/discard`: sets the draft aside; 204.
pub(crate) async fn discard<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (auth, form) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (name, record) = key_of(&form);
    match web.app.discard_draft(&auth.actor, &name, record).await {
        Ok(()) => status(StatusCode::NO_CONTENT),
        Err(e) => refusal(&e),
    }
}

/// Forgets the actor's draft of a form just saved (a failure is logged: the draft would
/// only be offered again, and it expires).
pub(crate) async fn forget<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    form: &str,
    record: Option<Uuid>,
) {
    if let Err(e) = web.app.discard_draft(actor, form, record).await {
        tracing::warn!(error = %e, form, "a saved form's draft was not forgotten");
    }
}
