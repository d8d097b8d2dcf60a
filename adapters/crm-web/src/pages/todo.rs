//! The to-do list (overdue first, today, upcoming; done with one click; a Manager switches
//! to the team's list), the day's dashboard, and the notifications with their bell.

use super::{Form, session_of, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, html, render, see_other};
use askama::Template;
use crm_domain::activity::{Activity, Link};
use crm_domain::event::EntityType;
use crm_domain::user::Role;
use crm_domain::{ActivityId, Actor};
use crm_ports::services::board::BoardFilter;
use crm_ports::services::names::{NameRequest, Names};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// A task or meeting as listed.
pub(crate) struct Item {
    id: Uuid,
    version: i64,
    subject: String,
    kind: String,
    is_task: bool,
    when: String,
    /// The records it concerns (address, name).
    about: Vec<(String, String)>,
    /// Whose it is, on a team's list.
    assignee: String,
}

/// The address of a record of the interface.
pub(crate) fn record_path(link: &Link) -> Option<String> {
    let area = match link.entity_type {
        EntityType::Contact => "contacts",
        EntityType::Organization => "organizations",
        EntityType::Opportunity => "opportunities",
        _ => return None,
    };
    Some(format!("/{area}/{}", link.entity_id))
}

async fn names_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    items: &[&Activity],
) -> Names {
    let mut names = NameRequest::default();
    for a in items {
        names.user(a.fields.assignee_id.as_uuid());
        for l in &a.fields.links {
            names.record(l.entity_type, l.entity_id);
        }
    }
    web.app.names(actor, &names).await.unwrap_or_default()
}

fn item_of(lang: Lang, tz: chrono_tz::Tz, names: &Names, a: &Activity, this_year: i32) -> Item {
    let at = a.fields.due_at.or(a.fields.starts_at);
    let when = at.map_or_else(
        || lang.t("todo.no_due"),
        |t| {
            let local = t.with_timezone(&tz);
            format!("{}, {}", lang.day(local.date_naive(), this_year), local.format("%H:%M"))
        },
    );
    Item {
        id: a.id.as_uuid(),
        version: a.version,
        subject: a.fields.subject.to_string(),
        kind: lang.t(&format!("activity_kind.{}", a.kind.code())),
        is_task: a.kind.code() == "task",
        when,
        about: a
            .fields
            .links
            .iter()
            .filter_map(|l| Some((record_path(l)?, names.get(l.entity_id)?)))
            .collect(),
        assignee: names.get(a.fields.assignee_id.as_uuid()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    page: Page,
    /// (key of the title, items).
    sections: Vec<(&'static str, Vec<Item>)>,
    team: bool,
    /// Whether the reader leads a team (Manager, Admin).
    leads: bool,
}

fn leads(actor: &Actor) -> bool {
    matches!(
        actor,
        Actor::User {
            role: Role::Manager | Role::Admin,
            ..
        }
    )
}

/// `GET /todo` (`?team=1`: the team's).
pub(crate) async fn todo<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "todo").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = auth.actor;
    let team = leads(&actor) && Form::query(&req).get("team").is_some();
    let todo = match web.app.todo(&actor, team).await {
        Ok(t) => t,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, &actor).await;
    let year = super::this_year(web, tz);
    let all: Vec<&Activity> = todo.overdue.iter().chain(&todo.today).chain(&todo.upcoming).collect();
    let names = names_of(web, &actor, &all).await;
    let lang = page.lang;
    let list = |v: &[Activity]| v.iter().map(|a| item_of(lang, tz, &names, a, year)).collect::<Vec<_>>();
    render(
        StatusCode::OK,
        &TodoPage {
            sections: vec![
                ("todo.overdue", list(&todo.overdue)),
                ("todo.today", list(&todo.today)),
                ("todo.upcoming", list(&todo.upcoming)),
            ],
            team,
            leads: leads(&actor),
            page,
        },
    )
}

/// `POST /activities/{id}/done` (`version`): the task is done; htmx removes its line.
pub(crate) async fn done<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "todo").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = super::path_id(&req).map(ActivityId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    match web.app.set_task_done(&auth.actor, id, version, true).await {
        Ok(_) if req.header("hx-request").is_some() => html(StatusCode::OK, String::new()),
        Ok(_) => see_other(&req, &web.settings.base_path, "/todo"),
        Err(e) => error_page(page, &e),
    }
}

/// A stage's line of the dashboard's deals.
struct StageLine {
    name: String,
    count: u64,
    totals: Vec<(String, String)>,
}

/// A notification as listed.
pub(crate) struct Notice {
    id: Uuid,
    what: String,
    subject: String,
    when: String,
    unread: bool,
    /// The record's address and name.
    about: Option<(String, String)>,
}

async fn notices<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    lang: Lang,
    tz: chrono_tz::Tz,
    unread_only: bool,
    limit: u32,
) -> Vec<Notice> {
    let list = web.app.notifications(actor, unread_only, limit).await.unwrap_or_default();
    let mut names = NameRequest::default();
    for n in &list {
        if let Some(l) = &n.link {
            names.record(l.entity_type, l.entity_id);
        }
    }
    let names = web.app.names(actor, &names).await.unwrap_or_default();
    list.iter()
        .map(|n| {
            let key = format!("notifications.{}", n.kind);
            let what = lang.t(&key);
            Notice {
                id: n.id,
                what: if what == key { lang.t("notifications.other") } else { what },
                subject: n.subject.clone(),
                when: lang.date_time(n.created_at, tz),
                unread: n.read_at.is_none(),
                about: n.link.as_ref().and_then(|l| Some((record_path(l)?, names.get(l.entity_id)?))),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    sections: Vec<(&'static str, Vec<Item>)>,
    /// Per pipeline: its name and its stages with my open deals.
    deals: Vec<(String, Vec<StageLine>)>,
    sees_deals: bool,
    notices: Vec<Notice>,
}

/// `GET /dashboard`: overdue work first, today, the next meetings, my open deals by stage
/// with their total and weighted value, the latest unread notifications.
pub(crate) async fn dashboard<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "dashboard").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = auth.actor;
    let d = match web.app.dashboard(&actor).await {
        Ok(d) => d,
        Err(e) => return error_page(page, &e),
    };
    let lang = page.lang;
    let tz = super::company_tz(web, &actor).await;
    let year = super::this_year(web, tz);
    let all: Vec<&Activity> = d.sections.iter().flat_map(|s| &s.items).collect();
    let names = names_of(web, &actor, &all).await;
    let sections = d
        .sections
        .iter()
        .filter(|s| s.name != "upcoming")
        .map(|s| {
            let key = match s.name {
                "overdue" => "todo.overdue",
                "today" => "todo.today",
                _ => "todo.meetings",
            };
            (key, s.items.iter().map(|a| item_of(lang, tz, &names, a, year)).collect())
        })
        .collect();
    let mut deals = Vec::new();
    let mut sees_deals = false;
    if let Ok(pipelines) = web.app.list_pipelines(&actor).await {
        for p in pipelines.iter().take(5) {
            let filter = BoardFilter {
                pipeline_id: Some(p.id),
                owner_id: actor.user_id(),
                team_id: None,
            };
            let Ok(b) = web.app.board(&actor, &filter, 0).await else { break };
            sees_deals = true;
            if b.columns.iter().all(|c| c.count() == 0) {
                continue;
            }
            let lines = b
                .columns
                .iter()
                .map(|c| StageLine {
                    name: c.stage.name.to_string(),
                    count: c.count(),
                    totals: super::pipeline::totals_text(lang, &c.totals),
                })
                .collect();
            deals.push((p.name.to_string(), lines));
        }
    }
    let notices = notices(web, &actor, lang, tz, true, 5).await;
    render(
        StatusCode::OK,
        &DashboardPage {
            sections,
            deals,
            sees_deals,
            notices,
            page,
        },
    )
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    page: Page,
    notices: Vec<Notice>,
}

/// `GET /notifications`.
pub(crate) async fn notifications<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    req: Request,
) -> Response {
    let (auth, page) = match signed_in(web, &req, "notifications").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tz = super::company_tz(web, &auth.actor).await;
    let notices = notices(web, &auth.actor, page.lang, tz, false, 100).await;
    render(StatusCode::OK, &NotificationsPage { page, notices })
}

/// `POST /notifications/read` (`id`, else all of them).
pub(crate) async fn read<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "notifications").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = form.get("id").and_then(|v| Uuid::parse_str(&v).ok());
    match web.app.mark_notifications_read(&auth.actor, id).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/notifications"),
        Err(e) => error_page(page, &e),
    }
}

#[derive(Template)]
#[template(path = "bell.html")]
struct Bell {
    page: Page,
}

/// `GET /notifications/bell`: the bell with its unread count (refreshed live).
pub(crate) async fn bell<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, mut page) = match session_of(web, &req, "").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    page.unread = super::unread(web, &auth.actor).await;
    render(StatusCode::OK, &Bell { page })
}
