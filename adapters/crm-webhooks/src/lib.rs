//! Webhook transport: one signed POST per attempt, over HTTP/1.1 (hyper) with TLS (rustls
//! with ring, the webpki roots) for `https://`.
//!
//! Why not reqwest: the guard against server-side request forgery must hold for the address
//! actually connected to. Here the host is resolved once, every address it resolves to is
//! checked (private, loopback, link-local, unique-local, CGNAT, multicast, unspecified
//! refused unless the server allows them), and the connection goes to a checked address —
//! a second lookup cannot swap it (DNS rebinding). Redirects are never followed (a 3xx is
//! a failed attempt), and the whole exchange has one timeout.
//!
//! The signature is Stripe's scheme: header `Crm-Signature: t=<unix seconds>,v1=<hex>`
//! where `v1` is HMAC-SHA256, keyed by the subscription's whole secret (`whsec_…`), of
//! `"<t>.<body>"`; the receiver recomputes it, compares in constant time and refuses a `t`
//! more than 300 seconds away from its clock.

mod address;

pub use address::{Target, is_public, parse_url};

use crm_ports::runtime::BoxFuture;
use crm_ports::webhook::{TransportError, WebhookRequest, WebhookResponse, WebhookTransport};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Crm-Signature";
/// The event id header (the receiver's deduplication key).
pub const EVENT_ID_HEADER: &str = "Crm-Event-Id";
/// The event type header.
pub const EVENT_TYPE_HEADER: &str = "Crm-Event-Type";
/// How far a receiver should accept a signing time from its own clock, seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// `t=<timestamp>,v1=<HMAC-SHA256(secret, "t.body"), hex>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("t={timestamp},v1={}", hex::encode(ctx.sign().as_ref()))
}

/// Whether `header` signs `body` with `secret` at a time within [`TOLERANCE_SECONDS`] of
/// `now` (what a receiver written in Rust checks).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let signed = [t.to_string().as_bytes(), b".", body].concat();
    sigs.iter().any(|s| ring::hmac::verify(&key, &signed, s).is_ok())
}

/// The transport.
#[derive(Clone)]
pub struct HttpTransport {
    allow_private: bool,
    timeout: Duration,
    tls: Result<TlsConnector, String>,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport that gives each attempt `timeout`, and reaches private and loopback
    /// addresses only when `allow_private` (a receiver on the same network, tests).
    pub fn new(allow_private: bool, timeout: Duration) -> Self {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        // Ring's provider has suites for every safe version: this does not fail; if it ever
        // did, `https://` deliveries would fail with the reason and `http://` ones go on.
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| TlsConnector::from(Arc::new(b.with_root_certificates(roots).with_no_client_auth())))
            .map_err(|e| e.to_string());
        Self {
            allow_private,
            timeout,
            tls,
        }
    }

    /// The addresses `target` may be reached at: every one it resolves to, when all are
    /// allowed.
    async fn vetted(&self, target: &Target) -> Result<Vec<SocketAddr>, TransportError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|e| TransportError::Failed(format!("{}: {e}", target.host)))?
            .collect();
        if addrs.is_empty() {
            return Err(TransportError::Failed(format!("{}: no address", target.host)));
        }
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(TransportError::Refused(format!("{} → {}", target.host, bad.ip())));
        }
        Ok(addrs)
    }

    async fn exchange(&self, target: &Target, addrs: &[SocketAddr], request: &WebhookRequest) -> Result<u16, TransportError> {
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect(a).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(tcp) = stream else {
            return Err(TransportError::Failed(
                last.map_or_else(|| "no address".to_owned(), |e| e.to_string()),
            ));
        };
        let http = build(target, request)?;
        if target.https {
            let name = ServerName::try_from(target.host.clone()).map_err(|e| TransportError::Failed(e.to_string()))?;
            let connector = self.tls.as_ref().map_err(|e| TransportError::Failed(format!("TLS: {e}")))?;
            let tls = connector
                .connect(name, tcp)
                .await
                .map_err(|e| TransportError::Failed(format!("TLS: {e}")))?;
            post(TokioIo::new(tls), http).await
        } else {
            post(TokioIo::new(tcp), http).await
        }
    }
}

/// The request as sent.
fn build(target: &Target, r: &WebhookRequest) -> Result<hyper::Request<Full<Bytes>>, TransportError> {
    hyper::Request::builder()
        .method(hyper::Method::POST)
        .uri(target.path_and_query.as_str())
        .header(hyper::header::HOST, target.host_header())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, concat!("crm-webhooks/", env!("CARGO_PKG_VERSION")))
        .header(SIGNATURE_HEADER, signature(&r.secret, r.timestamp, &r.body))
        .header(EVENT_ID_HEADER, r.event_id.as_str())
        .header(EVENT_TYPE_HEADER, r.event_type.as_str())
        .header(hyper::header::CONNECTION, "close")
        .body(Full::new(Bytes::from(r.body.clone())))
        .map_err(|e| TransportError::Failed(e.to_string()))
}

/// One exchange on a connection: the status, the answer's body read and dropped (at most
/// what arrives before the timeout).
async fn post<T>(io: T, request: hyper::Request<Full<Bytes>>) -> Result<u16, TransportError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| TransportError::Failed(e.to_string()))?;
    let driver = tokio::spawn(conn);
    let result = sender.send_request(request).await;
    let out = match result {
        Ok(res) => {
            let status = res.status().as_u16();
            // Read the answer to its end (small, and bounded by the timeout around us).
            let _ = res.into_body().collect().await;
            Ok(status)
        }
        Err(e) => Err(TransportError::Failed(e.to_string())),
    };
    driver.abort();
    out
}

impl WebhookTransport for HttpTransport {
    fn check<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), TransportError>> {
        Box::pin(async move {
            let target = parse_url(url)?;
            self.vetted(&target).await.map(|_| ())
        })
    }

    fn send<'a>(&'a self, request: &'a WebhookRequest) -> BoxFuture<'a, Result<WebhookResponse, TransportError>> {
        Box::pin(async move {
            let started = Instant::now();
            let target = parse_url(&request.url)?;
            let work = async {
                let addrs = self.vetted(&target).await?;
                self.exchange(&target, &addrs, request).await
            };
            let status = match tokio::time::timeout(self.timeout, work).await {
                Ok(r) => r?,
                Err(_) => {
                    return Err(TransportError::TimedOut(
                        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                    ));
                }
            };
            Ok(WebhookResponse {
                status,
                millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_time_dot_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let s = signature("Jefe", 0, b"");
        assert!(s.starts_with("t=0,v1="));
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"Jefe");
        let tag = ring::hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag.as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let body = br#"{"id":"evt_1"}"#;
        let header = signature("whsec_abc", 1_780_000_000, body);
        assert!(verify("whsec_abc", &header, body, 1_780_000_100));
        assert!(!verify("whsec_abc", &header, body, 1_780_000_400), "too old");
        assert!(!verify("whsec_abd", &header, body, 1_780_000_000), "another secret");
        assert!(!verify("whsec_abc", &header, b"{}", 1_780_000_000), "another body");
    }
}
