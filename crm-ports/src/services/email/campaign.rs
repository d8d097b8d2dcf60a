//! The job that runs a campaign: at its time it starts it, then walks the segment's members
//! in its writer's read scope a page at a time and queues one message per member in one
//! transaction per page (the unique (campaign, contact) index and a look-up before make a
//! page replayed after a crash a no-op). Members without an address, on the suppression
//! list, or whom the company may not prospect by email (an opt-out, a consent withdrawn,
//! a private person's consent never given) are counted as skipped. Send jobs are due one after another at the company's pace
//! (its sending campaigns share it); a paused campaign's messages wait, a resumed one's are
//! due again at the pace; the campaign is sent once filled and none of its messages waits.

use super::compose::{MailSettings, Origin, Recipient, mailboxes};
use crate::app::{App, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::mail::{MailError, Mailer, OutgoingMessage};
use crate::query::{ContactFilter, PageRequest, SortKey};
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::services::campaigns::{CAMPAIGN_SEND, CampaignPayload, campaign_changes};
use crate::store::{
    CampaignPage, CampaignStore, ConsentStore, ContactStore, EmailQueue, EmailStore, MailRelayStore, NewJob, OpportunityStore,
    OrganizationStore, PipelineStore, SearchHasher, SegmentStore, SuppressionStore, TenantStore, UserStore,
};
use chrono::{DateTime, Utc};
use crm_domain::campaign::{Campaign, CampaignStatus};
use crm_domain::consent::Medium;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::suppression::Channel;
use crm_domain::template::{self, RenderContext};
use crm_domain::visibility::Owned;
use crm_domain::{Actor, CampaignId, TenantId};
use std::collections::HashSet;
use std::sync::Arc;

/// The ports a campaign's run reads and writes.
pub trait CampaignPorts:
    CampaignStore
    + EmailStore
    + SegmentStore
    + ContactStore
    + OrganizationStore
    + OpportunityStore
    + PipelineStore
    + UserStore
    + TenantStore
    + SuppressionStore
    + MailRelayStore
    + SearchHasher
    + ConsentStore
{
}

impl<
    T: CampaignStore
        + EmailStore
        + SegmentStore
        + ContactStore
        + OrganizationStore
        + OpportunityStore
        + PipelineStore
        + UserStore
        + TenantStore
        + SuppressionStore
        + MailRelayStore
        + SearchHasher
        + ConsentStore,
> CampaignPorts for T
{
}

/// Members read and queued per transaction.
const PAGE: u32 = 100;

/// The due time of the `n`-th message from `slot` at `rate` messages a minute.
fn due(slot: DateTime<Utc>, rate: u32, n: usize) -> DateTime<Utc> {
    let gap = 60_000_000 / i64::from(rate.max(1));
    crm_domain::time::add(
        slot,
        chrono::Duration::microseconds(gap.saturating_mul(i64::try_from(n).unwrap_or(i64::MAX))),
    )
}

/// Runs campaigns: the `campaign.send` jobs.
pub struct CampaignRunner<S, K, C, I> {
    app: App<S, K, C, I>,
    settings: MailSettings,
    mailer: Arc<dyn Mailer>,
}

impl<S, K, C: Clone, I: Clone> CampaignRunner<S, K, C, I> {
    /// The runner, writing messages with these settings (tests go straight to `mailer`).
    pub fn new(app: &App<S, K, C, I>, settings: MailSettings, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            app: app.clone(),
            settings,
            mailer,
        }
    }
}

impl<S, K, C, I> CampaignRunner<S, K, C, I> {
    async fn send_test(&self, tenant: TenantId, p: CampaignPayload, to: crm_domain::UserId) -> Result<(), ServiceError>
    where
        S: CampaignPorts,
        C: Clock,
        I: IdGenerator,
    {
        let (actor, _) = crate::app::acting(&*self.app.store, tenant, Some(to)).await?;
        let c = match self.app.store.campaign(tenant, p.campaign_id).await {
            Err(StoreError::NotFound) => return Ok(()),
            other => other?,
        };
        let message = match self.app.test_message(&actor, &c, &self.settings).await {
            Err(ServiceError::Invalid(e)) => {
                tracing::warn!(%tenant, campaign = %c.id.as_uuid(), error = %e, "campaign test: not written");
                return Ok(());
            }
            other => other?,
        };
        match self.mailer.send(tenant, &message).await {
            Ok(()) => Ok(()),
            Err(MailError::Permanent(e)) => {
                tracing::warn!(%tenant, campaign = %c.id.as_uuid(), error = %e, "campaign test refused by the relay");
                Ok(())
            }
            Err(MailError::Transient(e)) => Err(ServiceError::Internal(format!("campaign test not sent yet: {e}"))),
        }
    }
}

/// The parts of campaigns the runner and the sender share.
impl<S: CampaignStore + EmailStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Marks the campaign sent when it is filled and none of its messages waits.
    pub(crate) async fn finish_if_done(&self, tenant: TenantId, id: CampaignId) -> Result<(), ServiceError> {
        let ev = self.event(
            &Actor::System { tenant_id: tenant },
            EntityType::Campaign,
            id.as_uuid(),
            EventKind::CampaignStatusChanged,
            None,
            vec![crm_domain::event::FieldChange {
                field: "status",
                before: Some(CampaignStatus::Sending.code().into()),
                after: Some(CampaignStatus::Sent.code().into()),
                sensitivity: crm_domain::event::Sensitivity::Clear,
            }],
        );
        self.store.finish_campaign(tenant, id, self.clock.now(), &ev).await?;
        Ok(())
    }

    /// The send jobs of a resumed campaign's held messages, due at the company's pace.
    pub(crate) async fn resumed_jobs(
        &self,
        c: &Campaign,
        settings: &MailSettings,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewJob>, ServiceError> {
        let held = self.store.held_campaign_emails(c.tenant_id, c.id).await?;
        let slot = self.store.send_slot(c.tenant_id).await?.map_or(now, |s| s.max(now));
        held.into_iter()
            .enumerate()
            .map(|(n, id)| super::sender::send_job(self.new_id(), c.tenant_id, id, due(slot, settings.campaign_rate, n)))
            .collect()
    }
}

impl<S: CampaignPorts, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The test message of a campaign, to the actor (see
    /// [`App::campaign_test_message`]).
    pub(crate) async fn test_message(&self, actor: &Actor, c: &Campaign, settings: &MailSettings) -> Result<OutgoingMessage, ServiceError> {
        let tenant = tenant_of(actor)?;
        let settings = &self.settings_for(tenant, settings).await?;
        let me = match actor.user_id() {
            Some(u) => self.store.user(tenant, u).await?,
            None => return Err(crm_domain::ValidationError::field("from", crm_domain::ViolationKind::Required).into()),
        };
        let company = self.store.tenant(tenant).await?;
        let language = c.language.unwrap_or(company.settings.language);
        let tpl = crate::app::known(self.store.template(tenant, c.template_id).await, "template_id")?;
        let variant = tpl
            .variant(language)
            .cloned()
            .ok_or_else(|| crm_domain::ValidationError::field("template_id", crm_domain::ViolationKind::Unknown))?;
        let segment = crate::app::known(self.store.segment(tenant, c.segment_id).await, "segment_id")?;
        let filter = ContactFilter {
            segment: Some(self.membership(&segment)),
            ..ContactFilter::default()
        };
        let page = self
            .store
            .list_contacts(
                scope(actor, Owned::Contact)?,
                &filter,
                &PageRequest {
                    sort: SortKey::CreatedAt,
                    limit: Some(20),
                    ..PageRequest::default()
                },
            )
            .await?;
        let member = page
            .items
            .into_iter()
            .find_map(|m| m.fields.emails.first().cloned().map(|to| (m, to)));
        let company_name = company.name.as_str().to_owned();
        let (subject, text, from, reply_to) = match member {
            Some((contact, to)) => {
                let who = Recipient {
                    contact,
                    to,
                    opportunity: None,
                };
                let origin = Origin {
                    sender: Some(me.clone()),
                    company_name,
                    language,
                    template_id: Some(c.template_id),
                };
                let p = self.compose_for(tenant, who, &variant, origin, settings).await?;
                (p.preview.subject, p.preview.text, p.preview.from, p.preview.reply_to)
            }
            None => {
                let r = template::render(&variant, &RenderContext::sample())?;
                let (from, reply_to) = mailboxes(settings, Some(&me), &company_name)?;
                (r.subject, r.text, from, reply_to)
            }
        };
        let html = template::text_to_html(&text, str::to_owned);
        let text: String = text;
        Ok(OutgoingMessage {
            message_id: format!("{}@{}", self.new_id(), settings.domain),
            date: self.clock.now(),
            from,
            to: crate::mail::Mailbox {
                name: me.display_name.as_str().to_owned(),
                address: me.email.as_str().to_owned(),
            },
            reply_to,
            subject: format!("[Test] {subject}"),
            text,
            html: Some(html),
            unsubscribe: None,
            attachments: Vec::new(),
        })
    }

    /// Runs one campaign job: starts a scheduled campaign whose time came, then queues the
    /// messages of the members not queued yet, page by page.
    async fn run_campaign(&self, ctx: &JobContext, p: CampaignPayload, settings: &MailSettings) -> Result<(), ServiceError> {
        let tenant = ctx.job().tenant_id;
        let mut c = match self.store.campaign(tenant, p.campaign_id).await {
            Err(StoreError::NotFound) => return Ok(()),
            other => other?,
        };
        if let Some(at) = p.at {
            let same = |t: DateTime<Utc>| t.timestamp_micros() == at.timestamp_micros();
            if c.status != CampaignStatus::Scheduled || !c.scheduled_at.is_some_and(same) {
                return Ok(()); // moved, unscheduled or cancelled since
            }
            let now = self.clock.now();
            let mut after = c.clone();
            after.status = CampaignStatus::Sending;
            after.started_at = Some(now);
            after.updated_at = now;
            after.version = c.version + 1;
            let ev = self.event(
                &Actor::System { tenant_id: tenant },
                EntityType::Campaign,
                c.id.as_uuid(),
                EventKind::CampaignStatusChanged,
                None,
                campaign_changes(Some(&c), &after),
            );
            self.store.update_campaign(&after, c.version, &ev, &[]).await?;
            c = after;
        }
        if !matches!(c.status, CampaignStatus::Sending | CampaignStatus::Paused) {
            return Ok(());
        }
        if c.filled_at.is_none() && !self.fill(ctx, &c, settings).await? {
            return Ok(());
        }
        self.finish_if_done(tenant, c.id).await
    }

    /// Queues the members' messages from the job's last page on; `false` when the campaign
    /// was cancelled meanwhile.
    async fn fill(&self, ctx: &JobContext, c: &Campaign, settings: &MailSettings) -> Result<bool, ServiceError> {
        let tenant = c.tenant_id;
        let settings = &self.settings_for(tenant, settings).await?;
        // The campaign's writer as they are now: their read scope, their name as sender.
        let (actor, sender) = crate::app::acting(&*self.store, tenant, c.created_by).await?;
        let company = self.store.tenant(tenant).await?;
        let language = c.language.unwrap_or(company.settings.language);
        let parts = match (
            self.store.segment(tenant, c.segment_id).await,
            self.store.template(tenant, c.template_id).await,
        ) {
            (Ok(s), Ok(t)) => t.variant(language).cloned().map(|v| (s, v)),
            (Err(StoreError::NotFound), _) | (_, Err(StoreError::NotFound)) => None,
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        let Some((segment, variant)) = parts else {
            tracing::warn!(%tenant, campaign = %c.id.as_uuid(), "campaign: its segment or template is gone; nothing to send");
            self.store.campaign_filled(tenant, c.id, self.clock.now()).await?;
            return Ok(true);
        };
        let filter = ContactFilter {
            segment: Some(self.membership(&segment)),
            ..ContactFilter::default()
        };
        let mut step = ctx.job().step;
        let mut cursor = ctx.job().progress.get("cursor").and_then(|c| c.as_str()).map(str::to_owned);
        loop {
            let page = self
                .store
                .list_contacts(
                    scope(&actor, Owned::Contact)?,
                    &filter,
                    &PageRequest {
                        sort: SortKey::CreatedAt,
                        descending: false,
                        cursor: cursor.clone(),
                        limit: Some(PAGE),
                    },
                )
                .await?;
            let ids: Vec<_> = page.items.iter().map(|m| m.id).collect();
            let done: HashSet<_> = self.store.campaign_recipients(tenant, c.id, &ids).await?.into_iter().collect();
            let mut skipped = 0i64;
            let mut reachable = Vec::new();
            for m in page.items.into_iter().filter(|m| !done.contains(&m.id)) {
                match m.fields.emails.first().cloned() {
                    Some(to) if !m.fields.email_opt_out => reachable.push((m, to)),
                    _ => skipped += 1,
                }
            }
            // Whom the company may prospect by email: their consent, or its legitimate
            // interest (see `crm_domain::consent`).
            let members: Vec<_> = reachable.iter().map(|(m, _)| m).collect();
            let allowed = self.reachable(&actor, Medium::Email, &members).await?;
            let before = reachable.len();
            let reachable: Vec<_> = reachable
                .into_iter()
                .zip(allowed)
                .filter(|(_, why)| why.allows())
                .map(|(r, _)| r)
                .collect();
            skipped += i64::try_from(before - reachable.len()).unwrap_or(0);
            let values: Vec<_> = reachable.iter().map(|(_, to)| (Channel::Email, to.as_str())).collect();
            let suppressed = self.store.suppressed(tenant, &values).await?;
            let now = self.clock.now();
            let slot = self.store.send_slot(tenant).await?.map_or(now, |s| s.max(now));
            let mut queued = Vec::new();
            for ((contact, to), off) in reachable.into_iter().zip(suppressed) {
                if off {
                    skipped += 1;
                    continue;
                }
                let who = Recipient {
                    contact,
                    to,
                    opportunity: None,
                };
                let origin = Origin {
                    sender: sender.clone(),
                    company_name: company.name.as_str().to_owned(),
                    language,
                    template_id: Some(c.template_id),
                };
                let at = due(slot, settings.campaign_rate, queued.len());
                match self.compose_for(tenant, who, &variant, origin, settings).await {
                    Ok(p) => queued.push(self.queued(&actor, p, settings, Some((c.id, at)), now)?),
                    Err(ServiceError::Invalid(e)) => {
                        tracing::warn!(%tenant, campaign = %c.id.as_uuid(), error = %e, "campaign: a member's message could not be written");
                        skipped += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            let emails: Vec<_> = queued.iter().map(|q| q.email.clone()).collect();
            let activities: Vec<_> = queued.iter().map(|q| q.activity.clone()).collect();
            let events: Vec<_> = queued.iter().flat_map(|q| q.events.iter().cloned()).collect();
            let jobs: Vec<_> = queued.iter().map(|q| q.job.clone()).collect();
            let written = self
                .store
                .queue_campaign_page(
                    tenant,
                    c.id,
                    &CampaignPage {
                        queue: EmailQueue {
                            at: now,
                            emails: &emails,
                            activities: &activities,
                            events: &events,
                            jobs: &jobs,
                        },
                        skipped,
                        next_slot: due(slot, settings.campaign_rate, queued.len()),
                    },
                )
                .await;
            match written {
                Err(StoreError::Conflict) => return Ok(false),
                other => other?,
            }
            step += 1;
            cursor = page.next_cursor;
            ctx.checkpoint(
                step,
                serde_json::json!({ "cursor": cursor, "queued": emails.len(), "skipped": skipped }),
            )
            .await?;
            if cursor.is_none() {
                break;
            }
        }
        self.store.campaign_filled(tenant, c.id, self.clock.now()).await?;
        Ok(true)
    }
}

impl<S: CampaignPorts + 'static, K: Send + Sync + 'static, C: Clock + Send + Sync + 'static, I: IdGenerator + Send + Sync + 'static>
    JobHandler for CampaignRunner<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        CAMPAIGN_SEND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let p: CampaignPayload =
                serde_json::from_value(ctx.job().payload.clone()).map_err(|e| ServiceError::Internal(format!("campaign job: {e}")))?;
            match p.test_to {
                Some(u) => self.send_test(ctx.job().tenant_id, p, u).await?,
                None => self.app.run_campaign(ctx, p, &self.settings).await?,
            }
            Ok(JobFinish::default())
        })
    }
}
