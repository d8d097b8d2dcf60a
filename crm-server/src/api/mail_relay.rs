//! `/api/v1/mail-relay`: the company's own SMTP relay (Admin) — its URL, user and password
//! included (sealed at rest; read back with the password masked), and the From address its
//! messages carry. Without one, the installation's relay is used.

use super::ApiTags;
use super::common::NoContent;
use super::problem::{ApiError, ApiResult, Code};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_ports::services::email::{MailRelayInput, MailRelayView};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// The company's relay, as shown.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MailRelayDto {
    /// The URL, its password masked (`smtp://ventes:***@relais.exemple.fr:587?tls=required`).
    pub url: String,
    /// The From address of the company's messages (none: the installation's).
    pub from: Option<String>,
    /// Who set it.
    pub updated_by: Option<Uuid>,
    /// When.
    pub updated_at: DateTime<Utc>,
}

impl From<&MailRelayView> for MailRelayDto {
    fn from(v: &MailRelayView) -> Self {
        Self {
            url: v.url.clone(),
            from: v.from.clone(),
            updated_by: v.updated_by.map(|u| u.as_uuid()),
            updated_at: v.updated_at,
        }
    }
}

/// The company's relay as written.
#[derive(Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct MailRelayWrite {
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS).
    pub url: String,
    /// The From address of the company's messages.
    pub from: Option<String>,
}

impl std::fmt::Debug for MailRelayWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRelayWrite").field("from", &self.from).finish_non_exhaustive()
    }
}

/// Whether the mailer can use a relay URL.
pub(crate) fn usable(url: &str) -> bool {
    crm_mail_smtp::SmtpMailer::new(url, std::time::Duration::from_secs(30)).is_ok()
}

pub struct MailRelayApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Email")]
impl MailRelayApi {
    /// The company's own relay, its password masked (Admin); 404 when it has none (the
    /// installation's relay is used).
    #[oai(path = "/api/v1/mail-relay", method = "get", operation_id = "get_mail_relay")]
    async fn get(&self, auth: Auth) -> ApiResult<Json<MailRelayDto>> {
        match self.app.mail_relay(&auth.actor()).await? {
            Some(v) => Ok(Json(MailRelayDto::from(&v))),
            None => Err(ApiError::new(Code::NotFound)),
        }
    }

    /// Sets the company's own relay (Admin): the company's messages go through it from
    /// the next one on. 422 on `url` (not `smtp://` or `smtps://` with a host) or `from`.
    #[oai(path = "/api/v1/mail-relay", method = "put", operation_id = "set_mail_relay")]
    async fn put(&self, auth: Auth, body: Json<MailRelayWrite>) -> ApiResult<Json<MailRelayDto>> {
        let input = MailRelayInput {
            url: body.0.url,
            from: body.0.from,
        };
        let v = self.app.set_mail_relay(&auth.actor(), &input, &usable).await?;
        Ok(Json(MailRelayDto::from(&v)))
    }

    /// Removes the company's own relay (Admin): its messages go through the
    /// installation's again.
    #[oai(path = "/api/v1/mail-relay", method = "delete", operation_id = "remove_mail_relay")]
    async fn delete(&self, auth: Auth) -> ApiResult<NoContent> {
        self.app.remove_mail_relay(&auth.actor()).await?;
        Ok(NoContent::Done)
    }
}
