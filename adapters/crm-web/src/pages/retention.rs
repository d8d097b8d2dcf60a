//! How long prospects are kept (Admin, « Données personnelles » › « Durée de
//! conservation »): the company's policy (months, flag or erase every day), the dry-run
//! report of the prospects whose time is up — when their data was collected, the last
//! contact that came from them — and their erasure or anonymisation at once, after a
//! confirmation.

use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use chrono::{DateTime, Utc};
use crm_domain::Actor;
use crm_domain::retention::{MONTHS_RANGE, RetentionAction};
use crm_domain::tenant::SettingsInput;
use crm_domain::visibility::{Capability, allows};
use crm_ports::services::names::NameRequest;
use crm_ports::services::retention::RetentionReport;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Prospects listed on the page.
const LISTED: u32 = 200;

/// A prospect due, as listed.
struct Line {
    contact_id: String,
    name: String,
    owner: String,
    collected: String,
    /// The last contact of their own doing; empty when never.
    last_own: String,
}

/// The form's values.
struct Fields {
    months: String,
    action: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    page: Page,
    f: Fields,
    actions: Vec<(&'static str, String)>,
    months_min: u16,
    months_max: u16,
    /// What the saved policy will do with them (an i18n key).
    due_note: &'static str,
    cutoff: String,
    total: u64,
    lines: Vec<Line>,
    message: Option<String>,
    fault: Option<String>,
}

async fn lines_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    report: &RetentionReport,
    tz: chrono_tz::Tz,
) -> Result<Vec<Line>, ServiceError> {
    let mut want = NameRequest::default();
    for d in &report.due {
        want.user(d.candidate.owner_id.as_uuid());
    }
    let names = web.app.names(actor, &want).await?;
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d/%m/%Y").to_string();
    Ok(report
        .due
        .iter()
        .map(|d| Line {
            contact_id: d.contact.id.to_string(),
            name: super::contacts::full_name(&d.contact),
            owner: names.get(d.candidate.owner_id.as_uuid()).unwrap_or_default(),
            collected: day(d.candidate.created_at),
            last_own: d.candidate.last_initiated_at.map(day).unwrap_or_default(),
        })
        .collect())
}

async fn retention_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    typed: Option<Fields>,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    if !allows(actor, Capability::ManageTenant) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let (tenant, report) = match (web.app.tenant(actor).await, web.app.retention_report(actor, LISTED).await) {
        (Ok(t), Ok(r)) => (t, r),
        (Err(e), _) | (_, Err(e)) => return error_page(page, &e),
    };
    let tz = tenant.settings.time_zone.tz();
    let lines = match lines_of(web, actor, &report, tz).await {
        Ok(l) => l,
        Err(e) => return error_page(page, &e),
    };
    let f = typed.unwrap_or(Fields {
        months: report.policy.prospect_months.to_string(),
        action: report.policy.action.code().to_owned(),
        version: tenant.version,
    });
    let status = if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &RetentionPage {
            f,
            actions: RetentionAction::ALL
                .iter()
                .map(|a| (a.code(), page.t(&format!("retention.action_{}", a.code()))))
                .collect(),
            months_min: *MONTHS_RANGE.start(),
            months_max: *MONTHS_RANGE.end(),
            due_note: match report.policy.action {
                RetentionAction::Flag => "retention.due_flags",
                RetentionAction::Erase => "retention.due_erases",
                RetentionAction::Anonymise => "retention.due_anonymises",
            },
            cutoff: report.cutoff.with_timezone(&tz).format("%d/%m/%Y").to_string(),
            total: report.total,
            lines,
            message,
            fault,
            page,
        },
    )
}

/// `GET /privacy/retention`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = match (q.get("done").as_deref(), q.get("n")) {
        (Some(d @ ("erased" | "anonymised")), Some(n)) => Some(page.t(&format!("retention.done_{d}")).replace("{n}", &n)),
        (Some(d), _) => Some(page.t(&format!("retention.done_{d}"))),
        _ => None,
    };
    retention_page(web, &auth.actor, page, None, message, None).await
}

/// `POST /privacy/retention`: the policy saved.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let input = SettingsInput {
        // A number that does not read is the too small one: said at its field.
        retention_months: Some(form.text("months").trim().parse().unwrap_or(0)),
        retention_action: Some(form.text("action")),
        ..SettingsInput::default()
    };
    match web.app.update_tenant(&auth.actor, version, None, &input).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/privacy/retention?done=saved"),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/privacy/retention?done=stale"),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "retention", &e));
            let typed = Fields {
                months: form.text("months"),
                action: form.text("action"),
                version,
            };
            retention_page(web, &auth.actor, page, Some(typed), None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /privacy/retention/erase`: the prospects due erased now, once confirmed.
pub(crate) async fn erase<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    act(web, req, RetentionAction::Erase).await
}

/// `POST /privacy/retention/anonymise`: the prospects due anonymised now, once confirmed.
pub(crate) async fn anonymise<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    act(web, req, RetentionAction::Anonymise).await
}

async fn act<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
    action: RetentionAction,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "privacy").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if form.get("confirm").as_deref() != Some("1") {
        let fault = Some(page.t("retention.confirm_missing"));
        return retention_page(web, &auth.actor, page, None, None, fault).await;
    }
    let (done, word) = match action {
        RetentionAction::Anonymise => (web.app.anonymise_due_prospects(&auth.actor).await, "anonymised"),
        RetentionAction::Erase | RetentionAction::Flag => (web.app.erase_due_prospects(&auth.actor).await, "erased"),
    };
    match done {
        Ok((n, _)) => see_other(&req, &web.settings.base_path, &format!("/privacy/retention?done={word}&n={n}")),
        Err(e) => error_page(page, &e),
    }
}
