//! Typed async Rust client of the CRM REST API.
//!
//! At this stage the server exposes its health routes; the client grows with the API and
//! is what the server's end-to-end tests use, so the two cannot drift apart.
//!
//! ```no_run
//! # async fn demo() -> Result<(), crm_sdk::Error> {
//! let client = crm_sdk::Client::new("http://127.0.0.1:8080")?;
//! client.health().await?;
//! client.ready().await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The base URL is not a valid http(s) URL.
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The server could not be reached or the answer could not be read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered with an error status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// Status code.
        status: u16,
        /// Body, as text.
        body: String,
    },
}

/// A client of one CRM server.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`).
    ///
    /// # Errors
    /// `BaseUrl` unless it starts with `http://` or `https://`.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::BaseUrl(base));
        }
        Ok(Self {
            base,
            http: reqwest::Client::new(),
        })
    }

    async fn get_text(&self, path: &str) -> Result<String, Error> {
        let res = self.http.get(format!("{}{path}", self.base)).send().await?;
        let status = res.status();
        let body = res.text().await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(Error::Status {
                status: status.as_u16(),
                body,
            })
        }
    }

    /// `GET /healthz`: the process is alive.
    ///
    /// # Errors
    /// `Transport` or `Status`.
    pub async fn health(&self) -> Result<(), Error> {
        self.get_text("/healthz").await.map(drop)
    }

    /// `GET /readyz`: the server and its store answer.
    ///
    /// # Errors
    /// `Transport`, or `Status` 503 when the store is unreachable.
    pub async fn ready(&self) -> Result<(), Error> {
        self.get_text("/readyz").await.map(drop)
    }
}
