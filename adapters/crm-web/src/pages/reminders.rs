//! Reminder rules (Admin, menu « Rappels »): the company's rules — a quiet prospect gives
//! its owner a follow-up task, a deal past its close date too, a meeting or a task due
//! notifies — switched on and off, changed, removed; before a rule is saved, its preview:
//! what it would create today, for whom, about what (nothing written). « Lancer
//! maintenant » runs the scan at once instead of waiting for its next turn.

use super::{Form, company_tz, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::event::EntityType;
use crm_domain::reminder::{ReminderRule, RuleKind};
use crm_domain::visibility::{Capability, allows};
use crm_ports::services::names::NameRequest;
use crm_ports::services::reminder_preview::ReminderPreview;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// The kinds a rule may have, in the order offered.
const KINDS: [&str; 4] = ["no_activity", "past_expected_close", "meeting_soon", "task_due"];

struct Line {
    id: String,
    kind: &'static str,
    what: String,
    days: String,
    minutes: String,
    enabled: bool,
    version: i64,
}

#[derive(Template)]
#[template(path = "reminders.html")]
struct RemindersPage {
    page: Page,
    lines: Vec<Line>,
    /// Code, label.
    kinds: Vec<(&'static str, String)>,
    message: Option<String>,
    fault: Option<String>,
}

/// One line of a preview as shown.
pub(crate) struct Shown {
    task: bool,
    who: String,
    subject: String,
    href: Option<String>,
    when: String,
}

#[derive(Template)]
#[template(path = "reminder_preview.html")]
struct PreviewFragment {
    page: Page,
    lines: Vec<Shown>,
    total: usize,
    fault: Option<String>,
}

/// What a rule does, in words.
fn described(page: &Page, kind: &RuleKind) -> String {
    match kind {
        RuleKind::NoActivity { days } => format!("{} {days} {}", page.t("reminders.what_no_activity"), page.t("reminders.days")),
        RuleKind::MeetingSoon { minutes } => {
            format!(
                "{} {minutes} {}",
                page.t("reminders.what_meeting_soon"),
                page.t("reminders.minutes")
            )
        }
        other => page.t(&format!("reminders.what_{}", other.code())),
    }
}

/// The rule a form describes.
fn kind_of(form: &Form) -> Result<RuleKind, crm_domain::ValidationError> {
    let number = |k: &str| form.get(k).and_then(|v| v.parse::<i64>().ok());
    RuleKind::parse(&form.text("kind"), number("days"), number("minutes"))
}

/// `GET /settings/reminders`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "reminders").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = q.get("done").map(|d| match q.get("n") {
        Some(n) => format!("{} {n}", page.t(&format!("reminders.done_{d}"))),
        None => page.t(&format!("reminders.done_{d}")),
    });
    page_of(web, &auth.actor, page, message, None).await
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    if !allows(actor, Capability::ManageTenant) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let rules: Vec<ReminderRule> = match web.app.reminder_rules(actor).await {
        Ok(r) => r,
        Err(e) => return error_page(page, &e),
    };
    let status = if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let p = RemindersPage {
        lines: rules
            .iter()
            .map(|r| Line {
                id: r.id.to_string(),
                kind: r.kind.code(),
                what: described(&page, &r.kind),
                days: match r.kind {
                    RuleKind::NoActivity { days } => days.to_string(),
                    _ => String::new(),
                },
                minutes: match r.kind {
                    RuleKind::MeetingSoon { minutes } => minutes.to_string(),
                    _ => String::new(),
                },
                enabled: r.enabled,
                version: r.version,
            })
            .collect(),
        kinds: KINDS.iter().map(|k| (*k, page.t(&format!("reminders.kind_{k}")))).collect(),
        message,
        fault,
        page,
    };
    render(status, &p)
}

/// `POST /settings/reminders/preview`: what the rule of the form would create today.
pub(crate) async fn preview<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reminders").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let kind = match kind_of(&form) {
        Ok(k) => k,
        Err(e) => {
            let fault = Some(faults_text(page.lang, "reminders", &e));
            return render(
                StatusCode::OK,
                &PreviewFragment {
                    page,
                    lines: Vec::new(),
                    total: 0,
                    fault,
                },
            );
        }
    };
    let found: ReminderPreview = match web.app.preview_reminder_rule(&auth.actor, kind).await {
        Ok(p) => p,
        Err(e) => return error_page(page, &e),
    };
    let mut names = NameRequest::default();
    for l in &found.lines {
        names.user(l.user_id.as_uuid());
        if matches!(l.link.entity_type, EntityType::Contact | EntityType::Opportunity) {
            names.record(l.link.entity_type, l.link.entity_id);
        }
    }
    let names = web.app.names(&auth.actor, &names).await.unwrap_or_default();
    let tz = company_tz(web, &auth.actor).await;
    let lines = found
        .lines
        .iter()
        .map(|l| Shown {
            task: l.task,
            who: names.get(l.user_id.as_uuid()).unwrap_or_default(),
            subject: l.subject.clone(),
            href: match l.link.entity_type {
                EntityType::Contact => Some(page.url(&format!("/contacts/{}", l.link.entity_id))),
                EntityType::Opportunity => Some(page.url(&format!("/opportunities/{}", l.link.entity_id))),
                _ => None,
            },
            when: l.at.map(|t| page.lang.date_time(t, tz)).unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        &PreviewFragment {
            page,
            lines,
            total: found.total,
            fault: None,
        },
    )
}

/// `POST /settings/reminders` (new) and `POST /settings/reminders/:id` (at `version`;
/// `enabled` as sent).
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reminders").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let kind = match kind_of(&form) {
        Ok(k) => k,
        Err(e) => {
            let fault = Some(faults_text(page.lang, "reminders", &e));
            return page_of(web, &auth.actor, page, None, fault).await;
        }
    };
    let enabled = form.get("enabled").is_some();
    let done = match path_id(&req) {
        Some(id) => {
            let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
            web.app
                .update_reminder_rule(&auth.actor, id, version, kind, enabled)
                .await
                .map(|_| "saved")
        }
        None => web.app.create_reminder_rule(&auth.actor, kind, enabled).await.map(|_| "created"),
    };
    match done {
        Ok(d) => see_other(&req, &web.settings.base_path, &format!("/settings/reminders?done={d}")),
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("reminders.conflict"));
            page_of(web, &auth.actor, page, None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/reminders/:id/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reminders").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    match web.app.delete_reminder_rule(&auth.actor, id, version).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/reminders?done=deleted"),
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("reminders.conflict"));
            page_of(web, &auth.actor, page, None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/reminders/run`: the scan, now.
pub(crate) async fn run<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reminders").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.run_reminders_now(&auth.actor).await {
        Ok(r) => see_other(
            &req,
            &web.settings.base_path,
            &format!("/settings/reminders?done=ran&n={}", r.tasks + r.notifications),
        ),
        Err(e) => error_page(page, &e),
    }
}
