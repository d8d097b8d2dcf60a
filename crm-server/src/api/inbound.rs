//! `/api/v1/inbound-email`: replies received. The company's mail server (a pipe) or an
//! inbound service posts each raw message with the company's inbound secret as its bearer
//! token; it is filed on the timeline of the contact it concerns. The Admin makes (and
//! replaces) the secret.

use super::ApiTags;
use super::problem::{ApiError, ApiResult, Code};
use super::security::Auth;
use crate::assemble::CrmApp;
use crm_ports::services::email::Filed;
use poem::Request;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// The company's new inbound secret.
#[derive(Debug, Clone, Object)]
pub struct InboundSecretDto {
    /// The secret, shown this once: the bearer token of `POST /api/v1/inbound-email`.
    pub secret: String,
}

/// Where a received message was filed.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FiledDto {
    /// Whether it concerns a known contact (else it was accepted and filed nowhere).
    pub filed: bool,
    /// The contact.
    pub contact_id: Option<Uuid>,
    /// Its activity on the timelines.
    pub activity_id: Option<Uuid>,
    /// Our email it answers (or a delivery report reports on: now `bounced`).
    pub answers: Option<Uuid>,
    /// For a delivery report (RFC 3464): the failed addresses, now on the suppression list.
    pub bounced: i64,
}

impl From<&Filed> for FiledDto {
    fn from(f: &Filed) -> Self {
        Self {
            filed: f.contact_id.is_some(),
            contact_id: f.contact_id.map(|c| c.as_uuid()),
            activity_id: f.activity_id.map(|a| a.as_uuid()),
            answers: f.answers.map(|e| e.as_uuid()),
            bounced: i64::try_from(f.bounced).unwrap_or(i64::MAX),
        }
    }
}

#[derive(ApiResponse)]
pub enum SecretMade {
    /// Made; the previous secret no longer works.
    #[oai(status = 201)]
    Created(Json<InboundSecretDto>),
}

pub struct InboundApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Email")]
impl InboundApi {
    /// A new inbound secret for the company (Admin), shown this once; the previous one
    /// stops working.
    #[oai(path = "/api/v1/inbound-email/secret", method = "post", operation_id = "new_inbound_secret")]
    async fn new_secret(&self, auth: Auth) -> ApiResult<SecretMade> {
        let secret = self.app.new_inbound_secret(&auth.actor()).await?;
        Ok(SecretMade::Created(Json(InboundSecretDto { secret })))
    }

    /// A received message (its raw MIME text, `message/rfc822`), with the company's inbound
    /// secret as bearer token (`Authorization: Bearer crmin_…`): filed on the timeline of
    /// the contact whose email it answers (`In-Reply-To`, `References`), else of the
    /// contact of its sender's address; a reply counts on the email it answers. From
    /// nobody known: accepted, `filed: false`. 401 without a valid secret.
    #[oai(path = "/api/v1/inbound-email", method = "post", operation_id = "receive_email")]
    async fn receive(&self, req: &Request, body: Binary<Vec<u8>>) -> ApiResult<Json<FiledDto>> {
        let presented = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .ok_or_else(|| ApiError::new(Code::Unauthenticated))?;
        let filed = self.app.file_inbound(presented, &body.0, &crm_mail_smtp::MimeReader).await?;
        Ok(Json(FiledDto::from(&filed)))
    }
}
