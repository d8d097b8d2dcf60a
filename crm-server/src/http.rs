//! The HTTP endpoint: health routes for now (the REST API mounts here), request ids and
//! structured logs (secrets in paths redacted), security headers on every response, and
//! serving with graceful shutdown.

use crate::api::{self, auth::HttpSettings};
use crate::assemble::CrmApp;
use crm_ports::store::Health;
use poem::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use poem::http::{HeaderValue, StatusCode};
use poem::listener::TcpAcceptor;
use poem::middleware::CatchPanic;
use poem::web::Data;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler};
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Liveness: the process answers.
#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
#[handler]
async fn readyz(app: Data<&CrmApp>) -> Response {
    match app.0.store().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}

/// What stands for a secret in the logs.
pub const REDACTED: &str = "[redacted]";

/// The request path as it may be logged. Secrets travel in a few paths: the calendar feed
/// (`/api/v1/calendar/{secret}`: the segment after `calendar`, and anything after it) and
/// whatever looks like one of this server's secrets (`crm_…`, e.g. a token pasted into a
/// path); each becomes [`REDACTED`]. Segments are compared percent-decoded and without
/// case, so an encoded spelling does not slip through. The query is never part of it: no
/// route takes a secret there today, and queries carry personal data (search words), so
/// the request log has no query at all rather than a filtered one.
pub fn loggable_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut secret_follows = false;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        // Most segments are ASCII with nothing escaped: compared as they are, without case
        // (no character but ASCII folds to an ASCII letter of `crm_` or `calendar`).
        let (secret, calendar) = if segment.is_ascii() && !segment.contains('%') {
            (
                segment.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("crm_")),
                segment.eq_ignore_ascii_case("calendar"),
            )
        } else {
            let folded = percent_decoded_lowercase(segment);
            (folded.starts_with("crm_"), folded == "calendar")
        };
        if (secret_follows && !segment.is_empty()) || secret {
            out.push_str(REDACTED);
        } else {
            out.push_str(segment);
        }
        secret_follows |= calendar;
    }
    out
}

/// A path segment percent-decoded (invalid escapes kept as they are) and lowercased.
fn percent_decoded_lowercase(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                // Two hex digits make one byte: hi * 16 + lo <= 255.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

/// Logs each request with an id, method, path (secrets redacted, see [`loggable_path`]),
/// status and duration (never bodies, never the query).
async fn log_requests<E: Endpoint>(next: &E, mut req: Request) -> Response {
    let id = uuid::Uuid::now_v7();
    let id_text = id.to_string();
    let header = poem::http::HeaderValue::from_str(&id_text);
    req.extensions_mut().insert(api::RequestId(id_text.into()));
    let method = req.method().clone();
    let path = loggable_path(req.uri().path());
    let start = Instant::now();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let mut res = match next.call(req).instrument(span.clone()).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let status = res.status().as_u16();
    span.in_scope(|| tracing::info!(status, ms, "handled"));
    if let Ok(v) = header {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Is this path the API documentation (Swagger UI)?
fn is_docs(path: &str) -> bool {
    path == "/api/docs" || path.starts_with("/api/docs/")
}

/// The Content-Security-Policy of a Swagger UI page (poem-openapi's, which inlines its
/// whole script bundle, its stylesheet and the spec; it loads nothing from elsewhere):
/// scripts only those inline blocks, by hash, so an injected script cannot run on a page of
/// the API's origin (which holds the session cookie); inline styles allowed (the UI sets
/// `style` attributes, and styles cannot run code); images from the page itself and
/// `data:` (the icons of the stylesheet); requests ("Try it out") to this origin only.
fn docs_policy(html: &[u8]) -> String {
    use base64::Engine as _;
    let mut hashes = String::new();
    for script in inline_scripts(html) {
        let digest = ring::digest::digest(&ring::digest::SHA256, script);
        hashes.push_str(" 'sha256-");
        hashes.push_str(&base64::engine::general_purpose::STANDARD.encode(digest.as_ref()));
        hashes.push('\'');
    }
    format!(
        "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {}",
        crate::wire::FRAME_NONE
    )
}

/// The contents of the inline `<script>` blocks of an HTML page (those without `src`), as
/// the browser hashes them: from after the opening tag to the next `</script`.
fn inline_scripts(html: &[u8]) -> Vec<&[u8]> {
    let find = |from: usize, needle: &[u8]| {
        html.get(from..)?
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
            .map(|p| p + from)
    };
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = find(at, b"<script") {
        let Some(tag_end) = find(open, b">") else { break };
        let Some(close) = find(tag_end + 1, b"</script") else { break };
        let tag = html.get(open..tag_end).unwrap_or_default();
        if !tag.windows(4).any(|w| w.eq_ignore_ascii_case(b"src=")) {
            out.push(html.get(tag_end + 1..close).unwrap_or_default());
        }
        at = close + 1;
    }
    out
}

/// Security headers on every response, errors included (this is the outermost layer):
/// - `X-Content-Type-Options: nosniff`: a browser never runs a JSON or text body as
///   something else;
/// - `Referrer-Policy: no-referrer`: pages of this server send no `Referer` at all. Nothing
///   here needs one, and some addresses carry a secret (the calendar feed's), so the
///   strictest value rather than `strict-origin-when-cross-origin`;
/// - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no framing (clickjacking);
///   the documentation page gets a full policy, see [`docs_policy`].
///
/// The documentation page is the same for the life of the endpoint: its policy is computed
/// from it once, on its first request, and kept in `docs_cache`.
/// HSTS for a server behind TLS: a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

async fn security_headers(docs_cache: &std::sync::OnceLock<HeaderValue>, docs: bool, tls: bool, mut res: Response) -> Response {
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let docs_policy_value = match docs_cache.get() {
        Some(p) if docs && html => Some(p.clone()),
        None if docs && html => {
            // The page is built in memory once per process: reading it back costs a copy.
            let body = res.take_body().into_bytes().await.unwrap_or_default();
            let policy = HeaderValue::from_str(&docs_policy(&body))
                .unwrap_or(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
            res.set_body(Body::from_bytes(body));
            Some(docs_cache.get_or_init(|| policy).clone())
        }
        _ => None,
    };
    let headers = res.headers_mut();
    for (name, value) in crate::wire::SECURITY_HEADERS {
        // The web interface's pages carry their own, stricter policy.
        if name == CONTENT_SECURITY_POLICY.as_str() && headers.contains_key(CONTENT_SECURITY_POLICY) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    if tls {
        headers.insert("strict-transport-security", HeaderValue::from_static(HSTS));
    }
    if let Some(p) = docs_policy_value {
        headers.insert(CONTENT_SECURITY_POLICY, p);
    }
    res
}

/// The whole HTTP endpoint over an application.
pub fn endpoint(app: CrmApp, settings: HttpSettings, extras: api::Extras) -> impl Endpoint {
    let base_path = settings.base_path.clone();
    let max_upload = settings.max_upload_bytes;
    let secure_cookies = settings.secure_cookies;
    let search_index = extras.search.index().clone();
    let uploads = crm_web::Uploads {
        files: extras.files.clone(),
        tables: std::sync::Arc::new(crm_tabular::Tables::default()),
        max_upload,
    };
    let mail_settings = extras.mail.clone();
    let webhooks = std::sync::Arc::clone(&extras.webhooks);
    let api = api::service(&app, settings, extras);
    let spec_text = api.spec();
    let spec_json = api::schema::with_nullable_optionals(&spec_text);
    let spec = move || {
        let body = spec_json.clone();
        async move { poem::Response::builder().content_type("application/json; charset=utf-8").body(body) }
    };
    let docs = api.swagger_ui();
    let schemas = std::sync::Arc::new(api::schema::BodySchemas::from_spec(&spec_text));
    let web = crm_web::WebSettings {
        base_path: base_path.clone(),
        secure_cookies,
        mail: mail_settings,
        relay_check: crm_web::RelayCheck(std::sync::Arc::new(api::mail_relay::usable)),
        webhooks: Some(crm_web::WebhookCheck(webhooks)),
    };
    let search = std::sync::Arc::new(search_index);
    let api = std::sync::Arc::new(api::gate::Gate::new(api.with(CatchPanic::new()), schemas, max_upload));
    let routes = crm_web::mount(Route::new(), app.clone(), search, web, uploads)
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/api/openapi.json", get(poem::endpoint::make(move |_| spec())))
        .nest("/api/docs", docs)
        .nest("/", std::sync::Arc::clone(&api));
    Outer {
        routes,
        api,
        app,
        docs_cache: std::sync::OnceLock::new(),
        secure_cookies,
        base_path,
    }
}

/// What every request passes, the web interface's as the API's, as one layer (one future,
/// no box between the steps): the application in the request's data, the request's id and
/// its line in the log, the security headers, the base path in `Location`. The API's
/// requests (`/api/v1/…`, the most frequent) go straight to it: through the routes, poem
/// matched the path against every page of the web interface, then rebuilt the request's
/// URI for the API's nest, then the API matched it again.
struct Outer<R, A> {
    /// The web interface, health, the API's documents, and the API for any other path.
    routes: R,
    /// The API behind its gate.
    api: std::sync::Arc<A>,
    app: CrmApp,
    /// The documentation page's policy, see [`security_headers`].
    docs_cache: std::sync::OnceLock<HeaderValue>,
    secure_cookies: bool,
    base_path: String,
}

impl<R: Endpoint, A: Endpoint> Endpoint for Outer<R, A> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        req.extensions_mut().insert(self.app.clone());
        let docs = is_docs(req.uri().path());
        // Behind TLS: configured so (secure cookies), or said by the proxy for this request.
        let tls = self.secure_cookies || req.header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
        let res = if req.uri().path().starts_with(API_PREFIX) {
            log_requests(&*self.api, req).await
        } else {
            log_requests(&self.routes, req).await
        };
        let res = security_headers(&self.docs_cache, docs, tls, res).await;
        Ok(under_base_path(&self.base_path, res))
    }
}

/// Where the API's routes are, every one of them (its documents are elsewhere).
const API_PREFIX: &str = "/api/v1/";

/// Under a host's path prefix, the `Location` of created records carries it (the API
/// writes paths from its own root; the web interface's redirects already carry it).
fn under_base_path(base_path: &str, mut resp: Response) -> Response {
    if !base_path.is_empty()
        && let Some(location) = resp.headers().get(poem::http::header::LOCATION).and_then(|v| v.to_str().ok())
        && location.starts_with('/')
        && !location.starts_with(&format!("{base_path}/"))
        && let Ok(v) = poem::http::HeaderValue::from_str(&format!("{base_path}{location}"))
    {
        resp.headers_mut().insert(poem::http::header::LOCATION, v);
    }
    resp
}

/// Serves `endpoint` on an already bound listener until `shutdown` resolves; in-flight
/// requests get up to `grace` to finish.
///
/// # Errors
/// IO errors of the listener.
pub async fn serve<E>(
    listener: tokio::net::TcpListener,
    endpoint: E,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()>
where
    E: Endpoint + 'static,
{
    // hyper's own error answers (request line or headers too long) leave as problems too.
    let acceptor = crate::wire::ProblemAcceptor(TcpAcceptor::from_tokio(listener)?);
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(endpoint, shutdown, Some(grace))
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn calendar_feed_secrets_never_reach_the_log() {
        let secret = "crm_q7Zk3v9YbN2xLw8RtP4sHc6JmD1fGa5E0uIoXeTn";
        assert_eq!(loggable_path(&format!("/api/v1/calendar/{secret}")), "/api/v1/calendar/[redacted]");
        // Not a well-formed secret, or followed by more segments: redacted all the same.
        assert_eq!(loggable_path("/api/v1/calendar/abc"), "/api/v1/calendar/[redacted]");
        assert_eq!(
            loggable_path("/api/v1/calendar/abc/x.ics"),
            "/api/v1/calendar/[redacted]/[redacted]"
        );
        assert_eq!(loggable_path("/api/v1/calendar//abc"), "/api/v1/calendar//[redacted]");
        // Encoded or differently cased spellings.
        assert_eq!(loggable_path("/api/v1/%63alendar/abc"), "/api/v1/%63alendar/[redacted]");
        assert_eq!(loggable_path("/api/v1/Calendar/abc"), "/api/v1/Calendar/[redacted]");
        // Anything shaped like a secret of this server, wherever it is.
        assert_eq!(loggable_path(&format!("/api/v1/contacts/{secret}")), "/api/v1/contacts/[redacted]");
        assert_eq!(loggable_path("/api/v1/%43RM_abc"), "/api/v1/[redacted]");
        for p in [
            &format!("/api/v1/calendar/{secret}"),
            &format!("/x/{secret}/y"),
            "/api/v1/calendar/%63rm_abc",
        ] {
            let logged = loggable_path(p);
            assert!(!logged.contains("crm_") && !logged.contains("abc"), "{p} logged as {logged}");
        }
    }

    /// Every segment compared percent-decoded and lowercased, as before the ASCII path.
    fn loggable_path_decoding_all(path: &str) -> String {
        let mut out = Vec::new();
        let mut secret_follows = false;
        for segment in path.split('/') {
            let folded = percent_decoded_lowercase(segment);
            let secret = (secret_follows && !segment.is_empty()) || folded.starts_with("crm_");
            out.push(if secret { REDACTED } else { segment });
            secret_follows |= folded == "calendar";
        }
        out.join("/")
    }

    proptest::proptest! {
        /// Segments read as they are (ASCII, nothing escaped) are redacted exactly as when
        /// every segment is decoded and lowercased.
        #[test]
        fn the_ascii_path_redacts_as_decoding_does(path in "(/(crm_|CrM_|calendar|CALENDAR|%63|%43|%2F|%|[a-zA-Z0-9_.-]{0,6}|\\u{212A}|é|İ){0,3}){0,6}") {
            proptest::prop_assert_eq!(loggable_path(&path), loggable_path_decoding_all(&path));
        }
    }

    #[test]
    fn paths_without_secrets_are_logged_as_they_are() {
        for p in [
            "/",
            "/healthz",
            "/api/v1/calendar-feeds",
            "/api/v1/calendar-feeds/0190c2f4-6b1e-7c3a-9d2e-5f4a3b2c1d0e",
            "/api/v1/calendar",
            "/api/v1/calendar/",
            "/api/v1/contacts/0190c2f4-6b1e-7c3a-9d2e-5f4a3b2c1d0e/timeline",
            "/api/v1/search/",
            "/api/docs/",
            "/bad%zz/%",
        ] {
            assert_eq!(loggable_path(p), p);
        }
    }

    #[test]
    fn the_docs_policy_allows_exactly_the_inline_scripts() {
        let html = b"<html><head><style>b{}</style><SCRIPT charset=\"UTF-8\">var a = '<script>';</script>\
                     <script src=\"/x.js\"></script></head><body><script>\n go()\n</Script></body></html>";
        let scripts = inline_scripts(html);
        assert_eq!(scripts, vec![&b"var a = '<script>';"[..], &b"\n go()\n"[..]]);
        let policy = docs_policy(html);
        assert_eq!(policy.matches("'sha256-").count(), 2);
        // printf %s "var a = '<script>';" | openssl dgst -sha256 -binary | base64
        assert!(policy.contains("'sha256-ZP7XK8kTAxW82j6h/uVp3ksOh4xMFF22Clekqnj+b5o='"), "{policy}");
        assert!(policy.starts_with("default-src 'self';") && policy.ends_with("frame-ancestors 'none'"));
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
    }
}
