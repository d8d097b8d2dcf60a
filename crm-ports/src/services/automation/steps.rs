//! Each action of a run, done as the rule (an [`Actor::Automation`] at the run's depth) through
//! the ordinary use cases. What an action creates takes an id derived from the run and the
//! step, and the action first looks for it: a step done again after a crash (the work
//! committed, the run's progress not yet) finds its work instead of doing it twice. Changes
//! that change nothing are skipped (`no_change`), so the log stays quiet.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{ActivityScope, Scope};
use crate::services::email::{ComposeEmail, MailSettings};
use crate::services::webhooks::DeliveryJob;
use crate::store::{AutomationRun, Notification, Store};
use chrono::{DateTime, Utc};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::automation::{Action, ContactField, derived_id};
use crm_domain::consent::Medium;
use crm_domain::contact::{Contact, ContactKind};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::text::{Label, Tag};
use crm_domain::visibility::RecordScope;
use crm_domain::{ActivityId, Actor, ContactId, EmailId, OpportunityId, SegmentId, TeamId, TemplateId, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use uuid::Uuid;

/// Ids derived from a run's step: the first is the id of what the step creates.
#[derive(Debug, Clone)]
pub(crate) struct StepIds {
    at: DateTime<Utc>,
    run: Uuid,
    step: u32,
    next: Arc<AtomicU32>,
}

impl StepIds {
    pub(crate) fn new(run: &AutomationRun, step: u32) -> Self {
        Self {
            at: run.created_at,
            run: run.id,
            step,
            next: Arc::new(AtomicU32::new(0)),
        }
    }

    /// The id the step's first creation gets.
    pub(crate) fn first(&self) -> Uuid {
        Self::nth(self.at, self.run, self.step, 0)
    }

    fn nth(at: DateTime<Utc>, run: Uuid, step: u32, n: u32) -> Uuid {
        derived_id(at, &[run.as_bytes(), &step.to_be_bytes(), &n.to_be_bytes()])
    }
}

impl IdGenerator for StepIds {
    fn new_uuid(&self) -> Uuid {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Self::nth(self.at, self.run, self.step, n)
    }
}

/// What an action gave: `done`, or `skipped` with a reason, and a detail.
pub(crate) struct Outcome {
    pub outcome: &'static str,
    pub detail: Option<String>,
}

fn done(detail: impl Into<String>) -> Outcome {
    Outcome {
        outcome: "done",
        detail: Some(detail.into()),
    }
}

fn skipped(reason: &str) -> Outcome {
    Outcome {
        outcome: "skipped",
        detail: Some(reason.to_owned()),
    }
}

fn found<T>(r: Result<T, StoreError>) -> Result<Option<T>, ServiceError> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Doing actions.
impl<S: Store, K: Send + Sync + 'static, C: Clock + Clone, I: IdGenerator> App<S, K, C, I> {
    fn all(&self, run: &AutomationRun) -> Scope {
        Scope {
            tenant_id: run.tenant_id,
            records: RecordScope::Tenant,
        }
    }

    /// The run's contact as it is now (`None`: none, or deleted since).
    async fn run_contact(&self, run: &AutomationRun) -> Result<Option<Contact>, ServiceError> {
        match run.contact_id {
            Some(id) => found(self.store.contact(self.all(run), id).await),
            None => Ok(None),
        }
    }

    /// The owner of the run's record (an activity's assignee), if it still exists.
    async fn record_owner(&self, run: &AutomationRun) -> Result<Option<UserId>, ServiceError> {
        let t = run.tenant_id;
        Ok(match run.entity_type {
            EntityType::Contact => found(self.store.contact(self.all(run), ContactId::from_uuid(run.entity_id)).await)?.map(|c| c.owner_id),
            EntityType::Opportunity => {
                found(self.store.opportunity(self.all(run), OpportunityId::from_uuid(run.entity_id)).await)?.map(|o| o.owner_id)
            }
            EntityType::Activity => {
                let scope = ActivityScope {
                    tenant_id: t,
                    contacts: RecordScope::Tenant,
                    opportunities: RecordScope::Tenant,
                    user: None,
                };
                found(self.store.activity(scope, ActivityId::from_uuid(run.entity_id)).await)?.map(|a| a.fields.assignee_id)
            }
            _ => None,
        })
    }

    /// Writes a contact changed by `edit` as the rule (nothing when nothing changed).
    async fn edit_contact(&self, actor: &Actor, before: Contact, edit: impl FnOnce(&mut Contact)) -> Result<Outcome, ServiceError> {
        let mut after = before.clone();
        edit(&mut after);
        let changes = Contact::changes(Some(&before), &after);
        if changes.is_empty() {
            return Ok(skipped("no_change"));
        }
        after.version = before.version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Contact,
            after.id.as_uuid(),
            EventKind::Updated,
            Some(after.owner_id.as_uuid()),
            changes,
        );
        match self.store.update_contact(&after, before.version, &ev).await {
            Ok(()) => Ok(done(after.id.to_string())),
            // Changed by someone meanwhile: the job tries the step again on the new version
            // (a conflict would read as the job cancelled).
            Err(StoreError::Conflict) => Err(ServiceError::Internal("the contact changed meanwhile".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Does one action of a run.
    ///
    /// # Errors
    /// What should be tried again (the store unreachable, a conflicting edit); an action
    /// that cannot be done (an address suppressed, a team without sales reps) is an
    /// [`Outcome`] `skipped` with its reason instead.
    pub(crate) async fn act(
        &self,
        actor: &Actor,
        run: &AutomationRun,
        step: u32,
        action: &Action,
        mail: &MailSettings,
    ) -> Result<Outcome, ServiceError> {
        let tenant = run.tenant_id;
        let ids = StepIds::new(run, step);
        let contact = if action.needs_contact() {
            match self.run_contact(run).await? {
                Some(c) => Some(c),
                None => return Ok(skipped("no_contact")),
            }
        } else {
            None
        };
        match action {
            Action::Wait { .. } => Ok(skipped("wait")),
            Action::SendEmail { template_id } => {
                let id = ids.first();
                if found(self.store.email(tenant, EmailId::from_uuid(id)).await)?.is_some() {
                    return Ok(done(id.to_string()));
                }
                // An automation prospects: it reaches whom the company may email (consent).
                if let Some(c) = &contact {
                    let why = self.reachable(actor, Medium::Email, &[c]).await?;
                    if let Some(no) = why.into_iter().find(|w| !w.allows()) {
                        return Ok(skipped(no.code()));
                    }
                }
                let input = ComposeEmail {
                    contact_id: run.contact_id,
                    opportunity_id: (run.entity_type == EntityType::Opportunity).then(|| OpportunityId::from_uuid(run.entity_id)),
                    template_id: Some(TemplateId::from_uuid(*template_id)),
                    ..ComposeEmail::default()
                };
                match self.with_ids(ids).send_email(actor, &input, mail).await {
                    Ok(m) => Ok(done(m.id.to_string())),
                    Err(ServiceError::Invalid(e)) => Ok(skipped(&invalid_reason(&e))),
                    Err(e) => Err(e),
                }
            }
            Action::CreateTask {
                title,
                due_in_days,
                assignee_id,
            } => {
                let id = ids.first();
                let scope = ActivityScope {
                    tenant_id: tenant,
                    contacts: RecordScope::Tenant,
                    opportunities: RecordScope::Tenant,
                    user: None,
                };
                if found(self.store.activity(scope, ActivityId::from_uuid(id)).await)?.is_some() {
                    return Ok(done(id.to_string()));
                }
                let assignee = match assignee_id {
                    Some(u) => Some(UserId::from_uuid(*u)),
                    None => self.record_owner(run).await?,
                };
                let Some(assignee) = assignee else { return Ok(skipped("no_owner")) };
                let mut links = vec![Link {
                    entity_type: run.entity_type,
                    entity_id: run.entity_id,
                }];
                if let Some(c) = run
                    .contact_id
                    .filter(|c| run.entity_type != EntityType::Contact || c.as_uuid() != run.entity_id)
                {
                    links.push(Link {
                        entity_type: EntityType::Contact,
                        entity_id: c.as_uuid(),
                    });
                }
                let input = ActivityInput {
                    subject: title.clone(),
                    links,
                    assignee_id: Some(assignee),
                    // On the company's working days (a task due on a Saturday falls on Monday).
                    due_at: Some(self.store.tenant(tenant).await?.settings.on_working_day(crm_domain::time::add(
                        self.clock.now(),
                        chrono::Duration::days(i64::from(*due_in_days)),
                    ))),
                    ..ActivityInput::default()
                };
                match self.with_ids(ids).create_activity(actor, "task", &input).await {
                    Ok(a) => Ok(done(a.id.to_string())),
                    Err(ServiceError::Invalid(e)) => Ok(skipped(&invalid_reason(&e))),
                    Err(e) => Err(e),
                }
            }
            Action::AssignOwner { team_id } => {
                let Some(c) = contact else { return Ok(skipped("no_contact")) };
                if c.lead.as_ref().is_some_and(|l| l.pooled) {
                    return Ok(skipped("lead_in_pool"));
                }
                let Some(owner) = self.team_owner(tenant, TeamId::from_uuid(*team_id)).await? else {
                    return Ok(skipped("no_sales_rep"));
                };
                self.edit_contact(actor, c, |after| after.owner_id = owner).await
            }
            Action::AddTag { tag } => {
                let Some(c) = contact else { return Ok(skipped("no_contact")) };
                let tag = Tag::parse(tag)?;
                self.edit_contact(actor, c, |after| {
                    after.fields.tags.insert(tag);
                })
                .await
            }
            Action::UpdateField { field, value } => {
                let Some(c) = contact else { return Ok(skipped("no_contact")) };
                let now = self.clock.now();
                let label = Label::parse_optional(Some(value))?;
                match field {
                    ContactField::Source => self.edit_contact(actor, c, |after| after.fields.source = label).await,
                    ContactField::JobTitle => self.edit_contact(actor, c, |after| after.fields.job_title = label).await,
                    ContactField::Kind => {
                        let kind = ContactKind::parse(value).map_err(|e| e.at("value"))?;
                        if c.lead.as_ref().is_some_and(|l| l.pooled) && kind != ContactKind::Prospect {
                            return Ok(skipped("lead_in_pool"));
                        }
                        self.edit_contact(actor, c, |after| after.set_kind(kind, now)).await
                    }
                }
            }
            Action::AddToList { segment_id } => {
                let Some(c) = contact else { return Ok(skipped("no_contact")) };
                match self.add_segment_members(actor, SegmentId::from_uuid(*segment_id), &[c.id]).await {
                    Ok(0) => Ok(skipped("no_change")),
                    Ok(_) => Ok(done(segment_id.to_string())),
                    Err(ServiceError::NotFound) => Ok(skipped("list_gone")),
                    Err(ServiceError::Invalid(e)) => Ok(skipped(&invalid_reason(&e))),
                    Err(e) => Err(e),
                }
            }
            Action::Notify { user_id, message } => {
                let to = match user_id {
                    Some(u) => Some(UserId::from_uuid(*u)),
                    None => self.record_owner(run).await?,
                };
                let Some(to) = to else { return Ok(skipped("no_owner")) };
                // Its key, not its id, makes it once (a fresh id never meets the first one's).
                let n = Notification {
                    id: self.new_id(),
                    user_id: to,
                    kind: "automation".into(),
                    subject: crate::app::cut(message, Label::MAX_CHARS),
                    activity_id: None,
                    link: Some(Link {
                        entity_type: run.entity_type,
                        entity_id: run.entity_id,
                    }),
                    reminder_key: format!("automation:{}:{step}", run.id),
                    created_at: self.clock.now(),
                    read_at: None,
                };
                match self.store.create_notification(tenant, &n).await {
                    Ok(()) | Err(StoreError::Duplicate { .. }) => Ok(done(to.to_string())),
                    Err(e) => Err(e.into()),
                }
            }
            Action::CallWebhook { webhook_id } => {
                let Some(seq) = run.event_seq else { return Ok(skipped("no_event")) };
                let Some(hook) = found(self.store.webhook(tenant, *webhook_id).await)? else {
                    return Ok(skipped("webhook_gone"));
                };
                if !hook.spec.active {
                    return Ok(skipped("webhook_paused"));
                }
                let delivery = DeliveryJob {
                    delivery_id: ids.first(),
                    webhook_id: *webhook_id,
                    seq,
                };
                let now = self.clock.now();
                self.store.enqueue_job(&delivery.job(tenant, self.new_id(), now), now).await?;
                Ok(done(delivery.delivery_id.to_string()))
            }
        }
    }
}

/// A refusal of the use case as a reason: its first field and fault (`to:not_allowed`).
pub(crate) fn invalid_reason(e: &crm_domain::ValidationError) -> String {
    e.errors()
        .first()
        .map_or_else(|| "invalid".to_owned(), |f| format!("{}:{}", f.field, f.kind.code()))
}
