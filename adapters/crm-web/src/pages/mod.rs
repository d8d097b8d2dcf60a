//! The pages, one file per area, and what they share: who is signed in (else the login
//! page, coming back after), the CSRF check of writes, form bodies and query strings.

pub mod access;
pub mod access_log;
pub mod account;
pub mod activity;
pub mod audit;
pub mod auth;
pub mod automation_form;
pub mod automations;
pub mod campaign_moves;
pub mod campaigns;
pub mod company;
pub mod consents;
pub mod contact;
pub mod contact_form;
pub mod contacts;
pub mod drafts;
pub mod duplicates;
pub mod email;
pub mod forecast;
pub mod import_plan;
pub mod imports;
pub mod lead;
pub mod live;
pub mod mail_relay;
pub mod merge;
pub mod operator;
pub mod opportunity;
pub mod organizations;
pub mod people;
pub mod pipeline;
pub mod pipeline_settings;
pub mod privacy;
pub mod register;
pub mod reminders;
pub mod report_mail;
pub mod reports;
pub mod retention;
pub mod scoring;
pub mod search;
pub mod second_factor;
pub mod segment_form;
pub mod segments;
pub mod suppressions;
pub mod team;
pub mod templates;
pub mod territories;
pub mod timeline;
pub mod todo;
pub mod tracking;
pub mod webhooks;

use crate::Web;
use crate::view::{Page, see_other};
use crm_ports::services::auth::Authenticated;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::{Request, Response};

/// The signed-in person and the page's context, without the shell's name (fragments);
/// else the answer that sends them to the login page (and back here after).
pub(crate) async fn session_of<S, K, C, I, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    section: &'static str,
) -> Result<(Authenticated, Page), Response>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    let base = &web.settings.base_path;
    let Some(auth) = crate::session::current(&web.app, req).await else {
        // A request of the page's script: the page keeps what is typed and asks for the
        // password in a dialog, instead of leaving for the login page.
        if req.header("hx-request").is_some() {
            return Err(login_required());
        }
        let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let here = here.strip_prefix(base.as_str()).unwrap_or(here);
        return Err(see_other(req, base, &format!("/login?next={}", encode(here))));
    };
    Ok((auth, Page::new(req, base, section)))
}

/// The answer to a request of the page's script without a session: 401, and a header
/// saying that logging in again is what it takes.
pub(crate) fn login_required() -> Response {
    Response::builder()
        .status(poem::http::StatusCode::UNAUTHORIZED)
        .header("x-crm-login", "required")
        .header("cache-control", "no-store")
        .finish()
}

/// As [`session_of`], with the signed-in person's name for the shell of a whole page.
pub(crate) async fn signed_in<S, K, C, I, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    section: &'static str,
) -> Result<(Authenticated, Page), Response>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    let (auth, mut page) = session_of(web, req, section).await?;
    let user = match auth.actor.user_id() {
        Some(user) => web.app.user(&auth.actor, user).await.ok(),
        None => None,
    };
    page.user = Some(user.as_ref().map(|u| u.display_name.to_string()).unwrap_or_default());
    page.email = user.map(|u| u.email.as_str().to_owned()).unwrap_or_default();
    page.tenant_id = auth.actor.tenant_id().map(|t| t.to_string()).unwrap_or_default();
    page.unread = unread(web, &auth.actor).await;
    page.user_id = auth.actor.user_id().map(|u| u.to_string()).unwrap_or_default();
    page.templates = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ManageTemplates);
    page.campaigns = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::RunCampaigns);
    page.admin = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ManageTenant);
    page.reports = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ReadForecast);
    page.pipeline = crm_domain::visibility::read_scope(&auth.actor, crm_domain::visibility::Owned::Opportunity)
        != crm_domain::visibility::RecordScope::Nothing;
    page.forecasts = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ReadTeamForecasts);
    page.scoring = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ManageScoring);
    page.automations = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ManageAutomations);
    page.operator = matches!(auth.actor, crm_domain::Actor::Operator);
    page.duplicates = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ReviewDuplicates);
    page.audit = crm_domain::visibility::allows(&auth.actor, crm_domain::visibility::Capability::ReadRecordHistory);
    if page.operator {
        page.user = Some(page.t("app.operator_name"));
    }
    Ok((auth, page))
}

/// Most unread notifications counted for the bell (`99+` beyond).
const UNREAD_SHOWN: u32 = 100;

/// The bell's count: the reader's unread notifications, up to [`UNREAD_SHOWN`].
pub(crate) async fn unread<S, K, C, I, X>(web: &Web<S, K, C, I, X>, actor: &crm_domain::Actor) -> usize
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    if actor.user_id().is_none() {
        return 0;
    }
    web.app.notifications(actor, true, UNREAD_SHOWN).await.map_or(0, |n| n.len())
}

/// The company's time zone (Paris when it cannot be read).
pub(crate) async fn company_tz<S, K, C, I, X>(web: &Web<S, K, C, I, X>, actor: &crm_domain::Actor) -> chrono_tz::Tz
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    web.app
        .tenant(actor)
        .await
        .map_or(chrono_tz::Europe::Paris, |t| t.settings.time_zone.tz())
}

/// A day typed in a form (`YYYY-MM-DD`) as a time: noon in the company's time zone, or
/// `None` for today or nothing typed (the use case's now). `Err` when it does not read.
pub(crate) async fn typed_day<S, K, C, I, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    typed: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ()>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| ())?;
    if Some(day) == web.app.company_today(actor).await.ok() {
        return Ok(None);
    }
    let tz = company_tz(web, actor).await;
    Ok(day
        .and_hms_opt(12, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&chrono::Utc)))
}

/// The whole address of a path of the interface, as the browser reached this server (a
/// link to hand over, such as a one-time login link).
pub(crate) fn absolute<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: &Request, path: &str) -> String {
    let host = req.header("host").unwrap_or("localhost");
    let https = web.settings.secure_cookies || req.header("x-forwarded-proto") == Some("https");
    format!("{}://{host}{}{path}", if https { "https" } else { "http" }, web.settings.base_path)
}

/// The id of the request's path (`…/{id}`), when it is a UUID.
pub(crate) fn path_id(req: &Request) -> Option<uuid::Uuid> {
    req.raw_path_param("id").and_then(|i| uuid::Uuid::parse_str(i).ok())
}

/// This year in the company's time zone, by the application's clock (dates of this year
/// are written without it).
pub(crate) fn this_year<S, K, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, tz: chrono_tz::Tz) -> i32 {
    chrono::Datelike::year(&web.app.now().with_timezone(&tz).date_naive())
}

/// The signed-in person of a write that carries their CSRF token; else the answer (the
/// login page, or "forbidden" without the token: nothing is written).
pub(crate) async fn signed_write<S, K, C, I, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
    form: &Form,
    section: &'static str,
) -> Result<(Authenticated, Page), Response>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator,
{
    let (auth, page) = signed_in(web, req, section).await?;
    if csrf_ok(&web.app, &auth, req, form) {
        Ok((auth, page))
    } else {
        Err(crate::view::error_page(page, &crm_ports::ServiceError::Forbidden))
    }
}

/// Whether a write carries the session's CSRF token (form field `csrf`, or the
/// `X-CSRF-Token` header of htmx requests).
pub(crate) fn csrf_ok<S, K, C, I>(app: &crm_ports::App<S, K, C, I>, auth: &Authenticated, req: &Request, form: &Form) -> bool
where
    K: Credentials,
{
    let presented = req
        .header(crate::session::CSRF_HEADER)
        .map(str::to_owned)
        .or_else(|| form.get("csrf"))
        .unwrap_or_default();
    !presented.is_empty() && app.csrf_matches(auth, &presented)
}

/// Largest form body read.
pub(crate) const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A form body or a query string, decoded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// Parses `a=1&b=x+y`.
    pub(crate) fn parse(text: &str) -> Self {
        Self(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// Every value of a repeated key (checkboxes), in order.
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    /// The request's query string.
    pub(crate) fn query(req: &Request) -> Self {
        Self::parse(req.uri().query().unwrap_or_default())
    }

    /// The request's body, read up to [`MAX_FORM_BYTES`] (a larger one reads as empty, so
    /// the write it carried fails its CSRF check and nothing is written).
    pub(crate) async fn body(req: &mut Request) -> Self {
        let bytes = req.take_body().into_bytes_limit(MAX_FORM_BYTES).await.unwrap_or_default();
        Self::parse(&String::from_utf8_lossy(&bytes))
    }

    /// Every pair, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// A value as sent (the last one of a repeated key).
    pub(crate) fn raw(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A value, trimmed; `None` when absent or empty.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.raw(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// A value or the empty string.
    pub(crate) fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default()
    }
}

fn decode(s: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a value for a query string.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        let f = Form::parse("email=marie%40exemple.fr&name=Jos%C3%A9+Martin&empty=&x");
        assert_eq!(f.get("email").as_deref(), Some("marie@exemple.fr"));
        assert_eq!(f.get("name").as_deref(), Some("José Martin"));
        assert_eq!(f.get("empty"), None);
        assert_eq!(f.get("x"), None);
        assert_eq!(Form::parse("a=%zz%4").text("a"), "%zz%4");
        assert_eq!(Form::parse("ids=1&x=2&ids=3").all("ids"), ["1", "3"]);
        assert_eq!(encode("/contacts?kind=a b"), "/contacts%3Fkind%3Da%20b");
    }
}
