//! What every API request passes before its route, as one layer: the body's size limit,
//! the request line, query and credentials checks with the JSON body's schema
//! ([`super::schema`]), `Idempotency-Key` ([`super::idempotency`]), and every error below
//! answered as a problem in the request's language.
//!
//! One endpoint with one future rather than a stack of `around` layers: each of those was
//! a closure called through an `Arc`, and each was boxed (without the boxes each layer's
//! future held the next one's, doubling it at every layer, and poem moves a future whole
//! into a box). Here the steps run one after the other in the same future, and only the
//! rare paths (reading a body of unannounced length, an idempotent `POST`) are boxed.

use super::problem::{ApiError, Code};
use super::schema::BodySchemas;
use super::{RequestId, problem};
use crate::i18n::Lang;
use poem::{Endpoint, Request, Response};
use std::sync::Arc;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest refused body still read to the end before answering 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The API behind its checks (see the module's comment).
pub struct Gate<E> {
    inner: E,
    schemas: Arc<BodySchemas>,
    max_upload: u64,
}

impl<E: Endpoint> Gate<E> {
    /// `inner` behind the checks, its JSON bodies held to `schemas`, file uploads to
    /// `max_upload` bytes.
    pub fn new(inner: E, schemas: Arc<BodySchemas>, max_upload: u64) -> Self {
        Self {
            inner,
            schemas,
            max_upload,
        }
    }

    async fn pass(&self, mut req: Request) -> poem::Result<Response> {
        limit_body(self.max_upload, &mut req).await?;
        super::schema::conform(&self.schemas, &mut req).await?;
        super::idempotency::idempotency(&self.inner, req).await
    }
}

impl<E: Endpoint> Endpoint for Gate<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        // What a problem names: kept before the request goes down (a `Uri` and the request
        // id are shared, not copied).
        let lang = Lang::from_accept_language(req.header("accept-language"));
        let uri = req.uri().clone();
        let rid = req.extensions().get::<RequestId>().cloned();
        match self.pass(req).await {
            Ok(r) => Ok(r),
            Err(e) => Ok(problem(e, lang, rid.as_ref(), uri.path())),
        }
    }
}

/// Refuses bodies over their route's limit (413), whether announced by `Content-Length`
/// or streamed: [`MAX_BODY_BYTES`] for every route but file uploads, whose bodies are not
/// read here but streamed to disk by their handler, which stops at `max_upload`.
async fn limit_body(max_upload: u64, req: &mut Request) -> poem::Result<()> {
    let upload = super::files::is_upload(req.method(), req.uri().path());
    let limit = if upload { max_upload } else { MAX_BODY_BYTES as u64 };
    match req.header("content-length").map(str::parse::<u64>) {
        Some(Ok(n)) if n > limit => {
            // Read and drop a moderately large body before answering, so the client gets
            // the 413 instead of a reset while it is still sending; beyond that, give up.
            if n <= DRAIN_LIMIT as u64 {
                let reader = req.take_body().into_async_read();
                Box::pin(drain(reader)).await;
            }
            Err(ApiError::new(Code::PayloadTooLarge).into())
        }
        Some(Ok(_)) => Ok(()),
        _ if upload => Ok(()),
        _ => {
            // A body of unannounced length, read up to the limit. Most such requests have
            // none at all (a `GET`): nothing to read, and the reading (a 4 KiB buffer in its
            // future) is boxed so that it is not part of every request's future.
            let body = req.take_body();
            if !body.is_empty() {
                let body = Box::pin(body.into_bytes_limit(MAX_BODY_BYTES)).await.map_err(|e| match e {
                    poem::error::ReadBodyError::PayloadTooLarge => ApiError::new(Code::PayloadTooLarge),
                    _ => ApiError::new(Code::MalformedRequest),
                })?;
                req.set_body(body);
            }
            Ok(())
        }
    }
}

/// Reads a body to its end (or its first error) and drops it.
async fn drain(mut reader: impl tokio::io::AsyncRead + Unpin) {
    let mut buf = vec![0u8; 64 * 1024];
    while matches!(tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await, Ok(k) if k > 0) {}
}
