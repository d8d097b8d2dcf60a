//! Store port of email: the company's templates, and the outbox — each message to one
//! recipient, queued with what asked for it (its archive activity, its events, the job
//! that sends it) in one transaction, its content sealed under the recipient's own key,
//! and every attempt and outcome recorded.

use super::{NewJob, StoreResult};
use crate::mail::Mailbox;
use chrono::{DateTime, Utc};
use crm_domain::activity::Activity;
use crm_domain::event::NewEvent;
use crm_domain::template::EmailTemplate;
use crm_domain::{ActivityId, CampaignId, ContactId, EmailId, OpportunityId, TemplateId, TenantId, UserId};
use std::future::Future;

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailState {
    /// Waiting for its (next) attempt.
    Queued,
    /// Being handed to the relay (still so after a crash in the middle: the next attempt
    /// counts a possible second copy).
    Sending,
    /// Accepted by the relay.
    Sent,
    /// Given up after its attempts.
    Failed,
    /// Refused for good by the relay: the address bounces.
    Bounced,
    /// Never sent: its campaign was cancelled first.
    Cancelled,
}

impl EmailState {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
            Self::Cancelled => "cancelled",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Sending,
            Self::Sent,
            Self::Failed,
            Self::Bounced,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Whether nothing more will happen to it.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Bounced | Self::Cancelled)
    }
}

/// What a message says and to whom (sealed under the recipient's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    /// From.
    pub from: Mailbox,
    /// To.
    pub to: Mailbox,
    /// Reply-To.
    pub reply_to: Option<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: Option<String>,
    /// Its one-click unsubscribe URL (RFC 8058 headers), when it has one.
    pub unsubscribe: Option<String>,
}

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// Id.
    pub id: EmailId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Its Message-ID (without angle brackets), fixed at queueing.
    pub message_id: String,
    /// The recipient.
    pub contact_id: ContactId,
    /// The deal it is about.
    pub opportunity_id: Option<OpportunityId>,
    /// Its archive in the timelines.
    pub activity_id: Option<ActivityId>,
    /// The template it was written from.
    pub template_id: Option<TemplateId>,
    /// Who sent it (`None`: the system).
    pub sender_id: Option<UserId>,
    /// The campaign it belongs to.
    pub campaign_id: Option<CampaignId>,
    /// What it says; `None` once the recipient was erased.
    pub content: Option<EmailContent>,
    /// Where it is.
    pub state: EmailState,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts that began after one that may have handed it over without recording it
    /// (a crash between the relay's acceptance and its record): possible second copies,
    /// always with the same Message-ID.
    pub resends: i32,
    /// The last failure, as the relay or the network said it.
    pub last_error: Option<String>,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When the relay accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// What its recipient did with it.
    pub stats: EmailStats,
}

/// What a recipient did with a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailStats {
    /// A person's first open.
    pub opened_at: Option<DateTime<Utc>>,
    /// Opens by a person.
    pub opens: i64,
    /// Opens by machines (proxies, scanners), not counted as a person's.
    pub machine_opens: i64,
    /// The first click on one of its links.
    pub clicked_at: Option<DateTime<Utc>>,
    /// Clicks.
    pub clicks: i64,
    /// When the recipient unsubscribed through its link.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// The first reply received.
    pub replied_at: Option<DateTime<Utc>>,
    /// Replies received.
    pub replies: i64,
}

/// Something a recipient did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engagement {
    /// Its image was fetched, by a person or a machine.
    Open {
        /// A machine's fetch.
        machine: bool,
    },
    /// One of its links followed.
    Click,
    /// Its unsubscribe link used.
    Unsubscribe,
}

/// What one transaction queues.
#[derive(Debug, Clone, Copy)]
pub struct EmailQueue<'a> {
    /// When (the jobs' creation time).
    pub at: DateTime<Utc>,
    /// The messages (state queued).
    pub emails: &'a [EmailMessage],
    /// Their archives.
    pub activities: &'a [Activity],
    /// The events of both.
    pub events: &'a [NewEvent],
    /// The jobs that send them.
    pub jobs: &'a [NewJob],
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    /// Accepted by the relay.
    Sent,
    /// Failed for now: queued again.
    Retry(String),
    /// Given up.
    Failed(String),
    /// Refused for good.
    Bounced(String),
}

/// Templates and the outbox.
pub trait EmailStore: Send + Sync {
    /// Creates a template with its event. `Duplicate { field: "name" }` when the company
    /// has one of that name.
    fn create_template(&self, template: &EmailTemplate, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a template. `Conflict` on a stale version; `Duplicate { field: "name" }`.
    fn update_template(
        &self,
        template: &EmailTemplate,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a template (the messages written from it keep their content).
    fn delete_template(&self, tenant: TenantId, id: TemplateId, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One template. `NotFound` otherwise.
    fn template(&self, tenant: TenantId, id: TemplateId) -> impl Future<Output = StoreResult<EmailTemplate>> + Send;
    /// The company's templates by name.
    fn templates(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<EmailTemplate>>> + Send;
    /// Queues messages with their archives, events and jobs, all or nothing.
    fn queue_emails(&self, tenant: TenantId, queue: &EmailQueue<'_>) -> impl Future<Output = StoreResult<()>> + Send;
    /// One message. `NotFound` otherwise.
    fn email(&self, tenant: TenantId, id: EmailId) -> impl Future<Output = StoreResult<EmailMessage>> + Send;
    /// Begins an attempt: a message not yet final becomes `Sending`, its attempts counted
    /// (and its resends, when the last attempt never said how it ended); the message as it
    /// is now (a final one unchanged, and a queued one unchanged while its campaign is not
    /// sending: held by a pause).
    fn begin_email_attempt(
        &self,
        tenant: TenantId,
        id: EmailId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<EmailMessage>> + Send;
    /// Records how the attempt ended, with its event when given — on a message still
    /// `sending` (a bounce also on one `sent`: a delivery report); another is left as it is.
    fn end_email_attempt(
        &self,
        tenant: TenantId,
        id: EmailId,
        outcome: &EmailOutcome,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Records what a recipient did, with its event when given. `NotFound` for a message
    /// the tenant does not have.
    fn record_engagement(
        &self,
        tenant: TenantId,
        id: EmailId,
        what: Engagement,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Ours among messages named by their Message-IDs (the newest when several).
    fn email_answered(&self, tenant: TenantId, message_ids: &[String]) -> impl Future<Output = StoreResult<Option<EmailMessage>>> + Send;
    /// Files a received reply: its activity on the timelines and, when it answers one of
    /// ours, that message's reply counted, with the events, in one transaction.
    fn file_reply(
        &self,
        tenant: TenantId,
        activity: &Activity,
        answers: Option<EmailId>,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Sets the company's inbound secret (its SHA-256), replacing the previous one.
    fn set_inbound_secret(
        &self,
        tenant: TenantId,
        hash: &[u8; 32],
        by: Option<UserId>,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The company's inbound secret's hash, if it has one.
    fn inbound_secret(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Option<[u8; 32]>>> + Send;
    /// The messages to a contact, newest first, at most `limit`.
    fn emails_to(&self, tenant: TenantId, contact: ContactId, limit: u32) -> impl Future<Output = StoreResult<Vec<EmailMessage>>> + Send;
}

/// A company's own SMTP relay, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct MailRelay {
    /// The relay's URL, user and password included (`smtp://user:pass@host:587?tls=required`).
    pub url: String,
    /// The From address of the company's messages (`None`: the installation's).
    pub from: Option<String>,
    /// Who set it.
    pub updated_by: Option<UserId>,
    /// When.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for MailRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRelay")
            .field("from", &self.from)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// The companies' own relays (the URL sealed under the company's key).
pub trait MailRelayStore: Send + Sync {
    /// Sets (`Some`) or removes (`None`) the company's relay, with its event.
    fn set_mail_relay(&self, tenant: TenantId, relay: Option<&MailRelay>, event: &NewEvent)
    -> impl Future<Output = StoreResult<()>> + Send;
    /// The company's relay, if it has one.
    fn mail_relay(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Option<MailRelay>>> + Send;
}
