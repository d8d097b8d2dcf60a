//! The suppression list, kept by the Admin (and fed by unsubscribes and erasures): its
//! entries read, added and removed, and the check an import makes of its rows' emails and
//! phones, so that nobody on the list comes back as reachable.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{SuppressionStore, TenantStore};
use crm_domain::Actor;
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::suppression::{Suppression, SuppressionInput};
use crm_domain::visibility::Capability;
use serde_json::Value;
use uuid::Uuid;

fn changes(e: &Suppression) -> Vec<FieldChange> {
    let clear = |field: &'static str, v: Value| FieldChange {
        field,
        before: None,
        after: Some(v),
        sensitivity: Sensitivity::Clear,
    };
    let mut out = vec![
        clear("channel", Value::from(e.channel.code())),
        clear("reason", Value::from(e.reason.code())),
    ];
    if let Some(n) = &e.note {
        out.push(clear("note", Value::from(n.as_str())));
    }
    out
}

/// The suppression list.
impl<S: SuppressionStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Puts an email or a phone on the list (Admin).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`email`, `phone`, `reason`, `note`; `email`/`phone`
    /// `repeated` when the value is already there).
    pub async fn add_suppression(&self, actor: &Actor, input: &SuppressionInput) -> Result<Suppression, ServiceError> {
        require(actor, Capability::ManageTenant)?;
        let tenant = tenant_of(actor)?;
        let country = self.store.tenant(tenant).await?.settings.country;
        let checked = input.parse(country)?;
        let entry = Suppression {
            id: self.new_id(),
            tenant_id: tenant,
            channel: checked.channel,
            reason: checked.reason,
            note: checked.note,
            fingerprint: String::new(),
            created_by: actor.user_id(),
            created_at: self.clock.now(),
        };
        let ev = self.event(actor, EntityType::Suppression, entry.id, EventKind::Created, None, changes(&entry));
        self.store.add_suppression(&entry, &checked.value, &ev).await?;
        Ok(self
            .store
            .suppressions(tenant, Some((checked.channel, &checked.value)), 1)
            .await?
            .into_iter()
            .next()
            .unwrap_or(entry))
    }

    /// The list, newest first, at most `limit` (Admin); with `value`, only its entry: a
    /// way to ask whether an address or a number is on it.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` for a value that is not an email or a phone.
    pub async fn suppressions(
        &self,
        actor: &Actor,
        value: Option<&SuppressionInput>,
        limit: u32,
    ) -> Result<Vec<Suppression>, ServiceError> {
        require(actor, Capability::ManageTenant)?;
        let tenant = tenant_of(actor)?;
        let checked = match value {
            Some(v) => Some(v.parse(self.store.tenant(tenant).await?.settings.country)?),
            None => None,
        };
        Ok(self
            .store
            .suppressions(tenant, checked.as_ref().map(|c| (c.channel, c.value.as_str())), limit)
            .await?)
    }

    /// Takes an entry off the list (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn remove_suppression(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        require(actor, Capability::ManageTenant)?;
        let tenant = tenant_of(actor)?;
        let ev = self.event(actor, EntityType::Suppression, id, EventKind::Deleted, None, Vec::new());
        Ok(self.store.remove_suppression(tenant, id, &ev).await?)
    }
}

/// The list fed by the system (a bounce, an unsubscribe).
impl<S: SuppressionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Puts an email address on the list for `reason`; already there is fine.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn suppress_email(
        &self,
        tenant: crm_domain::TenantId,
        address: &str,
        reason: crm_domain::suppression::SuppressionReason,
    ) -> Result<(), ServiceError> {
        self.suppress_value(tenant, crm_domain::suppression::Channel::Email, address, reason)
            .await
    }

    /// Puts an email address or a phone number (in its normal form) on the list for
    /// `reason`; already there is fine.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn suppress_value(
        &self,
        tenant: crm_domain::TenantId,
        channel: crm_domain::suppression::Channel,
        address: &str,
        reason: crm_domain::suppression::SuppressionReason,
    ) -> Result<(), ServiceError> {
        let entry = Suppression {
            id: self.new_id(),
            tenant_id: tenant,
            channel,
            reason,
            note: None,
            fingerprint: String::new(),
            created_by: None,
            created_at: self.clock.now(),
        };
        let ev = self.event(
            &Actor::System { tenant_id: tenant },
            EntityType::Suppression,
            entry.id,
            EventKind::Created,
            None,
            changes(&entry),
        );
        match self.store.add_suppression(&entry, address, &ev).await {
            Ok(()) | Err(crate::error::StoreError::Duplicate { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
