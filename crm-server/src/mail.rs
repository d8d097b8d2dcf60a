//! How this server writes and sends email: the mailer the configuration names (an SMTP
//! relay, else `.eml` files under the data directory), the From address and the domain
//! of Message-IDs, and the runner of the send jobs (its own, beside the other jobs).

use crate::assemble::CrmApp;
use crate::config::Config;
use crate::i18n::Lang;
use crm_domain::tenant::Language;
use crm_mail_smtp::{EmlMailer, SmtpMailer};
use crm_ports::mail::{MailError, Mailer, OutgoingMessage};
use crm_ports::runtime::BoxFuture;
use crm_ports::runtime::RetryPolicy;
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::services::email::{CampaignRunner, EmailSender, MailSettings};
use std::sync::Arc;
use std::time::Duration;

/// How long one exchange with the relay may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The mailer, its settings and its retry policy.
#[derive(Clone)]
pub struct Mail {
    /// Where messages go.
    pub mailer: Arc<dyn Mailer>,
    /// From and Message-IDs.
    pub settings: MailSettings,
    /// Attempts at a message before it is given up, and the waits between them.
    pub retry: RetryPolicy,
    /// Send jobs run at once.
    pub workers: usize,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Hands each message to its company's own relay when it set one (its URL read at each
/// send, so a change holds at once; one pooled transport per URL), else to the
/// installation's mailer.
struct RelayRouter {
    app: CrmApp,
    default: Arc<dyn Mailer>,
    relays: std::sync::Mutex<std::collections::HashMap<String, Arc<SmtpMailer>>>,
}

impl RelayRouter {
    fn relay(&self, url: &str) -> Result<Arc<SmtpMailer>, MailError> {
        let mut relays = self
            .relays
            .lock()
            .map_err(|_| MailError::Transient("relay cache poisoned".into()))?;
        if let Some(m) = relays.get(url) {
            return Ok(Arc::clone(m));
        }
        let m = Arc::new(SmtpMailer::new(url, SMTP_TIMEOUT).map_err(|e| MailError::Transient(format!("the company's relay: {e}")))?);
        relays.insert(url.to_owned(), Arc::clone(&m));
        Ok(m)
    }
}

impl Mailer for RelayRouter {
    fn send<'a>(&'a self, tenant: crm_domain::TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            match self.app.relay_url(tenant).await {
                Ok(Some(url)) => self.relay(&url)?.send(tenant, message).await,
                Ok(None) => self.default.send(tenant, message).await,
                Err(e) => Err(MailError::Transient(format!("the company's relay cannot be read: {e}"))),
            }
        })
    }
}

/// A relay that cannot be used: every attempt fails for now (messages wait, queued).
struct Unusable(String);

impl Mailer for Unusable {
    fn send<'a>(&'a self, _tenant: crm_domain::TenantId, _message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move { Err(MailError::Transient(self.0.clone())) })
    }
}

impl Mail {
    /// Whether the configured relay URL can be used.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn check(config: &Config) -> Result<(), String> {
        match &config.smtp_url {
            Some(url) => SmtpMailer::new(url.expose(), SMTP_TIMEOUT).map(drop).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// The mail the configuration names (a relay URL that cannot be used keeps every
    /// message queued, and says so; `crm serve` refuses to start with one).
    pub fn from_config(config: &Config) -> Self {
        let mailer: Arc<dyn Mailer> = match &config.smtp_url {
            Some(url) => match SmtpMailer::new(url.expose(), SMTP_TIMEOUT) {
                Ok(m) => Arc::new(m),
                Err(e) => {
                    tracing::error!(error = %e, "the SMTP relay cannot be used; email waits queued");
                    Arc::new(Unusable(e.to_string()))
                }
            },
            None => Arc::new(EmlMailer::new(config.mail_dir())),
        };
        let domain = config
            .mail_from
            .as_deref()
            .and_then(|f| f.rsplit_once('@'))
            .map_or_else(|| MailSettings::default().domain, |(_, d)| d.trim_end_matches('>').to_owned());
        Self {
            mailer,
            settings: MailSettings {
                from: config.mail_from.clone(),
                domain,
                public_url: config.public_url.as_deref().map(|u| u.trim_end_matches('/').to_owned()),
                footers: [(Language::Fr, Lang::Fr), (Language::En, Lang::En)]
                    .into_iter()
                    .map(|(l, lang)| (l, lang.t("email", "unsubscribe")))
                    .collect(),
                campaign_rate: config.campaign_rate.max(1),
            },
            retry: RetryPolicy {
                attempts: config.mail_attempts.max(1),
                first_backoff: Duration::from_secs(config.mail_retry_seconds.max(1)),
                max_backoff: Duration::from_secs(30 * 60),
                jitter: false,
            },
            workers: usize::try_from(config.mail_workers.clamp(1, 32)).unwrap_or(1),
        }
    }

    /// The send jobs' and the campaigns' handlers and their runner's options.
    pub fn sender(&self, app: &CrmApp) -> (Vec<Arc<dyn JobHandler>>, JobOptions) {
        // Woken by the jobs this process queues: no short poll needed (`JobOptions::poll`).
        let mut options = JobOptions::new(uuid::Uuid::now_v7());
        // The job outlives the message's own attempts by a margin: the handler gives the
        // message up itself, with its reason.
        options.retry = RetryPolicy {
            attempts: self.retry.attempts.saturating_add(2),
            ..self.retry
        };
        let router: Arc<dyn Mailer> = Arc::new(RelayRouter {
            app: app.clone(),
            default: Arc::clone(&self.mailer),
            relays: std::sync::Mutex::default(),
        });
        (
            vec![
                Arc::new(EmailSender::new(app, Arc::clone(&router), self.retry.attempts)),
                Arc::new(CampaignRunner::new(app, self.settings.clone(), Arc::clone(&router))),
                Arc::new(crate::report_mail::ReportMailer::new(app, router, self.settings.clone())),
            ],
            options,
        )
    }
}
