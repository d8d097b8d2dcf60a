//! An opportunity's page: value, probability, expected close, owner, organization and
//! contacts, its way along the stages, the actions that move it on (next stage, won, lost
//! with a reason), the activities logged about it and its timeline.

use super::activity::ActivityForm;
use super::contacts::Faults;
use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::OpportunityId;
use crm_domain::activity::Link;
use crm_domain::event::EntityType;
use crm_domain::forecast::div100_half_even;
use crm_domain::opportunity::{Opportunity, Status};
use crm_domain::visibility::{Capability, allows};
use crm_ports::services::names::NameRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// An opportunity as shown.
struct View {
    id: Uuid,
    version: i64,
    title: String,
    value: String,
    probability: u8,
    weighted: String,
    pipeline: String,
    stage: String,
    status: String,
    open: bool,
    expected_close: String,
    owner: String,
    organization: Option<(Uuid, String)>,
    contacts: Vec<(Uuid, String)>,
    /// (stage, when, by) oldest first.
    history: Vec<(String, String, String)>,
    /// The next stage (id, name), `None` at the last one.
    next: Option<(Uuid, String)>,
    lost_reason: String,
}

#[derive(Template)]
#[template(path = "opportunity.html")]
struct OpportunityPage {
    page: Page,
    o: View,
    /// A refused action's message.
    message: Option<(String, bool)>,
    can_move: bool,
    can_log: bool,
    /// Whether the reader may write to the deal's contacts.
    can_email: bool,
    activity: ActivityForm,
    activity_faults: Faults,
    activity_action: String,
    /// The activity form's draft: its name and record.
    activity_draft: (&'static str, String),
    timeline: super::timeline::Timeline,
}

async fn view_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: &Page,
    tz: chrono_tz::Tz,
    o: &Opportunity,
) -> View {
    let lang = page.lang;
    let mut names = NameRequest {
        pipelines_and_teams: true,
        ..NameRequest::default()
    };
    names.user(o.owner_id.as_uuid());
    for h in &o.stage_history {
        if let Some(by) = h.by {
            names.user(by.as_uuid());
        }
    }
    if let Some(org) = o.fields.organization_id {
        names.record(EntityType::Organization, org.as_uuid());
    }
    for c in &o.fields.contact_ids {
        names.record(EntityType::Contact, c.as_uuid());
    }
    let names = web.app.names(actor, &names).await.unwrap_or_default();
    let name = |id: Uuid| names.get(id).unwrap_or_default();
    let pipeline = web.app.pipeline(actor, o.pipeline_id).await.ok();
    let next = pipeline.as_ref().and_then(|p| {
        let i = p.position(o.stage_id)?;
        p.stages.get(i + 1).map(|s| (s.id.as_uuid(), s.name.to_string()))
    });
    let currency = o.fields.value.currency();
    let minor = i128::from(o.fields.value.minor());
    let today_year = super::this_year(web, tz);
    View {
        id: o.id.as_uuid(),
        version: o.version,
        title: o.fields.title.to_string(),
        value: lang.money(minor, currency.as_str()),
        probability: o.probability.percent(),
        weighted: lang.money(div100_half_even(minor * i128::from(o.probability.percent())), currency.as_str()),
        pipeline: pipeline.as_ref().map(|p| p.name.to_string()).unwrap_or_default(),
        stage: name(o.stage_id.as_uuid()),
        status: lang.t(&format!("opportunity_status.{}", o.status.code())),
        open: o.status == Status::Open,
        expected_close: o.fields.expected_close.map(|d| lang.day(d, today_year)).unwrap_or_default(),
        owner: name(o.owner_id.as_uuid()),
        organization: o.fields.organization_id.map(|id| (id.as_uuid(), name(id.as_uuid()))),
        contacts: o
            .fields
            .contact_ids
            .iter()
            .filter_map(|c| names.get(c.as_uuid()).map(|n| (c.as_uuid(), n)))
            .collect(),
        history: o
            .stage_history
            .iter()
            .map(|h| {
                (
                    name(h.to.as_uuid()),
                    lang.date_time(h.at, tz),
                    h.by.map(|b| name(b.as_uuid())).unwrap_or_default(),
                )
            })
            .collect(),
        next,
        lost_reason: match &o.status {
            Status::Lost { reason } => reason.to_string(),
            _ => String::new(),
        },
    }
}

/// The whole page, with a refused action's message or the activity form's faults.
pub(crate) async fn whole_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    id: OpportunityId,
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    let form = ActivityForm::new(page.lang, &Form::default());
    page_with(web, actor, page, id, message, (form, Faults::default()), status).await
}

async fn page_with<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    id: OpportunityId,
    message: Option<(String, bool)>,
    (activity, activity_faults): (ActivityForm, Faults),
    status: StatusCode,
) -> Response {
    let o = match web.app.opportunity(actor, id).await {
        Ok(o) => o,
        Err(e) => return error_page(page, &e),
    };
    let link = Link {
        entity_type: EntityType::Opportunity,
        entity_id: id.as_uuid(),
    };
    let tz = super::company_tz(web, actor).await;
    let timeline = super::timeline::first_page(web, actor, page.lang, tz, link).await;
    let view = view_of(web, actor, &page, tz, &o).await;
    render(
        status,
        &OpportunityPage {
            can_move: allows(actor, Capability::WriteOpportunities),
            can_log: allows(actor, Capability::WriteActivities),
            can_email: allows(actor, Capability::SendEmail),
            activity_action: format!("/opportunities/{id}/activities"),
            activity_draft: ("opportunity_activity", id.to_string()),
            o: view,
            message,
            activity,
            activity_faults,
            timeline,
            page,
        },
    )
}

/// A deal as listed on a contact's or an organization's page.
pub(crate) struct DealLine {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) value: String,
    pub(crate) stage: String,
    pub(crate) status: String,
}

/// The deals of a filter the actor may see (most recently changed first, up to 50);
/// `None` for a role that sees no deal (the section is left out).
pub(crate) async fn deals<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    lang: crate::i18n::Lang,
    filter: &crm_ports::query::OpportunityFilter,
) -> Option<Vec<DealLine>> {
    let page = crm_ports::query::PageRequest {
        sort: crm_ports::query::SortKey::UpdatedAt,
        descending: true,
        cursor: None,
        limit: Some(50),
    };
    let list = web.app.list_opportunities(actor, filter, &page).await.ok()?.items;
    let names = NameRequest {
        pipelines_and_teams: true,
        ..NameRequest::default()
    };
    let names = web.app.names(actor, &names).await.unwrap_or_default();
    Some(
        list.iter()
            .map(|o| DealLine {
                id: o.id.as_uuid(),
                title: o.fields.title.to_string(),
                value: lang.money(i128::from(o.fields.value.minor()), o.fields.value.currency().as_str()),
                stage: names.get(o.stage_id.as_uuid()).unwrap_or_default(),
                status: lang.t(&format!("opportunity_status.{}", o.status.code())),
            })
            .collect(),
    )
}

fn id_of(req: &Request) -> Option<OpportunityId> {
    super::path_id(req).map(OpportunityId::from_uuid)
}

/// `GET /opportunities/{id}`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "pipeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = id_of(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let message = Form::query(&req).get("emailed").map(|_| (page.t("email.queued"), false));
    whole_page(web, &auth.actor, page, id, message, StatusCode::OK).await
}

/// `POST /opportunities/{id}/activities`: logs an activity about the deal.
pub(crate) async fn log_activity<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "pipeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = id_of(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    match super::activity::log(web, &actor, EntityType::Opportunity, id.as_uuid(), &form).await {
        Ok(()) => see_other(&req, &web.settings.base_path, &format!("/opportunities/{id}")),
        Err(ServiceError::Invalid(v)) => {
            let faults = Faults::from_error(page.lang, &v);
            let activity = ActivityForm::new(page.lang, &form);
            page_with(web, &actor, page, id, None, (activity, faults), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}
