//! `Idempotency-Key` on POST: the first request with a key runs and its response is kept
//! (per tenant and user, 24 hours); a retry with the same key and body gets the same
//! response without running again; the same key with another body gets 422; a retry while
//! the first still runs gets 409. Server errors (5xx) release the key. The response is kept
//! byte for byte (base64 in the record), so a replayed file (PDF, XLSX) is the same file.

use super::RequestId;
use super::problem::{ApiError, Code};
use super::security::presented_secret;
use crate::assemble::CrmApp;
use crate::i18n::Lang;
use chrono::Duration;
use crm_domain::{Actor, ViolationKind};
use crm_ports::store::{IdempotencyBegin, IdempotencyStore};
use futures::TryFutureExt;
use futures::future::Either;
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use ring::digest;
use serde::{Deserialize, Serialize};

/// How long a key is kept.
pub const KEEP_HOURS: i64 = 24;

#[derive(Serialize, Deserialize)]
struct Recorded {
    content_type: Option<String>,
    etag: Option<String>,
    location: Option<String>,
    /// A file's name (`Content-Disposition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_disposition: Option<String>,
    /// The body, base64 (standard alphabet, padded).
    #[serde(default)]
    body_base64: Option<String>,
    /// The body as text, in records written before bodies were kept as bytes.
    #[serde(default)]
    body: Option<String>,
}

impl Recorded {
    fn bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        use base64::Engine as _;
        match (&self.body_base64, &self.body) {
            (Some(b), _) => base64::engine::general_purpose::STANDARD.decode(b),
            (None, Some(text)) => Ok(text.clone().into_bytes()),
            (None, None) => Ok(Vec::new()),
        }
    }
}

fn replay(r: &Recorded, status: u16, body: Vec<u8>) -> Response {
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("idempotent-replayed", "true");
    if let Some(ct) = &r.content_type {
        resp = resp.content_type(ct.as_str());
    }
    if let Some(e) = &r.etag {
        resp = resp.header("etag", e.as_str());
    }
    if let Some(l) = &r.location {
        resp = resp.header("location", l.as_str());
    }
    if let Some(d) = &r.content_disposition {
        resp = resp.header("content-disposition", d.as_str());
    }
    resp.body(body)
}

/// The middleware. Most requests pass straight through; a `POST` with a key takes the
/// replayable path, boxed so that its futures (the store's) are not part of every request's.
/// Not an `async fn`: its future held the request and the way taken beside the route's own
/// (4,104 bytes in all for a contact's `GET`, the route's 1,544), and the gate's future with
/// it, which poem moves whole into its box; this gives the way taken's future alone.
pub fn idempotency<E: Endpoint>(next: &E, req: Request) -> impl Future<Output = poem::Result<Response>> + Send + '_ {
    let key = match req.header("idempotency-key") {
        // A file upload is streamed to disk, never read whole: not replayable.
        Some(_) if super::files::is_upload(req.method(), req.uri().path()) => None,
        Some(k) if req.method() == Method::POST => Some(k.to_owned()),
        _ => None,
    };
    match key {
        Some(key) => Either::Left(Box::pin(replayable(next, req, key))),
        None => Either::Right(next.call(req).map_ok(IntoResponse::into_response)),
    }
}

/// A `POST` carrying `Idempotency-Key: key`: run once, its answer recorded and replayed.
async fn replayable<E: Endpoint>(next: &E, mut req: Request, key: String) -> poem::Result<Response> {
    let lang = Lang::from_accept_language(req.header("accept-language"));
    let path = req.uri().path().to_owned();
    let rid = req.extensions().get::<RequestId>().cloned();
    let fail = |e: ApiError| Ok(e.render(lang, rid.as_ref().map_or("", |r| &r.0), &path));
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return fail(ApiError::field("Idempotency-Key", ViolationKind::Malformed));
    }
    let (Some(app), Some(secret)) = (req.data::<CrmApp>().cloned(), presented_secret(&req)) else {
        return next.call(req).await.map(IntoResponse::into_response);
    };
    let Ok(Actor::User { tenant_id, user_id, .. }) = super::security::authenticate_request(&req, &secret).await.map(|a| a.actor) else {
        // Unauthenticated (the route answers 401) or the operator (no tenant to keep keys in).
        return next.call(req).await.map(IntoResponse::into_response);
    };
    let body = req
        .take_body()
        .into_bytes()
        .await
        .map_err(|_| ApiError::new(Code::MalformedRequest))?;
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(req.method().as_str().as_bytes());
    ctx.update(b" ");
    ctx.update(req.uri().path_and_query().map_or("", |p| p.as_str()).as_bytes());
    ctx.update(b"\n");
    ctx.update(&body);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(ctx.finish().as_ref());
    req.set_body(Body::from_bytes(body));

    let store = app.store();
    let now = app.now();
    match store
        .begin_idempotent(tenant_id, user_id, &key, &hash, now, now - Duration::hours(KEEP_HOURS))
        .await
    {
        Err(e) => fail(crm_ports::ServiceError::from(e).into()),
        Ok(IdempotencyBegin::Mismatch) => fail(ApiError::new(Code::IdempotencyKeyReused)),
        Ok(IdempotencyBegin::InProgress) => fail(ApiError::new(Code::IdempotencyInProgress)),
        Ok(IdempotencyBegin::Replay { status, response }) => {
            match serde_json::from_str::<Recorded>(&response)
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    let body = r.bytes().map_err(|e| e.to_string())?;
                    Ok((r, body))
                }) {
                Ok((r, body)) => Ok(replay(&r, status, body)),
                Err(e) => fail(ApiError::internal(format!("recorded response unreadable: {e}"))),
            }
        }
        Ok(IdempotencyBegin::Started) => {
            // Errors rendered here, so that the recorded answer is the problem sent.
            let resp = match next.call(req).await {
                Ok(r) => r.into_response(),
                Err(e) => super::problem(e, lang, rid.as_ref(), &path),
            };
            let status = resp.status();
            if status.is_server_error() {
                let _ = store.abandon_idempotent(tenant_id, user_id, &key).await;
                return Ok(resp);
            }
            let (parts, body) = resp.into_parts();
            // Whatever goes wrong from here on, the key is let go (not left in progress).
            let Ok(bytes) = body.into_bytes().await else {
                let _ = store.abandon_idempotent(tenant_id, user_id, &key).await;
                return fail(ApiError::internal("response body unreadable"));
            };
            let header = |name: &str| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_owned)
            };
            let recorded = Recorded {
                content_type: header("content-type"),
                etag: header("etag"),
                location: header("location"),
                content_disposition: header("content-disposition"),
                body_base64: Some({
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                }),
                body: None,
            };
            let recorded = serde_json::to_string(&recorded);
            if let Err(e) = match &recorded {
                Ok(text) => store.finish_idempotent(tenant_id, user_id, &key, status.as_u16(), text).await,
                Err(e) => Err(crm_ports::StoreError::Internal(e.to_string())),
            } {
                tracing::warn!(error = %e, "idempotency key not recorded");
                let _ = store.abandon_idempotent(tenant_id, user_id, &key).await;
            }
            Ok(Response::from_parts(parts, Body::from_bytes(bytes)))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_kept_byte_for_byte() {
        let bytes: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0x00]).collect();
        let r = Recorded {
            content_type: Some("application/pdf".into()),
            etag: None,
            location: None,
            content_disposition: Some("attachment; filename=\"rapport.pdf\"".into()),
            body_base64: Some({
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            }),
            body: None,
        };
        let back: Recorded = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.bytes().unwrap(), bytes);
        // Records written before this change hold text.
        let old: Recorded =
            serde_json::from_str(r#"{"content_type": null, "etag": null, "location": null, "body": "{\"id\": 1}"}"#).unwrap();
        assert_eq!(old.bytes().unwrap(), br#"{"id": 1}"#);
    }
}
