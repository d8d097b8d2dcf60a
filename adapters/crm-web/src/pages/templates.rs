//! The company's email templates (Admin, Manager, Marketing): the list, and a form per
//! template with its French and English subject and body, the variables at hand, a
//! preview with sample values, and the faults of a refused template at their line.

use super::email::fault_line;
use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::template::{EmailTemplate, Rendered, TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::{TemplateId, ValidationError};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use std::collections::HashMap;

const LANGUAGES: [Language; 2] = [Language::Fr, Language::En];

struct Line {
    id: String,
    name: String,
    languages: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "email_templates.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
    message: Option<&'static str>,
}

/// One language's fields of the form.
struct VariantFields {
    code: &'static str,
    label: String,
    subject: String,
    body: String,
    /// Its sample rendering, after a preview.
    sample: Option<Rendered>,
}

#[derive(Template)]
#[template(path = "email_template_form.html")]
struct FormPage {
    page: Page,
    /// `None` for a new template.
    id: Option<String>,
    version: i64,
    name: String,
    variants: Vec<VariantFields>,
    faults: HashMap<String, String>,
    variables: &'static [&'static str],
    /// A stale save: someone changed it meanwhile.
    conflict: bool,
}

impl FormPage {
    fn fault(&self, field: &str) -> String {
        self.faults.get(field).cloned().unwrap_or_default()
    }
}

/// The languages the form sends, in the order of the input it builds.
fn sent_languages(form: &Form) -> Vec<Language> {
    LANGUAGES
        .into_iter()
        .filter(|l| {
            l == &Language::Fr || form.get(&format!("{}_subject", l.code())).is_some() || form.get(&format!("{}_body", l.code())).is_some()
        })
        .collect()
}

fn input_of(form: &Form) -> TemplateInput {
    TemplateInput {
        name: form.text("name"),
        variants: sent_languages(form)
            .into_iter()
            .map(|l| TemplateVariant {
                language: l,
                subject: form.text(&format!("{}_subject", l.code())),
                body: form
                    .raw(&format!("{}_body", l.code()))
                    .map(|b| b.trim_end().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// The template's version the form was opened at.
fn version_of(form: &Form) -> i64 {
    form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The faults by the form's field (`fr_body`, `name`...).
fn faults_of(lang: Lang, form: &Form, e: &ValidationError) -> HashMap<String, String> {
    let sent = sent_languages(form);
    let mut out = HashMap::new();
    for f in e.errors() {
        let parts: Vec<&str> = f.field.split('.').collect();
        let field = match parts.as_slice() {
            ["variants", i, part, ..] => match i.parse::<usize>().ok().and_then(|i| sent.get(i)) {
                Some(l) => format!("{}_{part}", l.code()),
                None => "name".to_owned(),
            },
            [first, ..] => (*first).to_owned(),
            [] => "name".to_owned(),
        };
        out.entry(field).or_insert_with(|| fault_line(lang, f));
    }
    out
}

fn form_page(page: Page, id: Option<String>, version: i64, form: &Form) -> FormPage {
    let variants = LANGUAGES
        .into_iter()
        .map(|l| VariantFields {
            code: l.code(),
            label: page.t(&format!("email.language_{}", l.code())),
            subject: form.text(&format!("{}_subject", l.code())),
            body: form.raw(&format!("{}_body", l.code())).unwrap_or_default().to_owned(),
            sample: None,
        })
        .collect();
    FormPage {
        page,
        id,
        version,
        name: form.text("name"),
        variants,
        faults: HashMap::new(),
        variables: crm_domain::template::VARIABLES,
        conflict: false,
    }
}

/// A stored template as the form's fields.
fn form_of(t: &EmailTemplate) -> Form {
    let mut pairs = vec![("name".to_owned(), t.name.clone())];
    for v in &t.variants {
        pairs.push((format!("{}_subject", v.language.code()), v.subject.clone()));
        pairs.push((format!("{}_body", v.language.code()), v.body.clone()));
    }
    Form(pairs)
}

/// `GET /email-templates`.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tz = super::company_tz(web, &auth.actor).await;
    let templates = match web.app.email_templates(&auth.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(page, &e),
    };
    let message = match Form::query(&req).get("done").as_deref() {
        Some("saved") => Some("templates.saved"),
        Some("deleted") => Some("templates.deleted"),
        _ => None,
    };
    let lines = templates
        .iter()
        .map(|t| Line {
            id: t.id.to_string(),
            name: t.name.clone(),
            languages: t
                .variants
                .iter()
                .map(|v| page.t(&format!("email.language_{}", v.language.code())))
                .collect::<Vec<_>>()
                .join(", "),
            updated: page.lang.date_time(t.updated_at, tz),
        })
        .collect();
    render(StatusCode::OK, &ListPage { page, lines, message })
}

/// `GET /email-templates/new`.
pub(crate) async fn new_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (_, page) = match signed_in(web, &req, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(StatusCode::OK, &form_page(page, None, 0, &Form::default()))
}

/// `GET /email-templates/{id}`.
pub(crate) async fn edit_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(TemplateId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.email_template(&auth.actor, id).await {
        Ok(t) => render(StatusCode::OK, &form_page(page, Some(t.id.to_string()), t.version, &form_of(&t))),
        Err(e) => error_page(page, &e),
    }
}

/// The form again, refused: its faults beside their fields.
fn refused(page: Page, form: &Form, e: &ValidationError) -> Response {
    let faults = faults_of(page.lang, form, e);
    let version = version_of(form);
    let mut p = form_page(page, form.get("id"), version, form);
    p.faults = faults;
    render(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

/// `POST /email-templates/preview`: the form again, with each language rendered on
/// sample values (or its faults).
pub(crate) async fn sample<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.sample_email_template(&auth.actor, input_of(&form)).await {
        Ok(samples) => {
            let version = version_of(&form);
            let mut p = form_page(page, form.get("id"), version, &form);
            for (language, rendered) in samples {
                if let Some(v) = p.variants.iter_mut().find(|v| v.code == language.code()) {
                    v.sample = Some(rendered);
                }
            }
            render(StatusCode::OK, &p)
        }
        Err(ServiceError::Invalid(e)) => refused(page, &form, &e),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /email-templates`: a new template.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.create_email_template(&auth.actor, input_of(&form)).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/email-templates?done=saved"),
        Err(ServiceError::Invalid(e)) => refused(page, &form, &e),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /email-templates/{id}`: saved over the version the form was opened at.
pub(crate) async fn update<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(TemplateId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = version_of(&form);
    match web.app.update_email_template(&auth.actor, id, version, input_of(&form)).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/email-templates?done=saved"),
        Err(ServiceError::Invalid(e)) => refused(page, &form, &e),
        Err(ServiceError::Conflict) => {
            let mut p = form_page(page, Some(id.to_string()), version, &form);
            p.conflict = true;
            render(StatusCode::CONFLICT, &p)
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /email-templates/{id}/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "templates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(TemplateId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = version_of(&form);
    match web.app.delete_email_template(&auth.actor, id, version).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/email-templates?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}
