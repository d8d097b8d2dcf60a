//! A contact's page: its details, edited in place (the form swapped in by htmx, saved
//! with the version read; a newer version is a conflict, shown), and its timeline.

use super::activity::ActivityForm;
use super::contacts::{Faults, FormView, full_name, input_of};
use super::{Form, session_of, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::ContactId;
use crm_domain::activity::Link;
use crm_domain::contact::Contact;
use crm_domain::event::EntityType;
use crm_ports::services::names::NameRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// A contact as shown.
pub(crate) struct View {
    id: Uuid,
    name: String,
    kind: String,
    lead: Option<String>,
    job_title: String,
    organization: Option<(Uuid, String)>,
    emails: Vec<String>,
    phones: Vec<String>,
    owner: String,
    tags: Vec<String>,
    city: String,
    score: i32,
    /// The score's lines: rule, points as written, when (an engagement's date).
    score_lines: Vec<(String, String, String)>,
    version: i64,
    /// The channels the contact asked not to be solicited on, as shown.
    opt_outs: Vec<String>,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    page: Page,
    c: View,
    editable: bool,
    timeline: super::timeline::Timeline,
    /// Whether the reader may log activities (Admin, Manager, Sales).
    can_log: bool,
    activity: ActivityForm,
    activity_faults: Faults,
    /// Where the activity form posts.
    activity_action: String,
    /// The activity form's draft: its name and record.
    activity_draft: (&'static str, String),
    /// The contact's deals (`None` for a role that sees none).
    deals: Option<Vec<super::opportunity::DealLine>>,
    /// Never on the whole page (its `h1` is the name already).
    renamed: bool,
    /// Likely duplicates the reader may merge into this contact.
    duplicates: Vec<super::merge::Candidate>,
    /// After a merge: its message, and whether it is a refusal.
    merge_message: Option<(&'static str, bool)>,
    /// Whether the reader may write an email to the contact (and it has an address).
    can_email: bool,
    /// After an email was queued: the message's key.
    notice: Option<&'static str>,
    /// Whether the notice says something was refused.
    notice_refused: bool,
    /// The person's rights requests, export and erasure (Admin).
    privacy: Option<super::privacy::Section>,
    /// Whether campaigns and automation may reach the person, channel by channel.
    consents: Option<super::consents::Section>,
    /// Its qualification and hand-over, when it is a lead.
    lead: Option<super::lead::Section>,
}

#[derive(Template)]
#[template(path = "contact_details.html")]
struct DetailsFragment {
    page: Page,
    c: View,
    editable: bool,
    /// After a save: the page's `h1` is replaced too (out of band).
    renamed: bool,
}

#[derive(Template)]
#[template(path = "contact_edit.html")]
struct EditFragment {
    page: Page,
    id: Uuid,
    version: i64,
    form: FormView,
    faults: Faults,
    conflict: bool,
    /// After a conflict: where what was typed and what is stored differ.
    differences: Vec<super::contact_form::Difference>,
}

async fn view_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    lang: Lang,
    c: &Contact,
) -> View {
    let mut names = NameRequest::default();
    names.user(c.owner_id.as_uuid());
    if let Some(o) = c.fields.organization_id {
        names.record(EntityType::Organization, o.as_uuid());
    }
    let names = web.app.names(actor, &names).await.ok();
    let name_of = |id: Uuid| names.as_ref().and_then(|n| n.get(id));
    let tz = super::company_tz(web, actor).await;
    let score_lines = web
        .app
        .contact_score(actor, c.id)
        .await
        .map(|v| {
            v.current
                .breakdown
                .lines
                .iter()
                .map(|l| {
                    (
                        l.rule.clone(),
                        points(l.hundredths),
                        l.at.map(|t| lang.date_time(t, tz)).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    View {
        score_lines,
        id: c.id.as_uuid(),
        name: full_name(c),
        kind: lang.t(&format!("contact_kind.{}", c.kind.code())),
        lead: c.lead.as_ref().map(|l| lang.t(&format!("lead_status.{}", l.status.code()))),
        job_title: c.fields.job_title.as_ref().map(ToString::to_string).unwrap_or_default(),
        organization: c
            .fields
            .organization_id
            .map(|o| (o.as_uuid(), name_of(o.as_uuid()).unwrap_or_default())),
        emails: c.fields.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        phones: c.fields.phones.iter().map(|p| p.as_str().to_owned()).collect(),
        owner: name_of(c.owner_id.as_uuid()).unwrap_or_default(),
        tags: c.fields.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        city: c.fields.address.city.as_ref().map(ToString::to_string).unwrap_or_default(),
        score: c.score,
        version: c.version,
        opt_outs: [
            (c.fields.email_opt_out, "contacts.opted_out_email"),
            (c.fields.phone_opt_out, "contacts.opted_out_phone"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, key)| lang.t(key))
        .collect(),
    }
}

/// Points in hundredths as written: a sign, a decimal comma, no useless zeros (`+12,5`).
fn points(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "−" } else { "+" };
    let a = hundredths.unsigned_abs();
    let (whole, frac) = (a / 100, a % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole},{}", f / 10),
        f => format!("{sign}{whole},{f:02}"),
    }
}

fn id_of(req: &Request) -> Option<ContactId> {
    super::path_id(req).map(ContactId::from_uuid)
}

fn editable(actor: &crm_domain::Actor, c: &Contact) -> bool {
    crm_domain::visibility::may_edit_contact(actor, c.lead.as_ref().is_some_and(|l| l.pooled))
}

/// The whole page of a contact, with the activity form as given (after a refused one).
async fn whole_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    id: ContactId,
    (activity, activity_faults): (ActivityForm, Faults),
    merge_message: Option<(&'static str, bool)>,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    let c = match web.app.contact(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    // Who opened whose record: the access log.
    if let Err(e) = web
        .app
        .record_access(actor, crm_domain::access_log::AccessKind::View, Some(c.id), 1)
        .await
    {
        return error_page(page, &e);
    }
    let link = Link {
        entity_type: EntityType::Contact,
        entity_id: id.as_uuid(),
    };
    let tz = super::company_tz(web, actor).await;
    let timeline = super::timeline::first_page(web, actor, page.lang, tz, link).await;
    let view = view_of(web, actor, page.lang, &c).await;
    let filter = crm_ports::query::OpportunityFilter {
        contact_id: Some(id),
        ..crm_ports::query::OpportunityFilter::default()
    };
    let deals = super::opportunity::deals(web, actor, page.lang, &filter).await;
    let editable = editable(actor, &c);
    let duplicates = super::merge::candidates(web, actor, page.lang, &c, editable).await;
    let can_email = crm_domain::visibility::allows(actor, crm_domain::visibility::Capability::SendEmail) && !c.fields.emails.is_empty();
    let privacy = super::privacy::section(web, actor, &page, id).await;
    let consents = super::consents::section(web, actor, &page, id).await;
    let lead = super::lead::section(web, actor, &page, &c).await;
    render(
        status,
        &ContactPage {
            lead,
            privacy,
            consents,
            can_email,
            notice,
            notice_refused: notice.is_some_and(super::lead::is_refusal),
            deals,
            duplicates,
            merge_message,
            editable,
            can_log: crm_domain::visibility::allows(actor, crm_domain::visibility::Capability::WriteActivities),
            page,
            c: view,
            timeline,
            renamed: false,
            activity_action: format!("/contacts/{id}/activities"),
            activity_draft: ("contact_activity", id.to_string()),
            activity,
            activity_faults,
        },
    )
}

/// `GET /contacts/{id}`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = id_of(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let form = ActivityForm::new(page.lang, &Form::default());
    let merged = match Form::query(&req).get("merged").as_deref() {
        Some("1") => Some(("merge.done", false)),
        Some("conflict") => Some(("merge.conflict", true)),
        _ => None,
    };
    let q = Form::query(&req);
    let notice = match (q.get("emailed"), q.get("notice").as_deref()) {
        (Some(_), _) => Some("email.queued"),
        (None, Some("privacy_logged")) => Some("privacy.done_logged"),
        (None, Some(code)) => super::lead::notice_key(code),
        _ => None,
    };
    whole_page(
        web,
        &auth.actor,
        page,
        id,
        (form, Faults::default()),
        merged,
        (notice, StatusCode::OK),
    )
    .await
}

/// `POST /contacts/{id}/activities`: logs a note, a call, a task or a meeting about the
/// contact; back to the page, whose timeline shows it, or the page with the form's faults
/// and what was typed.
pub(crate) async fn log_activity<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = id_of(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    match super::activity::log(web, &actor, EntityType::Contact, id.as_uuid(), &form).await {
        Ok(()) => see_other(&req, &web.settings.base_path, &format!("/contacts/{id}")),
        Err(ServiceError::Invalid(v)) => {
            let faults = Faults::from_error(page.lang, &v);
            let activity = ActivityForm::new(page.lang, &form);
            whole_page(
                web,
                &actor,
                page,
                id,
                (activity, faults),
                None,
                (None, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(e) => error_page(page, &e),
    }
}

/// The contact of the path, for a fragment (no shell); else the answer.
async fn contact_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
) -> Result<(crm_domain::Actor, Page, Contact), Response> {
    let (auth, page) = session_of(web, req, "contacts").await?;
    let Some(id) = id_of(req) else {
        return Err(error_page(page, &ServiceError::NotFound));
    };
    match web.app.contact(&auth.actor, id).await {
        Ok(c) => Ok((auth.actor, page, c)),
        Err(e) => Err(error_page(page, &e)),
    }
}

/// `GET /contacts/{id}/details`: the details fragment (after a cancelled edit).
pub(crate) async fn details<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (actor, page, c) = match contact_of(web, &req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let view = view_of(web, &actor, page.lang, &c).await;
    render(
        StatusCode::OK,
        &DetailsFragment {
            editable: editable(&actor, &c),
            page,
            c: view,
            renamed: false,
        },
    )
}

/// `GET /contacts/{id}/edit`: the details as a form, in place.
pub(crate) async fn edit_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (_, page, c) = match contact_of(web, &req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &EditFragment {
            id: c.id.as_uuid(),
            version: c.version,
            form: FormView::of(page.lang, &c),
            faults: Faults::default(),
            conflict: false,
            differences: Vec::new(),
            page,
        },
    )
}

/// `POST /contacts/{id}`: saves the edited details; the details again, or the form with its
/// faults, or a conflict when someone saved meanwhile.
pub(crate) async fn update<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = id_of(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    let current = match web.app.contact(&actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(current.version);
    let input = input_of(&form, Some(&current));
    let lang = page.lang;
    let typed = FormView::new(lang, &input.kind, &form);
    let fragment = |faults: Faults, page: Page, typed: FormView| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditFragment {
                id: id.as_uuid(),
                version,
                form: typed,
                faults,
                conflict: false,
                differences: Vec::new(),
                page,
            },
        )
    };
    match web.app.update_contact(&actor, id, version, &input).await {
        Ok(c) => {
            super::drafts::forget(web, &actor, "contact", Some(c.id.as_uuid())).await;
            if req.header("hx-request").is_none() {
                return see_other(&req, &web.settings.base_path, &format!("/contacts/{}", c.id));
            }
            let view = view_of(web, &actor, lang, &c).await;
            render(
                StatusCode::OK,
                &DetailsFragment {
                    editable: editable(&actor, &c),
                    page,
                    c: view,
                    renamed: true,
                },
            )
        }
        Err(ServiceError::Invalid(v)) => fragment(Faults::from_error(lang, &v), page, typed),
        // Saved meanwhile by someone else: what was typed stays in the form, now over the
        // newer version, with both values of every field where they differ.
        Err(ServiceError::Conflict) => {
            let stored = match web.app.contact(&actor, id).await {
                Ok(c) => c,
                Err(e) => return error_page(page, &e),
            };
            render(
                StatusCode::CONFLICT,
                &EditFragment {
                    id: id.as_uuid(),
                    version: stored.version,
                    differences: typed.differences(&FormView::of(lang, &stored), lang),
                    form: typed,
                    faults: Faults::default(),
                    conflict: true,
                    page,
                },
            )
        }
        Err(e) => error_page(page, &e),
    }
}
