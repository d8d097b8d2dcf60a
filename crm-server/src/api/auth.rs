//! `/api/v1/auth`: login (token and session cookie), logout, the current user, password
//! change, personal API tokens. Login attempts are counted in the store per email and per
//! client address before any password is checked (a forwarded address is trusted only
//! from configured proxies).

use super::ApiTags;
use super::problem::ApiResult;
use super::security::{Auth, SESSION_COOKIE};
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::Actor;
use crm_ports::TokenRecord;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::net::IpAddr;
use uuid::Uuid;

/// HTTP settings the auth endpoints need.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Always mark the session cookie `Secure` (served over TLS).
    pub secure_cookies: bool,
    /// The path prefix the API is mounted under in a host application (`""` at the
    /// root, else such as `/crm`): cookies, links and `Location` headers carry it.
    pub base_path: String,
    /// Largest file upload, bytes (every other body: [`crate::api::gate::MAX_BODY_BYTES`]).
    pub max_upload_bytes: u64,
}

impl HttpSettings {
    /// The settings of a configuration, served at the root.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            trusted_proxies: config.trusted_proxies.clone(),
            secure_cookies: config.secure_cookies,
            base_path: String::new(),
            max_upload_bytes: config.max_upload_bytes,
        }
    }

    /// The client address: the peer, or the forwarded one when the peer is a trusted proxy.
    pub fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
        match peer {
            Some(p) if self.trusted_proxies.contains(&p) => req
                .header("x-forwarded-for")
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
                .or(Some(p)),
            other => other,
        }
    }

    fn secure(&self, req: &Request) -> bool {
        let peer_trusted = req
            .remote_addr()
            .as_socket_addr()
            .is_some_and(|a| self.trusted_proxies.contains(&a.ip()));
        self.secure_cookies || (peer_trusted && req.header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https")))
    }

    pub(crate) fn cookie(&self, req: &Request, value: &str, max_age: i64) -> String {
        let secure = if self.secure(req) { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={value}; Path={}/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
            self.base_path
        )
    }
}

/// Email and password.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LoginBody {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
    /// The company to log in to, when this email is a user in several (the answer
    /// `tenant_choice_required` lists them).
    pub tenant_id: Option<Uuid>,
}

/// Who is logged in.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeDto {
    /// `user` or `operator`.
    pub kind: String,
    /// Tenant (users only).
    pub tenant_id: Option<Uuid>,
    /// User id (users only).
    pub user_id: Option<Uuid>,
    /// Role: `admin`, `manager`, `sales`, `marketing`, `observer` (users only).
    pub role: Option<String>,
    /// The user's name (users only; `GET /auth/me`).
    pub display_name: Option<String>,
    /// The user's login email (users only; `GET /auth/me`).
    pub email: Option<String>,
    /// The company's name (users only; `GET /auth/me`).
    pub tenant_name: Option<String>,
}

impl From<&Actor> for MeDto {
    fn from(a: &Actor) -> Self {
        match a {
            Actor::User { tenant_id, user_id, role } => Self {
                kind: "user".into(),
                tenant_id: Some(tenant_id.as_uuid()),
                user_id: Some(user_id.as_uuid()),
                role: Some(role.code().into()),
                display_name: None,
                email: None,
                tenant_name: None,
            },
            _ => Self {
                kind: a.kind_code().into(),
                tenant_id: a.tenant_id().map(|t| t.as_uuid()),
                user_id: None,
                role: None,
                display_name: None,
                email: None,
                tenant_name: None,
            },
        }
    }
}

/// A new session.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LoginDto {
    /// Bearer token (`Authorization: Bearer …`); also set as the `crm_session` cookie.
    pub token: String,
    /// Send it in `X-CSRF-Token` with writes authenticated by the cookie.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub me: MeDto,
    /// The recovery codes of a second factor the login's second step just confirmed
    /// (shown this once).
    pub recovery_codes: Option<Vec<String>>,
}

/// Login result.
#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Logged in.
    #[oai(status = 200)]
    Ok(Json<LoginDto>, #[oai(header = "Set-Cookie")] String),
}

/// Done; the session cookie is cleared.
#[derive(ApiResponse)]
pub enum Cleared {
    /// Done.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

/// Current and new password.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordBody {
    /// Current password.
    pub current_password: String,
    /// New password, 12 characters or more.
    pub new_password: String,
}

/// A personal API token to create.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TokenBody {
    /// What it is for.
    pub name: String,
    /// Lifetime in days, 1 to 366 (default 90).
    pub expires_in_days: Option<i64>,
}

/// A personal API token (without its secret).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One of your open sessions.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SessionDto {
    /// Id.
    pub id: Uuid,
    /// The browser and system it was opened from (« Firefox · Windows »), or the program.
    pub device: Option<String>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Ends.
    pub expires_at: DateTime<Utc>,
    /// The session making this request.
    pub current: bool,
}

/// How many sessions were ended.
#[derive(Debug, Clone, Object)]
pub struct SessionsEndedDto {
    /// Sessions ended.
    pub ended: u64,
}

impl From<&TokenRecord> for TokenDto {
    fn from(t: &TokenRecord) -> Self {
        Self {
            id: t.id,
            name: t.name.clone().unwrap_or_default(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created: the secret is shown this once.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewTokenDto {
    /// The token.
    pub token: TokenDto,
    /// The secret, for `Authorization: Bearer …`. Not retrievable later.
    pub secret: String,
}

/// Created token.
#[derive(ApiResponse)]
pub enum TokenCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<NewTokenDto>),
}

/// Done.
/// A one-time link's secret and the password chosen with it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RedeemBody {
    /// The secret (the last part of the link).
    pub secret: String,
    /// The password (12 characters or more).
    pub password: String,
}

#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

pub struct AuthApi {
    pub app: CrmApp,
    pub http: HttpSettings,
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in with email and password. Returns a bearer token and sets the session cookie.
    /// When the account has a second factor (or its company requires one), answers 401
    /// `second_factor_required` with a ticket for `POST /auth/login/second-factor`.
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, body: Json<LoginBody>) -> ApiResult<LoginResponse> {
        let client = self.http.client_ip(req).map(|i| i.to_string());
        let login = crm_ports::services::auth::LoginRequest {
            email: &body.0.email,
            password: &body.0.password,
            tenant_id: body.0.tenant_id.map(crm_domain::TenantId::from_uuid),
            client: client.as_deref(),
            device: req.header("user-agent"),
        };
        match self.app.login_with(&login).await {
            Ok(s) => {
                let max_age = (s.expires_at - self.app.now()).num_seconds().max(0);
                let cookie = self.http.cookie(req, &s.token, max_age);
                Ok(LoginResponse::Ok(
                    Json(LoginDto {
                        token: s.token,
                        csrf_token: s.csrf_token,
                        expires_at: s.expires_at,
                        me: (&s.actor).into(),
                        recovery_codes: None,
                    }),
                    cookie,
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Choose your password with the one-time link an Admin gave you; then log in. The
    /// link ends once used; an unknown, used, replaced or expired link is a 404.
    #[oai(path = "/access-link", method = "post", operation_id = "redeem_access_link")]
    async fn redeem_access_link(&self, body: Json<RedeemBody>) -> ApiResult<Done> {
        self.app.redeem_access_link(&body.0.secret, &body.0.password).await?;
        Ok(Done::Done)
    }

    /// End the current session (or revoke the API token used).
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, req: &Request, auth: Auth) -> ApiResult<Cleared> {
        self.app.logout(auth.authenticated()).await?;
        Ok(Cleared::Done(self.http.cookie(req, "", 0)))
    }

    /// Who is logged in: ids, role, and (users) their name, email and company.
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: Auth) -> ApiResult<Json<MeDto>> {
        let actor = auth.actor();
        let mut me = MeDto::from(&actor);
        if let Actor::User { user_id, .. } = actor {
            let user = self.app.user(&actor, user_id).await?;
            let tenant = self.app.tenant(&actor).await?;
            me.display_name = Some(user.display_name.to_string());
            me.email = Some(user.email.as_str().to_owned());
            me.tenant_name = Some(tenant.name.to_string());
        }
        Ok(Json(me))
    }

    /// Change your password; every session of yours ends (API tokens stay valid).
    #[oai(path = "/password", method = "post", operation_id = "change_password")]
    async fn password(&self, req: &Request, auth: Auth, body: Json<PasswordBody>) -> ApiResult<Cleared> {
        self.app
            .change_password(&auth.actor(), &body.0.current_password, &body.0.new_password)
            .await?;
        Ok(Cleared::Done(self.http.cookie(req, "", 0)))
    }

    /// Your personal API tokens (never their secrets).
    #[oai(path = "/tokens", method = "get", operation_id = "list_tokens")]
    async fn tokens(&self, auth: Auth) -> ApiResult<Json<Vec<TokenDto>>> {
        let t = self.app.list_api_tokens(&auth.actor()).await?;
        Ok(Json(t.iter().map(TokenDto::from).collect()))
    }

    /// Create a personal API token; its secret is shown once.
    #[oai(path = "/tokens", method = "post", operation_id = "create_token")]
    async fn create_token(&self, auth: Auth, body: Json<TokenBody>) -> ApiResult<TokenCreated> {
        let (rec, secret) = self
            .app
            .create_api_token(&auth.actor(), &body.0.name, body.0.expires_in_days.unwrap_or(90))
            .await?;
        Ok(TokenCreated::Created(Json(NewTokenDto {
            token: (&rec).into(),
            secret,
        })))
    }

    /// Your open sessions, newest first, each with the device it was opened from.
    #[oai(path = "/sessions", method = "get", operation_id = "list_sessions")]
    async fn sessions(&self, auth: Auth) -> ApiResult<Json<Vec<SessionDto>>> {
        let current = auth.authenticated().token_id;
        let all = self.app.list_sessions(&auth.actor()).await?;
        Ok(Json(
            all.iter()
                .map(|t| SessionDto {
                    id: t.id,
                    device: t.name.clone(),
                    created_at: t.created_at,
                    expires_at: t.expires_at,
                    current: t.id == current,
                })
                .collect(),
        ))
    }

    /// End one of your sessions (a lost phone, a shared computer).
    #[oai(path = "/sessions/:id", method = "delete", operation_id = "end_session")]
    async fn end_session(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Done> {
        self.app.end_session(&auth.actor(), id.0).await?;
        Ok(Done::Done)
    }

    /// End every session of yours but the one making this request.
    #[oai(path = "/sessions/end-others", method = "post", operation_id = "end_other_sessions")]
    async fn end_others(&self, auth: Auth) -> ApiResult<Json<SessionsEndedDto>> {
        let n = self.app.end_other_sessions(auth.authenticated()).await?;
        Ok(Json(SessionsEndedDto { ended: n as u64 }))
    }

    /// Revoke one of your API tokens.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke_token(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Done> {
        self.app.revoke_api_token(&auth.actor(), id.0).await?;
        Ok(Done::Done)
    }
}
