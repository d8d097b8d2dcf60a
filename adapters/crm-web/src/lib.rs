//! The CRM's web interface: a driving adapter beside the REST API. Pages are rendered on the
//! server from templates checked at compile time (askama) and made interactive by htmx and
//! one small script of ours; every page calls the use cases of `crm-ports` exactly as the
//! API does (no SQL, no rule, no visibility decision here). French by default, English when
//! the browser prefers it; every text in `i18n/`. Mounted by `crm-server` at the root, the
//! API staying under `/api`; it works under a host's path prefix too.
#![forbid(unsafe_code)]

mod assets;
mod i18n;
mod pages;
mod pwa;
pub mod register_export;
mod report_activity;
pub mod report_export;
mod session;
mod view;

pub use i18n::Lang;
pub use view::CSP;

use crm_ports::files::FileStorage;
use crm_ports::search::SearchIndex;
use crm_ports::store::Store;
use crm_ports::tables::TableReader;
use crm_ports::{App, Clock, Credentials, IdGenerator};
use poem::endpoint::make;
use poem::middleware::Compression;
use poem::{EndpointExt, Route, get};
use std::sync::Arc;

/// How the interface is served.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// The path prefix it is mounted under (`""` at the root, else such as `/crm`): links,
    /// forms, redirects and cookies carry it.
    pub base_path: String,
    /// Mark cookies `Secure` (served over TLS).
    pub secure_cookies: bool,
    /// How email is written (From, Message-IDs).
    pub mail: crm_ports::services::email::MailSettings,
    /// Whether the mailer can use a relay URL (a company's own relay).
    pub relay_check: RelayCheck,
    /// How webhooks are sent: a subscription's address is checked with it (none: not
    /// checked here, only when sending).
    pub webhooks: Option<WebhookCheck>,
}

/// The webhook transport, for checking the addresses of subscriptions.
#[derive(Clone)]
pub struct WebhookCheck(pub Arc<dyn crm_ports::webhook::WebhookTransport>);

impl std::fmt::Debug for WebhookCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookCheck")
    }
}

/// Whether the mailer can use a relay URL (by default, any the use case accepts).
#[derive(Clone)]
pub struct RelayCheck(pub Arc<dyn Fn(&str) -> bool + Send + Sync>);

impl Default for RelayCheck {
    fn default() -> Self {
        Self(Arc::new(|_| true))
    }
}

impl std::fmt::Debug for RelayCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RelayCheck")
    }
}

/// Where uploaded files go and how tables are read from them (the import wizard).
#[derive(Clone)]
pub struct Uploads {
    /// The file store.
    pub files: Arc<dyn FileStorage>,
    /// The reader of CSV and XLSX files.
    pub tables: Arc<dyn TableReader>,
    /// Largest upload, in bytes.
    pub max_upload: u64,
}

/// What the pages run on.
pub struct Web<S, K, C, I, X> {
    app: App<S, K, C, I>,
    search: Arc<X>,
    settings: WebSettings,
    uploads: Uploads,
}

/// Adds the interface's routes to `route` (the server's, which also holds the API).
pub fn mount<S, K, C, I, X>(route: Route, app: App<S, K, C, I>, search: Arc<X>, settings: WebSettings, uploads: Uploads) -> Route
where
    S: Store,
    K: Credentials + 'static,
    C: Clock + Clone,
    I: IdGenerator + Clone,
    X: SearchIndex + Send + Sync + 'static,
{
    let web = Arc::new(Web {
        app,
        search,
        settings,
        uploads,
    });
    // Pages and fragments are compressed when the browser accepts it (the event stream is
    // not: it is written as it happens).
    macro_rules! raw {
        ($f:path) => {{
            let web = Arc::clone(&web);
            make(move |req| {
                let web = Arc::clone(&web);
                async move { Ok::<_, poem::Error>($f(&web, req).await) }
            })
        }};
    }
    macro_rules! page {
        ($f:path) => {
            raw!($f).with(Compression::new())
        };
    }
    route
        .at("/", get(page!(pages::auth::home)))
        .at("/manifest.webmanifest", get(raw!(pwa::manifest)))
        .at("/sw.js", get(raw!(pwa::service_worker)))
        .at("/offline", get(page!(pwa::offline)))
        .at("/login", get(page!(pages::auth::login_form)).post(page!(pages::auth::login)))
        .at("/login/second-factor", poem::post(page!(pages::second_factor::login_code)))
        .at("/logout", poem::post(page!(pages::auth::logout)))
        .at(
            "/assets/:name",
            get(make(|req| async move { Ok::<_, poem::Error>(assets::serve(&req)) }).with(Compression::new())),
        )
        .at("/contacts", get(page!(pages::contacts::list)).post(page!(pages::contacts::create)))
        .at("/contacts/new", get(page!(pages::contacts::new_form)))
        .at("/contacts/bulk", poem::post(page!(pages::contacts::bulk)))
        .at(
            "/contacts/:id",
            get(page!(pages::contact::show)).post(page!(pages::contact::update)),
        )
        .at("/contacts/:id/edit", get(page!(pages::contact::edit_form)))
        .at("/contacts/:id/activities", poem::post(page!(pages::contact::log_activity)))
        .at("/contacts/:id/details", get(page!(pages::contact::details)))
        .at("/contacts/:id/merge", poem::post(page!(pages::merge::merge)))
        .at(
            "/contacts/:id/email",
            get(page!(pages::email::compose)).post(page!(pages::email::send)),
        )
        .at("/contacts/:id/email/preview", poem::post(page!(pages::email::preview)))
        .at(
            "/email-templates",
            get(page!(pages::templates::list)).post(page!(pages::templates::create)),
        )
        .at("/email-templates/new", get(page!(pages::templates::new_form)))
        .at("/email-templates/preview", poem::post(page!(pages::templates::sample)))
        .at(
            "/email-templates/:id",
            get(page!(pages::templates::edit_form)).post(page!(pages::templates::update)),
        )
        .at("/email-templates/:id/delete", poem::post(page!(pages::templates::delete)))
        .at(
            "/campaigns",
            get(page!(pages::campaigns::list)).post(page!(pages::campaigns::create)),
        )
        .at("/campaigns/new", get(page!(pages::campaigns::new_form)))
        .at("/reports", get(page!(pages::reports::show)))
        .at("/reports/export", get(page!(pages::reports::export)))
        .at("/reports/subscriptions", poem::post(page!(pages::report_mail::subscribe)))
        .at(
            "/reports/subscriptions/:id/delete",
            poem::post(page!(pages::report_mail::unsubscribe)),
        )
        .at("/segments", get(page!(pages::segments::list)).post(page!(pages::segments::save)))
        .at("/segments/new", get(page!(pages::segment_form::new_form)))
        .at("/segments/preview", poem::post(page!(pages::segment_form::preview)))
        .at("/segments/:id", poem::post(page!(pages::segments::save)))
        .at("/segments/:id/edit", get(page!(pages::segment_form::edit_form)))
        .at("/segments/:id/delete", poem::post(page!(pages::segments::delete)))
        .at("/segments/:id/search", poem::post(page!(pages::segments::add_found)))
        .at("/duplicates", get(page!(pages::duplicates::show)))
        .at("/duplicates/scan", poem::post(page!(pages::duplicates::scan)))
        .at("/duplicates/:id/merge", poem::post(page!(pages::duplicates::merge)))
        .at("/duplicates/:id/dismiss", poem::post(page!(pages::duplicates::dismiss)))
        .at("/audit", get(page!(pages::audit::show)))
        .at("/team", get(page!(pages::team::show)))
        .at("/team/reassign", poem::post(page!(pages::team::reassign)))
        .at("/forecast", get(page!(pages::forecast::show)).post(page!(pages::forecast::submit)))
        .at(
            "/campaigns/:id",
            get(page!(pages::campaigns::show)).post(page!(pages::campaign_moves::update)),
        )
        .at("/campaigns/:id/stats", get(page!(pages::campaigns::stats)))
        .at("/campaigns/:id/status", poem::post(page!(pages::campaign_moves::move_to)))
        .at("/campaigns/:id/test", poem::post(page!(pages::campaign_moves::test)))
        .at("/campaigns/:id/delete", poem::post(page!(pages::campaign_moves::delete)))
        .at(
            "/access/:secret",
            get(page!(pages::access::form)).post(page!(pages::access::choose)),
        )
        .at(
            "/settings/company",
            get(page!(pages::company::show)).post(page!(pages::company::save)),
        )
        .at("/operator", get(page!(pages::operator::show)))
        .at("/operator/companies", poem::post(page!(pages::operator::create)))
        .at("/operator/companies/:id/suspend", poem::post(page!(pages::operator::suspend)))
        .at("/operator/companies/:id/reinstate", poem::post(page!(pages::operator::suspend)))
        .at(
            "/settings/pipelines",
            get(page!(pages::pipeline_settings::show)).post(page!(pages::pipeline_settings::save)),
        )
        .at("/settings/pipelines/:id", poem::post(page!(pages::pipeline_settings::save)))
        .at(
            "/settings/pipelines/:id/delete",
            poem::post(page!(pages::pipeline_settings::delete)),
        )
        .at(
            "/settings/users",
            get(page!(pages::people::show)).post(page!(pages::people::invite)),
        )
        .at("/settings/users/:id", poem::post(page!(pages::people::update)))
        .at("/settings/users/:id/deactivate", poem::post(page!(pages::people::set_active)))
        .at("/settings/users/:id/reactivate", poem::post(page!(pages::people::set_active)))
        .at("/settings/users/:id/access-link", poem::post(page!(pages::people::access_link)))
        .at(
            "/settings/users/:id/second-factor/reset",
            poem::post(page!(pages::people::reset_second_factor)),
        )
        .at("/settings/teams", poem::post(page!(pages::people::save_team)))
        .at(
            "/settings/reminders",
            get(page!(pages::reminders::show)).post(page!(pages::reminders::save)),
        )
        .at("/settings/reminders/preview", poem::post(page!(pages::reminders::preview)))
        .at("/settings/reminders/run", poem::post(page!(pages::reminders::run)))
        .at("/settings/reminders/:id", poem::post(page!(pages::reminders::save)))
        .at("/settings/reminders/:id/delete", poem::post(page!(pages::reminders::delete)))
        .at(
            "/settings/territories",
            get(page!(pages::territories::show)).post(page!(pages::territories::save)),
        )
        .at("/settings/territories/:id", poem::post(page!(pages::territories::save)))
        .at("/settings/territories/:id/delete", poem::post(page!(pages::territories::delete)))
        .at("/contacts/:id/lead", poem::post(page!(pages::lead::set_status)))
        .at("/contacts/:id/hand-over", poem::post(page!(pages::lead::hand_over)))
        .at(
            "/contacts/:id/consents",
            get(page!(pages::consents::show)).post(page!(pages::consents::record)),
        )
        .at("/privacy", get(page!(pages::privacy::register)))
        .at("/privacy/requests", poem::post(page!(pages::privacy::log)))
        .at(
            "/privacy/retention",
            get(page!(pages::retention::show)).post(page!(pages::retention::save)),
        )
        .at("/privacy/retention/erase", poem::post(page!(pages::retention::erase)))
        .at("/privacy/retention/anonymise", poem::post(page!(pages::retention::anonymise)))
        .at("/privacy/register", get(page!(pages::register::show)))
        .at("/privacy/access-log", get(page!(pages::access_log::show)))
        .at("/privacy/register.pdf", get(page!(pages::register::pdf)))
        .at("/privacy/requests/:id/answer", poem::post(page!(pages::privacy::answer)))
        .at("/privacy/contacts/:id/data", get(page!(pages::privacy::data)))
        .at(
            "/privacy/contacts/:id/erase",
            get(page!(pages::privacy::confirm)).post(page!(pages::privacy::erase)),
        )
        .at("/settings/teams/:id", poem::post(page!(pages::people::save_team)))
        .at(
            "/settings/email",
            get(page!(pages::mail_relay::show)).post(page!(pages::mail_relay::save)),
        )
        .at("/settings/email/remove", poem::post(page!(pages::mail_relay::remove)))
        .at(
            "/settings/scoring",
            get(page!(pages::scoring::show)).post(page!(pages::scoring::create)),
        )
        .at("/settings/scoring/preview", poem::post(page!(pages::scoring::preview_fragment)))
        .at("/settings/scoring/model", poem::post(page!(pages::scoring::train)))
        .at("/settings/scoring/:id/toggle", poem::post(page!(pages::scoring::toggle)))
        .at("/settings/scoring/:id/delete", poem::post(page!(pages::scoring::delete)))
        .at(
            "/settings/automations",
            get(page!(pages::automations::show)).post(page!(pages::automations::save)),
        )
        .at("/settings/automations/dry-run", poem::post(page!(pages::automations::dry_run)))
        .at(
            "/settings/automations/:id",
            get(page!(pages::automations::runs)).post(page!(pages::automations::save)),
        )
        .at("/settings/automations/:id/toggle", poem::post(page!(pages::automations::toggle)))
        .at("/settings/automations/:id/delete", poem::post(page!(pages::automations::delete)))
        .at(
            "/settings/webhooks",
            get(page!(pages::webhooks::show)).post(page!(pages::webhooks::create)),
        )
        .at("/settings/webhooks/:id/toggle", poem::post(page!(pages::webhooks::toggle)))
        .at("/settings/webhooks/:id/secret", poem::post(page!(pages::webhooks::renew)))
        .at("/settings/webhooks/:id/delete", poem::post(page!(pages::webhooks::delete)))
        .at("/settings/webhooks/deliveries/:id", get(page!(pages::webhooks::delivery)))
        .at(
            "/settings/webhooks/deliveries/:id/replay",
            poem::post(page!(pages::webhooks::replay)),
        )
        .at("/t/o/:token", get(raw!(pages::tracking::open)))
        .at("/t/c/:token", get(raw!(pages::tracking::click)))
        .at("/u/:token", get(page!(pages::tracking::ask)).post(page!(pages::tracking::confirm)))
        .at("/imports", get(page!(pages::imports::list)).post(page!(pages::imports::upload)))
        .at("/imports/new", get(page!(pages::import_plan::new_plan)))
        .at("/imports/check", poem::post(page!(pages::import_plan::check)))
        .at("/imports/start", poem::post(page!(pages::imports::start)))
        .at("/imports/:id", get(page!(pages::imports::show)))
        .at("/imports/:id/progress", get(page!(pages::imports::progress)))
        .at(
            "/suppressions",
            get(page!(pages::suppressions::list)).post(page!(pages::suppressions::add)),
        )
        .at("/suppressions/:id/remove", poem::post(page!(pages::suppressions::remove)))
        .at("/live", get(raw!(pages::live::live)))
        .at("/timeline/:kind/:id", get(page!(pages::timeline::older)))
        .at("/drafts", get(page!(pages::drafts::show)).post(page!(pages::drafts::save)))
        .at("/drafts/discard", poem::post(page!(pages::drafts::discard)))
        .at("/dashboard", get(page!(pages::todo::dashboard)))
        .at("/todo", get(page!(pages::todo::todo)))
        .at("/activities/:id/done", poem::post(page!(pages::todo::done)))
        .at("/notifications", get(page!(pages::todo::notifications)))
        .at("/notifications/read", poem::post(page!(pages::todo::read)))
        .at("/notifications/bell", get(page!(pages::todo::bell)))
        .at("/pipeline", get(page!(pages::pipeline::show)))
        .at("/pipeline/board", get(page!(pages::pipeline::region)))
        .at("/opportunities/:id", get(page!(pages::opportunity::show)))
        .at("/opportunities/:id/move", poem::post(page!(pages::pipeline::move_to)))
        .at("/opportunities/:id/win", poem::post(page!(pages::pipeline::win)))
        .at("/opportunities/:id/lose", poem::post(page!(pages::pipeline::lose)))
        .at("/opportunities/:id/activities", poem::post(page!(pages::opportunity::log_activity)))
        .at("/organizations", get(page!(pages::organizations::list)))
        .at("/organizations/:id", get(page!(pages::organizations::show)))
        .at("/search", get(page!(pages::search::results)))
        .at("/account", get(page!(pages::account::show)))
        .at("/account/password", poem::post(page!(pages::account::password)))
        .at("/account/calendar-feed", poem::post(page!(pages::account::calendar_feed)))
        .at("/account/language", poem::post(page!(pages::account::language)))
        .at("/account/tokens", poem::post(page!(pages::account::new_token)))
        .at("/account/second-factor/setup", poem::post(page!(pages::second_factor::setup)))
        .at("/account/second-factor/confirm", poem::post(page!(pages::second_factor::confirm)))
        .at("/account/second-factor/remove", poem::post(page!(pages::second_factor::remove)))
        .at(
            "/account/second-factor/recovery-codes",
            poem::post(page!(pages::second_factor::renew)),
        )
        .at("/account/tokens/:id/revoke", poem::post(page!(pages::account::revoke_token)))
        .at("/account/sessions/:id/end", poem::post(page!(pages::account::end_session)))
        .at(
            "/account/sessions/end-others",
            poem::post(page!(pages::account::end_other_sessions)),
        )
}
