//! The company's settings (Admin, menu « Entreprise »): its name, country, time zone,
//! currency, default language and working days, saved as one change of the company.

use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::Actor;
use crm_domain::tenant::{SettingsInput, Tenant, WEEKDAY_CODES};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// The countries offered first (any other ISO code may be typed).
const COUNTRIES: [&str; 10] = ["FR", "BE", "CH", "LU", "MC", "CA", "DE", "ES", "IT", "GB"];
/// The currencies offered.
const CURRENCIES: [&str; 6] = ["EUR", "CHF", "GBP", "USD", "CAD", "XOF"];
/// The time zones offered first (any IANA name may be typed).
const ZONES: [&str; 12] = [
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Luxembourg",
    "Europe/Monaco",
    "Europe/London",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
];

/// The form as shown: saved values, or what was typed.
struct Fields {
    name: String,
    country: String,
    currency: String,
    time_zone: String,
    language: String,
    /// Code, label, checked.
    days: Vec<(&'static str, String, bool)>,
    second_factor_for_admins: bool,
    password_min_length: String,
    refuse_common_passwords: bool,
    session_hours: String,
    audience: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "company.html")]
struct CompanyPage {
    page: Page,
    f: Fields,
    countries: &'static [&'static str],
    currencies: &'static [&'static str],
    zones: &'static [&'static str],
    message: Option<String>,
    fault: Option<String>,
}

fn days(page: &Page, checked: &[String]) -> Vec<(&'static str, String, bool)> {
    WEEKDAY_CODES
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, page.t(&format!("weekday.{i}")), checked.iter().any(|x| x == c)))
        .collect()
}

fn saved(page: &Page, t: &Tenant) -> Fields {
    let s = &t.settings;
    let checked: Vec<String> = s.working_days.codes().into_iter().map(str::to_owned).collect();
    Fields {
        name: t.name.to_string(),
        country: s.country.as_str().to_owned(),
        currency: s.currency.as_str().to_owned(),
        time_zone: s.time_zone.name().to_owned(),
        language: s.language.code().to_owned(),
        days: days(page, &checked),
        second_factor_for_admins: s.second_factor_for_admins,
        password_min_length: s.password_min_length.to_string(),
        refuse_common_passwords: s.refuse_common_passwords,
        session_hours: s.session_hours.to_string(),
        audience: s.audience.code().to_owned(),
        version: t.version,
    }
}

fn show_page(page: Page, f: Fields, message: Option<String>, fault: Option<String>, status: StatusCode) -> Response {
    render(
        status,
        &CompanyPage {
            page,
            f,
            countries: &COUNTRIES,
            currencies: &CURRENCIES,
            zones: &ZONES,
            message,
            fault,
        },
    )
}

async fn current<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
) -> Result<Tenant, ServiceError> {
    // Everyone reads the company's settings through the API; this page is the Admin's.
    if !crm_domain::visibility::allows(actor, crm_domain::visibility::Capability::ManageTenant) {
        return Err(ServiceError::Forbidden);
    }
    web.app.tenant(actor).await
}

/// `GET /settings/company`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "company").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match current(web, &auth.actor).await {
        Ok(t) => {
            let message = Form::query(&req).get("done").map(|d| page.t(&format!("company.done_{d}")));
            let f = saved(&page, &t);
            show_page(page, f, message, None, StatusCode::OK)
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/company`.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "company").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let checked = form.all("working_days");
    let input = SettingsInput {
        country: Some(form.text("country")),
        currency: Some(form.text("currency")),
        time_zone: Some(form.text("time_zone")),
        language: Some(form.text("language")),
        working_days: Some(checked.clone()),
        second_factor_for_admins: Some(form.get("second_factor_for_admins").is_some()),
        // A number that does not read is the too small one: said at its field.
        password_min_length: Some(form.text("password_min_length").trim().parse().unwrap_or(0)),
        refuse_common_passwords: Some(form.get("refuse_common_passwords").is_some()),
        session_hours: Some(form.text("session_hours").trim().parse().unwrap_or(0)),
        audience: Some(form.text("audience")),
        // Set on the retention page.
        retention_months: None,
        retention_action: None,
    };
    let name = form.text("name");
    match web.app.update_tenant(&auth.actor, version, Some(&name), &input).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/company?done=saved"),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/company?done=stale"),
        Err(ServiceError::Invalid(e)) => {
            let fault = faults_text(page.lang, "company", &e);
            let f = Fields {
                name,
                country: form.text("country"),
                currency: form.text("currency"),
                time_zone: form.text("time_zone"),
                language: form.text("language"),
                days: days(&page, &checked),
                second_factor_for_admins: form.get("second_factor_for_admins").is_some(),
                password_min_length: form.text("password_min_length"),
                refuse_common_passwords: form.get("refuse_common_passwords").is_some(),
                session_hours: form.text("session_hours"),
                audience: form.text("audience"),
                version,
            };
            show_page(page, f, None, Some(fault), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(page, &e),
    }
}
