//! Writing an email to a contact: a page reached from the contact's, where the writer
//! picks a template (or writes freely, with the same variables), sees the email rendered
//! for this contact, and sends it — queued, then on the contact's timeline. Works without
//! script: the template is loaded by a plain form, the preview is a second submit button.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_domain::tenant::Language;
use crm_domain::{ContactId, FieldError, TemplateId, ValidationError};
use crm_ports::services::email::{ComposeEmail, Preview};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use std::collections::HashMap;

/// A fault as the writer reads it: what is wrong, where (the line of a template's text)
/// and what (an unknown variable's name).
pub(crate) fn fault_line(lang: Lang, f: &FieldError) -> String {
    let mut text = fault_text(lang, f.kind);
    if let Some(line) = f.line {
        text = format!("{text} ({} {line})", lang.t("email.line"));
    }
    if let Some(v) = &f.value
        && f.kind == crm_domain::ViolationKind::UnknownVariable
    {
        text = format!("{text} : « {v} »");
    }
    text
}

/// The faults of a refused email, by the form's field.
fn faults_of(lang: Lang, e: &ValidationError) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for f in e.errors() {
        let field = match f.field.as_str() {
            "contact_id" => "to",
            other => other.split('.').next().unwrap_or(other),
        };
        out.entry(field.to_owned()).or_insert_with(|| fault_line(lang, f));
    }
    out
}

/// The composer's values.
struct Composer {
    contact_id: String,
    /// The deal the email is about (written from its page).
    opportunity_id: String,
    contact_name: String,
    addresses: Vec<(String, bool)>,
    templates: Vec<(String, String, bool)>,
    languages: Vec<(&'static str, String, bool)>,
    template_id: String,
    subject: String,
    body: String,
    variables: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "email_compose.html")]
struct ComposePage {
    page: Page,
    c: Composer,
    faults: HashMap<String, String>,
    preview: Option<Preview>,
}

impl ComposePage {
    fn fault(&self, field: &str) -> String {
        self.faults.get(field).cloned().unwrap_or_default()
    }
}

fn language_of(form: &Form) -> Option<Language> {
    form.get("language").and_then(|l| Language::parse(&l).ok())
}

/// The email the form asks for.
fn input_of(id: ContactId, form: &Form) -> ComposeEmail {
    ComposeEmail {
        contact_id: Some(id),
        to: form.get("to"),
        template_id: form.get("template").and_then(|t| t.parse().ok()).map(TemplateId::from_uuid),
        opportunity_id: form
            .get("opportunity")
            .and_then(|o| o.parse().ok())
            .map(crm_domain::OpportunityId::from_uuid),
        language: language_of(form),
        subject: form.get("subject"),
        body: form.raw("body").map(|b| b.trim_end().to_owned()).filter(|b| !b.trim().is_empty()),
    }
}

/// The composer over what `form` holds; a chosen template (when the subject and body are
/// still empty) fills them in its language.
async fn composer_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    id: ContactId,
    form: &Form,
    (faults, preview): (HashMap<String, String>, Option<Preview>),
    status: StatusCode,
) -> Response {
    let contact = match web.app.contact(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let templates = match web.app.email_templates(actor).await {
        Ok(t) => t,
        Err(e) => return error_page(page, &e),
    };
    let chosen = form.get("template");
    let language = match language_of(form) {
        Some(l) => l,
        None => web.app.tenant(actor).await.map(|t| t.settings.language).unwrap_or_default(),
    };
    let (mut subject, mut body) = (form.text("subject"), form.raw("body").unwrap_or_default().to_owned());
    if subject.is_empty()
        && body.trim().is_empty()
        && let Some(t) = templates.iter().find(|t| Some(t.id.to_string()) == chosen)
        && let Some(v) = t.variant(language)
    {
        subject = v.subject.clone();
        body = v.body.clone();
    }
    let to = form.get("to");
    let addresses = contact
        .fields
        .emails
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_str().to_owned(), to.as_deref().map_or(i == 0, |t| t == e.as_str())))
        .collect();
    let c = Composer {
        contact_id: id.to_string(),
        opportunity_id: form.text("opportunity"),
        contact_name: super::contacts::full_name(&contact),
        addresses,
        templates: templates
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone(), Some(t.id.to_string()) == chosen))
            .collect(),
        languages: [Language::Fr, Language::En]
            .into_iter()
            .map(|l| (l.code(), page.t(&format!("email.language_{}", l.code())), l == language))
            .collect(),
        template_id: chosen.unwrap_or_default(),
        subject,
        body,
        variables: crm_domain::template::VARIABLES,
    };
    render(status, &ComposePage { page, c, faults, preview })
}

/// `GET /contacts/{id}/email` (`?template=` loads a template).
pub(crate) async fn compose<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let form = Form::query(&req);
    composer_page(web, &auth.actor, page, id, &form, (HashMap::new(), None), StatusCode::OK).await
}

/// `POST /contacts/{id}/email/preview`: the email rendered for the contact, under the form.
pub(crate) async fn preview<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.preview_email(&auth.actor, &input_of(id, &form), &web.settings.mail).await {
        Ok(p) => composer_page(web, &auth.actor, page, id, &form, (HashMap::new(), Some(p)), StatusCode::OK).await,
        Err(ServiceError::Invalid(e)) => {
            let faults = faults_of(page.lang, &e);
            composer_page(web, &auth.actor, page, id, &form, (faults, None), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /contacts/{id}/email`: queued; back to the contact's page, which says so and
/// shows it on the timeline.
pub(crate) async fn send<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(ContactId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.send_email(&auth.actor, &input_of(id, &form), &web.settings.mail).await {
        Ok(m) => {
            let back = match m.opportunity_id {
                Some(o) => format!("/opportunities/{o}?emailed=1"),
                None => format!("/contacts/{id}?emailed=1"),
            };
            see_other(&req, &web.settings.base_path, &back)
        }
        Err(ServiceError::Invalid(e)) => {
            let faults = faults_of(page.lang, &e);
            composer_page(web, &auth.actor, page, id, &form, (faults, None), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}
