//! Authentication of API requests: a bearer token (session or personal API token) or the
//! session cookie set at login. Writes authenticated by the cookie must carry the CSRF
//! token in `X-CSRF-Token`. The tenant of the request is the authenticated user's, always.

use super::problem::{ApiError, Code};
use crate::assemble::CrmApp;
use crm_domain::Actor;
use crm_ports::services::auth::Authenticated;
use poem::Request;
use poem::http::Method;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "crm_session";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn app(req: &Request) -> Result<&CrmApp, ApiError> {
    req.data::<CrmApp>()
        .ok_or_else(|| ApiError::internal("application missing from request data"))
}

/// Verifies a presented secret: from the credentials' cache when it was verified lately,
/// else through the store. The store's path is boxed: its future (kilobytes, a database
/// read's) would otherwise be part of every route's future, moved with it at each step.
pub(crate) async fn authenticate(app: &CrmApp, secret: &str) -> Result<Authenticated, crm_ports::ServiceError> {
    match app.authenticated_recently(secret) {
        Some(a) => Ok(a),
        None => Box::pin(app.authenticate(secret)).await,
    }
}

/// Credentials verified earlier in the same request, with the secret they were verified for:
/// the schema check (`schema::conform`) verifies them before it reads a body, and the
/// idempotency layer and the route's own check take them from there rather than hashing
/// the secret again.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) secret: String,
    pub(crate) auth: Authenticated,
}

/// [`authenticate`], or the credentials this request's `secret` was already verified as.
pub(crate) async fn authenticate_request(req: &Request, secret: &str) -> Result<Authenticated, ApiError> {
    if let Some(v) = req.extensions().get::<Verified>()
        && v.secret == secret
    {
        return Ok(v.auth.clone());
    }
    Ok(authenticate(app(req)?, secret).await?)
}

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Authenticated> {
    Ok(authenticate_request(req, &bearer.token).await?)
}

async fn check_cookie(req: &Request, key: ApiKey) -> poem::Result<Authenticated> {
    let app = app(req)?;
    let auth = authenticate_request(req, &key.key).await?;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let presented = req.header(CSRF_HEADER).unwrap_or("");
        if !app.csrf_matches(&auth, presented) {
            return Err(ApiError::new(Code::CsrfFailed).into());
        }
    }
    Ok(auth)
}

/// A token in `Authorization: Bearer …` (from login or a personal API token).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "opaque", checker = "check_bearer")]
pub struct BearerAuth(Authenticated);

/// The session cookie set at login (browsers). Writes need the `X-CSRF-Token` header.
#[derive(SecurityScheme)]
#[oai(ty = "api_key", key_in = "cookie", key_name = "crm_session", checker = "check_cookie")]
pub struct CookieAuth(Authenticated);

/// Either way of authenticating.
#[derive(SecurityScheme)]
pub enum Auth {
    /// Bearer token.
    Bearer(BearerAuth),
    /// Session cookie.
    Cookie(CookieAuth),
}

impl Auth {
    /// The verified credentials.
    pub fn authenticated(&self) -> &Authenticated {
        match self {
            Self::Bearer(b) => &b.0,
            Self::Cookie(c) => &c.0,
        }
    }

    /// Who acts.
    pub fn actor(&self) -> Actor {
        self.authenticated().actor
    }

    /// Whether the session cookie authenticated the request.
    pub fn by_cookie(&self) -> bool {
        matches!(self, Self::Cookie(_))
    }
}

/// The secret the request presents: the bearer token, else the session cookie.
pub fn presented_secret(req: &Request) -> Option<String> {
    if let Some(b) = req.header("authorization").and_then(|h| h.strip_prefix("Bearer ")) {
        return Some(b.trim().to_owned());
    }
    req.header("cookie").and_then(|c| {
        c.split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == SESSION_COOKIE)
            .map(|(_, v)| v.to_owned())
    })
}
