//! A Manager's team (menu « Mon équipe »; an Admin's or an Observer's of any team): each
//! active member's open deals, overdue tasks and activities of the week, links to their
//! contacts (where they are reassigned in bulk) and their deals on the board, and the
//! bulk reassignment of one member's open deals to another.

use super::reports::money_list;
use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::visibility::{Capability, allows};
use crm_domain::{TeamId, UserId};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Member {
    id: String,
    name: String,
    open_count: u64,
    open_total: String,
    open_weighted: String,
    overdue: u64,
    done: u64,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    page: Page,
    /// Id, name, chosen.
    teams: Vec<(String, String, bool)>,
    team_id: String,
    team_name: String,
    week: String,
    members: Vec<Member>,
    /// Who may receive deals: the members and the team's Manager (id, name).
    receivers: Vec<(String, String)>,
    reassign: bool,
    message: Option<String>,
    fault: Option<String>,
}

/// `GET /team?team=<id>`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "team").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = match q.get("done").as_deref() {
        Some("reassigned") => Some(format!(
            "{} {} {}",
            q.text("n"),
            page.t("team.reassigned"),
            if q.text("r") == "0" || q.text("r").is_empty() {
                String::new()
            } else {
                format!("({} {})", q.text("r"), page.t("team.kept"))
            }
        )),
        _ => None,
    };
    let fault = q.get("fault").map(|f| page.t(&format!("team.fault_{f}")));
    page_of(web, &auth.actor, page, q.get("team"), message, fault).await
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    chosen: Option<String>,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    let teams = match web.app.viewable_teams(actor).await {
        Ok(t) => t,
        Err(e) => return error_page(page, &e),
    };
    let team = chosen
        .and_then(|c| teams.iter().find(|t| t.id.to_string() == c))
        .or_else(|| teams.first())
        .cloned();
    let Some(team) = team else {
        return render(
            StatusCode::OK,
            &TeamPage {
                page,
                teams: Vec::new(),
                team_id: String::new(),
                team_name: String::new(),
                week: String::new(),
                members: Vec::new(),
                receivers: Vec::new(),
                reassign: false,
                message,
                fault,
            },
        );
    };
    let view = match web.app.team_view(actor, team.id).await {
        Ok(v) => v,
        Err(e) => return error_page(page, &e),
    };
    let lang = page.lang;
    let mut receivers: Vec<(String, String)> = view
        .members
        .iter()
        .map(|m| (m.user.id.to_string(), m.user.display_name.to_string()))
        .collect();
    if !receivers.iter().any(|(id, _)| *id == team.manager_id.to_string())
        && let Ok(m) = web.app.user(actor, team.manager_id).await
    {
        receivers.push((m.id.to_string(), m.display_name.to_string()));
    }
    let p = TeamPage {
        teams: teams
            .iter()
            .map(|t| (t.id.to_string(), t.name.to_string(), t.id == team.id))
            .collect(),
        team_id: team.id.to_string(),
        team_name: team.name.to_string(),
        week: format!("{} – {}", lang.date(view.week.first), lang.date(view.week.last)),
        members: view
            .members
            .iter()
            .map(|m| Member {
                id: m.user.id.to_string(),
                name: m.user.display_name.to_string(),
                open_count: m.open.iter().map(|a| a.count).sum(),
                open_total: money_list(lang, &m.open, false),
                open_weighted: money_list(lang, &m.open, true),
                overdue: m.activity.overdue_tasks[0],
                done: m.activity.done_total()[0],
            })
            .collect(),
        receivers,
        reassign: allows(actor, Capability::WriteOpportunities),
        message,
        fault,
        page,
    };
    render(StatusCode::OK, &p)
}

/// `POST /team/reassign`: one member's open deals given to another.
pub(crate) async fn reassign<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "team").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let team = form.text("team");
    let user = |k: &str| form.get(k).and_then(|v| uuid::Uuid::parse_str(&v).ok()).map(UserId::from_uuid);
    let (Some(from), Some(to)) = (user("from"), user("to")) else {
        return see_other(&req, &web.settings.base_path, &format!("/team?team={team}&fault=choose"));
    };
    if from == to {
        return see_other(&req, &web.settings.base_path, &format!("/team?team={team}&fault=same"));
    }
    // The team must be one the reader opens (a Manager: one they lead).
    if let Some(t) = uuid::Uuid::parse_str(&team).ok().map(TeamId::from_uuid) {
        match web.app.viewable_teams(&auth.actor).await {
            Ok(teams) if teams.iter().any(|x| x.id == t) => {}
            Ok(_) => return error_page(page, &ServiceError::NotFound),
            Err(e) => return error_page(page, &e),
        }
    }
    match web.app.reassign_open_deals(&auth.actor, from, to).await {
        Ok(r) => see_other(
            &req,
            &web.settings.base_path,
            &format!("/team?team={team}&done=reassigned&n={}&r={}", r.changed, r.refused),
        ),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "team", &e));
            page_of(web, &auth.actor, page, Some(team), None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}
