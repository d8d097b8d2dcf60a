//! Webhooks (Admin, menu « Intégrations »): the subscriptions — add one (address, the
//! records whose changes it receives, personal data or not), pause or resume it, give it a
//! new secret (shown once), delete it — the dead letters with a replay button, and the
//! latest deliveries, each opening on its attempts.

use super::{Form, company_tz, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_domain::webhook::{DeliveryState, ENTITIES, EventPattern, Webhook, WebhookInput};
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::store::{Delivery, DeliveryFilter, Store};
use crm_ports::webhook::TransportError;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Deliveries shown in the log.
const RECENT: u32 = 50;

struct Hook {
    id: String,
    url: String,
    description: String,
    events: String,
    active: bool,
    personal: bool,
    version: i64,
}

struct Line {
    id: String,
    url: String,
    event_type: String,
    state: &'static str,
    state_label: String,
    attempts: u32,
    last: String,
    at: String,
    next: String,
}

/// The form as typed.
#[derive(Default)]
struct Typed {
    url: String,
    description: String,
    events: Vec<String>,
    other: String,
    personal: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    page: Page,
    hooks: Vec<Hook>,
    /// The records one can pick: pattern, label, checked.
    choices: Vec<(String, String, bool)>,
    typed: Typed,
    faults: Vec<(String, String)>,
    message: Option<String>,
    /// A secret just made: the subscription's address, the secret.
    secret: Option<(String, String)>,
    dead: Vec<Line>,
    recent: Vec<Line>,
}

#[derive(Template)]
#[template(path = "webhook_delivery.html")]
struct DeliveryPage {
    page: Page,
    line: Line,
    event_id: String,
    /// Number, when, status, milliseconds, error.
    attempts: Vec<(u32, String, String, u64, String)>,
}

fn hook(w: &Webhook) -> Hook {
    Hook {
        id: w.id.to_string(),
        url: w.spec.url.as_str().to_owned(),
        description: w.spec.description.as_ref().map(|d| d.as_str().to_owned()).unwrap_or_default(),
        events: w.spec.events.iter().map(EventPattern::as_str).collect::<Vec<_>>().join(", "),
        active: w.spec.active,
        personal: w.spec.include_personal,
        version: w.version,
    }
}

fn line(page: &Page, d: &Delivery, hooks: &[Webhook], tz: chrono_tz::Tz) -> Line {
    let last = match (d.last_status, &d.last_error) {
        (Some(s), None) => format!("HTTP {s}"),
        (_, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    Line {
        id: d.id.to_string(),
        url: hooks
            .iter()
            .find(|w| w.id == d.webhook_id)
            .map(|w| w.spec.url.as_str().to_owned())
            .unwrap_or_default(),
        event_type: d.event_type.clone(),
        state: d.state.code(),
        state_label: page.t(&format!("webhooks.state_{}", d.state.code())),
        attempts: d.attempts,
        last,
        at: d.last_attempt_at.map(|t| page.lang.date_time(t, tz)).unwrap_or_default(),
        next: d.next_at.map(|t| page.lang.date_time(t, tz)).unwrap_or_default(),
    }
}

fn typed(form: &Form) -> Typed {
    Typed {
        url: form.text("url"),
        description: form.text("description"),
        events: form.all("events"),
        other: form.text("other"),
        personal: form.get("include_personal").is_some(),
    }
}

fn input_of(t: &Typed) -> WebhookInput {
    let mut events = t.events.clone();
    events.extend(
        t.other
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    WebhookInput {
        url: t.url.clone(),
        description: Some(t.description.clone()).filter(|d| !d.trim().is_empty()),
        events,
        include_personal: t.personal,
        active: true,
    }
}

#[allow(clippy::too_many_arguments)] // the page's parts: who, what was typed, what to say
async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    typed: Typed,
    faults: Vec<(String, String)>,
    message: Option<String>,
    secret: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let tz = company_tz(web, actor).await;
    let read = async {
        let hooks = web.app.webhooks(actor).await?;
        let dead = web
            .app
            .webhook_deliveries(
                actor,
                DeliveryFilter {
                    state: Some(DeliveryState::Dead),
                    ..DeliveryFilter::default()
                },
                RECENT,
            )
            .await?;
        let recent = web.app.webhook_deliveries(actor, DeliveryFilter::default(), RECENT).await?;
        Ok::<_, ServiceError>((hooks, dead, recent))
    }
    .await;
    let (hooks, dead, recent) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let choices = std::iter::once(("*".to_owned(), page.t("webhooks.entity_all")))
        .chain(
            ENTITIES
                .iter()
                .map(|e| (format!("{}.*", e.code()), page.t(&format!("webhooks.entity_{}", e.code())))),
        )
        .map(|(p, label)| {
            let checked = typed.events.contains(&p);
            (p, label, checked)
        })
        .collect();
    let p = WebhooksPage {
        hooks: hooks.iter().map(hook).collect(),
        choices,
        typed,
        faults,
        message,
        secret,
        dead: dead.iter().map(|d| line(&page, d, &hooks, tz)).collect(),
        recent: recent.iter().map(|d| line(&page, d, &hooks, tz)).collect(),
        page,
    };
    render(status, &p)
}

/// `GET /settings/webhooks`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("webhooks.done_{d}")));
    page_of(web, &auth.actor, page, Typed::default(), Vec::new(), message, None, StatusCode::OK).await
}

/// `POST /settings/webhooks`: a subscription added; its secret shown this once.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let typed = typed(&form);
    let input = input_of(&typed);
    let refused = match &web.settings.webhooks {
        Some(t) if input.validate().is_ok() => matches!(t.0.check(&input.url).await, Err(TransportError::Refused(_))),
        _ => false,
    };
    let made = if refused {
        Err(ServiceError::Invalid(ValidationError::field("url", ViolationKind::NotAllowed)))
    } else {
        web.app.create_webhook(&auth.actor, &input).await
    };
    match made {
        Ok(m) => {
            let secret = Some((m.webhook.spec.url.as_str().to_owned(), m.secret));
            let message = Some(page.t("webhooks.done_created"));
            page_of(
                web,
                &auth.actor,
                page,
                Typed::default(),
                Vec::new(),
                message,
                secret,
                StatusCode::OK,
            )
            .await
        }
        Err(ServiceError::Invalid(e)) => {
            let faults = e
                .errors()
                .iter()
                .map(|f| {
                    let field = f.field.split('[').next().unwrap_or_default().to_owned();
                    (field, fault_text(page.lang, f.kind))
                })
                .collect();
            page_of(web, &auth.actor, page, typed, faults, None, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/webhooks/{id}/toggle`: paused, or receiving again.
pub(crate) async fn toggle<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let changed = async {
        let w = web.app.webhook(&auth.actor, id).await?;
        let input = WebhookInput {
            url: w.spec.url.as_str().to_owned(),
            description: w.spec.description.as_ref().map(|d| d.as_str().to_owned()),
            events: w.spec.events.iter().map(|p| p.as_str().to_owned()).collect(),
            include_personal: w.spec.include_personal,
            active: !w.spec.active,
        };
        web.app.update_webhook(&auth.actor, id, version, &input).await
    }
    .await;
    match changed {
        Ok(w) => see_other(
            &req,
            &web.settings.base_path,
            if w.spec.active {
                "/settings/webhooks?done=resumed"
            } else {
                "/settings/webhooks?done=paused"
            },
        ),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/webhooks?done=stale"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/webhooks/{id}/secret`: a new secret, shown this once.
pub(crate) async fn renew<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    match web.app.renew_webhook_secret(&auth.actor, id, version).await {
        Ok(m) => {
            let secret = Some((m.webhook.spec.url.as_str().to_owned(), m.secret));
            let message = Some(page.t("webhooks.done_renewed"));
            page_of(
                web,
                &auth.actor,
                page,
                Typed::default(),
                Vec::new(),
                message,
                secret,
                StatusCode::OK,
            )
            .await
        }
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/webhooks?done=stale"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/webhooks/{id}/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.delete_webhook(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/webhooks?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/webhooks/deliveries/{id}/replay`.
pub(crate) async fn replay<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.replay_webhook_delivery(&auth.actor, id).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/webhooks?done=replayed"),
        Err(ServiceError::Invalid(_) | ServiceError::Conflict) => {
            see_other(&req, &web.settings.base_path, "/settings/webhooks?done=not_dead")
        }
        Err(e) => error_page(page, &e),
    }
}

/// `GET /settings/webhooks/deliveries/{id}`: one delivery and its attempts.
pub(crate) async fn delivery<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "webhooks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let tz = company_tz(web, &auth.actor).await;
    let read = async {
        let (d, attempts) = web.app.webhook_delivery(&auth.actor, id).await?;
        let hooks = web.app.webhooks(&auth.actor).await?;
        Ok::<_, ServiceError>((d, attempts, hooks))
    }
    .await;
    let (d, attempts, hooks) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let tenant = auth
        .actor
        .tenant_id()
        .map(|t| crm_ports::services::webhooks::deliver::event_id(t, d.event_seq));
    let p = DeliveryPage {
        line: line(&page, &d, &hooks, tz),
        event_id: tenant.unwrap_or_default(),
        attempts: attempts
            .iter()
            .map(|a| {
                (
                    a.number,
                    page.lang.date_time(a.at, tz),
                    a.status.map(|s| s.to_string()).unwrap_or_default(),
                    a.millis,
                    a.error.clone().unwrap_or_default(),
                )
            })
            .collect(),
        page,
    };
    render(StatusCode::OK, &p)
}
