//! Routes of email: templates, writing to a contact, the emails and their delivery.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's templates, by name.
    ///
    /// # Errors
    /// `Forbidden` (roles that neither write templates nor send email).
    pub async fn email_templates(&self) -> Result<Vec<EmailTemplate>> {
        self.send::<(), _>(Method::GET, "/api/v1/email-templates", &[], None, None).await
    }

    /// Writes a template (Admin, Manager, Marketing).
    ///
    /// # Errors
    /// `ValidationFailed` (a syntax error or an unknown variable, with its `line`),
    /// `Forbidden`.
    pub async fn create_email_template(&self, t: &TemplateWrite) -> Result<EmailTemplate> {
        self.send(Method::POST, "/api/v1/email-templates", &[], Some(t), None).await
    }

    /// One template.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn email_template(&self, id: Uuid) -> Result<EmailTemplate> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/email-templates/{id}"), &[], None, None)
            .await
    }

    /// Replaces a template's name and variants.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_email_template(&self, id: Uuid, version: i64, t: &TemplateWrite) -> Result<EmailTemplate> {
        self.send(Method::PUT, &format!("/api/v1/email-templates/{id}"), &[], Some(t), Some(version))
            .await
    }

    /// Deletes a template.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_email_template(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/email-templates/{id}"), None, Some(version))
            .await
    }

    /// A template rendered for a contact, without sending anything.
    ///
    /// # Errors
    /// `NotFound` (the template), `ValidationFailed` (`contact_id`), `Forbidden`.
    pub async fn preview_email_template(&self, id: Uuid, on: &TemplatePreviewWrite) -> Result<EmailPreview> {
        self.send(Method::POST, &format!("/api/v1/email-templates/{id}/preview"), &[], Some(on), None)
            .await
    }

    /// What an email would be, rendered for its recipient.
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn preview_email(&self, email: &EmailWrite) -> Result<EmailPreview> {
        self.send(Method::POST, "/api/v1/emails/preview", &[], Some(email), None).await
    }

    /// Writes an email to a contact: queued, archived on the timelines, sent in the
    /// background (follow its `state`).
    ///
    /// # Errors
    /// `ValidationFailed` (`contact_id`, `to` — `not_allowed` on the suppression list —,
    /// `subject`, `body`), `Forbidden`.
    pub async fn send_email(&self, email: &EmailWrite) -> Result<Email> {
        self.send(Method::POST, "/api/v1/emails", &[], Some(email), None).await
    }

    /// The emails written to a contact, newest first.
    ///
    /// # Errors
    /// `NotFound` (the contact), `Forbidden`.
    pub async fn emails_to(&self, contact_id: Uuid, limit: Option<u32>) -> Result<Vec<Email>> {
        let mut query = Vec::new();
        push(&mut query, "contact_id", Some(contact_id));
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/emails", &query, None, None).await
    }

    /// A new inbound secret for the company (Admin), shown this once.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn new_inbound_secret(&self) -> Result<InboundSecret> {
        self.send::<(), _>(Method::POST, "/api/v1/inbound-email/secret", &[], None, None)
            .await
    }

    /// Posts a received message (raw MIME) with the company's inbound secret (not this
    /// client's token): where it was filed.
    ///
    /// # Errors
    /// `Unauthenticated` (the secret), `ValidationFailed` (`message`).
    pub async fn receive_email(&self, secret: &str, raw: Vec<u8>) -> Result<Filed> {
        let url = self.url("/api/v1/inbound-email", &[])?;
        let r = self
            .http
            .request(Method::POST, url)
            .bearer_auth(secret)
            .header("content-type", "application/octet-stream")
            .body(raw);
        Ok(Self::check(r.send().await?).await?.json().await?)
    }

    /// One email with its content and delivery state.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn email(&self, id: Uuid) -> Result<Email> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/emails/{id}"), &[], None, None)
            .await
    }

    /// The company's own SMTP relay, its password masked (Admin).
    ///
    /// # Errors
    /// `NotFound` (none: the installation's is used), `Forbidden`.
    pub async fn mail_relay(&self) -> Result<MailRelay> {
        self.send::<(), _>(Method::GET, "/api/v1/mail-relay", &[], None, None).await
    }

    /// Sets the company's own SMTP relay (Admin).
    ///
    /// # Errors
    /// `ValidationFailed` (`url`, `from`), `Forbidden`.
    pub async fn set_mail_relay(&self, relay: &MailRelayWrite) -> Result<MailRelay> {
        self.send(Method::PUT, "/api/v1/mail-relay", &[], Some(relay), None).await
    }

    /// Removes the company's own SMTP relay (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn remove_mail_relay(&self) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, "/api/v1/mail-relay", None, None).await
    }
}
