//! Users and teams (Admin, menu « Utilisateurs »): invite a person (a one-time link to
//! choose their password, shown once), change a user's role and team, deactivate and
//! reactivate, give a new link (a reset); the teams with their Manager, members and
//! territory.

use super::{Form, absolute, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::user::{Role, Team, User};
use crm_domain::visibility::{Capability, allows};
use crm_domain::{Actor, TeamId, UserId};
use crm_ports::services::users::{NewUser, TeamInput, UserPatch};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Person {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    team: String,
    active: bool,
    version: i64,
    me: bool,
    /// Their second factor is on.
    second_factor: bool,
}

struct Group {
    id: String,
    name: String,
    manager: String,
    territory: String,
    /// Members: name, active.
    members: Vec<(String, bool)>,
    version: i64,
}

/// The invitation form as typed.
#[derive(Default)]
struct Invite {
    email: String,
    name: String,
    role: String,
    team: String,
}

/// What the page says beside the lists.
#[derive(Default)]
struct Said {
    message: Option<String>,
    fault: Option<String>,
    /// A link just issued: whose, the whole address.
    link: Option<(String, String)>,
    invite: Invite,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    page: Page,
    people: Vec<Person>,
    teams: Vec<Group>,
    /// Code, label.
    roles: Vec<(&'static str, String)>,
    /// Id, name: who may lead a team (active Managers and Admins).
    leaders: Vec<(String, String)>,
    said: Said,
}

fn person(u: &User, me: Option<UserId>, with_factor: &[UserId]) -> Person {
    Person {
        id: u.id.to_string(),
        name: u.display_name.to_string(),
        email: u.email.as_str().to_owned(),
        role: u.role.code(),
        team: u.team_id.map(|t| t.to_string()).unwrap_or_default(),
        active: u.is_active(),
        version: u.version,
        me: me == Some(u.id),
        second_factor: with_factor.contains(&u.id),
    }
}

fn group(t: &Team, users: &[User]) -> Group {
    Group {
        id: t.id.to_string(),
        name: t.name.to_string(),
        manager: t.manager_id.to_string(),
        territory: t.territory.as_ref().map(ToString::to_string).unwrap_or_default(),
        members: users
            .iter()
            .filter(|u| u.team_id == Some(t.id))
            .map(|u| (u.display_name.to_string(), u.is_active()))
            .collect(),
        version: t.version,
    }
}

fn admin_only(actor: &Actor) -> Result<(), ServiceError> {
    if allows(actor, Capability::ManageUsers) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    said: Said,
    status: StatusCode,
) -> Response {
    let read = async {
        admin_only(actor)?;
        Ok::<_, ServiceError>((
            web.app.list_users(actor).await?,
            web.app.list_teams(actor).await?,
            web.app.second_factor_users(actor).await?,
        ))
    }
    .await;
    let (users, teams, with_factor) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let mut users = users;
    // Active people first, each part by name as the store sorts it.
    users.sort_by_key(|u| !u.is_active());
    let me = actor.user_id();
    let p = PeoplePage {
        people: users.iter().map(|u| person(u, me, &with_factor)).collect(),
        teams: teams.iter().map(|t| group(t, &users)).collect(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.code(), page.t(&format!("role.{}", r.code()))))
            .collect(),
        leaders: users
            .iter()
            .filter(|u| u.is_active() && matches!(u.role, Role::Manager | Role::Admin))
            .map(|u| (u.id.to_string(), u.display_name.to_string()))
            .collect(),
        said,
        page,
    };
    render(status, &p)
}

/// `GET /settings/users`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let said = Said {
        message: Form::query(&req).get("done").map(|d| page.t(&format!("people.done_{d}"))),
        ..Said::default()
    };
    page_of(web, &auth.actor, page, said, StatusCode::OK).await
}

fn team_of(form: &Form, key: &str) -> Option<TeamId> {
    form.get(key).and_then(|t| uuid::Uuid::parse_str(&t).ok()).map(TeamId::from_uuid)
}

/// `POST /settings/users`: a person invited; their link shown this once.
pub(crate) async fn invite<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = NewUser {
        email: form.text("email"),
        display_name: form.text("display_name"),
        role: form.text("role"),
        team_id: team_of(&form, "team_id"),
        password: None,
    };
    let made = async {
        let u = web.app.create_user(&auth.actor, &input).await?;
        let l = web.app.issue_access_link(&auth.actor, u.id).await?;
        Ok::<_, ServiceError>((u, l))
    }
    .await;
    match made {
        Ok((u, l)) => {
            let said = Said {
                message: Some(page.t("people.done_invited")),
                link: Some((u.display_name.to_string(), absolute(web, &req, &format!("/access/{}", l.secret)))),
                ..Said::default()
            };
            page_of(web, &auth.actor, page, said, StatusCode::OK).await
        }
        Err(ServiceError::Invalid(e)) => {
            let said = Said {
                fault: Some(faults_text(page.lang, "people", &e)),
                invite: Invite {
                    email: input.email,
                    name: input.display_name,
                    role: input.role,
                    team: form.text("team_id"),
                },
                ..Said::default()
            };
            page_of(web, &auth.actor, page, said, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// The answer to a change of a user or a team: back to the list, or the list with why not.
async fn after_change<S: Store, K: Credentials, C: Clock, I: IdGenerator, X, T>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    actor: &Actor,
    page: Page,
    result: Result<T, ServiceError>,
    done: &str,
) -> Response {
    match result {
        Ok(_) => see_other(req, &web.settings.base_path, &format!("/settings/users?done={done}")),
        Err(ServiceError::Conflict) => see_other(req, &web.settings.base_path, "/settings/users?done=stale"),
        Err(ServiceError::Invalid(e)) => {
            let said = Said {
                fault: Some(faults_text(page.lang, "people", &e)),
                ..Said::default()
            };
            page_of(web, actor, page, said, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/users/{id}`: a user's role and team.
pub(crate) async fn update<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let patch = UserPatch {
        display_name: None,
        role: form.get("role"),
        team_id: Some(team_of(&form, "team_id")),
    };
    let result = web.app.update_user(&auth.actor, UserId::from_uuid(id), version, &patch).await;
    after_change(web, &req, &auth.actor, page, result, "saved").await
}

/// `POST /settings/users/{id}/{deactivate,reactivate}`.
pub(crate) async fn set_active<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let id = UserId::from_uuid(id);
    if req.uri().path().ends_with("/reactivate") {
        let result = web.app.reactivate_user(&auth.actor, id, version).await;
        after_change(web, &req, &auth.actor, page, result, "reactivated").await
    } else {
        let result = web.app.deactivate_user(&auth.actor, id, version).await;
        after_change(web, &req, &auth.actor, page, result, "deactivated").await
    }
}

/// `POST /settings/users/{id}/second-factor/reset`: their second factor removed (a lost
/// phone).
pub(crate) async fn reset_second_factor<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let result = web.app.reset_second_factor(&auth.actor, UserId::from_uuid(id)).await;
    after_change(web, &req, &auth.actor, page, result, "second_factor_reset").await
}

/// `POST /settings/users/{id}/access-link`: a new link (their earlier ones end), shown once.
pub(crate) async fn access_link<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let id = UserId::from_uuid(id);
    let made = async {
        let l = web.app.issue_access_link(&auth.actor, id).await?;
        let u = web.app.user(&auth.actor, id).await?;
        Ok::<_, ServiceError>((u, l))
    }
    .await;
    match made {
        Ok((u, l)) => {
            let said = Said {
                message: Some(page.t("people.done_link")),
                link: Some((u.display_name.to_string(), absolute(web, &req, &format!("/access/{}", l.secret)))),
                ..Said::default()
            };
            page_of(web, &auth.actor, page, said, StatusCode::OK).await
        }
        Err(e) => after_change::<_, _, _, _, _, ()>(web, &req, &auth.actor, page, Err(e), "link").await,
    }
}

fn team_input(form: &Form) -> TeamInput {
    TeamInput {
        name: form.text("name"),
        manager_id: form
            .get("manager_id")
            .and_then(|m| uuid::Uuid::parse_str(&m).ok())
            .map_or(UserId::from_uuid(uuid::Uuid::nil()), UserId::from_uuid),
        territory: form.get("territory"),
    }
}

/// `POST /settings/teams`: a team added; `POST /settings/teams/{id}`: one changed.
pub(crate) async fn save_team<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = team_input(&form);
    match path_id(&req) {
        Some(id) => {
            let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
            let result = web.app.update_team(&auth.actor, TeamId::from_uuid(id), version, &input).await;
            after_change(web, &req, &auth.actor, page, result, "team_saved").await
        }
        None => {
            let result = web.app.create_team(&auth.actor, &input).await;
            after_change(web, &req, &auth.actor, page, result, "team_created").await
        }
    }
}
