//! Consent to be prospected, per contact and channel: what each channel's state is and why
//! (the latest record, the company's audience, the record's opt-outs), and recording a
//! consent given or withdrawn — with its source, time and proof — whose opt-out follows
//! in the same transaction. Campaigns and automation ask [`App::reachable`] before they
//! send.

use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ConsentStore, ContactStore, TenantStore};
use crm_domain::consent::{
    Audience, ConsentInput, ConsentRecord, ConsentState, Medium, Reason, latest_by_medium, may_prospect, with_opt_out,
};
use crm_domain::contact::Contact;
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::visibility::{Capability, allows, may_edit_contact};
use crm_domain::{Actor, ContactId};
use serde_json::Value;
use std::collections::HashMap;

/// The source of the withdrawals an objection carried out records.
pub const OBJECTION: &str = "objection";
/// The source of the withdrawals a restriction carried out records.
pub const RESTRICTION: &str = "restriction";
/// The source of the withdrawal an unsubscribe link records.
pub const UNSUBSCRIBE: &str = "unsubscribe";

/// Most records of a person shown.
pub const MAX_RECORDS: u32 = 200;

/// One channel of a person: whether a send may reach them there, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConsent {
    /// The channel.
    pub medium: Medium,
    /// Open or closed, and why.
    pub reason: Reason,
    /// The record that decides it, when one does.
    pub latest: Option<ConsentRecord>,
}

/// A person's consents: each channel's state and every record, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consents {
    /// Email, phone, SMS.
    pub channels: Vec<ChannelConsent>,
    /// The records, newest first.
    pub history: Vec<ConsentRecord>,
    /// The company's audience the states were judged under.
    pub audience: Audience,
}

/// The event field of a channel's consent.
fn field_of(medium: Medium) -> &'static str {
    match medium {
        Medium::Email => "consent_email",
        Medium::Phone => "consent_phone",
        Medium::Sms => "consent_sms",
    }
}

/// What the log keeps of a record: the channel's state and basis, where it came from
/// (sealed with the person's values: a source may name them).
fn change_of(r: &ConsentRecord, before: Option<&ConsentRecord>) -> FieldChange {
    let value = |r: &ConsentRecord| {
        Value::from(match r.state.basis() {
            Some(b) => format!("{}:{} ({})", r.state.code(), b.code(), r.source),
            None => format!("{} ({})", r.state.code(), r.source),
        })
    };
    FieldChange {
        field: field_of(r.medium),
        before: before.map(value),
        after: Some(value(r)),
        sensitivity: Sensitivity::Sensitive,
    }
}

impl<S: ConsentStore + ContactStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A person's consents, for whoever sees the contact.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn consents(&self, actor: &Actor, id: ContactId) -> Result<Consents, ServiceError> {
        let contact = self.contact(actor, id).await?;
        let tenant = self.store.tenant(contact.tenant_id).await?;
        let history = self.store.consents(contact.tenant_id, id, MAX_RECORDS).await?;
        Ok(summary(&contact, tenant.settings.audience, history))
    }

    /// Records a person's consent on a channel, given or withdrawn. A withdrawal ticks the
    /// record's opt-out of that channel (email, calls) and a consent unticks it, in the same
    /// transaction, so the record and the consents never disagree.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` (who may not edit the contact, Marketing excepted);
    /// `Invalid` (see [`ConsentInput::check`]); `Conflict` when the contact changed
    /// meanwhile.
    pub async fn record_consent(&self, actor: &Actor, id: ContactId, input: &ConsentInput) -> Result<Consents, ServiceError> {
        let contact = self.contact(actor, id).await?;
        let pooled = contact.lead.as_ref().is_some_and(|l| l.pooled);
        if !may_edit_contact(actor, pooled) && !allows(actor, Capability::RunCampaigns) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let checked = input.check(now)?;
        let history = self.store.consents(contact.tenant_id, id, MAX_RECORDS).await?;
        let record = ConsentRecord {
            id: self.new_id(),
            tenant_id: contact.tenant_id,
            contact_id: id,
            medium: checked.medium,
            state: checked.state,
            source: checked.source,
            proof: checked.proof,
            given_at: checked.given_at,
            recorded_by: actor.user_id(),
            recorded_at: now,
        };
        self.write_consents(actor, &contact, &history, vec![record]).await?;
        self.consents(actor, id).await
    }

    /// Writes records of one contact with their events, the opt-outs following.
    pub(crate) async fn write_consents(
        &self,
        actor: &Actor,
        contact: &Contact,
        history: &[ConsentRecord],
        records: Vec<ConsentRecord>,
    ) -> Result<(), ServiceError> {
        let latest = latest_by_medium(history);
        let mut after: Option<Contact> = None;
        let mut changes = Vec::new();
        for r in &records {
            let before = latest[r.medium.index()];
            changes.push(change_of(r, before));
            if let Some(next) = with_opt_out(after.as_ref().unwrap_or(contact), r.medium, r.state) {
                after = Some(next);
            }
        }
        let owner = Some(contact.owner_id.as_uuid());
        let mut events = vec![self.event(
            actor,
            EntityType::Contact,
            contact.id.as_uuid(),
            EventKind::ConsentRecorded,
            owner,
            changes,
        )];
        if let Some(a) = after.as_mut() {
            a.version = contact.version + 1;
            a.updated_at = self.clock.now();
            events.push(self.event(
                actor,
                EntityType::Contact,
                contact.id.as_uuid(),
                EventKind::Updated,
                owner,
                Contact::changes(Some(contact), a),
            ));
        }
        self.store
            .record_consents(&records, after.as_ref().map(|a| (a, contact.version)), &events)
            .await?;
        Ok(())
    }

    /// Which of `contacts` a marketing send may reach on `medium`, and why not for the
    /// others (one read of the store for the lot).
    ///
    /// # Errors
    /// Store failures.
    pub async fn reachable(&self, actor: &Actor, medium: Medium, contacts: &[&Contact]) -> Result<Vec<Reason>, ServiceError> {
        let tenant = tenant_of(actor)?;
        let audience = self.store.tenant(tenant).await?.settings.audience;
        let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
        let latest: HashMap<ContactId, ConsentRecord> = self
            .store
            .latest_consents(tenant, &ids)
            .await?
            .into_iter()
            .filter(|r| r.medium == medium)
            .map(|r| (r.contact_id, r))
            .collect();
        Ok(contacts
            .iter()
            .map(|c| may_prospect(medium, c, audience, latest.get(&c.id)))
            .collect())
    }
}

/// A person's channels judged from their records.
fn summary(contact: &Contact, audience: Audience, history: Vec<ConsentRecord>) -> Consents {
    let latest = latest_by_medium(&history);
    let channels = Medium::ALL
        .iter()
        .zip(latest)
        .map(|(m, l)| ChannelConsent {
            medium: *m,
            reason: may_prospect(*m, contact, audience, l),
            latest: l.cloned(),
        })
        .collect();
    Consents {
        channels,
        history,
        audience,
    }
}

/// A withdrawal the CRM records itself (an objection or a restriction carried out, an
/// unsubscribe link), from `source`, with `proof`, at `at`.
pub(crate) struct Withdrawal {
    pub(crate) source: crm_domain::text::Label,
    pub(crate) proof: Option<crm_domain::text::LongText>,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
    pub(crate) by: Option<crm_domain::UserId>,
}

impl Withdrawal {
    /// The record of one channel of `contact`.
    pub(crate) fn of(&self, contact: &Contact, medium: Medium, id: uuid::Uuid) -> ConsentRecord {
        ConsentRecord {
            id,
            tenant_id: contact.tenant_id,
            contact_id: contact.id,
            medium,
            state: ConsentState::Withdrawn,
            source: self.source.clone(),
            proof: self.proof.clone(),
            given_at: self.at,
            recorded_by: self.by,
            recorded_at: self.at,
        }
    }
}
