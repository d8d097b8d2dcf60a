//! The assembled CRM as a value a program can mount: [`Crm::open`] opens the store and
//! the search index, [`Crm::endpoint`] is the HTTP endpoint (at the root or under a path
//! prefix of a host application), [`Crm::start_workers`] starts the background workers
//! (readers of the event log, jobs and timers) and returns their handles, and
//! [`Crm::serve`] does all of it on a listener with one graceful shutdown: stop
//! accepting, drain requests, let the workers finish their batch.

use crate::api::auth::HttpSettings;
use crate::assemble::CrmApp;
use crate::config::Config;
use crate::search::{SearchConsumer, SearchHandle};
use crm_ports::files::FileStorage;
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore};
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{Shutdown, ShutdownTrigger};
use crm_ports::services::assignments::AssignmentNotices;
use crm_ports::services::email::forget::{MAIL_FORGETTER, MailForgetter};
use crm_ports::services::former_clients::FormerClientScan;
use crm_ports::services::import::ContactImport;
use crm_ports::services::reminders::ReminderScan;
use crm_ports::services::scoring::rescore::Rescorer;
use poem::Endpoint;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Why the CRM could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenCrmError {
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::assemble::OpenStoreError),
    /// The search index.
    #[error(transparent)]
    Search(#[from] crate::search::OpenSearchError),
    /// The directory of stored files.
    #[error("répertoire des fichiers inutilisable / files directory unusable: {0}")]
    Files(String),
    /// The SMTP relay's URL.
    #[error("relais SMTP inutilisable / SMTP relay unusable: {0}")]
    Mail(String),
}

/// How often every tenant's timers are checked for (tenants created since start), and
/// finished jobs forgotten.
const TIMER_CHECK: Duration = Duration::from_secs(60);
/// How long a finished job stays readable (`GET /api/v1/jobs`).
const JOBS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// The assembled CRM: application, search index, readers of the log, settings.
#[derive(Clone)]
pub struct Crm {
    app: CrmApp,
    search: SearchHandle,
    files: Arc<dyn FileStorage>,
    consumers: Arc<[Arc<dyn Consumer>]>,
    http: HttpSettings,
    reminder_interval: Duration,
    mail: crate::mail::Mail,
    webhooks: crate::webhooks::Webhooks,
}

impl std::fmt::Debug for Crm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm")
            .field("consumers", &self.consumers.iter().map(|c| c.name()).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Crm {
    /// Opens the store and the search index the configuration names (creating an
    /// installation in an empty data directory).
    ///
    /// # Errors
    /// Store or index unusable (the index is held by another process, for example).
    pub async fn open(config: &Config) -> Result<Self, OpenCrmError> {
        crate::mail::Mail::check(config).map_err(OpenCrmError::Mail)?;
        let app = crate::assemble::open_app(config).await?;
        let search = crate::search::open(&config.data_dir)?;
        // The store's cipher: it holds the keys adopted from a rotation.
        let files = crm_files_disk::DiskFiles::open(&config.files_dir(), app.store().cipher())
            .map_err(|e| OpenCrmError::Files(format!("{}: {e}", config.files_dir().display())))?;
        Ok(Self::assemble(app, search, Arc::new(files), config))
    }

    /// The CRM over an application, index and file storage opened by the caller.
    pub fn assemble(app: CrmApp, search: SearchHandle, files: Arc<dyn FileStorage>, config: &Config) -> Self {
        let mail = crate::mail::Mail::from_config(config);
        let consumers: Vec<Arc<dyn Consumer>> = vec![
            Arc::new(SearchConsumer::new(app.clone(), search.clone())),
            Arc::new(InStore::new(AssignmentNotices::new(&app), &app)),
            Arc::new(crm_ports::services::conversions::ClientConversions::new(&app)),
            Arc::new(InStore::new(crm_ports::services::webhooks::fanout::WebhookFanout::new(&app), &app)),
            Arc::new(InStore::new(crm_ports::services::scoring::keeper::ScoreKeeper::new(&app), &app)),
            Arc::new(InStore::new(
                crm_ports::services::automation::engine::AutomationEngine::new(&app),
                &app,
            )),
            Arc::new(MailForgetter::new(&app, Arc::clone(&mail.mailer))),
        ];
        Self {
            consumers: consumers.into(),
            search,
            files,
            http: HttpSettings::from_config(config),
            reminder_interval: Duration::from_secs(config.reminder_interval_seconds),
            mail,
            webhooks: crate::webhooks::Webhooks::from_config(config),
            app,
        }
    }

    /// Sends webhooks through `transport` instead of the configured one (an embedding
    /// program's own, a test's).
    #[must_use]
    pub fn with_webhook_transport(mut self, transport: Arc<dyn crm_ports::webhook::WebhookTransport>) -> Self {
        self.webhooks = self.webhooks.with_transport(transport);
        self
    }

    /// Sends email through `mailer` instead of the one the configuration names (an
    /// embedding program's own, a test's).
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn crm_ports::mail::Mailer>) -> Self {
        // The reader that forgets an erased person's emails asks this mailer too.
        self.consumers = self
            .consumers
            .iter()
            .map(|c| {
                if c.name() == MAIL_FORGETTER {
                    Arc::new(MailForgetter::new(&self.app, Arc::clone(&mailer))) as Arc<dyn Consumer>
                } else {
                    Arc::clone(c)
                }
            })
            .collect();
        self.mail.mailer = mailer;
        self
    }

    /// How email is written and sent.
    pub fn mail(&self) -> &crate::mail::Mail {
        &self.mail
    }

    /// Serves under `base_path` (such as `/crm`) of a host application: cookies, links and
    /// `Location` headers carry it. The host nests [`Crm::endpoint`] at the same path.
    #[must_use]
    pub fn under(mut self, base_path: &str) -> Self {
        self.http.base_path = base_path.trim_end_matches('/').to_owned();
        self
    }

    /// Adds a reader of the log, run by [`Crm::start_workers`] beside the built-in ones.
    #[must_use]
    pub fn with_consumer(mut self, consumer: Arc<dyn Consumer>) -> Self {
        let mut all = self.consumers.to_vec();
        all.push(consumer);
        self.consumers = all.into();
        self
    }

    /// The application (use cases).
    pub fn app(&self) -> &CrmApp {
        &self.app
    }

    /// The search index.
    pub fn search(&self) -> &SearchHandle {
        &self.search
    }

    /// The readers of the log.
    pub fn consumers(&self) -> &[Arc<dyn Consumer>] {
        &self.consumers
    }

    /// The HTTP endpoint: health, the API, its OpenAPI document and docs page.
    pub fn endpoint(&self) -> impl Endpoint + use<> {
        let extras = crate::api::Extras {
            search: self.search.clone(),
            consumers: Arc::clone(&self.consumers),
            files: Arc::clone(&self.files),
            mail: self.mail.settings.clone(),
            webhooks: Arc::clone(&self.webhooks.transport),
        };
        crate::http::endpoint(self.app.clone(), self.http.clone(), extras)
    }

    /// The file storage.
    pub fn files(&self) -> &Arc<dyn FileStorage> {
        &self.files
    }

    /// Starts the background workers: one task per reader of the log, the job runner
    /// (reminder scans as timers, when the interval is not 0; the daily former-client
    /// rule; the retention policy; imports) and the keeper of every tenant's timers (which also forgets finished jobs and expired
    /// drafts).
    pub fn start_workers(&self) -> Workers {
        let (trigger, shutdown) = Shutdown::new();
        let mut handles = Vec::new();
        for c in self.consumers.iter() {
            let app = self.app.clone();
            let c = Arc::clone(c);
            let (options, shutdown) = (ConsumerOptions::default(), shutdown.clone());
            let name = c.name();
            handles.push((name, tokio::spawn(async move { app.run_consumer(c, options, shutdown).await })));
        }
        // The access log's writer: accesses to personal data written in batches.
        {
            let app = self.app.clone();
            let access_shutdown = shutdown.clone();
            handles.push((
                "access log",
                tokio::spawn(async move { app.run_access_writer(access_shutdown).await }),
            ));
        }
        // Timers: the reminder scan of every tenant (unless turned off).
        let scan = (!self.reminder_interval.is_zero()).then(|| ReminderScan::new(&self.app, self.reminder_interval));
        let former_clients = FormerClientScan::new(&self.app);
        let retention = crm_ports::services::retention::RetentionScan::new(&self.app);
        let daily_scores = Rescorer::daily(&self.app);
        let weekly_training = crm_ports::services::scoring::model::WeeklyTraining::new(&self.app);
        let date_rules = crm_ports::services::automation::dates::DateRules::new(&self.app);
        let mut handlers: Vec<Arc<dyn JobHandler>> = scan.iter().map(|s| Arc::new(s.clone()) as Arc<dyn JobHandler>).collect();
        handlers.push(Arc::new(former_clients.clone()));
        handlers.push(Arc::new(retention.clone()));
        handlers.push(Arc::new(daily_scores.clone()));
        handlers.push(Arc::new(weekly_training.clone()));
        handlers.push(Arc::new(Rescorer::on_demand(&self.app)));
        handlers.push(Arc::new(date_rules.clone()));
        handlers.push(Arc::new(crm_ports::services::automation::act::AutomationRunner::new(
            &self.app,
            self.mail.settings.clone(),
        )));
        handlers.push(Arc::new(ContactImport::new(
            &self.app,
            Arc::clone(&self.files),
            Arc::new(crm_tabular::Tables::default()),
        )));
        handlers.push(Arc::new(ContactImport::organizations(
            &self.app,
            Arc::clone(&self.files),
            Arc::new(crm_tabular::Tables::default()),
        )));
        handlers.push(Arc::new(ContactImport::opportunities(
            &self.app,
            Arc::clone(&self.files),
            Arc::new(crm_tabular::Tables::default()),
        )));
        if !handlers.is_empty() {
            let app = self.app.clone();
            let options = JobOptions::new(uuid::Uuid::now_v7());
            let jobs_shutdown = shutdown.clone();
            handles.push((
                "jobs",
                tokio::spawn(async move { app.run_jobs(handlers, options, jobs_shutdown).await }),
            ));
        }
        // Email: its own runners, so that a long import never holds a message back; several,
        // so that a slow relay's answer does not hold the next message (the relay's
        // connections are pooled).
        for _ in 0..self.mail.workers {
            let app = self.app.clone();
            let (handler, options) = self.mail.sender(&self.app);
            let mail_shutdown = shutdown.clone();
            handles.push((
                "email",
                tokio::spawn(async move { app.run_jobs(handler, options, mail_shutdown).await }),
            ));
        }
        // Webhooks: their own runners, so that a slow receiver holds neither email nor
        // imports, nor more than one delivery.
        for _ in 0..self.webhooks.workers {
            let app = self.app.clone();
            let (handler, options) = self.webhooks.sender(&self.app);
            let hooks_shutdown = shutdown.clone();
            handles.push((
                "webhooks",
                tokio::spawn(async move { app.run_jobs(handler, options, hooks_shutdown).await }),
            ));
        }
        // The keeper: every tenant's timers queued, finished jobs forgotten after a while.
        let mut keeper_shutdown = shutdown;
        let keeper_app = self.app.clone();
        handles.push((
            "keeper",
            tokio::spawn(async move {
                loop {
                    if let Some(scan) = &scan
                        && let Err(e) = scan.ensure_timers().await
                    {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    if let Err(e) = former_clients.ensure_timers().await {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    if let Err(e) = retention.ensure_timers().await {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    if let Err(e) = daily_scores.ensure_timers().await {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    if let Err(e) = weekly_training.ensure_timers().await {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    if let Err(e) = date_rules.ensure_timers().await {
                        tracing::warn!(error = %e, "cannot check the tenants' timers; retrying");
                    }
                    match keeper_app.purge_finished_jobs(JOBS_KEPT).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(jobs = n, "finished jobs forgotten"),
                        Err(e) => tracing::warn!(error = %e, "cannot forget finished jobs; retrying"),
                    }
                    match keeper_app.purge_expired_drafts().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(drafts = n, "expired drafts forgotten"),
                        Err(e) => tracing::warn!(error = %e, "cannot forget expired drafts; retrying"),
                    }
                    tokio::select! {
                        () = keeper_shutdown.requested() => return,
                        () = tokio::time::sleep(TIMER_CHECK) => {}
                    }
                }
            }),
        ));
        Workers { trigger, handles }
    }

    /// Serves on `listener` with the workers until `signal` resolves, then stops
    /// accepting, gives in-flight requests and workers `grace` to finish.
    ///
    /// # Errors
    /// IO errors of the listener.
    pub async fn serve(&self, listener: tokio::net::TcpListener, signal: impl Future<Output = ()>, grace: Duration) -> std::io::Result<()> {
        let workers = self.start_workers();
        let served = crate::http::serve(listener, self.endpoint(), signal, grace).await;
        workers.stop(grace).await;
        served
    }
}

/// The running background workers.
#[derive(Debug)]
pub struct Workers {
    trigger: ShutdownTrigger,
    handles: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
}

impl Workers {
    /// Asks every worker to stop after the batch or step in hand and waits up to `grace`
    /// for them; those still running then are aborted (what they did not commit is done
    /// again by the next process: cursors and leases are durable).
    pub async fn stop(self, grace: Duration) {
        self.trigger.trigger();
        let deadline = tokio::time::Instant::now() + grace;
        for (name, mut h) in self.handles {
            match tokio::time::timeout_at(deadline, &mut h).await {
                Ok(Ok(())) => tracing::debug!(worker = name, "worker stopped"),
                Ok(Err(e)) => tracing::error!(worker = name, error = %e, "worker ended abnormally"),
                Err(_) => {
                    tracing::warn!(worker = name, "worker still busy at the end of the grace period; aborted");
                    h.abort();
                }
            }
        }
    }
}
