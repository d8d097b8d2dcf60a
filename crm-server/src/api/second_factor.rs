//! The second factor of a login (TOTP): the login's second step with its ticket; one's
//! own factor set up, confirmed, removed, its recovery codes renewed; an Admin's reset of
//! another user's (a lost phone).

use super::ApiTags;
use super::auth::{Done, HttpSettings, LoginDto, LoginResponse};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::UserId;
use crm_ports::services::second_factor::{Enrolment, SecondFactorStatus};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// The ticket of the login's first step and a code.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SecondStepBody {
    /// The ticket (`second_factor.ticket` of the `second_factor_required` answer).
    pub ticket: String,
    /// Six digits from the authenticator app, or one of the recovery codes.
    pub code: String,
}

/// The ticket of the login's first step.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TicketBody {
    /// The ticket (`second_factor.ticket` of the `second_factor_required` answer).
    pub ticket: String,
}

/// A code of one's second factor.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CodeBody {
    /// Six digits from the authenticator app, or (to remove it, to renew the recovery
    /// codes) one of the recovery codes.
    pub code: String,
}

/// Where your second factor stands.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SecondFactorDto {
    /// Whether it guards your login.
    pub enabled: bool,
    /// Since when.
    pub enabled_at: Option<DateTime<Utc>>,
    /// Recovery codes left.
    pub recovery_codes_left: u32,
    /// Whether your company requires one of you (Admins, when the company asks).
    pub required: bool,
}

impl From<SecondFactorStatus> for SecondFactorDto {
    fn from(s: SecondFactorStatus) -> Self {
        Self {
            enabled: s.enabled,
            enabled_at: s.enabled_at,
            recovery_codes_left: u32::try_from(s.recovery_codes_left).unwrap_or(u32::MAX),
            required: s.required,
        }
    }
}

/// A set-up started: what the authenticator app needs.
#[derive(Debug, Clone, Object)]
pub struct EnrolmentDto {
    /// The secret in base32, in groups of four, to type into the app.
    pub secret: String,
    /// The `otpauth://` address (what the QR code holds).
    pub otpauth_uri: String,
}

impl From<Enrolment> for EnrolmentDto {
    fn from(e: Enrolment) -> Self {
        Self {
            secret: e.secret,
            otpauth_uri: e.otpauth_uri,
        }
    }
}

/// Recovery codes: shown this once; each opens one login without the app.
#[derive(Debug, Clone, Object)]
pub struct RecoveryCodesDto {
    /// The codes.
    pub recovery_codes: Vec<String>,
}

pub struct SecondFactorApi {
    pub app: CrmApp,
    pub http: HttpSettings,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl SecondFactorApi {
    /// The login's second step: the ticket of `second_factor_required` and a code (from the
    /// app, or a recovery code) open the session, as `POST /auth/login` does. A code is
    /// good once. When the ticket's holder was setting up their factor (`enrol`), the code
    /// confirms it and the recovery codes come with the session, this once.
    #[oai(path = "/api/v1/auth/login/second-factor", method = "post", operation_id = "login_second_factor")]
    async fn login_second_factor(&self, req: &Request, body: Json<SecondStepBody>) -> ApiResult<LoginResponse> {
        let step = self.app.login_second_factor(&body.0.ticket, &body.0.code).await?;
        let s = step.session;
        let max_age = (s.expires_at - self.app.now()).num_seconds().max(0);
        let cookie = self.http.cookie(req, &s.token, max_age);
        Ok(LoginResponse::Ok(
            Json(LoginDto {
                token: s.token,
                csrf_token: s.csrf_token,
                expires_at: s.expires_at,
                me: (&s.actor).into(),
                recovery_codes: step.recovery_codes,
            }),
            cookie,
        ))
    }

    /// The login's second step when your company requires a second factor and you have
    /// none yet (`enrol`): a new secret for your authenticator app; then send its first
    /// code to `POST /auth/login/second-factor`.
    #[oai(
        path = "/api/v1/auth/login/second-factor/setup",
        method = "post",
        operation_id = "begin_second_factor_at_login"
    )]
    async fn begin_at_login(&self, body: Json<TicketBody>) -> ApiResult<Json<EnrolmentDto>> {
        Ok(Json(self.app.begin_second_factor_at_login(&body.0.ticket).await?.into()))
    }

    /// Where your second factor stands.
    #[oai(path = "/api/v1/auth/second-factor", method = "get", operation_id = "second_factor")]
    async fn status(&self, auth: Auth) -> ApiResult<Json<SecondFactorDto>> {
        Ok(Json(self.app.second_factor_status(&auth.actor()).await?.into()))
    }

    /// Start setting up your second factor: a new secret for your authenticator app (each
    /// call replaces the one before, until a code confirms it). 412 when one is on.
    #[oai(path = "/api/v1/auth/second-factor/setup", method = "post", operation_id = "begin_second_factor")]
    async fn begin(&self, auth: Auth) -> ApiResult<Json<EnrolmentDto>> {
        Ok(Json(self.app.begin_second_factor(&auth.actor()).await?.into()))
    }

    /// Confirm the set-up with a code from the app: from now on your login asks for a
    /// code. The recovery codes are answered this once.
    #[oai(
        path = "/api/v1/auth/second-factor/confirm",
        method = "post",
        operation_id = "confirm_second_factor"
    )]
    async fn confirm(&self, auth: Auth, body: Json<CodeBody>) -> ApiResult<Json<RecoveryCodesDto>> {
        let codes = self.app.confirm_second_factor(&auth.actor(), &body.0.code).await?;
        Ok(Json(RecoveryCodesDto { recovery_codes: codes }))
    }

    /// Remove your second factor, with a code of it (or a recovery code). Refused when
    /// your company requires one of you.
    #[oai(path = "/api/v1/auth/second-factor/remove", method = "post", operation_id = "remove_second_factor")]
    async fn remove(&self, auth: Auth, body: Json<CodeBody>) -> ApiResult<Done> {
        self.app.remove_second_factor(&auth.actor(), &body.0.code).await?;
        Ok(Done::Done)
    }

    /// New recovery codes, with a code of your factor; those left stop working.
    #[oai(
        path = "/api/v1/auth/second-factor/recovery-codes",
        method = "post",
        operation_id = "renew_recovery_codes"
    )]
    async fn renew(&self, auth: Auth, body: Json<CodeBody>) -> ApiResult<Json<RecoveryCodesDto>> {
        let codes = self.app.renew_recovery_codes(&auth.actor(), &body.0.code).await?;
        Ok(Json(RecoveryCodesDto { recovery_codes: codes }))
    }

    /// Remove a user's second factor (Admin; a lost phone): their next login asks for the
    /// password only, or for a new set-up when the company requires one.
    #[oai(path = "/api/v1/users/:id/second-factor", method = "delete", operation_id = "reset_second_factor")]
    async fn reset(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Done> {
        self.app.reset_second_factor(&auth.actor(), UserId::from_uuid(id.0)).await?;
        Ok(Done::Done)
    }
}
