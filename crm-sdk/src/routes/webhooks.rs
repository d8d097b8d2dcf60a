//! Routes of webhooks (Admin).

use super::{DeliveryQuery, push};
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's webhook subscriptions.
    ///
    /// # Errors
    /// `Forbidden` (not Admin).
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.send::<(), _>(Method::GET, "/api/v1/webhooks", &[], None, None).await
    }

    /// Subscribes an address to changes; the answer carries the secret, this once.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`url`, `description`, `events`).
    pub async fn create_webhook(&self, w: &WebhookWrite) -> Result<Webhook> {
        self.send(Method::POST, "/api/v1/webhooks", &[], Some(w), None).await
    }

    /// One subscription.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn webhook(&self, id: Uuid) -> Result<Webhook> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/webhooks/{id}"), &[], None, None)
            .await
    }

    /// Changes a subscription.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_webhook(&self, id: Uuid, version: i64, w: &WebhookWrite) -> Result<Webhook> {
        self.send(Method::PUT, &format!("/api/v1/webhooks/{id}"), &[], Some(w), Some(version))
            .await
    }

    /// Deletes a subscription and its delivery log.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_webhook(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/webhooks/{id}"), None, None)
            .await
    }

    /// A new signing secret, in the answer this once.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn renew_webhook_secret(&self, id: Uuid, version: i64) -> Result<Webhook> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/webhooks/{id}/secret"), &[], None, Some(version))
            .await
    }

    /// The delivery log, newest first.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (another company's subscription), `ValidationFailed` (`state`).
    pub async fn webhook_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<WebhookDelivery>> {
        let mut query = Vec::new();
        push(&mut query, "webhook_id", q.webhook_id);
        push(&mut query, "state", q.state.as_deref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/webhooks/deliveries", &query, None, None)
            .await
    }

    /// One delivery with its attempts.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn webhook_delivery(&self, id: Uuid) -> Result<WebhookDelivery> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/webhooks/deliveries/{id}"), &[], None, None)
            .await
    }

    /// Sends a dead delivery again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed` (`state`: not dead).
    pub async fn replay_webhook_delivery(&self, id: Uuid) -> Result<WebhookDelivery> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/webhooks/deliveries/{id}/replay"), &[], None, None)
            .await
    }
}
