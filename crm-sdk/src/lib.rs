//! Typed async Rust client of the CRM REST API.
//!
//! Every route of `/api/v1` has a method; errors come back as [`Error::Api`] carrying the
//! server's problem document and its stable [`ErrorCode`]. Writes that change an existing
//! record take the version you read (sent as `If-Match`).
//!
//! The client is written by hand, and kept in step with the server by tests rather than
//! generated. [`OPERATIONS`] names every operation of the served OpenAPI document
//! (`/api/openapi.json`: `operationId`, method, path) with the methods that send it, and
//! [`UNDOCUMENTED`] the few routes outside it (probes, the document); this crate's test
//! reads its own sources and fails when a method sends a route the table lacks or an entry
//! is not sent by the methods it names. The server's end-to-end test `sdk_drift` fetches
//! the document and fails when its operations differ from the table, when a schema a
//! response or request carries has no type here (or no written reason to have none), and
//! when a sample of a schema (every member filled) does not read into its type or comes
//! back with members missing or added, or a sample of its required members alone does not
//! read. It also calls every method with every argument set against a recorder and fails
//! when the query parameters sent for an operation are not exactly the document's, or when
//! a body sent has a member its schema lacks or leaves one out. A new route, parameter or
//! member thus breaks the build until the SDK follows it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), crm_sdk::Error> {
//! use crm_sdk::{Client, models::ContactWrite};
//! let anonymous = Client::new("http://127.0.0.1:8080")?;
//! let session = anonymous.login("claire@duval.fr", "une longue phrase de passe").await?;
//! let client = anonymous.with_token(&session.token);
//! let c = client
//!     .create_contact(
//!         &ContactWrite {
//!             kind: "prospect".into(),
//!             first_name: "Hélène".into(),
//!             last_name: "Martin".into(),
//!             emails: vec!["h.martin@exemple.fr".into()],
//!             phones: vec!["06 12 34 56 78".into()],
//!             ..ContactWrite::default()
//!         },
//!         false,
//!     )
//!     .await?;
//! assert_eq!(c.phones, ["+33612345678"]);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod models;
mod operations;
mod routes;
mod stream;
pub mod webhook;

pub use operations::{OPERATIONS, Operation, UNDOCUMENTED, normalize_path};
pub use routes::{AuditQuery, ContactQuery, DeliveryQuery, ForecastQuery, OpportunityQuery, OrganizationQuery};
pub use stream::StreamEvent;

use models::Problem;
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The stable error codes of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400.
    MalformedRequest,
    /// 422, with the fields at fault.
    ValidationFailed,
    /// 401.
    Unauthenticated,
    /// 403, cookie writes without the CSRF token.
    CsrfFailed,
    /// 403.
    Forbidden,
    /// 404 (also another tenant's ids).
    NotFound,
    /// 428.
    PreconditionRequired,
    /// 412: the version you sent is stale.
    PreconditionFailed,
    /// 409, with the candidates.
    PossibleDuplicates,
    /// 409.
    OpportunityClosed,
    /// 422.
    StageSkipped,
    /// 422.
    AlreadyAtStage,
    /// 422.
    NotAtLastStage,
    /// 422: no next stage (advance).
    AtLastStage,
    /// 409.
    NotClosed,
    /// 409.
    InUse,
    /// 422.
    IdempotencyKeyReused,
    /// 409.
    IdempotencyInProgress,
    /// 413.
    PayloadTooLarge,
    /// 429.
    TooManyRequests,
    /// 409: the email is a user in several companies; the problem lists them.
    TenantChoiceRequired,
    /// 401: the password is right and a second factor's code is asked; the problem's
    /// `second_factor` holds the ticket for [`Client::login_second_factor`].
    SecondFactorRequired,
    /// 414.
    UriTooLong,
    /// 431.
    HeadersTooLarge,
    /// 503.
    Unavailable,
    /// 500.
    Internal,
    /// A code this client does not know yet.
    Other(String),
}

impl ErrorCode {
    fn parse(code: &str) -> Self {
        match code {
            "malformed_request" => Self::MalformedRequest,
            "validation_failed" => Self::ValidationFailed,
            "unauthenticated" => Self::Unauthenticated,
            "csrf_failed" => Self::CsrfFailed,
            "forbidden" => Self::Forbidden,
            "not_found" => Self::NotFound,
            "precondition_required" => Self::PreconditionRequired,
            "precondition_failed" => Self::PreconditionFailed,
            "possible_duplicates" => Self::PossibleDuplicates,
            "opportunity_closed" => Self::OpportunityClosed,
            "stage_skipped" => Self::StageSkipped,
            "already_at_stage" => Self::AlreadyAtStage,
            "not_at_last_stage" => Self::NotAtLastStage,
            "at_last_stage" => Self::AtLastStage,
            "not_closed" => Self::NotClosed,
            "in_use" => Self::InUse,
            "idempotency_key_reused" => Self::IdempotencyKeyReused,
            "idempotency_in_progress" => Self::IdempotencyInProgress,
            "payload_too_large" => Self::PayloadTooLarge,
            "too_many_requests" => Self::TooManyRequests,
            "tenant_choice_required" => Self::TenantChoiceRequired,
            "second_factor_required" => Self::SecondFactorRequired,
            "uri_too_long" => Self::UriTooLong,
            "headers_too_large" => Self::HeadersTooLarge,
            "unavailable" => Self::Unavailable,
            "internal" => Self::Internal,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The base URL is not a valid http(s) URL.
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The server could not be reached or the answer could not be read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server refused: its problem document.
    #[error("{} ({}): {}", problem.code, problem.status, problem.title)]
    Api {
        /// Typed code.
        code: ErrorCode,
        /// The whole problem document.
        problem: Box<Problem>,
    },
    /// An error status without a problem document.
    #[error("HTTP {status}: {body}")]
    Status {
        /// Status code.
        status: u16,
        /// Body, as text.
        body: String,
    },
}

impl Error {
    /// The API error code, if the server answered with a problem.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { problem, .. } => Some(problem.status),
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Result of a call.
pub type Result<T> = std::result::Result<T, Error>;

/// A client of one CRM server, anonymous or holding a token.
#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    token: Option<String>,
    language: Option<String>,
    idempotency_key: Option<String>,
}

/// A raw answer: status, headers and JSON body (when JSON).
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status.
    pub status: u16,
    /// `ETag`, if any.
    pub etag: Option<String>,
    /// Body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`, or
    /// `http://host/crm` when a host application mounts it under `/crm`).
    ///
    /// # Errors
    /// `BaseUrl` unless an http(s) URL.
    pub fn new(base_url: &str) -> Result<Self> {
        let base = Url::parse(base_url.trim_end_matches('/')).map_err(|_| Error::BaseUrl(base_url.to_owned()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::BaseUrl(base_url.to_owned()));
        }
        Ok(Self {
            base,
            http: reqwest::Client::new(),
            token: None,
            language: None,
            idempotency_key: None,
        })
    }

    /// The same client authenticating with a bearer token (session or API token).
    #[must_use]
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// The same client asking for messages in a language (`fr`, `en`).
    #[must_use]
    pub fn with_language(&self, lang: &str) -> Self {
        Self {
            language: Some(lang.to_owned()),
            ..self.clone()
        }
    }

    /// The same client sending `Idempotency-Key: key` with each `POST`: the server runs a
    /// `POST` of one key once per user for 24 hours and answers a repeat with the first
    /// answer, so a call retried after a lost answer (a timeout, a dropped connection)
    /// does not write twice. Use one key per logical operation (a UUID), with the same
    /// body; the same key with another body is refused (`IdempotencyKeyReused`).
    #[must_use]
    pub fn with_idempotency_key(&self, key: &str) -> Self {
        Self {
            idempotency_key: Some(key.to_owned()),
            ..self.clone()
        }
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        // The server may be mounted under a path (`http://host/crm`): paths go after it.
        let full = format!("{}{path}", self.base.as_str().trim_end_matches('/'));
        let mut url = Url::parse(&full).map_err(|_| Error::BaseUrl(path.to_owned()))?;
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn request(&self, method: Method, url: Url, if_match: Option<i64>) -> reqwest::RequestBuilder {
        let method_is_post = method == Method::POST;
        let mut r = self.http.request(method, url);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(l) = &self.language {
            r = r.header("accept-language", l);
        }
        if let Some(v) = if_match {
            r = r.header("if-match", format!("\"{v}\""));
        }
        if let Some(k) = self.idempotency_key.as_deref().filter(|_| method_is_post) {
            r = r.header("idempotency-key", k);
        }
        r
    }

    async fn check(res: reqwest::Response) -> Result<reqwest::Response> {
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let text = res.text().await?;
        match serde_json::from_str::<Problem>(&text) {
            Ok(p) => Err(Error::Api {
                code: ErrorCode::parse(&p.code),
                problem: Box::new(p),
            }),
            Err(_) => Err(Error::Status {
                status: status.as_u16(),
                body: text,
            }),
        }
    }

    pub(crate) async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        if_match: Option<i64>,
    ) -> Result<T> {
        let mut r = self.request(method, self.url(path, query)?, if_match);
        if let Some(b) = body {
            r = r.json(b);
        }
        let res = Self::check(r.send().await?).await?;
        Ok(res.json().await?)
    }

    pub(crate) async fn send_empty<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        if_match: Option<i64>,
    ) -> Result<()> {
        let mut r = self.request(method, self.url(path, &[])?, if_match);
        if let Some(b) = body {
            r = r.json(b);
        }
        Self::check(r.send().await?).await.map(drop)
    }

    /// Uploads `content` as a file named `name` (`POST /api/v1/files`, streamed by the
    /// server to disk).
    ///
    /// # Errors
    /// `PayloadTooLarge` (over the server's limit), `Validation` (`name`), `Forbidden`.
    pub async fn upload_file(&self, name: &str, content: Vec<u8>) -> Result<models::StoredFile> {
        let url = self.url("/api/v1/files", &[("name", name.to_owned())])?;
        let r = self
            .request(Method::POST, url, None)
            .header("content-type", "application/octet-stream")
            .body(content);
        Ok(Self::check(r.send().await?).await?.json().await?)
    }

    /// The content of a stored file.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn file_content(&self, id: uuid::Uuid) -> Result<Vec<u8>> {
        let url = self.url(&format!("/api/v1/files/{id}/content"), &[])?;
        let res = Self::check(self.request(Method::GET, url, None).send().await?).await?;
        Ok(res.bytes().await?.to_vec())
    }

    /// Any request, for routes this client has no method for yet or for tests: never
    /// fails on an error status.
    ///
    /// # Errors
    /// `Transport`.
    pub async fn raw(&self, method: &str, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Result<RawResponse> {
        let m = Method::from_bytes(method.as_bytes()).map_err(|_| Error::BaseUrl(method.to_owned()))?;
        let mut r = self.request(m, self.url(path, &[])?, None);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        let res = r.send().await?;
        let status = res.status().as_u16();
        let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = res.text().await?;
        Ok(RawResponse {
            status,
            etag,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// `GET /healthz`: the process is alive.
    ///
    /// # Errors
    /// `Transport` or `Status`.
    pub async fn health(&self) -> Result<()> {
        let res = self.http.request(Method::GET, self.url("/healthz", &[])?).send().await?;
        Self::check(res).await.map(drop)
    }

    /// `GET /readyz`: the server and its store answer.
    ///
    /// # Errors
    /// `Transport`, or `Status` 503 when the store is unreachable.
    pub async fn ready(&self) -> Result<()> {
        let res = self.http.request(Method::GET, self.url("/readyz", &[])?).send().await?;
        Self::check(res).await.map(drop)
    }

    /// `GET /api/openapi.json`.
    ///
    /// # Errors
    /// `Transport` or `Status`.
    pub async fn openapi(&self) -> Result<Value> {
        self.send::<(), Value>(Method::GET, "/api/openapi.json", &[], None, None).await
    }
}

/// Whether an HTTP status means success (for callers matching raw responses).
pub fn is_success(status: u16) -> bool {
    StatusCode::from_u16(status).is_ok_and(|s| s.is_success())
}
