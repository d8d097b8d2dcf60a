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

fn app(req: &Request) -> poem::Result<&CrmApp> {
    req.data::<CrmApp>()
        .ok_or_else(|| ApiError::internal("application missing from request data").into())
}

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Authenticated> {
    Ok(app(req)?.authenticate(&bearer.token).await.map_err(ApiError::from)?)
}

async fn check_cookie(req: &Request, key: ApiKey) -> poem::Result<Authenticated> {
    let app = app(req)?;
    let auth = app.authenticate(&key.key).await.map_err(ApiError::from)?;
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
