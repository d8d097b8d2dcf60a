//! The REST API under `/api/v1`: one file per resource, an OpenAPI document at
//! `/api/openapi.json`, interactive docs at `/api/docs`, and every error as problem+json.

pub mod activities;
pub mod auth;
pub mod automations;
pub mod background;
pub mod calendar;
pub mod campaigns;
pub mod common;
pub mod consents;
pub mod contacts;
pub mod dashboard;
pub mod direct_json;
pub mod dto;
pub mod duplicates;
pub mod email;
pub mod exports;
pub mod files;
pub mod gate;
pub mod history;
pub mod idempotency;
pub mod imports;
pub mod inbound;
pub mod leads;
pub mod mail_relay;
pub mod naming;
pub mod opportunities;
pub mod organizations;
pub mod patch;
pub mod pipelines;
pub mod privacy;
pub mod problem;
pub mod reminders;
pub mod report_subscriptions;
pub mod reports;
pub mod schema;
pub mod scoring;
pub mod search;
pub mod search_answer;
pub mod second_factor;
pub mod security;
pub mod segments;
pub mod stream;
pub mod suppressions;
pub mod team_forecast;
pub mod team_view;
pub mod telephony;
pub mod tenants;
pub mod territories;
pub mod users;
pub mod webhooks;

use crate::assemble::CrmApp;
use crm_domain::organization::{AddressInput, PostalAddress};
use poem_openapi::{Object, OpenApiService, Tags};
use problem::{ApiError, Code};

/// Groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// Login, logout, sessions, personal API tokens.
    Auth,
    /// Tenants (platform operator) and the current tenant's settings.
    Tenants,
    /// Users and teams.
    Users,
    /// Contacts.
    Contacts,
    /// Leads and the customer cycle: qualification, hand-over, conversion, funnel.
    Leads,
    /// Organizations.
    Organizations,
    /// Pipelines and stages.
    Pipelines,
    /// Opportunities.
    Opportunities,
    /// Forecast.
    Forecast,
    /// Activities, timelines, to-do lists.
    Activities,
    /// Audit history.
    Audit,
    /// Real-time stream of changes.
    Realtime,
    /// Full-text search.
    Search,
    /// Segments: static lists and dynamic rules.
    Segments,
    /// Background work: readers of the event log, jobs and timers.
    Background,
    /// Files: uploads for imports, and their content.
    Files,
    /// Email: templates, writing to a contact, the messages and their delivery.
    Email,
    /// Reports: sales by period, the pipeline.
    Reports,
    /// Webhooks: subscriptions, the delivery log, replays.
    Webhooks,
    /// Automation: rules, their run log, dry runs.
    Automations,
    /// The rights of the people the company keeps data on (GDPR): requests, export,
    /// erasure.
    Privacy,
}

/// What the API serves besides the application: the search index, the readers of the
/// log (for their status), the file storage.
#[derive(Clone)]
pub struct Extras {
    /// The process's search index.
    pub search: crate::search::SearchHandle,
    /// The readers of the event log.
    pub consumers: std::sync::Arc<[std::sync::Arc<dyn crm_ports::runtime::consumers::Consumer>]>,
    /// Where file contents live.
    pub files: std::sync::Arc<dyn crm_ports::files::FileStorage>,
    /// How email is written.
    pub mail: crm_ports::services::email::MailSettings,
    /// How webhooks are sent (their addresses are checked with it).
    pub webhooks: std::sync::Arc<dyn crm_ports::webhook::WebhookTransport>,
}

/// A postal address.
#[derive(Debug, Clone, Object, Default, serde::Serialize)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct AddressDto {
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country, ISO 3166 two letters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

pub(crate) fn address_in(a: &AddressDto) -> AddressInput {
    AddressInput {
        street: a.street.clone(),
        postal_code: a.postal_code.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
    }
}

pub(crate) fn address_out(a: &PostalAddress) -> AddressDto {
    address_into(a.clone())
}

/// [`address_out`], the address's strings moved rather than copied.
pub(crate) fn address_into(a: PostalAddress) -> AddressDto {
    AddressDto {
        street: a.street.map(String::from),
        postal_code: a.postal_code.map(String::from),
        city: a.city.map(String::from),
        country: a.country.map(|c| c.as_str().to_owned()),
    }
}

/// The OpenAPI service with every resource.
pub fn service(app: &CrmApp, http: auth::HttpSettings, extras: Extras) -> OpenApiService<impl poem_openapi::OpenApi, ()> {
    let base_path = http.base_path.clone();
    let max_upload = http.max_upload_bytes;
    let Extras {
        search,
        consumers,
        files,
        mail,
        webhooks,
    } = extras;
    let service = OpenApiService::new(
        (
            auth::AuthApi {
                app: app.clone(),
                http: http.clone(),
            },
            second_factor::SecondFactorApi { app: app.clone(), http },
            tenants::TenantsApi { app: app.clone() },
            users::UsersApi { app: app.clone() },
            contacts::ContactsApi { app: app.clone() },
            leads::LeadsApi { app: app.clone() },
            organizations::OrganizationsApi { app: app.clone() },
            pipelines::PipelinesApi { app: app.clone() },
            opportunities::OpportunitiesApi { app: app.clone() },
            activities::ActivitiesApi { app: app.clone() },
            activities::DashboardApi { app: app.clone() },
            history::AuditApi { app: app.clone() },
            // poem-openapi takes tuples of at most 16 APIs: the rest nest here.
            (
            stream::StreamApi { app: app.clone() },
            reminders::RemindersApi { app: app.clone() },
            calendar::CalendarApi {
                app: app.clone(),
                base_path: base_path.clone(),
            },
            telephony::TelephonyApi { app: app.clone() },
            search::SearchApi {
                app: app.clone(),
                search: search.clone(),
            },
            segments::SegmentsApi { app: app.clone(), search },
            duplicates::DuplicatesApi { app: app.clone() },
            background::BackgroundApi {
                app: app.clone(),
                consumers,
            },
            files::FilesApi {
                app: app.clone(),
                files: files.clone(),
                max_upload,
                base_path: base_path.clone(),
            },
            imports::ImportsApi {
                app: app.clone(),
                files,
                base_path: base_path.clone(),
            },
            exports::ExportsApi { app: app.clone() },
            suppressions::SuppressionsApi { app: app.clone() },
            campaigns::CampaignsApi {
                app: app.clone(),
                mail: mail.clone(),
            },
            email::EmailApi { app: app.clone(), mail },
            (
                inbound::InboundApi { app: app.clone() },
                mail_relay::MailRelayApi { app: app.clone() },
                reports::ReportsApi { app: app.clone() },
                team_forecast::TeamForecastApi { app: app.clone() },
                team_view::TeamViewApi { app: app.clone() },
                report_subscriptions::ReportSubscriptionsApi { app: app.clone() },
                webhooks::WebhooksApi {
                    app: app.clone(),
                    transport: webhooks,
                },
                scoring::ScoringApi { app: app.clone() },
                automations::AutomationsApi { app: app.clone() },
                territories::TerritoriesApi { app: app.clone() },
                privacy::PrivacyApi { app: app.clone() },
                consents::ConsentsApi { app: app.clone() },
            ),
            ),
        ),
        "CRM API",
        env!("CARGO_PKG_VERSION"),
    )
    .description("API REST du CRM multi-entreprise. Les erreurs suivent RFC 9457 (application/problem+json), en français par défaut (Accept-Language: en pour l'anglais).");
    // Mounted under a prefix: the docs page sends its requests there.
    if base_path.is_empty() { service } else { service.server(base_path) }
}

/// Request id put in the request's extensions by the logging middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub std::sync::Arc<str>);

/// An error of the framework or of a route as its problem response, in `lang`, naming the
/// request's id and `path`.
pub fn problem(e: poem::Error, lang: crate::i18n::Lang, rid: Option<&RequestId>, path: &str) -> poem::Response {
    to_api_error(e).render(lang, rid.map_or("", |r| &r.0), path)
}

/// An error of the framework or of a route as the API's own.
fn to_api_error(e: poem::Error) -> ApiError {
    if let Some(a) = e.downcast_ref::<ApiError>() {
        return a.clone();
    }
    let status = e.status().as_u16();
    tracing::debug!(status, error = %e, "request refused by the framework");
    match status {
        401 => ApiError::new(Code::Unauthenticated),
        403 => ApiError::new(Code::Forbidden),
        404 => ApiError::new(Code::NotFound),
        405 => ApiError::new(Code::MethodNotAllowed),
        413 => ApiError::new(Code::PayloadTooLarge),
        415 => ApiError::new(Code::UnsupportedMediaType),
        400..=499 => ApiError::new(Code::MalformedRequest),
        _ => ApiError::internal(e.to_string()),
    }
}
