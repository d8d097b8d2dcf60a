//! Call records from a telephony system: matched to contacts through the phone blind index
//! and added to their timelines as calls; calls matching nobody are kept for triage.

use crm_domain::event::EventKind;

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ActivityStore, TelephonyStore, TenantStore, UnmatchedCall};
use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityFields, ActivityKind, Direction, Link, MAX_CALL_SECONDS, Priority};
use crm_domain::error::Validator;
use crm_domain::event::EntityType;
use crm_domain::phone::PhoneNumber;
use crm_domain::text::{Label, LongText};
use crm_domain::visibility::Capability;
use crm_domain::{ActivityId, Actor, ViolationKind};

/// A call as the telephony system reports it.
#[derive(Debug, Clone)]
pub struct CallRecordInput {
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Length, seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Link to the recording.
    pub recording_url: Option<String>,
}

/// Where a call record went.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    /// Added to the timelines of the matching contacts.
    Matched(Box<Activity>),
    /// Kept for triage.
    Unmatched(UnmatchedCall),
}

/// Logging a call: the contacts by phone, the tenant (its country) and the call activity.
impl<S: TelephonyStore + ActivityStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Logs a call record (Admin or system integration token).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (direction, duration, numbers).
    pub async fn log_call(&self, actor: &Actor, input: &CallRecordInput) -> Result<CallOutcome, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let mut v = Validator::new();
        let direction = v.check("direction", Direction::parse(&input.direction));
        if input.duration_seconds < 0 {
            v.push("duration_seconds", ViolationKind::TooSmall);
        } else if input.duration_seconds > MAX_CALL_SECONDS {
            v.push("duration_seconds", ViolationKind::TooLarge);
        }
        for (f, n) in [("caller", &input.caller), ("callee", &input.callee)] {
            if n.trim().is_empty() {
                v.push(f, ViolationKind::Required);
            } else if n.chars().count() > 40 {
                v.push(f, ViolationKind::TooLong);
            }
        }
        let recording = v.check("recording_url", Label::parse_optional(input.recording_url.as_deref()));
        v.check("started_at", crm_domain::time::check_instant(input.started_at));
        v.finish()?;
        let (Some(direction), Some(recording)) = (direction, recording) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        let tenant = self.store.tenant(tenant_id).await?;
        let their_number = match direction {
            Direction::Inbound => &input.caller,
            Direction::Outbound => &input.callee,
        };
        let mut matches = match PhoneNumber::parse(their_number, tenant.settings.country) {
            Ok(p) => self.store.contacts_by_phone(tenant_id, &p).await?,
            Err(_) => Vec::new(),
        };
        matches.truncate(crm_domain::activity::MAX_LINKS);
        let now = self.clock.now();
        let system = Actor::System { tenant_id };
        let Some((_, owner)) = matches.first().copied() else {
            let call = UnmatchedCall {
                id: self.new_id(),
                caller: input.caller.trim().to_owned(),
                callee: input.callee.trim().to_owned(),
                started_at: input.started_at,
                duration_seconds: input.duration_seconds,
                direction: direction.code().to_owned(),
                recording_url: recording.map(|r| r.to_string()),
                created_at: now,
            };
            let ev = self.event(
                &system,
                EntityType::Tenant,
                tenant_id.as_uuid(),
                EventKind::CallUnmatched,
                None,
                Vec::new(),
            );
            self.store.add_unmatched_call(tenant_id, &call, &ev).await?;
            return Ok(CallOutcome::Unmatched(call));
        };
        let subject = match direction {
            Direction::Inbound => "Appel entrant",
            Direction::Outbound => "Appel sortant",
        };
        let body = recording.as_ref().map(|r| format!("Enregistrement : {r}"));
        let a = Activity {
            id: ActivityId::from_uuid(self.new_id()),
            tenant_id,
            kind: ActivityKind::Call,
            created_by: actor.user_id(),
            fields: ActivityFields {
                subject: Label::parse(subject)?,
                body: LongText::parse_optional(body.as_deref())?,
                links: {
                    let mut l: Vec<Link> = matches
                        .iter()
                        .map(|(c, _)| Link {
                            entity_type: EntityType::Contact,
                            entity_id: c.as_uuid(),
                        })
                        .collect();
                    l.sort();
                    l
                },
                assignee_id: owner,
                due_at: None,
                priority: Priority::Normal,
                starts_at: Some(input.started_at),
                ends_at: None,
                place: None,
                attendees: Vec::new(),
                direction: Some(direction),
                duration_seconds: Some(input.duration_seconds),
                outcome: None,
            },
            done_at: None,
            system: false,
            reminder_key: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Activity,
            a.id.as_uuid(),
            EventKind::Created,
            Some(owner.as_uuid()),
            Activity::changes(None, &a),
        );
        self.store.create_activity(&a, &ev).await?;
        Ok(CallOutcome::Matched(Box::new(a)))
    }
}

/// Unmatched calls: the telephony port only.
impl<S: TelephonyStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Calls that matched no contact, newest first (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn unmatched_calls(&self, actor: &Actor, limit: u32) -> Result<Vec<UnmatchedCall>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.unmatched_calls(tenant_id, limit.clamp(1, 500)).await?)
    }
}
