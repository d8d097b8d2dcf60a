//! Campaigns: written, scheduled, started, paused, resumed and cancelled by those who run
//! them (Admin, Manager, Marketing); each move is checked by the domain's life of a
//! campaign and saved with the jobs it asks for in one transaction. The job that queues
//! the recipients' messages and the pace they go out at live in `email/campaign.rs`.

use crate::app::{App, check_version, known, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::services::email::MailSettings;
use crate::store::{CampaignStats, CampaignStore, EmailMessage, EmailStore, NewJob, SegmentStore};
use chrono::{DateTime, Utc};
use crm_domain::campaign::{Campaign, CampaignAction, CampaignInput, CampaignStatus};
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, CampaignId, EmailId, UserId, ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};

/// The job kind that starts a campaign at its time and queues its recipients' messages.
pub const CAMPAIGN_SEND: &str = "campaign.send";

/// A campaign job's payload: the campaign, and the start time it was scheduled for
/// (`None`: started by hand). A job for a time since moved does nothing.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct CampaignPayload {
    pub(crate) campaign_id: CampaignId,
    pub(crate) at: Option<DateTime<Utc>>,
    /// A test message to this user instead of the campaign.
    #[serde(default)]
    pub(crate) test_to: Option<UserId>,
}

pub(crate) fn campaign_changes(before: Option<&Campaign>, after: &Campaign) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
    let id = |c: &Campaign| c.segment_id.as_uuid().to_string();
    d.field("segment_id", before.map(id).as_ref(), &id(after), Sensitivity::Clear);
    let id = |c: &Campaign| c.template_id.as_uuid().to_string();
    d.field("template_id", before.map(id).as_ref(), &id(after), Sensitivity::Clear);
    let lang = |c: &Campaign| c.language.map(|l| l.code());
    d.field("language", before.map(lang).as_ref(), &lang(after), Sensitivity::Clear);
    let status = |c: &Campaign| c.status.code();
    d.field("status", before.map(status).as_ref(), &status(after), Sensitivity::Clear);
    let at = |c: &Campaign| c.scheduled_at.map(|t| t.to_rfc3339());
    d.field("scheduled_at", before.map(at).as_ref(), &at(after), Sensitivity::Clear);
    d.into_changes()
}

/// The job that runs `payload` from `due`: a campaign's run (one live per campaign and
/// start time) or a test (any number).
pub(crate) fn campaign_job<C: Clock, I: IdGenerator>(
    app: &App<impl Sized, impl Sized, C, I>,
    tenant: crm_domain::TenantId,
    payload: CampaignPayload,
    due: DateTime<Utc>,
) -> Result<NewJob, ServiceError> {
    let id = payload.campaign_id.as_uuid();
    Ok(NewJob {
        id: app.new_id(),
        tenant_id: tenant,
        kind: CAMPAIGN_SEND.to_owned(),
        payload: serde_json::to_value(payload).map_err(|e| ServiceError::Internal(e.to_string()))?,
        due_at: due,
        key: match (payload.test_to, payload.at) {
            (Some(_), _) => None,
            (None, Some(t)) => Some(format!("campaign:{id}:{}", t.timestamp_micros())),
            (None, None) => Some(format!("campaign:{id}")),
        },
    })
}

/// A campaign's run (at its start time `at`, or started by hand).
fn run_payload(c: &Campaign, at: Option<DateTime<Utc>>) -> CampaignPayload {
    CampaignPayload {
        campaign_id: c.id,
        at,
        test_to: None,
    }
}

/// Writing and running campaigns.
impl<S: CampaignStore + SegmentStore + EmailStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company's campaigns, newest first.
    ///
    /// # Errors
    /// `Forbidden` for those who do not run campaigns.
    pub async fn campaigns(&self, actor: &Actor) -> Result<Vec<Campaign>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::RunCampaigns)?;
        Ok(self.store.campaigns(tenant).await?)
    }

    /// One campaign.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn campaign(&self, actor: &Actor, id: CampaignId) -> Result<Campaign, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::RunCampaigns)?;
        Ok(self.store.campaign(tenant, id).await?)
    }

    /// What became of a campaign's messages.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn campaign_stats(&self, actor: &Actor, id: CampaignId) -> Result<CampaignStats, ServiceError> {
        let c = self.campaign(actor, id).await?;
        Ok(self.store.campaign_stats(c.tenant_id, c.id).await?)
    }

    /// A campaign's messages, one per recipient, after `after`.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn campaign_emails(
        &self,
        actor: &Actor,
        id: CampaignId,
        after: Option<EmailId>,
        limit: u32,
    ) -> Result<Vec<EmailMessage>, ServiceError> {
        let c = self.campaign(actor, id).await?;
        Ok(self.store.campaign_emails(c.tenant_id, c.id, after, limit.clamp(1, 200)).await?)
    }

    async fn checked_refs(&self, actor: &Actor, input: CampaignInput) -> Result<CampaignInput, ServiceError> {
        let tenant = tenant_of(actor)?;
        let input = input.check()?;
        if let Some(s) = input.segment_id {
            known(self.store.segment(tenant, s).await, "segment_id")?;
        }
        if let Some(t) = input.template_id {
            known(self.store.template(tenant, t).await, "template_id")?;
        }
        Ok(input)
    }

    /// Writes a campaign (a draft).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid`: `name` required or too long, `segment_id`/`template_id`
    /// required or unknown.
    pub async fn create_campaign(&self, actor: &Actor, input: CampaignInput) -> Result<Campaign, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::RunCampaigns)?;
        let input = self.checked_refs(actor, input).await?;
        let (Some(segment_id), Some(template_id)) = (input.segment_id, input.template_id) else {
            return Err(ValidationError::field("segment_id", ViolationKind::Required).into());
        };
        let now = self.clock.now();
        let c = Campaign {
            id: CampaignId::from_uuid(self.new_id()),
            tenant_id: tenant,
            name: input.name,
            segment_id,
            template_id,
            language: input.language,
            status: CampaignStatus::Draft,
            scheduled_at: None,
            created_by: actor.user_id(),
            started_at: None,
            filled_at: None,
            finished_at: None,
            skipped: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Campaign,
            c.id.as_uuid(),
            EventKind::Created,
            None,
            campaign_changes(None, &c),
        );
        self.store.create_campaign(&c, &ev).await?;
        Ok(c)
    }

    /// Changes a draft or scheduled campaign's name, segment, template or language.
    ///
    /// # Errors
    /// As [`Self::create_campaign`]; `NotFound`; `Conflict` on a stale version;
    /// `status: not_allowed` once it started.
    pub async fn update_campaign(
        &self,
        actor: &Actor,
        id: CampaignId,
        expected_version: i64,
        input: CampaignInput,
    ) -> Result<Campaign, ServiceError> {
        let before = self.campaign(actor, id).await?;
        check_version(before.version, expected_version)?;
        if !before.status.is_editable() {
            return Err(ValidationError::field("status", ViolationKind::NotAllowed).into());
        }
        let input = self.checked_refs(actor, input).await?;
        let mut after = before.clone();
        after.name = input.name;
        after.segment_id = input.segment_id.unwrap_or(before.segment_id);
        after.template_id = input.template_id.unwrap_or(before.template_id);
        after.language = input.language;
        after.updated_at = self.clock.now();
        after.version = before.version + 1;
        let ev = self.event(
            actor,
            EntityType::Campaign,
            id.as_uuid(),
            EventKind::Updated,
            None,
            campaign_changes(Some(&before), &after),
        );
        self.store.update_campaign(&after, expected_version, &ev, &[]).await?;
        Ok(after)
    }

    /// Deletes a campaign that never queued a message.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` on a stale version or once it has messages (cancel it).
    pub async fn delete_campaign(&self, actor: &Actor, id: CampaignId, expected_version: i64) -> Result<(), ServiceError> {
        let c = self.campaign(actor, id).await?;
        check_version(c.version, expected_version)?;
        if !c.status.is_editable() {
            return Err(ServiceError::Conflict);
        }
        let ev = self.event(actor, EntityType::Campaign, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        Ok(self.store.delete_campaign(c.tenant_id, id, &ev).await?)
    }

    /// Moves a campaign in its life: schedule it (`at` in the future), start it now,
    /// unschedule, pause, resume or cancel it.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` on a stale version; `status: not_allowed` when the move
    /// does not apply; `at` required (schedule) or `too_small` (not in the future);
    /// `public_url: required` to schedule or start without the installation's public
    /// address (its tracking and unsubscribe links need it).
    pub async fn move_campaign(
        &self,
        actor: &Actor,
        id: CampaignId,
        expected_version: i64,
        action: CampaignAction,
        at: Option<DateTime<Utc>>,
        settings: &MailSettings,
    ) -> Result<Campaign, ServiceError> {
        let before = self.campaign(actor, id).await?;
        check_version(before.version, expected_version)?;
        let now = self.clock.now();
        let status = before.status.apply(action)?;
        if matches!(action, CampaignAction::Schedule | CampaignAction::Start) && settings.public_url.is_none() {
            return Err(ValidationError::field("public_url", ViolationKind::Required).into());
        }
        let mut after = before.clone();
        after.status = status;
        after.updated_at = now;
        after.version = before.version + 1;
        let mut jobs = Vec::new();
        match action {
            CampaignAction::Schedule => {
                let at = at.ok_or_else(|| ValidationError::field("at", ViolationKind::Required))?;
                // Kept to the microsecond, as stored: the job compares it with the row.
                let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
                if at <= now {
                    return Err(ValidationError::field("at", ViolationKind::TooSmall).into());
                }
                after.scheduled_at = Some(at);
                jobs.push(campaign_job(self, after.tenant_id, run_payload(&after, Some(at)), at)?);
            }
            CampaignAction::Unschedule => after.scheduled_at = None,
            CampaignAction::Start => {
                after.started_at = Some(now);
                jobs.push(campaign_job(self, after.tenant_id, run_payload(&after, None), now)?);
            }
            CampaignAction::Resume => {
                jobs = self.resumed_jobs(&after, settings, now).await?;
                if after.filled_at.is_none() {
                    jobs.push(campaign_job(self, after.tenant_id, run_payload(&after, None), now)?);
                }
            }
            CampaignAction::Cancel => after.finished_at = Some(now),
            CampaignAction::Pause | CampaignAction::Finish => {}
        }
        let ev = self.event(
            actor,
            EntityType::Campaign,
            id.as_uuid(),
            EventKind::CampaignStatusChanged,
            None,
            campaign_changes(Some(&before), &after),
        );
        if action == CampaignAction::Cancel {
            self.store.cancel_campaign(&after, expected_version, &ev).await?;
        } else {
            self.store.update_campaign(&after, expected_version, &ev, &jobs).await?;
        }
        if action == CampaignAction::Resume {
            self.finish_if_done(after.tenant_id, id).await?;
        }
        Ok(after)
    }

    /// Sends the actor a test of a campaign's message (see `email/campaign.rs`): checked
    /// now (its faults come back at once), handed to the relay by a job.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; the actor must be a user (`from`); rendering faults.
    pub async fn send_campaign_test(&self, actor: &Actor, id: CampaignId, settings: &MailSettings) -> Result<(), ServiceError>
    where
        S: crate::store::ContactStore
            + crate::store::OrganizationStore
            + crate::store::OpportunityStore
            + crate::store::PipelineStore
            + crate::store::UserStore
            + crate::store::TenantStore
            + crate::store::SuppressionStore
            + crate::store::MailRelayStore
            + crate::store::SearchHasher
            + crate::store::ConsentStore
            + crate::store::JobStore,
    {
        let c = self.campaign(actor, id).await?;
        self.test_message(actor, &c, settings).await?;
        let now = self.clock.now();
        let test = CampaignPayload {
            campaign_id: c.id,
            at: None,
            test_to: actor.user_id(),
        };
        let job = campaign_job(self, c.tenant_id, test, now)?;
        self.store.enqueue_job(&job, now).await?;
        Ok(())
    }
}
