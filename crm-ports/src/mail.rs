//! The mail port: a message handed to a relay (SMTP) or written where the embedded default
//! keeps it (`.eml` files). The use cases build the message — its Message-ID fixed when it
//! was queued, its parts, its headers — and the adapter only carries it.

use crate::runtime::BoxFuture;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;

/// A name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// Display name (may be empty).
    pub name: String,
    /// The address.
    pub address: String,
}

/// One message to one recipient, ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The Message-ID without its angle brackets (`<id>@<domain>`), fixed at queueing: the
    /// same on every attempt.
    pub message_id: String,
    /// Date header.
    pub date: DateTime<Utc>,
    /// From.
    pub from: Mailbox,
    /// To.
    pub to: Mailbox,
    /// Reply-To (the sender's own address when From is the company's).
    pub reply_to: Option<Mailbox>,
    /// Subject, one line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, when there is one.
    pub html: Option<String>,
    /// The one-click unsubscribe URL (`List-Unsubscribe` and `List-Unsubscribe-Post`,
    /// RFC 8058), for mass sends.
    pub unsubscribe: Option<String>,
    /// Files attached (a scheduled report).
    pub attachments: Vec<Attachment>,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth trying again later (relay unreachable, 4xx).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Refused for good (5xx: no such mailbox, rejected); the address bounces.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Hands messages over.
pub trait Mailer: Send + Sync + 'static {
    /// Sends `message` for `tenant`. `Ok` once the relay accepted it.
    fn send<'a>(&'a self, tenant: TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>>;

    /// Drops the copies this mailer keeps of these messages (an erased person's); those
    /// already gone are no fault. A relay keeps none: nothing to do.
    fn forget<'a>(&'a self, tenant: TenantId, message_ids: &'a [String]) -> BoxFuture<'a, Result<(), MailError>> {
        let _ = (tenant, message_ids);
        Box::pin(async { Ok(()) })
    }
}

/// A message received (a reply), as read from its MIME text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMessage {
    /// Its own Message-ID (without angle brackets).
    pub message_id: Option<String>,
    /// The Message-IDs it answers (`In-Reply-To`, then `References`, newest first).
    pub answers: Vec<String>,
    /// The sender's address.
    pub from: Option<String>,
    /// Subject.
    pub subject: String,
    /// Its text (the plain part, else the HTML part's text).
    pub text: String,
    /// When it was written.
    pub date: Option<DateTime<Utc>>,
    /// What it reports, when it is a delivery status notification (RFC 3464: a relay
    /// telling that a message could not be delivered) rather than a person's message.
    pub delivery: Option<DeliveryReport>,
}

/// A delivery status notification (RFC 3464).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The Message-ID of the message it reports on (without angle brackets), when given.
    pub original: Option<String>,
    /// The recipients whose delivery failed for good (`Action: failed`), each with its
    /// status (`5.1.1`) and what the relay said.
    pub failed: Vec<FailedRecipient>,
}

/// A recipient a delivery report says failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailedRecipient {
    /// The address (`Final-Recipient`, else `Original-Recipient`).
    pub address: String,
    /// `Status` (`5.1.1`).
    pub status: String,
    /// `Diagnostic-Code`, when given.
    pub diagnostic: Option<String>,
}

/// A MIME text that cannot be read as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable message: {0}")]
pub struct UnreadableMessage(pub String);

/// Reads received messages.
pub trait MailReader: Send + Sync + 'static {
    /// The message of a raw MIME text.
    ///
    /// # Errors
    /// Not a message.
    fn read(&self, raw: &[u8]) -> Result<InboundMessage, UnreadableMessage>;
}
