//! What every page shares: the shell's context (language, base path, CSRF token, the
//! signed-in person, the asset names), HTML responses with the interface's
//! Content-Security-Policy, redirects, and the error pages.

use crate::assets::ASSETS;
use crate::i18n::Lang;
use askama::Template;
use poem::http::StatusCode;
use poem::{Request, Response};

/// The interface's policy: scripts, styles and connections of this origin only; nothing
/// inline, no `eval`, no frames.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'; object-src 'none'";

/// The shell of a page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Language.
    pub lang: Lang,
    /// The path prefix the interface is mounted under (`""` at the root).
    pub base: String,
    /// The CSRF token to send back with writes.
    pub csrf: String,
    /// The signed-in person's name (`None` on the login page).
    pub user: Option<String>,
    /// The section of the navigation this page belongs to.
    pub section: &'static str,
    /// Unread notifications (the bell), on whole pages.
    pub unread: usize,
    /// The signed-in user's id (the live updates skip the echo of their own changes).
    pub user_id: String,
    /// The signed-in user's address and company (logging in again in a dialog).
    pub email: String,
    /// See `email`.
    pub tenant_id: String,
    /// Whether the reader writes the company's email templates (the menu shows them).
    pub templates: bool,
    /// Whether the reader runs the company's campaigns (the menu shows them).
    pub campaigns: bool,
    /// Whether the reader is the company's Admin (links to the Admin's pages).
    pub admin: bool,
    /// Whether the reader reads reports (the menu shows them).
    pub reports: bool,
    /// Whether the reader sees any opportunity (Marketing sees none: no pipeline in the
    /// menu).
    pub pipeline: bool,
    /// Whether the reader reads teams' forecasts (the menu shows them).
    pub forecasts: bool,
    /// Whether the reader writes the lead scoring rules (the menu shows them).
    pub scoring: bool,
    /// Whether the reader writes the automation rules (the menu shows them).
    pub automations: bool,
    /// Whether the reader is the platform operator (their menu is the companies alone).
    pub operator: bool,
    /// Whether the reader reviews the duplicates queue (the menu shows it).
    pub duplicates: bool,
    /// Whether the reader reads the audit log (the menu shows it).
    pub audit: bool,
}

impl Page {
    /// A page of the request.
    pub fn new(req: &Request, base: &str, section: &'static str) -> Self {
        Self {
            lang: Lang::of_request(req),
            base: base.to_owned(),
            csrf: crate::session::csrf(req),
            user: None,
            section,
            unread: 0,
            user_id: String::new(),
            email: String::new(),
            tenant_id: String::new(),
            templates: false,
            campaigns: false,
            admin: false,
            reports: false,
            pipeline: false,
            forecasts: false,
            scoring: false,
            automations: false,
            operator: false,
            duplicates: false,
            audit: false,
        }
    }

    /// The text of a key.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A path of the interface, with the base path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An embedded file's address.
    pub fn asset(&self, which: &str) -> String {
        let a = &*ASSETS;
        let name = match which {
            "htmx" => &a.htmx.name,
            "css" => &a.app_css.name,
            "sortable" => &a.sortable.name,
            "segments" => &a.segments_js.name,
            "icon" => &a.icons[0].name,
            "phone" => &a.phone_js.name,
            _ => &a.app_js.name,
        };
        format!("{}/assets/{name}", self.base)
    }

    /// `aria-current` of a navigation link.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section { "page" } else { "false" }
    }
}

/// An HTML answer with the interface's policy.
pub fn html(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header("content-security-policy", CSP)
        .header("cache-control", "no-store")
        .body(body)
}

/// Renders a template (a template that cannot render is an internal error, logged).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            html(StatusCode::INTERNAL_SERVER_ERROR, String::from("<!doctype html><title>500</title>"))
        }
    }
}

/// A redirect after a form (303: the browser follows with `GET`). `to` is a path of the
/// interface without its base path; htmx requests are told through `HX-Redirect`.
pub fn see_other(req: &Request, base: &str, to: &str) -> Response {
    let target = format!("{base}{to}");
    if req.header("hx-request").is_some() {
        return Response::builder().status(StatusCode::OK).header("hx-redirect", target).finish();
    }
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("location", target)
        .finish()
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The shell.
    pub page: Page,
    /// Title key.
    pub title: &'static str,
    /// Message key.
    pub message: &'static str,
}

/// The page of a service error that is not about the input: not found (404), forbidden
/// (403), anything else (500, logged).
pub fn error_page(page: Page, e: &crm_ports::ServiceError) -> Response {
    use crm_ports::ServiceError as E;
    let (status, title, message) = match e {
        E::NotFound => (StatusCode::NOT_FOUND, "errors.not_found_title", "errors.not_found"),
        E::Forbidden => (StatusCode::FORBIDDEN, "errors.forbidden_title", "errors.forbidden"),
        other => {
            tracing::error!(error = %other, "a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "errors.failed_title", "errors.failed")
        }
    };
    render(status, &ErrorPage { page, title, message })
}

/// The message of a field's fault.
/// The reasons of a refusal, one sentence per field: the page's own (`{section}.fault_{field}`,
/// the field's last part) where it has one, else the field and the generic text of its fault.
pub(crate) fn faults_text(lang: Lang, section: &str, v: &crm_domain::ValidationError) -> String {
    v.errors()
        .iter()
        .map(|f| {
            let key = format!("{section}.fault_{}", f.field.rsplit('.').next().unwrap_or_default());
            let t = lang.t(&key);
            if t == key {
                format!("{} : {}", f.field, fault_text(lang, f.kind))
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn fault_text(lang: Lang, kind: crm_domain::ViolationKind) -> String {
    let key = format!("field.{}", kind.code());
    let text = lang.t(&key);
    if text == key { lang.t("field.other") } else { text }
}
