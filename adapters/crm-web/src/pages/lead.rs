//! A lead on its contact's page: where its qualification stands (new, being qualified,
//! qualified, disqualified with a reason of the company's list) and, while it waits in the
//! pool, its hand-over to a sales rep — a person, the next of a team in turn, or the one of
//! the territory covering it. Marketing works the pool; a Manager or an Admin any prospect.

use super::{Form, path_id, signed_write};
use crate::Web;
use crate::view::{Page, error_page, see_other};
use crm_domain::lead::LeadStatus;
use crm_domain::visibility::{Capability, allows, may_hand_over_lead, may_hand_over_lead_to_team};
use crm_domain::{Actor, ContactId, TeamId, UserId};
use crm_ports::services::leads::HandOver;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::{Request, Response};

/// The contact page's lead part.
pub(crate) struct Section {
    /// The status's code and its name.
    pub(crate) status: (&'static str, String),
    /// Why it was disqualified, as read.
    pub(crate) reason: String,
    /// Still in the pool (not handed over yet).
    pub(crate) pooled: bool,
    /// The version the forms send back.
    pub(crate) version: i64,
    /// Whether the reader may move its status.
    pub(crate) can_qualify: bool,
    /// Every status: code, name, whether it is the lead's.
    pub(crate) statuses: Vec<(&'static str, String, bool)>,
    /// The company's reasons: code, name, whether it is the lead's.
    pub(crate) reasons: Vec<(String, String, bool)>,
    /// Whether it may be handed over now (pooled, qualified, and the reader may).
    pub(crate) can_hand_over: bool,
    /// Whom to: the active sales reps and managers (id, name).
    pub(crate) people: Vec<(String, String)>,
    /// The teams whose reps take leads in turn (id, name).
    pub(crate) teams: Vec<(String, String)>,
}

/// The part for a contact that is a lead (`None` otherwise).
pub(crate) async fn section<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: &Page,
    c: &crm_domain::contact::Contact,
) -> Option<Section> {
    let lead = c.lead.as_ref()?;
    // Only a prospect is a lead still to work (a client keeps the record of its lead).
    let can_qualify = c.kind == crm_domain::contact::ContactKind::Prospect
        && allows(actor, Capability::QualifyLeads)
        && (lead.pooled || allows(actor, Capability::WriteContacts));
    let settings = if can_qualify || lead.reason.is_some() {
        web.app.lead_settings(actor).await.ok()
    } else {
        None
    };
    let reason_name = |code: &str, label: Option<&str>| label.map_or_else(|| page.t(&format!("lead_reason.{code}")), str::to_owned);
    let reason = lead.reason.as_deref().map_or_else(String::new, |r| {
        let label = settings
            .as_ref()
            .and_then(|s| s.reasons.iter().find(|x| x.code == r))
            .and_then(|x| x.label.as_deref());
        reason_name(r, label)
    });
    let can_hand_over = can_qualify && lead.check_hand_over().is_ok();
    let (people, teams) = if can_hand_over {
        let users = web.app.list_users(actor).await.unwrap_or_default();
        let teams = web.app.list_teams(actor).await.unwrap_or_default();
        // Only whom the reader may give leads to (a Manager: their teams), as the service
        // decides.
        let manager_of = |team: Option<crm_domain::TeamId>| team.and_then(|t| teams.iter().find(|x| x.id == t)).map(|t| t.manager_id);
        (
            users
                .iter()
                .filter(|u| u.is_active() && may_hand_over_lead(actor, u.id, u.role, manager_of(u.team_id)))
                .map(|u| (u.id.to_string(), u.display_name.to_string()))
                .collect(),
            teams
                .iter()
                .filter(|t| may_hand_over_lead_to_team(actor, t.manager_id))
                .map(|t| (t.id.to_string(), t.name.to_string()))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Some(Section {
        status: (lead.status.code(), page.t(&format!("lead_status.{}", lead.status.code()))),
        reason,
        pooled: lead.pooled,
        version: c.version,
        can_qualify,
        // The lead's status, then only those it may move to.
        statuses: LeadStatus::ALL
            .iter()
            .filter(|s| **s == lead.status || lead.status.may_become(**s))
            .map(|s| (s.code(), page.t(&format!("lead_status.{}", s.code())), *s == lead.status))
            .collect(),
        reasons: settings
            .map(|s| {
                s.reasons
                    .iter()
                    .map(|r| {
                        (
                            r.code.clone(),
                            reason_name(&r.code, r.label.as_deref()),
                            lead.reason.as_deref() == Some(r.code.as_str()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        can_hand_over,
        people,
        teams,
    })
}

/// Which form was refused.
#[derive(Clone, Copy)]
enum Step {
    Status,
    HandOver,
}

/// The notice a refusal shows on the contact's page (its query code).
fn refusal(e: &ServiceError, step: Step) -> Option<&'static str> {
    match e {
        ServiceError::Conflict => Some("lead_conflict"),
        // A person the reader may not give records to (a Manager: outside their teams).
        ServiceError::Forbidden => Some("lead_refused"),
        ServiceError::Invalid(v) => Some(match (step, v.errors().first().map(|x| x.field.as_str())) {
            (_, Some("reason")) => "lead_reason_needed",
            (Step::Status, _) => "lead_status_not_allowed",
            (Step::HandOver, Some("status")) => "lead_qualify_first",
            (Step::HandOver, Some("territory")) => "lead_no_territory",
            (Step::HandOver, Some("team_id")) => "lead_no_reps",
            (Step::HandOver, _) => "lead_refused",
        }),
        _ => None,
    }
}

/// The lead notices of the contact page's query: code, translation key, whether it says
/// that something was refused (shown as an alert).
const NOTICES: &[(&str, &str, bool)] = &[
    ("lead_saved", "leads.saved", false),
    ("lead_handed_over", "leads.handed_over", false),
    ("lead_conflict", "leads.conflict", true),
    ("lead_reason_needed", "leads.reason_needed", true),
    ("lead_status_not_allowed", "leads.status_not_allowed", true),
    ("lead_qualify_first", "leads.qualify_first", true),
    ("lead_no_territory", "leads.no_territory", true),
    ("lead_no_reps", "leads.no_reps", true),
    ("lead_refused", "leads.refused", true),
];

/// Whether a notice key says that something was refused.
pub(crate) fn is_refusal(key: &str) -> bool {
    NOTICES.iter().any(|(_, k, refused)| *k == key && *refused)
}

/// The translation key of a lead notice of the contact page's query.
pub(crate) fn notice_key(code: &str) -> Option<&'static str> {
    NOTICES.iter().find(|(c, _, _)| *c == code).map(|(_, k, _)| *k)
}

/// The contact and version of a lead form, or the answer.
async fn target<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    form: &Form,
) -> Result<(Actor, Page, ContactId, i64), Response> {
    let (auth, page) = signed_write(web, req, form, "contacts").await?;
    let Some(id) = path_id(req).map(ContactId::from_uuid) else {
        return Err(error_page(page, &ServiceError::NotFound));
    };
    let Some(version) = form.get("version").and_then(|v| v.parse().ok()) else {
        return Err(back(web, req, id, "lead_conflict"));
    };
    Ok((auth.actor, page, id, version))
}

fn back<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: &Request, id: ContactId, notice: &str) -> Response {
    see_other(req, &web.settings.base_path, &format!("/contacts/{id}?notice={notice}"))
}

/// Back to the contact's page with what happened: `done`, or the refusal said.
fn answer<S, K, C, I, X, T>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    page: Page,
    id: ContactId,
    result: Result<T, ServiceError>,
    (done, step): (&str, Step),
) -> Response {
    match result {
        Ok(_) => back(web, req, id, done),
        Err(e) => match refusal(&e, step) {
            Some(code) => back(web, req, id, code),
            None => error_page(page, &e),
        },
    }
}

/// `POST /contacts/{id}/lead`: moves the lead's status (a reason to disqualify).
pub(crate) async fn set_status<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (actor, page, id, version) = match target(web, &req, &form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let status = match form.get("status").as_deref().map(LeadStatus::parse) {
        Some(Ok(s)) => s,
        _ => return back(web, &req, id, "lead_refused"),
    };
    let reason = form.get("reason").filter(|r| !r.is_empty() && status == LeadStatus::Disqualified);
    let done = web.app.set_lead_status(&actor, id, version, status, reason.as_deref()).await;
    answer(web, &req, page, id, done, ("lead_saved", Step::Status))
}

/// `POST /contacts/{id}/hand-over`: gives a qualified lead of the pool to a person, to the
/// next of a team in turn, or by the territories.
pub(crate) async fn hand_over<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (actor, page, id, version) = match target(web, &req, &form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let to = form.get("to").unwrap_or_default();
    let parse = |raw: &str| uuid::Uuid::parse_str(raw).ok();
    let to = match to.split_once(':') {
        Some(("user", u)) => parse(u).map(|u| HandOver::To(UserId::from_uuid(u))),
        Some(("team", t)) => parse(t).map(|t| HandOver::RoundRobin(TeamId::from_uuid(t))),
        _ if to == "territory" => Some(HandOver::Territory),
        _ => None,
    };
    let Some(to) = to else {
        return back(web, &req, id, "lead_refused");
    };
    let done = web.app.hand_over_lead(&actor, id, version, to).await;
    answer(web, &req, page, id, done, ("lead_handed_over", Step::HandOver))
}
