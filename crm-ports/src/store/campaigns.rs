//! Store port of campaigns: the campaign rows, the pages of their messages queued in the
//! outbox (at most one per contact), what the company's pace allows next, and the
//! statistics read from the messages themselves.

use super::{EmailMessage, EmailQueue, NewJob, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::campaign::Campaign;
use crm_domain::event::NewEvent;
use crm_domain::{CampaignId, ContactId, EmailId, TenantId};
use std::future::Future;

/// What became of a campaign's messages, counted from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignStats {
    /// Messages queued for it (one per recipient).
    pub recipients: i64,
    /// Waiting for their attempt (or held by a pause).
    pub queued: i64,
    /// Accepted by the relay.
    pub sent: i64,
    /// Given up after their attempts.
    pub failed: i64,
    /// Refused for good: the address bounces.
    pub bounced: i64,
    /// Never sent: the campaign was cancelled first.
    pub cancelled: i64,
    /// Opened by a person.
    pub opened: i64,
    /// With a link followed.
    pub clicked: i64,
    /// Whose recipient unsubscribed through it.
    pub unsubscribed: i64,
    /// Answered.
    pub replied: i64,
}

/// One page of a campaign's recipients queued at once.
#[derive(Debug, Clone, Copy)]
pub struct CampaignPage<'a> {
    /// The messages with their archives, events and send jobs.
    pub queue: EmailQueue<'a>,
    /// Members of the page left out (no address, opted out, suppressed).
    pub skipped: i64,
    /// The due time after the page's last message (the company's next free slot).
    pub next_slot: DateTime<Utc>,
}

/// Campaigns.
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign with its event.
    fn create_campaign(&self, campaign: &Campaign, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a campaign (its name, segment, template, language, status, times),
    /// bumping its version, and queues the jobs its move asks for (a job whose key is live
    /// is left out), in one transaction. `Conflict` on a stale version.
    fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_version: i64,
        event: &NewEvent,
        jobs: &[NewJob],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a campaign that never sent anything. `NotFound`.
    fn delete_campaign(&self, tenant: TenantId, id: CampaignId, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One campaign. `NotFound` otherwise.
    fn campaign(&self, tenant: TenantId, id: CampaignId) -> impl Future<Output = StoreResult<Campaign>> + Send;
    /// The company's campaigns, newest first.
    fn campaigns(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<Campaign>>> + Send;
    /// Those of `contacts` who already have a message of the campaign.
    fn campaign_recipients(
        &self,
        tenant: TenantId,
        id: CampaignId,
        contacts: &[ContactId],
    ) -> impl Future<Output = StoreResult<Vec<ContactId>>> + Send;
    /// The company's next free slot: the latest `next_slot` of its sending campaigns.
    fn send_slot(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Option<DateTime<Utc>>>> + Send;
    /// Queues a page of a campaign's messages (as [`super::EmailStore::queue_emails`]),
    /// counts its skipped members and moves its next slot, all or nothing. `Conflict`
    /// (nothing written) when the campaign is no longer sending or paused.
    fn queue_campaign_page(
        &self,
        tenant: TenantId,
        id: CampaignId,
        page: &CampaignPage<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Notes that every recipient has their message queued (no version change).
    fn campaign_filled(&self, tenant: TenantId, id: CampaignId, at: DateTime<Utc>) -> impl Future<Output = StoreResult<()>> + Send;
    /// Marks a sending campaign sent, with its event, when it is filled and none of its
    /// messages waits any more; whether it did.
    fn finish_campaign(
        &self,
        tenant: TenantId,
        id: CampaignId,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Replaces a campaign as [`Self::update_campaign`] (its status cancelled) and cancels
    /// its messages still queued, their archives taken off the timelines, in one
    /// transaction; how many.
    fn cancel_campaign(
        &self,
        campaign: &Campaign,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// The campaign's messages still queued (held by a pause), oldest first.
    fn held_campaign_emails(&self, tenant: TenantId, id: CampaignId) -> impl Future<Output = StoreResult<Vec<EmailId>>> + Send;
    /// What became of its messages.
    fn campaign_stats(&self, tenant: TenantId, id: CampaignId) -> impl Future<Output = StoreResult<CampaignStats>> + Send;
    /// Its messages in queueing order, after `after`, at most `limit`.
    fn campaign_emails(
        &self,
        tenant: TenantId,
        id: CampaignId,
        after: Option<EmailId>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<EmailMessage>>> + Send;
}
