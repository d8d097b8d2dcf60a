//! Territories (Admin, from « Utilisateurs »): each with its team, postcode starts
//! (departments) and industries; add, change, remove; and a check of which territory —
//! and so which team — a postcode and an industry fall in. A new contact left to the
//! territories goes to that team's next sales rep (`contacts::create`).

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::territory::TerritoryInput;
use crm_domain::visibility::{Capability, allows};
use crm_domain::{TeamId, TerritoryId};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

struct Line {
    id: String,
    name: String,
    team: String,
    areas: String,
    industries: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "territories.html")]
struct TerritoriesPage {
    page: Page,
    lines: Vec<Line>,
    /// Id, name.
    teams: Vec<(String, String)>,
    message: Option<String>,
    fault: Option<String>,
    /// The check asked: postcode, industry, and its answer.
    check: Option<(String, String, String)>,
}

/// The postcode starts of a text: separated by commas, semicolons, spaces or lines.
fn areas_of(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

/// The industries of a text: separated by commas, semicolons or lines.
fn industries_of(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

fn input_of(form: &Form) -> TerritoryInput {
    TerritoryInput {
        name: form.text("name"),
        team_id: form.get("team_id").and_then(|t| Uuid::parse_str(&t).ok()).map(TeamId::from_uuid),
        areas: areas_of(&form.text("areas")),
        industries: industries_of(&form.text("industries")),
    }
}

/// `GET /settings/territories` (`?postal_code=&industry=` checks a place).
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = q.get("done").map(|d| page.t(&format!("territories.done_{d}")));
    page_of(web, &auth.actor, page, &q, message, None).await
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    q: &Form,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    if !allows(actor, Capability::ManageTenant) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let (territories, teams) = match (web.app.territories(actor).await, web.app.list_teams(actor).await) {
        (Ok(t), Ok(teams)) => (t, teams),
        (Err(e), _) | (_, Err(e)) => return error_page(page, &e),
    };
    let team_name = |id: TeamId| teams.iter().find(|t| t.id == id).map(|t| t.name.to_string()).unwrap_or_default();
    let check = match (q.get("postal_code"), q.get("industry")) {
        (None, None) => None,
        (postal, industry) => {
            let postal = postal.filter(|p| !p.trim().is_empty());
            let industry = industry.filter(|i| !i.trim().is_empty());
            let answer = match web.app.territory_for(actor, postal.as_deref(), industry.as_deref()).await {
                Ok(Some(m)) => format!("{} — {} {}", m.territory.name, page.t("territories.team_is"), m.team.name),
                Ok(None) => page.t("territories.no_match"),
                Err(e) => return error_page(page, &e),
            };
            Some((postal.unwrap_or_default(), industry.unwrap_or_default(), answer))
        }
    };
    let status = if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let p = TerritoriesPage {
        lines: territories
            .iter()
            .map(|t| Line {
                id: t.id.to_string(),
                name: t.name.to_string(),
                team: t.team_id.to_string(),
                areas: t.areas.join(", "),
                industries: t.industries.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                version: t.version,
            })
            .collect(),
        teams: teams.iter().map(|t| (t.id.to_string(), team_name(t.id))).collect(),
        message,
        fault,
        check,
        page,
    };
    render(status, &p)
}

/// `POST /settings/territories` (new) and `POST /settings/territories/:id` (at `version`).
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = input_of(&form);
    let done = match path_id(&req).map(TerritoryId::from_uuid) {
        Some(id) => {
            let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
            web.app.update_territory(&auth.actor, id, version, &input).await.map(|_| "saved")
        }
        None => web.app.create_territory(&auth.actor, &input).await.map(|_| "created"),
    };
    match done {
        Ok(d) => see_other(&req, &web.settings.base_path, &format!("/settings/territories?done={d}")),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "territories", &e));
            page_of(web, &auth.actor, page, &Form::default(), None, fault).await
        }
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("territories.conflict"));
            page_of(web, &auth.actor, page, &Form::default(), None, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/territories/:id/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "people").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(TerritoryId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.delete_territory(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/territories?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read_as_people_write_them() {
        assert_eq!(areas_of("33, 40 ;64\n2A"), vec!["33", "40", "64", "2A"]);
        assert_eq!(
            industries_of("Vins et spiritueux, Négoce ;\nAgriculture"),
            vec!["Vins et spiritueux", "Négoce", "Agriculture"]
        );
    }
}
