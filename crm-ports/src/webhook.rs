//! The webhook port: one signed POST to a receiver. The use cases build the document and
//! decide what to retry; the adapter signs (`t=<unix seconds>,v1=<HMAC-SHA256 of
//! "t.body", hex>`), refuses the addresses the server may not reach (private, loopback,
//! link-local unless allowed), follows no redirect and gives up after its timeout.

use crate::runtime::BoxFuture;

/// One delivery attempt, ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The receiver.
    pub url: String,
    /// The subscription's secret (signs the body).
    pub secret: String,
    /// The change's id, the receiver's deduplication key (the same on every attempt).
    pub event_id: String,
    /// Its type (`contact.created`).
    pub event_type: String,
    /// The signing time, Unix seconds (the receiver refuses one too old: 300 s).
    pub timestamp: i64,
    /// The JSON document.
    pub body: Vec<u8>,
}

/// What the receiver answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookResponse {
    /// HTTP status (2xx: taken).
    pub status: u16,
    /// How long the exchange took, milliseconds.
    pub millis: u64,
}

/// Why an attempt got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The address is one the server may not reach (private, loopback...): not retried.
    #[error("adresse refusée / address refused: {0}")]
    Refused(String),
    /// No answer within the timeout.
    #[error("délai dépassé / timed out after {0} ms")]
    TimedOut(u64),
    /// Name resolution, connection or TLS failed.
    #[error("échec de connexion / connection failed: {0}")]
    Failed(String),
}

/// Sends signed webhook requests.
pub trait WebhookTransport: Send + Sync {
    /// Whether `url` may be reached (its host resolved and checked now).
    fn check<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), TransportError>>;
    /// Signs and sends one request.
    fn send<'a>(&'a self, request: &'a WebhookRequest) -> BoxFuture<'a, Result<WebhookResponse, TransportError>>;
}
