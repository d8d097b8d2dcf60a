//! Webhooks (Admin): a company's subscriptions to its changes — an address, the event types
//! wanted, a secret shown once that signs every delivery — and the delivery log with its
//! dead letters, each replayable. The fan-out from the event log is [`fanout`], the sending
//! with its retries [`deliver`].

pub mod deliver;
pub mod fanout;

use crate::app::{App, require, tenant_of};
use crate::auth::Credentials;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{Delivery, DeliveryAttempt, DeliveryFilter, NewJob, WebhookStore};
use crm_domain::Actor;
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::visibility::Capability;
use crm_domain::webhook::{EventPattern, Webhook, WebhookInput, WebhookSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The kind of the jobs that deliver.
pub const KIND: &str = "webhook.deliver";
/// The most deliveries one read returns.
pub const MAX_DELIVERIES: u32 = 500;

/// What a delivery job carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryJob {
    /// The delivery (its row is written by the first attempt).
    pub delivery_id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The change, by its sequence number in the company's log.
    pub seq: i64,
}

impl DeliveryJob {
    /// The job that delivers it (one live job per delivery).
    pub fn job(&self, tenant: crm_domain::TenantId, id: Uuid, now: chrono::DateTime<chrono::Utc>) -> NewJob {
        NewJob {
            id,
            tenant_id: tenant,
            kind: KIND.to_owned(),
            payload: serde_json::to_value(self).unwrap_or(Value::Null),
            due_at: now,
            key: Some(format!("{KIND}:{}", self.delivery_id)),
        }
    }
}

/// A subscription as created or given a new secret: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithSecret {
    /// The subscription.
    pub webhook: Webhook,
    /// Its signing secret (`whsec_…`).
    pub secret: String,
}

fn changes(before: Option<&WebhookSpec>, after: &WebhookSpec) -> Vec<FieldChange> {
    let events = |s: &WebhookSpec| s.events.iter().map(EventPattern::as_str).map(str::to_owned).collect::<Vec<_>>();
    let url = |s: &WebhookSpec| s.url.as_str().to_owned();
    let description = |s: &WebhookSpec| s.description.as_ref().map(|l| l.as_str().to_owned());
    let mut d = Diff::new();
    d.field("url", before.map(url).as_ref(), &url(after), Sensitivity::Clear);
    d.field(
        "description",
        before.map(description).as_ref(),
        &description(after),
        Sensitivity::Clear,
    );
    d.field("events", before.map(events).as_ref(), &events(after), Sensitivity::Clear);
    d.field(
        "include_personal",
        before.map(|b| &b.include_personal),
        &after.include_personal,
        Sensitivity::Clear,
    );
    d.field("active", before.map(|b| &b.active), &after.active, Sensitivity::Clear);
    d.into_changes()
}

/// Webhook subscriptions and their deliveries (Admin).
impl<S: WebhookStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    fn new_webhook_secret(&self) -> Result<String, ServiceError> {
        let raw = self.creds.new_secret().map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(format!("whsec_{}", raw.trim_start_matches("crm_")))
    }

    /// Subscribes an address to changes; its secret is returned this once.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`url`, `description`, `events`).
    pub async fn create_webhook(&self, actor: &Actor, input: &WebhookInput) -> Result<WithSecret, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let spec = input.validate()?;
        let now = self.clock.now();
        let webhook = Webhook {
            id: self.new_id(),
            tenant_id: tenant,
            spec,
            created_by: actor.user_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let secret = self.new_webhook_secret()?;
        let ev = self.event(
            actor,
            EntityType::Webhook,
            webhook.id,
            EventKind::Created,
            None,
            changes(None, &webhook.spec),
        );
        self.store.create_webhook(&webhook, &secret, &ev).await?;
        Ok(WithSecret { webhook, secret })
    }

    /// Changes a subscription (at `expected_version`).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`, `Invalid`.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: &WebhookInput,
    ) -> Result<Webhook, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let current = self.store.webhook(tenant, id).await?;
        if current.version != expected_version {
            return Err(ServiceError::Conflict);
        }
        let spec = input.validate()?;
        let ev = self.event(
            actor,
            EntityType::Webhook,
            id,
            EventKind::Updated,
            None,
            changes(Some(&current.spec), &spec),
        );
        let next = Webhook {
            spec,
            version: current.version + 1,
            updated_at: self.clock.now(),
            ..current
        };
        self.store.update_webhook(&next, expected_version, None, &ev).await?;
        Ok(next)
    }

    /// A new secret for a subscription, returned this once; the old one stops signing.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`.
    pub async fn renew_webhook_secret(&self, actor: &Actor, id: Uuid, expected_version: i64) -> Result<WithSecret, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let current = self.store.webhook(tenant, id).await?;
        if current.version != expected_version {
            return Err(ServiceError::Conflict);
        }
        let secret = self.new_webhook_secret()?;
        let ev = self.event(
            actor,
            EntityType::Webhook,
            id,
            EventKind::Updated,
            None,
            vec![crate::app::added("secret", Value::from("renewed"))],
        );
        let next = Webhook {
            version: current.version + 1,
            updated_at: self.clock.now(),
            ..current
        };
        self.store.update_webhook(&next, expected_version, Some(&secret), &ev).await?;
        Ok(WithSecret { webhook: next, secret })
    }

    /// Deletes a subscription and its delivery log (deliveries queued are dropped).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn delete_webhook(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let ev = self.event(actor, EntityType::Webhook, id, EventKind::Deleted, None, Vec::new());
        Ok(self.store.delete_webhook(tenant, id, &ev).await?)
    }

    /// One subscription.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn webhook(&self, actor: &Actor, id: Uuid) -> Result<Webhook, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.webhook(tenant, id).await?)
    }

    /// The company's subscriptions.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.webhooks(tenant).await?)
    }

    /// The delivery log, newest first: of one subscription and in one state when asked
    /// (`dead`: the dead letters).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for another company's subscription.
    pub async fn webhook_deliveries(&self, actor: &Actor, filter: DeliveryFilter, limit: u32) -> Result<Vec<Delivery>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        if let Some(w) = filter.webhook_id {
            self.store.webhook(tenant, w).await?;
        }
        Ok(self.store.deliveries(tenant, filter, limit.clamp(1, MAX_DELIVERIES)).await?)
    }

    /// One delivery and its attempts.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn webhook_delivery(&self, actor: &Actor, id: Uuid) -> Result<(Delivery, Vec<DeliveryAttempt>), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let d = self.store.delivery(tenant, id).await?;
        let attempts = self.store.delivery_attempts(tenant, id).await?;
        Ok((d, attempts))
    }

    /// Sends a dead delivery again (its attempts start over).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`; `state: not_allowed` when it is not dead; `Conflict` when
    /// another replay took it first.
    pub async fn replay_webhook_delivery(&self, actor: &Actor, id: Uuid) -> Result<Delivery, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let d = self.store.delivery(tenant, id).await?;
        if d.state != crm_domain::webhook::DeliveryState::Dead {
            return Err(crm_domain::ValidationError::field("state", crm_domain::ViolationKind::NotAllowed).into());
        }
        let now = self.clock.now();
        let job = DeliveryJob {
            delivery_id: d.id,
            webhook_id: d.webhook_id,
            seq: d.event_seq,
        }
        .job(tenant, self.new_id(), now);
        self.store.replay_delivery(tenant, id, &job, now).await?;
        Ok(self.store.delivery(tenant, id).await?)
    }
}
