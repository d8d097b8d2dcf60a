//! `/api/v1/email-templates` and `/api/v1/emails`: the company's templates (Admin,
//! Manager, Marketing write them; every sender reads them) with a preview on a contact,
//! and the emails written to a contact — previewed, queued (202: the send job hands it to
//! the relay), read back with their delivery state.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::template::{EmailTemplate, TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::{ContactId, EmailId, OpportunityId, TemplateId, ValidationError, ViolationKind};
use crm_ports::mail::Mailbox;
use crm_ports::services::email::{ComposeEmail, MailSettings, Preview};
use crm_ports::store::EmailMessage;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// One language of a template.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TemplateVariantDto {
    /// `fr` or `en`.
    pub language: String,
    /// The subject; may use the variables (`{{ contact.first_name }}`).
    pub subject: String,
    /// The body, plain text (paragraphs separated by a blank line; links written out);
    /// variables, `{% if … %}` and `{% for … %}`.
    pub body: String,
}

/// A template.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EmailTemplateDto {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the company.
    pub name: String,
    /// Its languages, French first.
    pub variants: Vec<TemplateVariantDto>,
    /// Who wrote it.
    pub created_by: Option<Uuid>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn template_dto(t: &EmailTemplate) -> EmailTemplateDto {
    EmailTemplateDto {
        id: t.id.as_uuid(),
        name: t.name.clone(),
        variants: t
            .variants
            .iter()
            .map(|v| TemplateVariantDto {
                language: v.language.code().to_owned(),
                subject: v.subject.clone(),
                body: v.body.clone(),
            })
            .collect(),
        created_by: t.created_by.map(|u| u.as_uuid()),
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// A template as written: its name and one variant per language.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EmailTemplateWrite {
    /// Name.
    pub name: String,
    /// At least one; each language once.
    pub variants: Vec<TemplateVariantDto>,
}

fn language(raw: &str, field: &str) -> Result<Language, ApiError> {
    Language::parse(raw).map_err(|e| e.at(field).into())
}

fn template_input(w: EmailTemplateWrite) -> Result<TemplateInput, ApiError> {
    let variants = w
        .variants
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Ok(TemplateVariant {
                language: language(&v.language, &format!("variants.{i}.language"))?,
                subject: v.subject,
                body: v.body,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(TemplateInput { name: w.name, variants })
}

/// A name and an address.
#[derive(Debug, Clone, Object)]
pub struct MailboxDto {
    /// Display name.
    pub name: String,
    /// Address.
    pub address: String,
}

impl From<&Mailbox> for MailboxDto {
    fn from(m: &Mailbox) -> Self {
        Self {
            name: m.name.clone(),
            address: m.address.clone(),
        }
    }
}

/// An email as it would go out.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EmailPreviewDto {
    /// The address written to.
    pub to: String,
    /// From.
    pub from: MailboxDto,
    /// Reply-To.
    pub reply_to: Option<MailboxDto>,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

impl From<&Preview> for EmailPreviewDto {
    fn from(p: &Preview) -> Self {
        Self {
            to: p.to.clone(),
            from: (&p.from).into(),
            reply_to: p.reply_to.as_ref().map(Into::into),
            subject: p.subject.clone(),
            text: p.text.clone(),
            html: p.html.clone(),
        }
    }
}

/// An email to write: to a contact, from a template or as typed (both may use the
/// variables).
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct EmailWrite {
    /// The recipient.
    pub contact_id: Option<Uuid>,
    /// Which of the contact's addresses (default: their first).
    pub to: Option<String>,
    /// The deal it is about (its variables; the email shows on its timeline too).
    pub opportunity_id: Option<Uuid>,
    /// The template written from.
    pub template_id: Option<Uuid>,
    /// The template's language, `fr` or `en` (default: the company's).
    pub language: Option<String>,
    /// The subject (default: the template's).
    pub subject: Option<String>,
    /// The body, plain text (default: the template's).
    pub body: Option<String>,
}

fn compose(w: EmailWrite) -> Result<ComposeEmail, ApiError> {
    Ok(ComposeEmail {
        contact_id: w.contact_id.map(ContactId::from_uuid),
        to: w.to,
        opportunity_id: w.opportunity_id.map(OpportunityId::from_uuid),
        template_id: w.template_id.map(TemplateId::from_uuid),
        language: w.language.as_deref().map(|l| language(l, "language")).transpose()?,
        subject: w.subject,
        body: w.body,
    })
}

/// A template previewed on a contact.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct TemplatePreviewWrite {
    /// The contact it is written to.
    pub contact_id: Uuid,
    /// A deal for its variables.
    pub opportunity_id: Option<Uuid>,
    /// `fr` or `en` (default: the company's).
    pub language: Option<String>,
}

/// An email and where it is.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EmailDto {
    /// Id.
    pub id: Uuid,
    /// Its Message-ID (without angle brackets), the same on every attempt.
    pub message_id: String,
    /// The recipient.
    pub contact_id: Uuid,
    /// The deal it is about.
    pub opportunity_id: Option<Uuid>,
    /// Its archive on the timelines.
    pub activity_id: Option<Uuid>,
    /// The template it was written from.
    pub template_id: Option<Uuid>,
    /// Who wrote it (none: the system).
    pub sender_id: Option<Uuid>,
    /// The campaign it belongs to.
    pub campaign_id: Option<Uuid>,
    /// `queued`, `sending`, `sent`, `failed`, `bounced` or `cancelled` (its campaign was
    /// cancelled first).
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts begun after one that may have handed it over unrecorded (a possible
    /// second copy, with the same Message-ID).
    pub resends: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Queued.
    pub queued_at: DateTime<Utc>,
    /// Accepted by the relay.
    pub sent_at: Option<DateTime<Utc>>,
    /// A person's first open.
    pub opened_at: Option<DateTime<Utc>>,
    /// Opens by a person.
    pub opens: i64,
    /// Opens by machines (mail proxies fetching images at delivery, scanners), not counted
    /// as a person's.
    pub machine_opens: i64,
    /// The first click on one of its links.
    pub clicked_at: Option<DateTime<Utc>>,
    /// Clicks.
    pub clicks: i64,
    /// When its recipient unsubscribed through its link.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// The first reply received.
    pub replied_at: Option<DateTime<Utc>>,
    /// Replies received.
    pub replies: i64,
    /// Whether its content can still be read (not once the recipient was erased).
    pub erased: bool,
    /// From.
    pub from: Option<MailboxDto>,
    /// To.
    pub to: Option<MailboxDto>,
    /// Reply-To.
    pub reply_to: Option<MailboxDto>,
    /// Subject.
    pub subject: Option<String>,
    /// Plain text.
    pub text: Option<String>,
    /// HTML.
    pub html: Option<String>,
}

fn email_dto(m: &EmailMessage) -> EmailDto {
    let c = m.content.as_ref();
    EmailDto {
        id: m.id.as_uuid(),
        message_id: m.message_id.clone(),
        contact_id: m.contact_id.as_uuid(),
        opportunity_id: m.opportunity_id.map(|o| o.as_uuid()),
        activity_id: m.activity_id.map(|a| a.as_uuid()),
        template_id: m.template_id.map(|t| t.as_uuid()),
        sender_id: m.sender_id.map(|u| u.as_uuid()),
        campaign_id: m.campaign_id.map(|c| c.as_uuid()),
        state: m.state.code().to_owned(),
        attempts: m.attempts,
        resends: m.resends,
        last_error: m.last_error.clone(),
        queued_at: m.queued_at,
        sent_at: m.sent_at,
        opened_at: m.stats.opened_at,
        opens: m.stats.opens,
        machine_opens: m.stats.machine_opens,
        clicked_at: m.stats.clicked_at,
        clicks: m.stats.clicks,
        unsubscribed_at: m.stats.unsubscribed_at,
        replied_at: m.stats.replied_at,
        replies: m.stats.replies,
        erased: c.is_none(),
        from: c.map(|c| (&c.from).into()),
        to: c.map(|c| (&c.to).into()),
        reply_to: c.and_then(|c| c.reply_to.as_ref()).map(Into::into),
        subject: c.map(|c| c.subject.clone()),
        text: c.map(|c| c.text.clone()),
        html: c.and_then(|c| c.html.clone()),
    }
}

#[derive(ApiResponse)]
pub enum TemplateResponse {
    /// The template.
    #[oai(status = 200)]
    Ok(Json<EmailTemplateDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<EmailTemplateDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Queued {
    /// Queued: the send job hands it to the relay (follow its `state`).
    #[oai(status = 202)]
    Accepted(Json<EmailDto>, #[oai(header = "Location")] String),
}

pub struct EmailApi {
    pub app: CrmApp,
    pub mail: MailSettings,
}

#[OpenApi(tag = "ApiTags::Email")]
impl EmailApi {
    /// The company's templates, by name (whoever writes templates or sends email).
    #[oai(path = "/api/v1/email-templates", method = "get", operation_id = "list_email_templates")]
    async fn list_templates(&self, auth: Auth) -> ApiResult<Json<Vec<EmailTemplateDto>>> {
        let list = self.app.email_templates(&auth.actor()).await?;
        Ok(Json(list.iter().map(template_dto).collect()))
    }

    /// Write a template (Admin, Manager, Marketing). A syntax error or an unknown
    /// variable is refused with its field, its `line` and the variable as `value`.
    #[oai(path = "/api/v1/email-templates", method = "post", operation_id = "create_email_template")]
    async fn create_template(&self, auth: Auth, body: Json<EmailTemplateWrite>) -> ApiResult<TemplateResponse> {
        let t = self.app.create_email_template(&auth.actor(), template_input(body.0)?).await?;
        Ok(TemplateResponse::Created(
            Json(template_dto(&t)),
            etag(t.version),
            format!("/api/v1/email-templates/{}", t.id.as_uuid()),
        ))
    }

    /// One template.
    #[oai(path = "/api/v1/email-templates/:id", method = "get", operation_id = "get_email_template")]
    async fn get_template(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<TemplateResponse> {
        let t = self.app.email_template(&auth.actor(), TemplateId::from_uuid(id.0)).await?;
        Ok(TemplateResponse::Ok(Json(template_dto(&t)), etag(t.version)))
    }

    /// Replace a template's name and variants (`If-Match` required).
    #[oai(path = "/api/v1/email-templates/:id", method = "put", operation_id = "update_email_template")]
    async fn update_template(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<EmailTemplateWrite>,
    ) -> ApiResult<TemplateResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let input = template_input(body.0)?;
        let t = self
            .app
            .update_email_template(&auth.actor(), TemplateId::from_uuid(id.0), v, input)
            .await?;
        Ok(TemplateResponse::Ok(Json(template_dto(&t)), etag(t.version)))
    }

    /// Delete a template (`If-Match` required); what was sent from it stays as sent.
    #[oai(path = "/api/v1/email-templates/:id", method = "delete", operation_id = "delete_email_template")]
    async fn delete_template(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app
            .delete_email_template(&auth.actor(), TemplateId::from_uuid(id.0), v)
            .await?;
        Ok(NoContent::Done)
    }

    /// The template rendered for a contact (and a deal), without sending anything.
    #[oai(
        path = "/api/v1/email-templates/:id/preview",
        method = "post",
        operation_id = "preview_email_template"
    )]
    async fn preview_template(&self, auth: Auth, id: Path<Uuid>, body: Json<TemplatePreviewWrite>) -> ApiResult<Json<EmailPreviewDto>> {
        let actor = auth.actor();
        // The template first: another company's id is a 404, not a field at fault.
        let t = self.app.email_template(&actor, TemplateId::from_uuid(id.0)).await?;
        let input = ComposeEmail {
            contact_id: Some(ContactId::from_uuid(body.0.contact_id)),
            opportunity_id: body.0.opportunity_id.map(OpportunityId::from_uuid),
            template_id: Some(t.id),
            language: body.0.language.as_deref().map(|l| language(l, "language")).transpose()?,
            ..ComposeEmail::default()
        };
        let p = self.app.preview_email(&actor, &input, &self.mail).await?;
        Ok(Json(EmailPreviewDto::from(&p)))
    }

    /// What an email would be, rendered for its recipient, without sending it.
    #[oai(path = "/api/v1/emails/preview", method = "post", operation_id = "preview_email")]
    async fn preview(&self, auth: Auth, body: Json<EmailWrite>) -> ApiResult<Json<EmailPreviewDto>> {
        let p = self.app.preview_email(&auth.actor(), &compose(body.0)?, &self.mail).await?;
        Ok(Json(EmailPreviewDto::from(&p)))
    }

    /// Write an email to a contact you see: queued with its archive on the contact's
    /// (and the deal's) timeline, sent by the background job (202). With an
    /// `Idempotency-Key`, a retried request queues nothing more.
    #[oai(path = "/api/v1/emails", method = "post", operation_id = "send_email")]
    async fn send(&self, auth: Auth, body: Json<EmailWrite>) -> ApiResult<Queued> {
        let m = self.app.send_email(&auth.actor(), &compose(body.0)?, &self.mail).await?;
        Ok(Queued::Accepted(Json(email_dto(&m)), format!("/api/v1/emails/{}", m.id.as_uuid())))
    }

    /// The emails written to a contact, newest first.
    #[oai(path = "/api/v1/emails", method = "get", operation_id = "list_emails")]
    async fn list(
        &self,
        auth: Auth,
        /// The contact.
        contact_id: Query<Option<Uuid>>,
        /// At most this many (1 to 200, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<EmailDto>>> {
        let contact = contact_id
            .0
            .ok_or_else(|| ApiError::from(ValidationError::field("contact_id", ViolationKind::Required)))?;
        let list = self
            .app
            .emails_to(&auth.actor(), ContactId::from_uuid(contact), limit.0.unwrap_or(50))
            .await?;
        Ok(Json(list.iter().map(email_dto).collect()))
    }

    /// One email: its content (unless its recipient was erased) and its delivery state.
    #[oai(path = "/api/v1/emails/:id", method = "get", operation_id = "get_email")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<EmailDto>> {
        let m = self.app.email(&auth.actor(), EmailId::from_uuid(id.0)).await?;
        Ok(Json(email_dto(&m)))
    }
}
