//! The rights of the people the company keeps data on (Admin, menu « Données
//! personnelles »): the register of requests with their deadlines (late ones marked) and
//! their answers; on a contact's page, their requests, the export of their data (JSON or
//! CSV), a request logged, and the erasure — after a page saying what it does and that it
//! cannot be undone.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use chrono::{DateTime, Utc};
use crm_domain::event::EntityType;
use crm_domain::privacy::{PrivacyRequest, RequestKind, RequestStatus};
use crm_domain::visibility::{Capability, allows};
use crm_domain::{Actor, ContactId, PrivacyRequestId};
use crm_ports::services::names::NameRequest;
use crm_ports::services::privacy::PrivacyRequestInput;
use crm_ports::services::privacy_export::{personal_data_csv, personal_data_json};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// A request as listed.
pub(crate) struct Line {
    pub(crate) id: String,
    pub(crate) contact_id: String,
    /// The contact's name; `None` once erased.
    pub(crate) contact: Option<String>,
    pub(crate) kind: &'static str,
    pub(crate) kind_text: String,
    pub(crate) received: String,
    pub(crate) due: String,
    pub(crate) late: bool,
    pub(crate) status: &'static str,
    pub(crate) status_text: String,
    pub(crate) note: String,
    pub(crate) answer: String,
    pub(crate) version: i64,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct RegisterPage {
    page: Page,
    lines: Vec<Line>,
    open: usize,
    late: usize,
    message: Option<String>,
    fault: Option<String>,
}

/// A contact's part of their page (Admin).
pub(crate) struct Section {
    pub(crate) lines: Vec<Line>,
    /// Kind codes and names, for the form.
    pub(crate) kinds: Vec<(&'static str, String)>,
    pub(crate) today: String,
}

#[derive(Template)]
#[template(path = "privacy_erase.html")]
struct ErasePage {
    page: Page,
    contact_id: String,
    name: String,
    emails: usize,
    phones: usize,
    /// The erasure request carried out: id and version.
    request: Option<(String, i64)>,
    fault: Option<String>,
}

/// 422 when the page says what was refused.
fn status_of(fault: Option<&String>) -> StatusCode {
    if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

fn kinds(page: &Page) -> Vec<(&'static str, String)> {
    RequestKind::ALL
        .iter()
        .map(|k| (k.code(), page.t(&format!("privacy.kind_{}", k.code()))))
        .collect()
}

async fn lines_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: &Page,
    requests: &[PrivacyRequest],
) -> Result<Vec<Line>, ServiceError> {
    let mut want = NameRequest::default();
    for q in requests {
        want.record(EntityType::Contact, q.contact_id.as_uuid());
    }
    let names = web.app.names(actor, &want).await?;
    let tz = super::company_tz(web, actor).await;
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d/%m/%Y").to_string();
    let now = web.app.now();
    Ok(requests
        .iter()
        .map(|q| Line {
            id: q.id.to_string(),
            contact_id: q.contact_id.to_string(),
            contact: names.get(q.contact_id.as_uuid()).filter(|n| !n.trim().is_empty()),
            kind: q.kind.code(),
            kind_text: page.t(&format!("privacy.kind_{}", q.kind.code())),
            received: day(q.received_at),
            due: day(q.due_at),
            late: q.is_late(now),
            status: q.status.code(),
            status_text: page.t(&format!("privacy.status_{}", q.status.code())),
            note: q.note.as_ref().map(ToString::to_string).unwrap_or_default(),
            answer: q.answer.as_ref().map(ToString::to_string).unwrap_or_default(),
            version: q.version,
        })
        .collect())
}

/// `GET /privacy`: the register.
pub(crate) async fn register<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("privacy.done_{d}")));
    register_page(web, &auth.actor, page, message, None).await
}

async fn register_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    let requests = match web.app.privacy_requests(actor, None).await {
        Ok(r) => r,
        Err(e) => return error_page(page, &e),
    };
    let lines = match lines_of(web, actor, &page, &requests).await {
        Ok(l) => l,
        Err(e) => return error_page(page, &e),
    };
    let status = status_of(fault.as_ref());
    render(
        status,
        &RegisterPage {
            open: lines.iter().filter(|l| l.status == RequestStatus::Open.code()).count(),
            late: lines.iter().filter(|l| l.late).count(),
            lines,
            message,
            fault,
            page,
        },
    )
}

/// The contact page's privacy part, for the Admin (`None` for the others).
pub(crate) async fn section<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: &Page,
    id: ContactId,
) -> Option<Section> {
    if !allows(actor, Capability::ManageTenant) {
        return None;
    }
    let requests = web.app.privacy_requests(actor, Some(id)).await.ok()?;
    let lines = lines_of(web, actor, page, &requests).await.ok()?;
    let today = web.app.company_today(actor).await.ok()?;
    Some(Section {
        lines,
        kinds: kinds(page),
        today: today.format("%Y-%m-%d").to_string(),
    })
}

/// `POST /privacy/requests`: a request logged from a contact's page.
pub(crate) async fn log<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(contact) = form.get("contact_id").and_then(|c| uuid::Uuid::parse_str(&c).ok()) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let Ok(received_at) = super::typed_day(web, &auth.actor, &form.text("received_on")).await else {
        let fault = Some(page.t("privacy.bad_date"));
        return register_page(web, &auth.actor, page, None, fault).await;
    };
    let input = PrivacyRequestInput {
        contact_id: ContactId::from_uuid(contact),
        kind: form.text("kind"),
        received_at,
        note: form.get("note"),
    };
    match web.app.log_privacy_request(&auth.actor, &input).await {
        Ok(_) => see_other(&req, &web.settings.base_path, &format!("/contacts/{contact}?notice=privacy_logged")),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "privacy", &e));
            register_page(web, &auth.actor, page, None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /privacy/requests/:id/answer`: done, or refused with the reason.
pub(crate) async fn answer<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(PrivacyRequestId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let answer = form.get("answer");
    match web
        .app
        .answer_privacy_request(&auth.actor, id, version, &form.text("status"), answer.as_deref())
        .await
    {
        Ok(_) => see_other(&req, &web.settings.base_path, "/privacy?done=answered"),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "privacy", &e));
            register_page(web, &auth.actor, page, None, fault).await
        }
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("privacy.conflict"));
            register_page(web, &auth.actor, page, None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `GET /privacy/contacts/:id/data?format=json|csv`: the person's data as a file.
pub(crate) async fn data<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let csv = Form::query(&req).get("format").as_deref() == Some("csv");
    let d = match web.app.personal_data(&auth.actor, ContactId::from_uuid(id)).await {
        Ok(d) => d,
        Err(e) => return error_page(page, &e),
    };
    let (body, kind, ext) = if csv {
        (personal_data_csv(&d), "text/csv; charset=utf-8", "csv")
    } else {
        match serde_json::to_vec_pretty(&personal_data_json(&d)) {
            Ok(b) => (b, "application/json", "json"),
            Err(e) => return error_page(page, &ServiceError::Internal(e.to_string())),
        }
    };
    Response::builder()
        .content_type(kind)
        .header(
            "content-disposition",
            format!("attachment; filename=\"donnees-personnelles-{id}.{ext}\""),
        )
        .header("cache-control", "no-store")
        .body(body)
}

/// `GET /privacy/contacts/:id/erase` (`?request=&version=`): what an erasure does, and
/// the confirmation.
pub(crate) async fn confirm<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let request = q.get("request").zip(q.get("version").and_then(|v| v.parse().ok()));
    erase_page(web, &auth.actor, page, &req, request, None).await
}

async fn erase_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    req: &Request,
    request: Option<(String, i64)>,
    fault: Option<String>,
) -> Response {
    if !allows(actor, Capability::ManageTenant) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let Some(id) = path_id(req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let c = match web.app.contact(actor, ContactId::from_uuid(id)).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let status = status_of(fault.as_ref());
    render(
        status,
        &ErasePage {
            contact_id: id.to_string(),
            name: super::contacts::full_name(&c),
            emails: c.fields.emails.len(),
            phones: c.fields.phones.len(),
            request,
            fault,
            page,
        },
    )
}

/// `POST /privacy/contacts/:id/erase`: the erasure, once confirmed.
pub(crate) async fn erase<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let request = form.get("request").zip(form.get("version").and_then(|v| v.parse::<i64>().ok()));
    if form.get("confirm").as_deref() != Some("1") {
        let fault = Some(page.t("privacy.confirm_missing"));
        return erase_page(web, &auth.actor, page, &req, request, fault).await;
    }
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let carried = request
        .as_ref()
        .and_then(|(r, v)| uuid::Uuid::parse_str(r).ok().map(|r| (PrivacyRequestId::from_uuid(r), *v)));
    match web.app.erase_contact(&auth.actor, id, carried).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/privacy?done=erased"),
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("privacy.conflict"));
            erase_page(web, &auth.actor, page, &req, None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}
