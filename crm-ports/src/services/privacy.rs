//! The rights of the people a company keeps data on (GDPR), for the Admin: the register of
//! requests with their deadlines and answers, the export of one person's data (access and
//! portability), and the erasure of a person — their data key destroyed (every copy in
//! the log and the emails unreadable at once), their record emptied, their queued emails
//! cancelled, their emails and phones kept only as keyed hashes on the suppression list
//! so that they are never imported or emailed again, and their search document removed
//! (the indexer purges the index when it meets the erasure).

use crate::app::{App, check_version, known, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::EventRecord;
use crate::services::activities::TimelineEntry;
use crate::services::consents;
use crate::store::{
    ActivityStore, ConsentStore, ContactStore, EmailMessage, EmailStore, EventLog, OpportunityStore, OrganizationStore, PersonKeyStore,
    PrivacyStore, SuppressionStore, TenantStore,
};
use chrono::{DateTime, Utc};
use crm_domain::activity::Link;
use crm_domain::consent::{ConsentRecord, ConsentState, Medium, latest_by_medium};
use crm_domain::contact::Contact;
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::privacy::{PrivacyRequest, RequestKind, RequestStatus, check_answer, check_text, due_after};
use crm_domain::suppression::{Channel, SuppressionReason};
use crm_domain::text::{Label, LongText};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, ContactId, PrivacyRequestId, ValidationError, ViolationKind};

/// Most requests listed at once.
pub const MAX_REQUESTS: u32 = 1_000;
/// Most timeline entries in one person's export.
const MAX_EXPORTED_ENTRIES: usize = 20_000;
/// Timeline entries read at a time.
const TIMELINE_PAGE: u32 = 500;

/// A request as logged by the Admin.
#[derive(Debug, Clone)]
pub struct PrivacyRequestInput {
    /// The contact it is about.
    pub contact_id: ContactId,
    /// `access`, `portability`, `rectification`, `erasure`, `restriction`, `objection`.
    pub kind: String,
    /// When it came in (default: now); not in the future.
    pub received_at: Option<DateTime<Utc>>,
    /// How it came in, what exactly is asked.
    pub note: Option<String>,
}

/// Everything the company keeps about one person, for them.
#[derive(Debug, Clone)]
pub struct PersonalData {
    /// Their record.
    pub contact: Contact,
    /// Their organization's name.
    pub organization: Option<String>,
    /// Their activities and the changes of their record, newest first.
    pub timeline: Vec<TimelineEntry>,
    /// The emails sent to them, newest first.
    pub emails: Vec<EmailMessage>,
    /// Their requests.
    pub requests: Vec<PrivacyRequest>,
    /// Their consents, newest first.
    pub consents: Vec<ConsentRecord>,
    /// When this export was made.
    pub made_at: DateTime<Utc>,
}

fn changes(before: Option<&PrivacyRequest>, after: &PrivacyRequest) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("contact_id", before.map(|b| &b.contact_id), &after.contact_id, Sensitivity::Clear);
    let kind = |q: &PrivacyRequest| q.kind.code();
    let status = |q: &PrivacyRequest| q.status.code();
    d.field("kind", before.map(kind).as_ref(), &kind(after), Sensitivity::Clear);
    d.field(
        "received_at",
        before.map(|b| &b.received_at),
        &after.received_at,
        Sensitivity::Clear,
    );
    d.field("due_at", before.map(|b| &b.due_at), &after.due_at, Sensitivity::Clear);
    d.field("note", before.map(|b| &b.note), &after.note, Sensitivity::Sensitive);
    d.field("status", before.map(status).as_ref(), &status(after), Sensitivity::Clear);
    d.field("answer", before.map(|b| &b.answer), &after.answer, Sensitivity::Sensitive);
    d.into_changes()
}

/// The register of requests.
impl<S: PrivacyStore + ContactStore + ConsentStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company's requests (about one contact when given): open ones first by deadline,
    /// then the answered ones, newest first (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn privacy_requests(&self, actor: &Actor, contact: Option<ContactId>) -> Result<Vec<PrivacyRequest>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.privacy_requests(tenant, contact, MAX_REQUESTS).await?)
    }

    /// One request (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn privacy_request(&self, actor: &Actor, id: PrivacyRequestId) -> Result<PrivacyRequest, ServiceError> {
        let tenant = tenant_of(actor)?;
        let q = self.store.privacy_request(tenant, id).await?;
        require(actor, Capability::ManageTenant)?;
        Ok(q)
    }

    /// Logs a person's request (Admin); its deadline is one month after it came in.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid`: `kind` unknown, `received_at` in the future, `note` too
    /// long, `contact_id` unknown (or erased already).
    pub async fn log_privacy_request(&self, actor: &Actor, input: &PrivacyRequestInput) -> Result<PrivacyRequest, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let now = self.clock.now();
        let mut v = crm_domain::error::Validator::new();
        let kind = RequestKind::parse(&input.kind);
        if kind.is_none() {
            v.push("kind", ViolationKind::Unknown);
        }
        let received_at = input.received_at.unwrap_or(now);
        if received_at > now {
            v.push("received_at", ViolationKind::OutOfRange);
        }
        let note = check_text(&mut v, "note", input.note.as_deref());
        v.finish()?;
        let kind = kind.ok_or_else(|| ValidationError::field("kind", ViolationKind::Unknown))?;
        known(
            self.store
                .contact(
                    crate::query::Scope {
                        tenant_id,
                        records: crm_domain::visibility::RecordScope::Tenant,
                    },
                    input.contact_id,
                )
                .await,
            "contact_id",
        )?;
        let q = PrivacyRequest {
            id: PrivacyRequestId::from_uuid(self.new_id()),
            tenant_id,
            contact_id: input.contact_id,
            kind,
            received_at,
            due_at: due_after(received_at),
            note,
            status: RequestStatus::Open,
            answer: None,
            logged_by: actor.user_id(),
            answered_by: None,
            answered_at: None,
            version: 1,
        };
        let ev = self.event(
            actor,
            EntityType::PrivacyRequest,
            q.id.as_uuid(),
            EventKind::Created,
            None,
            changes(None, &q),
        );
        self.store.create_privacy_request(&q, &ev).await.map_err(|e| match e {
            crate::StoreError::UnknownReference { .. } => ValidationError::field("contact_id", ViolationKind::Unknown).into(),
            other => ServiceError::from(other),
        })?;
        Ok(q)
    }

    /// Answers a request at `expected_version` (Admin): done, or refused with the reason.
    /// An objection answered « done » sets the person's email and phone opt-outs.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`; `Invalid`: `status` open or unknown, `answer`
    /// missing for a refusal or too long.
    pub async fn answer_privacy_request(
        &self,
        actor: &Actor,
        id: PrivacyRequestId,
        expected_version: i64,
        status: &str,
        answer: Option<&str>,
    ) -> Result<PrivacyRequest, ServiceError> {
        let before = self.privacy_request(actor, id).await?;
        check_version(before.version, expected_version)?;
        let status = RequestStatus::parse(status).ok_or_else(|| ValidationError::field("status", ViolationKind::Unknown))?;
        let answer = check_answer(status, answer)?;
        let after = PrivacyRequest {
            status,
            answer,
            answered_by: actor.user_id(),
            answered_at: Some(self.clock.now()),
            version: expected_version + 1,
            ..before.clone()
        };
        // An objection, or a restriction (the data kept, no longer used to prospect),
        // carried out: every channel closed.
        let source = match before.kind {
            RequestKind::Objection => Some(consents::OBJECTION),
            RequestKind::Restriction => Some(consents::RESTRICTION),
            _ => None,
        };
        if let Some(source) = source.filter(|_| status == RequestStatus::Done) {
            self.stop_prospecting(actor, before.contact_id, id, source).await?;
        }
        let ev = self.event(
            actor,
            EntityType::PrivacyRequest,
            id.as_uuid(),
            EventKind::Updated,
            None,
            changes(Some(&before), &after),
        );
        self.store.update_privacy_request(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// An objection or a restriction carried out: the person is no longer prospected on
    /// any channel (each one's consent withdrawn from `source`, the record's email and call
    /// opt-outs ticked with it, which campaigns and automation respect).
    async fn stop_prospecting(&self, actor: &Actor, id: ContactId, request: PrivacyRequestId, source: &str) -> Result<(), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let scope = crate::query::Scope {
            tenant_id,
            records: crm_domain::visibility::RecordScope::Tenant,
        };
        let before = match self.store.contact(scope, id).await {
            Ok(c) => c,
            // Erased meanwhile: nothing left to prospect.
            Err(crate::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let history = self.store.consents(tenant_id, id, consents::MAX_RECORDS).await?;
        let latest = latest_by_medium(&history);
        let withdrawal = consents::Withdrawal {
            source: Label::parse(source).map_err(ServiceError::Invalid)?,
            proof: LongText::parse(&request.as_uuid().to_string()).ok(),
            at: self.clock.now(),
            by: actor.user_id(),
        };
        let records: Vec<_> = Medium::ALL
            .into_iter()
            .zip(latest)
            .filter(|(medium, l)| {
                let flag = match medium {
                    Medium::Email => before.fields.email_opt_out,
                    Medium::Phone => before.fields.phone_opt_out,
                    Medium::Sms => true,
                };
                !flag || l.is_none_or(|l| l.state != ConsentState::Withdrawn)
            })
            .map(|(medium, _)| withdrawal.of(&before, medium, self.new_id()))
            .collect();
        if records.is_empty() {
            return Ok(());
        }
        self.write_consents(actor, &before, &history, records).await
    }
}

/// A person's data and their erasure.
impl<
    S: PrivacyStore
        + ContactStore
        + OrganizationStore
        + ActivityStore
        + OpportunityStore
        + EventLog
        + EmailStore
        + PersonKeyStore
        + SuppressionStore
        + ConsentStore
        + TenantStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// Everything kept about a contact, for an access or portability request (Admin); the
    /// export itself is logged (who exported whose data, when).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn personal_data(&self, actor: &Actor, id: ContactId) -> Result<PersonalData, ServiceError> {
        let contact = self.contact(actor, id).await?;
        require(actor, Capability::ManageTenant)?;
        let tenant = contact.tenant_id;
        let organization = match contact.fields.organization_id {
            Some(o) => self.store.organization(tenant, o).await.ok().map(|o| o.name.to_string()),
            None => None,
        };
        let link = Link {
            entity_type: EntityType::Contact,
            entity_id: id.as_uuid(),
        };
        let mut timeline: Vec<TimelineEntry> = Vec::new();
        let mut before = None;
        loop {
            let page = self.timeline(actor, link, before, TIMELINE_PAGE).await?;
            let full = page.len() >= TIMELINE_PAGE as usize;
            before = page.last().map(TimelineEntry::at);
            timeline.extend(page);
            if !full || timeline.len() >= MAX_EXPORTED_ENTRIES {
                break;
            }
        }
        let emails = self.store.emails_to(tenant, id, 10_000).await?;
        let requests = self.store.privacy_requests(tenant, Some(id), MAX_REQUESTS).await?;
        let consents = self.store.consents(tenant, id, consents::MAX_RECORDS).await?;
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::PersonalDataExported,
            Some(contact.owner_id.as_uuid()),
            Vec::new(),
        );
        self.store.record_event(tenant, &ev).await?;
        self.record_access(actor, crm_domain::access_log::AccessKind::PersonalData, Some(id), 1)
            .await?;
        Ok(PersonalData {
            contact,
            organization,
            timeline,
            emails,
            requests,
            consents,
            made_at: self.clock.now(),
        })
    }

    /// Erases a person (Admin): their emails and phones put on the suppression list
    /// (keyed hashes only), then, in one transaction, their data key destroyed, their
    /// record emptied and hidden for good, their queued emails cancelled, with an `erased`
    /// event (which makes the search indexer drop and purge their document). With a
    /// request, it is answered « done » in the same go.
    ///
    /// # Errors
    /// `NotFound` (no such visible contact, or one erased already), `Forbidden`,
    /// `Conflict` (the request changed).
    pub async fn erase_contact(&self, actor: &Actor, id: ContactId, request: Option<(PrivacyRequestId, i64)>) -> Result<(), ServiceError> {
        let contact = self.contact(actor, id).await?;
        require(actor, Capability::ManageTenant)?;
        let tenant = contact.tenant_id;
        if let Some((rid, version)) = request {
            let q = self.store.privacy_request(tenant, rid).await?;
            if q.contact_id != id {
                return Err(ValidationError::field("request_id", ViolationKind::NotAllowed).into());
            }
            check_version(q.version, version)?;
        }
        for e in &contact.fields.emails {
            self.suppress_value(tenant, Channel::Email, e.as_str(), SuppressionReason::Erased)
                .await?;
        }
        for p in &contact.fields.phones {
            self.suppress_value(tenant, Channel::Phone, p.as_str(), SuppressionReason::Erased)
                .await?;
        }
        self.shred(actor, &contact, Vec::new()).await?;
        if let Some((rid, version)) = request {
            self.answer_privacy_request(actor, rid, version, RequestStatus::Done.code(), None)
                .await?;
        }
        Ok(())
    }
}

impl<S: PersonKeyStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Erases a contact from the store (their key destroyed, their record emptied and
    /// hidden, their queued emails cancelled) with an `erased` event carrying `changes`
    /// (why, when a rule erased them).
    ///
    /// # Errors
    /// `NotFound`, store failures.
    pub(crate) async fn shred(&self, actor: &Actor, contact: &Contact, changes: Vec<FieldChange>) -> Result<(), ServiceError> {
        let ev = self.event(
            actor,
            EntityType::Contact,
            contact.id.as_uuid(),
            EventKind::Erased,
            Some(contact.owner_id.as_uuid()),
            changes,
        );
        self.store
            .erase_person(contact.tenant_id, contact.id.as_uuid(), self.clock.now(), std::slice::from_ref(&ev))
            .await?;
        Ok(())
    }
}

/// The history of a record as exported: when, what, each field before and after.
pub fn event_lines(e: &EventRecord) -> Vec<(String, String, String)> {
    e.changes
        .iter()
        .map(|c| {
            let show = |v: &Option<serde_json::Value>| match v {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            (c.field.clone(), show(&c.before), show(&c.after))
        })
        .collect()
}
