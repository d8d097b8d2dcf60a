//! A person's consent to be prospected: on their page, each channel's state (may
//! campaigns and automation reach them, and why); on `/contacts/{id}/consents`, every
//! record with its source, date and proof, and the form that records a consent given or
//! withdrawn — nothing chosen in advance, the channel and the answer ticked by the user.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::consent::{Basis, ConsentInput, ConsentRecord, Medium};
use crm_domain::visibility::{Capability, allows, may_edit_contact};
use crm_domain::{Actor, ContactId};
use crm_ports::services::consents::{Consents, OBJECTION, RESTRICTION, UNSUBSCRIBE};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// One channel as shown.
pub(crate) struct ChannelLine {
    pub(crate) medium: &'static str,
    pub(crate) name: String,
    pub(crate) allowed: bool,
    pub(crate) reason: String,
}

/// One record as listed.
pub(crate) struct RecordLine {
    pub(crate) medium: String,
    pub(crate) state: String,
    pub(crate) granted: bool,
    pub(crate) source: String,
    pub(crate) given: String,
    pub(crate) proof: String,
}

/// The contact page's part: the channels.
pub(crate) struct Section {
    pub(crate) channels: Vec<ChannelLine>,
    pub(crate) audience: String,
}

/// What the form was given (kept when it is refused).
#[derive(Default)]
struct Typed {
    medium: String,
    state: String,
    basis: String,
    source: String,
    proof: String,
    given_on: String,
}

#[derive(Template)]
#[template(path = "consents.html")]
struct ConsentsPage {
    page: Page,
    contact_id: String,
    name: String,
    section: Section,
    records: Vec<RecordLine>,
    can_record: bool,
    media: Vec<(&'static str, String)>,
    bases: Vec<(&'static str, String)>,
    today: String,
    typed: Typed,
    fault: Option<String>,
    message: Option<String>,
}

fn channels(page: &Page, c: &Consents) -> Section {
    Section {
        channels: c
            .channels
            .iter()
            .map(|ch| ChannelLine {
                medium: ch.medium.code(),
                name: page.t(&format!("consent.medium_{}", ch.medium.code())),
                allowed: ch.reason.allows(),
                reason: page.t(&format!("consent.reason_{}", ch.reason.code())),
            })
            .collect(),
        audience: page.t(&format!("consent.audience_{}", c.audience.code())),
    }
}

fn source_text(page: &Page, r: &ConsentRecord) -> String {
    match r.source.as_str() {
        s @ (OBJECTION | RESTRICTION | UNSUBSCRIBE) => page.t(&format!("consent.source_{s}")),
        s => s.to_owned(),
    }
}

fn records(page: &Page, c: &Consents, tz: chrono_tz::Tz) -> Vec<RecordLine> {
    c.history
        .iter()
        .map(|r| RecordLine {
            medium: page.t(&format!("consent.medium_{}", r.medium.code())),
            state: match r.state.basis() {
                Some(b) => page.t(&format!("consent.granted_{}", b.code())),
                None => page.t("consent.withdrawn"),
            },
            granted: r.state.basis().is_some(),
            source: source_text(page, r),
            given: r.given_at.with_timezone(&tz).format("%d/%m/%Y").to_string(),
            proof: r.proof.as_ref().map(ToString::to_string).unwrap_or_default(),
        })
        .collect()
}

/// The contact page's consent part (`None` when it cannot be read: the page shows
/// without it).
pub(crate) async fn section<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: &Page,
    id: ContactId,
) -> Option<Section> {
    let c = web.app.consents(actor, id).await.ok()?;
    Some(channels(page, &c))
}

async fn consents_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    id: ContactId,
    typed: Typed,
    fault: Option<String>,
    message: Option<String>,
) -> Response {
    let contact = match web.app.contact(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let c = match web.app.consents(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, actor).await;
    let today = web
        .app
        .company_today(actor)
        .await
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let pooled = contact.lead.as_ref().is_some_and(|l| l.pooled);
    let status = if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let name = format!("{} {}", contact.fields.first_name, contact.fields.last_name)
        .trim()
        .to_owned();
    render(
        status,
        &ConsentsPage {
            contact_id: id.to_string(),
            name,
            section: channels(&page, &c),
            records: records(&page, &c, tz),
            can_record: may_edit_contact(actor, pooled) || allows(actor, Capability::RunCampaigns),
            media: Medium::ALL
                .iter()
                .map(|m| (m.code(), page.t(&format!("consent.medium_{}", m.code()))))
                .collect(),
            bases: Basis::ALL
                .iter()
                .map(|b| (b.code(), page.t(&format!("consent.basis_{}", b.code()))))
                .collect(),
            today,
            typed,
            fault,
            message,
            page,
        },
    )
}

/// `GET /contacts/{id}/consents`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let message = Form::query(&req).get("done").map(|_| page.t("consent.done"));
    consents_page(web, &auth.actor, page, id, Typed::default(), None, message).await
}

/// `POST /contacts/{id}/consents`: a consent recorded; back to the page, or the form with
/// its faults and what was typed.
pub(crate) async fn record<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let typed = Typed {
        medium: form.text("medium"),
        state: form.text("state"),
        basis: form.text("basis"),
        source: form.text("source"),
        proof: form.text("proof"),
        given_on: form.text("given_on"),
    };
    let Ok(given_at) = super::typed_day(web, &auth.actor, &typed.given_on).await else {
        let fault = Some(page.t("consent.fault_given_at"));
        return consents_page(web, &auth.actor, page, id, typed, fault, None).await;
    };
    let input = ConsentInput {
        medium: typed.medium.clone(),
        state: typed.state.clone(),
        basis: (typed.state == "granted").then(|| typed.basis.clone()),
        source: typed.source.clone(),
        proof: Some(typed.proof.clone()),
        given_at,
    };
    match web.app.record_consent(&auth.actor, id, &input).await {
        Ok(_) => see_other(&req, &web.settings.base_path, &format!("/contacts/{id}/consents?done=1")),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "consent", &e));
            consents_page(web, &auth.actor, page, id, typed, fault, None).await
        }
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("consent.conflict"));
            consents_page(web, &auth.actor, page, id, typed, fault, None).await
        }
        Err(e) => error_page(page, &e),
    }
}
