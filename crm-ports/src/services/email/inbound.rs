//! Replies: a received message, posted by the company's mail server (a pipe) or an inbound
//! service with the company's inbound secret, filed on the timeline of the contact it
//! concerns — the one its `In-Reply-To`/`References` name among our messages, else the
//! contact of its sender's address (through the blind index) — and counted as a reply to
//! the message it answers (engagement). A message from nobody known is accepted, filed
//! nowhere. A delivery status notification (RFC 3464) is no reply: the recipients it says
//! failed go on the suppression list (a bounce), and the message it reports on is marked
//! bounced.

use crate::Credentials;
use crate::app::{App, added, cut, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::error::ServiceError as E;
use crate::mail::{DeliveryReport, MailReader};
use crate::query::Scope;
use crate::store::{ContactStore, EmailOutcome, EmailStore, SuppressionStore};
use crm_domain::activity::{Activity, ActivityInput, ActivityKind, Link};
use crm_domain::email::EmailAddress;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::suppression::SuppressionReason;
use crm_domain::text::{Label, LongText};
use crm_domain::visibility::{Capability, RecordScope};
use crm_domain::{ActivityId, Actor, ContactId, EmailId, TenantId, ValidationError, ViolationKind};
use serde_json::Value;
use uuid::Uuid;

/// What the inbound secret starts with (then the company's id, then the secret).
const PREFIX: &str = "crmin_";

/// Where a received message was filed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filed {
    /// The contact it concerns (`None`: nobody known, filed nowhere).
    pub contact_id: Option<ContactId>,
    /// Its activity on the timelines.
    pub activity_id: Option<ActivityId>,
    /// Our message it answers (or, for a delivery report, reports on).
    pub answers: Option<EmailId>,
    /// The addresses a delivery report said failed, now on the suppression list.
    pub bounced: usize,
}

/// Receiving replies.
impl<S: EmailStore + ContactStore + SuppressionStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A new inbound secret for the company (Admin), shown this once; the previous one
    /// stops working.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn new_inbound_secret(&self, actor: &Actor) -> Result<String, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let secret = self.creds.new_secret().map_err(|e| ServiceError::Internal(e.to_string()))?;
        let token = format!("{PREFIX}{}_{secret}", tenant.as_uuid().simple());
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::Updated,
            None,
            vec![added("inbound_secret", Value::from("renewed"))],
        );
        self.store
            .set_inbound_secret(tenant, &self.creds.secret_hash(&token), actor.user_id(), self.clock.now(), &ev)
            .await?;
        Ok(token)
    }

    /// The company a presented inbound secret opens.
    async fn inbound_tenant(&self, presented: &str) -> Result<TenantId, ServiceError> {
        let rest = presented.trim().strip_prefix(PREFIX).ok_or(E::Unauthenticated)?;
        let (id, _) = rest.split_once('_').ok_or(E::Unauthenticated)?;
        let tenant = TenantId::from_uuid(Uuid::try_parse(id).map_err(|_| E::Unauthenticated)?);
        let Some(stored) = self.store.inbound_secret(tenant).await? else {
            return Err(E::Unauthenticated);
        };
        let given = self.creds.secret_hash(presented.trim());
        if stored.iter().zip(given.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
            return Err(E::Unauthenticated);
        }
        Ok(tenant)
    }

    /// A delivery report: its failed recipients suppressed, the message it reports on
    /// marked bounced (with the status and the relay's words).
    async fn file_delivery_report(&self, tenant: TenantId, report: &DeliveryReport) -> Result<Filed, ServiceError> {
        let ours = match &report.original {
            Some(id) => self.store.email_answered(tenant, std::slice::from_ref(id)).await?,
            None => None,
        };
        for f in &report.failed {
            self.suppress_email(tenant, &f.address.to_lowercase(), SuppressionReason::Bounced)
                .await?;
        }
        if let (Some(e), Some(first)) = (&ours, report.failed.first()) {
            let why = format!(
                "{} (delivery report){}",
                first.status,
                first.diagnostic.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            );
            let event = self.event(
                &Actor::System { tenant_id: tenant },
                EntityType::Email,
                e.id.as_uuid(),
                EventKind::SendFailed,
                None,
                vec![added("state", Value::from("bounced")), added("error", Value::from(why.as_str()))],
            );
            self.store
                .end_email_attempt(tenant, e.id, &EmailOutcome::Bounced(why), self.clock.now(), Some(&event))
                .await?;
        }
        tracing::info!(%tenant, failed = report.failed.len(), "delivery report filed");
        Ok(Filed {
            contact_id: ours.as_ref().map(|e| e.contact_id),
            activity_id: None,
            answers: ours.map(|e| e.id),
            bounced: report.failed.len(),
        })
    }

    /// Files a received message (its raw MIME text) for the company whose inbound secret
    /// is presented.
    ///
    /// # Errors
    /// `Unauthenticated` (no such secret); `Invalid` (`message`: not a message).
    pub async fn file_inbound(&self, presented: &str, raw: &[u8], reader: &dyn MailReader) -> Result<Filed, ServiceError> {
        let tenant = self.inbound_tenant(presented).await?;
        let m = reader
            .read(raw)
            .map_err(|_| ValidationError::field("message", ViolationKind::Malformed))?;
        if let Some(report) = &m.delivery {
            return self.file_delivery_report(tenant, report).await;
        }
        let ours = self.store.email_answered(tenant, &m.answers).await?;
        let contact_id = match &ours {
            Some(e) => Some(e.contact_id),
            None => match m.from.as_deref().map(EmailAddress::parse) {
                Some(Ok(a)) => self.store.contacts_by_email(tenant, &a).await?.first().map(|(c, _)| *c),
                _ => None,
            },
        };
        let Some(contact_id) = contact_id else {
            tracing::info!(%tenant, "a received message concerns no known contact; filed nowhere");
            return Ok(Filed::default());
        };
        let all = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let contact = self.store.contact(all, contact_id).await?;
        let now = self.clock.now();
        let mut links = vec![Link {
            entity_type: EntityType::Contact,
            entity_id: contact_id.as_uuid(),
        }];
        if let Some(o) = ours.as_ref().and_then(|e| e.opportunity_id) {
            links.push(Link {
                entity_type: EntityType::Opportunity,
                entity_id: o.as_uuid(),
            });
        }
        let subject = if m.subject.trim().is_empty() {
            "—".to_owned()
        } else {
            m.subject.clone()
        };
        let body = m.text.trim();
        let when = m
            .date
            .filter(|d| crm_domain::time::check_instant(*d).is_ok() && *d <= now)
            .unwrap_or(now);
        let fields = ActivityInput {
            subject: cut(&crm_domain::template::one_line(&subject), Label::MAX_CHARS),
            body: (!body.is_empty()).then(|| cut(body, LongText::MAX_CHARS)),
            links,
            starts_at: Some(when),
            direction: Some("inbound".into()),
            ..ActivityInput::default()
        }
        .parse(ActivityKind::Email, contact.owner_id)?;
        let system = Actor::System { tenant_id: tenant };
        let activity = Activity {
            id: ActivityId::from_uuid(self.new_id()),
            tenant_id: tenant,
            kind: ActivityKind::Email,
            created_by: None,
            fields,
            done_at: Some(now),
            system: false,
            reminder_key: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut events = vec![self.event(
            &system,
            EntityType::Activity,
            activity.id.as_uuid(),
            EventKind::Created,
            Some(contact.owner_id.as_uuid()),
            Activity::changes(None, &activity),
        )];
        if let Some(e) = &ours {
            events.push(self.event(
                &system,
                EntityType::Contact,
                contact_id.as_uuid(),
                EventKind::EmailReplied,
                None,
                vec![added("email_id", Value::from(e.id.as_uuid().to_string()))],
            ));
        }
        self.store
            .file_reply(tenant, &activity, ours.as_ref().map(|e| e.id), &events)
            .await?;
        Ok(Filed {
            contact_id: Some(contact_id),
            activity_id: Some(activity.id),
            answers: ours.map(|e| e.id),
            bounced: 0,
        })
    }
}
