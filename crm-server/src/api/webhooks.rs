//! `/api/v1/webhooks`: the company's webhook subscriptions (Admin) — an address, the event
//! types wanted, a secret shown once — and `/api/v1/webhooks/deliveries`, the delivery log
//! with its attempts, its dead letters and their replay.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::webhook::{DeliveryState, EventPattern, Webhook, WebhookInput};
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::services::webhooks::deliver::event_id;
use crm_ports::store::{Delivery, DeliveryAttempt, DeliveryFilter};
use crm_ports::webhook::{TransportError, WebhookTransport};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::sync::Arc;
use uuid::Uuid;

/// A webhook subscription.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDto {
    /// Id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// The changes it receives: `*`, `contact.*`, `opportunity.won`...
    pub events: Vec<String>,
    /// Whether deliveries carry the sealed values (a person's data, sensitive fields).
    pub include_personal: bool,
    /// Whether it receives new changes.
    pub active: bool,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The signing secret: only in the answer that created or renewed it.
    pub secret: Option<String>,
}

/// A subscription as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct WebhookWrite {
    /// `https://…` (or `http://…`); a private or loopback address is refused unless the
    /// server allows it.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// The changes wanted: `*`, `<record>.*` or `<record>.<change>`.
    pub events: Vec<String>,
    /// Carry the sealed values (default: no; the fields that changed are still named).
    #[oai(default)]
    pub include_personal: bool,
    /// Receive new changes (default: yes).
    pub active: Option<bool>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryAttemptDto {
    /// 1 for the first (replays go on counting).
    pub number: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i64>,
    /// How long it took, milliseconds.
    pub millis: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// One change for one subscription.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryDto {
    /// Id.
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The change's id, as the receiver gets it (`Crm-Event-Id`).
    pub event_id: String,
    /// Its sequence number in the company's log.
    pub event_seq: i64,
    /// Its type.
    pub event_type: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last HTTP status.
    pub last_status: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The last attempt.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The next attempt (pending).
    pub next_at: Option<DateTime<Utc>>,
    /// Taken by the receiver.
    pub delivered_at: Option<DateTime<Utc>>,
    /// First queued.
    pub created_at: DateTime<Utc>,
    /// Every attempt (one delivery read alone).
    pub attempt_log: Option<Vec<DeliveryAttemptDto>>,
}

#[derive(ApiResponse)]
pub enum WebhookResponse {
    /// The subscription.
    #[oai(status = 200)]
    Ok(Json<WebhookDto>, #[oai(header = "ETag")] String),
    /// Created: the secret is in the body, this once.
    #[oai(status = 201)]
    Created(Json<WebhookDto>, #[oai(header = "ETag")] String, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Replayed {
    /// Queued again.
    #[oai(status = 202)]
    Accepted(Json<DeliveryDto>),
}

fn dto(w: &Webhook, secret: Option<String>) -> WebhookDto {
    WebhookDto {
        id: w.id,
        url: w.spec.url.as_str().to_owned(),
        description: w.spec.description.as_ref().map(|d| d.as_str().to_owned()),
        events: w.spec.events.iter().map(EventPattern::as_str).map(str::to_owned).collect(),
        include_personal: w.spec.include_personal,
        active: w.spec.active,
        version: w.version,
        created_at: w.created_at,
        updated_at: w.updated_at,
        secret,
    }
}

fn n(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

fn delivery_dto(tenant: crm_domain::TenantId, d: &Delivery, attempts: Option<&[DeliveryAttempt]>) -> DeliveryDto {
    DeliveryDto {
        id: d.id,
        webhook_id: d.webhook_id,
        event_id: event_id(tenant, d.event_seq),
        event_seq: d.event_seq,
        event_type: d.event_type.clone(),
        state: d.state.code().to_owned(),
        attempts: n(d.attempts),
        last_status: d.last_status.map(i64::from),
        last_error: d.last_error.clone(),
        last_attempt_at: d.last_attempt_at,
        next_at: d.next_at,
        delivered_at: d.delivered_at,
        created_at: d.created_at,
        attempt_log: attempts.map(|list| {
            list.iter()
                .map(|a| DeliveryAttemptDto {
                    number: n(a.number),
                    at: a.at,
                    status: a.status.map(i64::from),
                    millis: n(a.millis),
                    error: a.error.clone(),
                })
                .collect()
        }),
    }
}

fn input(w: WebhookWrite) -> WebhookInput {
    WebhookInput {
        url: w.url,
        description: w.description,
        events: w.events,
        include_personal: w.include_personal,
        active: w.active.unwrap_or(true),
    }
}

pub struct WebhooksApi {
    pub app: CrmApp,
    pub transport: Arc<dyn WebhookTransport>,
}

impl WebhooksApi {
    /// The address refused here when the server may not reach it (checked again at each
    /// delivery: a name can change address).
    async fn reachable(&self, url: &str) -> ApiResult<()> {
        match self.transport.check(url).await {
            Err(TransportError::Refused(_)) => Err(ValidationError::field("url", ViolationKind::NotAllowed).into()),
            // A name that does not resolve yet, a receiver not up yet: its deliveries will
            // say so, and be retried.
            _ => Ok(()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// The company's webhook subscriptions (Admin).
    #[oai(path = "/api/v1/webhooks", method = "get", operation_id = "list_webhooks")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<WebhookDto>>> {
        let list = self.app.webhooks(&auth.actor()).await?;
        Ok(Json(list.iter().map(|w| dto(w, None)).collect()))
    }

    /// Subscribe an address to changes (Admin). The answer carries the signing secret, this
    /// once. 422 on `url` (malformed; `not_allowed`: a private or loopback address the
    /// server may not reach), `description`, `events` (`events[i]` unknown or repeated).
    #[oai(path = "/api/v1/webhooks", method = "post", operation_id = "create_webhook")]
    async fn create(&self, auth: Auth, body: Json<WebhookWrite>) -> ApiResult<WebhookResponse> {
        let input = input(body.0);
        input.validate().map_err(ApiError::from)?;
        self.reachable(&input.url).await?;
        let made = self.app.create_webhook(&auth.actor(), &input).await?;
        let w = &made.webhook;
        Ok(WebhookResponse::Created(
            Json(dto(w, Some(made.secret.clone()))),
            etag(w.version),
            format!("/api/v1/webhooks/{}", w.id),
        ))
    }

    /// One subscription (Admin).
    #[oai(path = "/api/v1/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<WebhookResponse> {
        let w = self.app.webhook(&auth.actor(), id.0).await?;
        Ok(WebhookResponse::Ok(Json(dto(&w, None)), etag(w.version)))
    }

    /// Change a subscription (Admin, `If-Match` required); pausing it (`active: false`)
    /// stops new deliveries, those queued still go.
    #[oai(path = "/api/v1/webhooks/:id", method = "put", operation_id = "update_webhook")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<WebhookWrite>,
    ) -> ApiResult<WebhookResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        // Another company's id: 404 before any field is judged.
        self.app.webhook(&actor, id.0).await?;
        let input = input(body.0);
        input.validate().map_err(ApiError::from)?;
        self.reachable(&input.url).await?;
        let w = self.app.update_webhook(&actor, id.0, v, &input).await?;
        Ok(WebhookResponse::Ok(Json(dto(&w, None)), etag(w.version)))
    }

    /// Delete a subscription and its delivery log (Admin).
    #[oai(path = "/api/v1/webhooks/:id", method = "delete", operation_id = "delete_webhook")]
    async fn delete(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.delete_webhook(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }

    /// A new signing secret (Admin, `If-Match` required), in the answer this once; the old
    /// one stops signing at once.
    #[oai(path = "/api/v1/webhooks/:id/secret", method = "post", operation_id = "renew_webhook_secret")]
    async fn renew(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<WebhookResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let made = self.app.renew_webhook_secret(&auth.actor(), id.0, v).await?;
        let w = &made.webhook;
        Ok(WebhookResponse::Ok(Json(dto(w, Some(made.secret.clone()))), etag(w.version)))
    }

    /// The delivery log, newest first (Admin): of one subscription (`webhook_id`), in one
    /// state (`state`: `pending`, `delivered`, `dead` — the dead letters), at most `limit`
    /// (100 by default, 500 at most).
    #[oai(path = "/api/v1/webhooks/deliveries", method = "get", operation_id = "list_webhook_deliveries")]
    async fn deliveries(
        &self,
        auth: Auth,
        webhook_id: Query<Option<Uuid>>,
        state: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<DeliveryDto>>> {
        let state = match state.0.as_deref() {
            None => None,
            Some(s) => {
                Some(DeliveryState::parse(s).ok_or_else(|| ApiError::from(ValidationError::field("state", ViolationKind::Unknown)))?)
            }
        };
        let actor = auth.actor();
        let filter = DeliveryFilter {
            webhook_id: webhook_id.0,
            state,
        };
        let list = self.app.webhook_deliveries(&actor, filter, limit.0.unwrap_or(100)).await?;
        let tenant = actor
            .tenant_id()
            .ok_or_else(|| ApiError::from(crm_ports::ServiceError::Forbidden))?;
        Ok(Json(list.iter().map(|d| delivery_dto(tenant, d, None)).collect()))
    }

    /// One delivery with every attempt at it (Admin).
    #[oai(path = "/api/v1/webhooks/deliveries/:id", method = "get", operation_id = "get_webhook_delivery")]
    async fn delivery(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<DeliveryDto>> {
        let actor = auth.actor();
        let (d, attempts) = self.app.webhook_delivery(&actor, id.0).await?;
        let tenant = actor
            .tenant_id()
            .ok_or_else(|| ApiError::from(crm_ports::ServiceError::Forbidden))?;
        Ok(Json(delivery_dto(tenant, &d, Some(&attempts))))
    }

    /// Send a dead delivery again (Admin): pending at once, its attempts start over. 422 on
    /// `state` when it is not dead.
    #[oai(
        path = "/api/v1/webhooks/deliveries/:id/replay",
        method = "post",
        operation_id = "replay_webhook_delivery"
    )]
    async fn replay(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Replayed> {
        let actor = auth.actor();
        let d = self.app.replay_webhook_delivery(&actor, id.0).await?;
        let tenant = actor
            .tenant_id()
            .ok_or_else(|| ApiError::from(crm_ports::ServiceError::Forbidden))?;
        Ok(Replayed::Accepted(Json(delivery_dto(tenant, &d, None))))
    }
}
