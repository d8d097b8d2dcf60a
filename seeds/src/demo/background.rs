//! The application's background work, run by the demo at the instants it dates: the jobs
//! (a campaign's run, its messages, an automation's actions, a company's rescoring) and
//! the reader of the log that starts automation runs, each under a clock stopped at that
//! instant, so that what they write is dated as if the server had done it then; and, at
//! the end of a company's load, the score keeper (the reader of the log that scores what
//! changed), so that a server starts with nothing of the past left to score.
//!
//! The demo's messages are written as sent and never leave: their addresses are made up.

use super::{DemoEnv, ImportPorts};
use chrono::{DateTime, Utc};
use crm_domain::{Actor, TenantId};
use crm_ports::mail::{InboundMessage, MailError, MailReader, Mailer, OutgoingMessage, UnreadableMessage};
use crm_ports::runtime::BoxFuture;
use crm_ports::runtime::consumers::InStore;
use crm_ports::runtime::jobs::JobHandler;
use crm_ports::services::assignments::AssignmentNotices;
use crm_ports::services::automation::act::AutomationRunner;
use crm_ports::services::automation::engine::AutomationEngine;
use crm_ports::services::automation::engine::RUN_KIND;
use crm_ports::services::campaigns::CAMPAIGN_SEND;
use crm_ports::services::email::MailSettings;
use crm_ports::services::email::{CampaignRunner, EMAIL_SEND, EmailSender};
use crm_ports::services::import::{ContactImport, IMPORT_CONTACTS};
use crm_ports::services::scoring::keeper::{SCORING, ScoreKeeper};
use crm_ports::services::scoring::rescore::{ON_DEMAND, RescoreJob, Rescorer};
use crm_ports::store::{Advance, JobState, Store};
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Changes the automation reader takes per batch.
const BATCH: u32 = 500;

/// The demo's relay: it accepts every message and sends none.
struct Kept;

impl Mailer for Kept {
    fn send<'a>(&'a self, _tenant: TenantId, _message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async { Ok(()) })
    }
}

/// A reply the demo writes: the message as a mail reader would have read it.
pub(super) struct Written(pub InboundMessage);

impl MailReader for Written {
    fn read(&self, _raw: &[u8]) -> Result<InboundMessage, UnreadableMessage> {
        Ok(self.0.clone())
    }
}

/// The background work of one load.
pub(super) struct Background<S, K, C, I> {
    app: App<S, K, C, I>,
    /// How the demo's messages are written (tracked links under the installation's
    /// address; no pace: a campaign's messages go out at once).
    pub mail: MailSettings,
    mailer: Arc<dyn Mailer>,
    worker: uuid::Uuid,
    imports: Option<ImportPorts>,
    /// The last event of each company's log at its latest full rescoring: what the score
    /// keeper has no need to read again.
    scored_through: Mutex<HashMap<TenantId, i64>>,
}

impl<S, K, C, I> Background<S, K, C, I>
where
    S: Store,
    K: Credentials,
    C: Clock + Clone,
    I: IdGenerator + Clone,
{
    /// The background work of `app` in the installation `env` describes.
    pub(super) fn new(app: &App<S, K, C, I>, env: &DemoEnv) -> Self {
        Self {
            app: app.clone(),
            imports: env.imports.clone(),
            mail: MailSettings {
                public_url: Some(env.public_url.trim_end_matches('/').to_owned()),
                campaign_rate: u32::MAX,
                ..MailSettings::default()
            },
            mailer: Arc::new(Kept),
            worker: uuid::Uuid::from_u128(0x64656d6f),
            scored_through: Mutex::new(HashMap::new()),
        }
    }
}

impl<S, K, C, I> Background<S, K, C, I>
where
    S: Store,
    K: Credentials,
    C: Clock,
    I: IdGenerator + Clone,
{
    /// Where uploaded files are kept and how tables are read, when the demo was given them.
    pub(super) fn imports(&self) -> Option<&ImportPorts> {
        self.imports.as_ref()
    }

    /// Does at `t` what the server would have: starts the automation runs the tenant's
    /// new changes call for, then runs every job due by `t`, and again while the jobs
    /// wrote changes that start runs. How many jobs ran.
    ///
    /// # Errors
    /// The first failure (a job that fails is an error here: the demo must load whole).
    pub(super) async fn settle(&self, tenant: TenantId, t: DateTime<Utc>) -> Result<usize, ServiceError> {
        let at = self.app.with_clock(FixedClock(t));
        let mut handlers: Vec<Arc<dyn JobHandler>> = vec![
            Arc::new(CampaignRunner::new(&at, self.mail.clone(), Arc::clone(&self.mailer))),
            Arc::new(EmailSender::new(&at, Arc::clone(&self.mailer), 1)),
            Arc::new(AutomationRunner::new(&at, self.mail.clone())),
            Arc::new(Rescorer::on_demand(&at)),
        ];
        if let Some((files, tables)) = &self.imports {
            handlers.push(Arc::new(ContactImport::new(&at, Arc::clone(files), Arc::clone(tables))));
        }
        let engine = InStore::new(AutomationEngine::new(&at), &at);
        let mut total = 0;
        loop {
            at.catch_up(&engine, tenant, BATCH).await?;
            let ran = at.run_due_jobs(tenant, &handlers, self.worker).await?;
            if ran == 0 {
                break;
            }
            total += ran;
        }
        Ok(total)
    }

    /// Checks that the jobs of the kinds the demo runs all finished: one left queued would
    /// be run by the server later, live (a campaign's messages sent for real).
    ///
    /// # Errors
    /// `Internal`, naming the job.
    pub(super) async fn check_finished(&self, tenant: TenantId) -> Result<(), ServiceError> {
        let kinds = [CAMPAIGN_SEND, EMAIL_SEND, RUN_KIND, ON_DEMAND, IMPORT_CONTACTS];
        let left = self.app.store().jobs(tenant, None, 1_000).await?;
        match left
            .iter()
            .find(|j| kinds.contains(&j.kind.as_str()) && matches!(j.state, JobState::Queued | JobState::Running | JobState::Failed))
        {
            Some(j) => Err(ServiceError::Internal(format!(
                "demo: a {} job did not finish: {}",
                j.kind,
                j.error.as_deref().unwrap_or("no error recorded")
            ))),
            None => Ok(()),
        }
    }

    /// Tells the company's people what was given to them over the demo's months (the
    /// reader of the log that writes those notices, run now: each notice is dated by its
    /// change), then has each of them read what they were told, as people who open the CRM
    /// every day have: the bell rings for what happens from now on.
    ///
    /// # Errors
    /// The first failure.
    pub(super) async fn read_notices(&self, admin: &Actor) -> Result<(), ServiceError> {
        let tenant = admin
            .tenant_id()
            .ok_or_else(|| ServiceError::Internal("demo: a company's Admin".into()))?;
        let now = self.app.with_clock(FixedClock(self.app.now()));
        let notices = InStore::new(AssignmentNotices::new(&now), &now);
        now.catch_up(&notices, tenant, BATCH).await?;
        for u in now.list_users(admin).await? {
            let someone = Actor::User {
                tenant_id: tenant,
                user_id: u.id,
                role: u.role,
            };
            now.mark_notifications_read(&someone, None).await?;
        }
        Ok(())
    }

    /// Scores the whole company again at `t` (as after a change of its rules), with what
    /// the automation runs that follows.
    ///
    /// # Errors
    /// As [`Background::settle`].
    pub(super) async fn rescore(&self, tenant: TenantId, t: DateTime<Utc>) -> Result<usize, ServiceError> {
        let at = self.app.with_clock(FixedClock(t));
        let through = at.latest_event(&Actor::System { tenant_id: tenant }).await?;
        if let Ok(mut scored) = self.scored_through.lock() {
            scored.insert(tenant, through);
        }
        let payload = serde_json::to_value(RescoreJob::default()).map_err(|e| ServiceError::Internal(e.to_string()))?;
        if !at.enqueue_job(tenant, ON_DEMAND, payload, t, Some(ON_DEMAND)).await? {
            return Err(ServiceError::Internal("demo: a rescoring is already queued".into()));
        }
        self.settle(tenant, t).await
    }

    /// Has the score keeper read the company's log as a server would have, now: the
    /// changes since the last full rescoring (contacts imported or changed, activities
    /// done, consents) scored again, its cursor at the end. The server then starts with
    /// nothing of the past to score (without this, its first start read every company's
    /// whole log again and rescored every company).
    ///
    /// # Errors
    /// `Internal` when the company was never rescored; the keeper's or the store's.
    pub(super) async fn keep_scores(&self, tenant: TenantId) -> Result<(), ServiceError> {
        let through = self
            .scored_through
            .lock()
            .ok()
            .and_then(|s| s.get(&tenant).copied())
            .ok_or_else(|| ServiceError::Internal("demo: the company is scored before its keeper reads on".into()))?;
        let now = self.app.with_clock(FixedClock(self.app.now()));
        let store = now.store();
        let from = store.consumer_cursor(tenant, SCORING).await?;
        if from < through {
            store
                .consumer_commit(tenant, SCORING, Advance::To { from, to: through }, &[], now.now())
                .await?;
        }
        let keeper = InStore::new(ScoreKeeper::new(&now), &now);
        // What the scores changed (a rule crossed: tags, tasks) is run as the server would,
        // and read by the keeper in turn, until nothing is left to run.
        loop {
            now.catch_up(&keeper, tenant, BATCH).await?;
            if self.settle(tenant, now.now()).await? == 0 {
                return Ok(());
            }
        }
    }
}
