//! Email: templates, emails written to contacts and their delivery.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One language of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariant {
    /// `fr` or `en`.
    pub language: String,
    /// The subject; may use the variables (`{{ contact.first_name }}`).
    pub subject: String,
    /// The body, plain text; variables, `{% if … %}` and `{% for … %}`.
    pub body: String,
}

/// An email template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTemplate {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the company.
    pub name: String,
    /// Its languages, French first.
    pub variants: Vec<TemplateVariant>,
    /// Who wrote it.
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A template as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateWrite {
    /// Name.
    pub name: String,
    /// At least one; each language once.
    pub variants: Vec<TemplateVariant>,
}

/// A name and an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxInfo {
    /// Display name.
    pub name: String,
    /// Address.
    pub address: String,
}

/// An email as it would go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPreview {
    /// The address written to.
    pub to: String,
    /// From.
    pub from: MailboxInfo,
    /// Reply-To.
    #[serde(default)]
    pub reply_to: Option<MailboxInfo>,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// An email to write to a contact: from a template or as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailWrite {
    /// The recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    /// Which of the contact's addresses (default: their first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The deal it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    /// The template written from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<Uuid>,
    /// `fr` or `en` (default: the company's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The subject (default: the template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The body, plain text (default: the template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A template previewed on a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePreviewWrite {
    /// The contact.
    pub contact_id: Uuid,
    /// A deal for its variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    /// `fr` or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// An email and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Id.
    pub id: Uuid,
    /// Its Message-ID, the same on every attempt.
    pub message_id: String,
    /// The recipient.
    pub contact_id: Uuid,
    /// The deal it is about.
    #[serde(default)]
    pub opportunity_id: Option<Uuid>,
    /// Its archive on the timelines.
    #[serde(default)]
    pub activity_id: Option<Uuid>,
    /// The template it was written from.
    #[serde(default)]
    pub template_id: Option<Uuid>,
    /// Who wrote it.
    #[serde(default)]
    pub sender_id: Option<Uuid>,
    /// The campaign it belongs to.
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    /// `queued`, `sending`, `sent`, `failed`, `bounced` or `cancelled`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Possible second copies (same Message-ID).
    pub resends: i32,
    /// The last failure.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Queued.
    pub queued_at: DateTime<Utc>,
    /// Accepted by the relay.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// A person's first open.
    #[serde(default)]
    pub opened_at: Option<DateTime<Utc>>,
    /// Opens by a person.
    pub opens: i64,
    /// Opens by machines (proxies, scanners).
    pub machine_opens: i64,
    /// The first click.
    #[serde(default)]
    pub clicked_at: Option<DateTime<Utc>>,
    /// Clicks.
    pub clicks: i64,
    /// When its recipient unsubscribed through its link.
    #[serde(default)]
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// The first reply received.
    #[serde(default)]
    pub replied_at: Option<DateTime<Utc>>,
    /// Replies received.
    pub replies: i64,
    /// Its recipient was erased: no content left.
    pub erased: bool,
    /// From.
    #[serde(default)]
    pub from: Option<MailboxInfo>,
    /// To.
    #[serde(default)]
    pub to: Option<MailboxInfo>,
    /// Reply-To.
    #[serde(default)]
    pub reply_to: Option<MailboxInfo>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Plain text.
    #[serde(default)]
    pub text: Option<String>,
    /// HTML.
    #[serde(default)]
    pub html: Option<String>,
}

/// The company's new inbound secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundSecret {
    /// The secret, shown once.
    pub secret: String,
}

/// Where a received message was filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filed {
    /// Whether it concerns a known contact.
    pub filed: bool,
    /// The contact.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// Its activity.
    #[serde(default)]
    pub activity_id: Option<Uuid>,
    /// Our email it answers (or a delivery report reports on).
    #[serde(default)]
    pub answers: Option<Uuid>,
    /// For a delivery report: the failed addresses, now on the suppression list.
    #[serde(default)]
    pub bounced: i64,
}

/// The company's own SMTP relay, its password masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRelay {
    /// The URL, its password masked.
    pub url: String,
    /// The From address of the company's messages.
    #[serde(default)]
    pub from: Option<String>,
    /// Who set it.
    #[serde(default)]
    pub updated_by: Option<Uuid>,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// The company's own SMTP relay as written.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRelayWrite {
    /// `smtp://…` or `smtps://…`, user and password included.
    pub url: String,
    /// The From address of the company's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl std::fmt::Debug for MailRelayWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRelayWrite").field("from", &self.from).finish_non_exhaustive()
    }
}
