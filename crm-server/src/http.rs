//! The HTTP endpoint: health routes for now (the REST API mounts here), request ids and
//! structured logs, and serving with graceful shutdown.

use crate::api::{self, auth::HttpSettings};
use crate::assemble::CrmApp;
use crm_ports::store::Health;
use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::middleware::{AddData, CatchPanic};
use poem::web::Data;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler};
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

/// Logs each request with an id, method, path, status and duration (never bodies).
async fn log_requests<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let id = uuid::Uuid::now_v7();
    req.extensions_mut().insert(api::RequestId(id.to_string()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let start = Instant::now();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let res = next.call(req).instrument(span.clone()).await.map(IntoResponse::into_response);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let status = match &res {
        Ok(r) => r.status().as_u16(),
        Err(e) => e.status().as_u16(),
    };
    span.in_scope(|| tracing::info!(status, ms, "handled"));
    res.map(|mut r| {
        if let Ok(v) = id.to_string().parse() {
            r.headers_mut().insert("x-request-id", v);
        }
        r
    })
}

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest refused body still read to the end before answering 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Refuses bodies over [`MAX_BODY_BYTES`] (413), whether announced by `Content-Length` or
/// streamed.
async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    match req.header("content-length").map(str::parse::<usize>) {
        Some(Ok(n)) if n > MAX_BODY_BYTES => {
            // Read and drop a moderately large body before answering, so the client gets
            // the 413 instead of a reset while it is still sending; beyond that, give up.
            if n <= DRAIN_LIMIT {
                let mut reader = req.take_body().into_async_read();
                let mut buf = vec![0u8; 64 * 1024];
                while matches!(tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await, Ok(k) if k > 0) {}
            }
            return Err(api::problem::ApiError::new(api::problem::Code::PayloadTooLarge).into());
        }
        Some(Ok(_)) => {}
        _ => {
            let body = req.take_body().into_bytes_limit(MAX_BODY_BYTES).await.map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => api::problem::ApiError::new(api::problem::Code::PayloadTooLarge),
                _ => api::problem::ApiError::new(api::problem::Code::MalformedRequest),
            })?;
            req.set_body(body);
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// The whole HTTP endpoint over an application.
pub fn endpoint(app: CrmApp, settings: HttpSettings, search: crate::search::SearchHandle) -> impl Endpoint {
    let api = api::service(&app, settings, search);
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .nest(
            "/",
            api.with(CatchPanic::new())
                .around(api::problems)
                .around(api::idempotency::idempotency)
                .around(limit_body)
                .around(api::problems),
        )
        .with(AddData::new(app))
        .around(log_requests)
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
    let acceptor = TcpAcceptor::from_tokio(listener)?;
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(endpoint, shutdown, Some(grace))
        .await
}
