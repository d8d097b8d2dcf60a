//! From the event log to runs: a reader of the log that, for each change an active rule's
//! trigger matches, decides whether the rule starts — the loop limit, a contact to act on,
//! the conditions — and writes the run (started with its job, or skipped with its reason)
//! in the transaction that moves its cursor: one run per rule and change, across crashes
//! and replicas.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{ActivityScope, ContactFilter, EventRecord, Scope, SegmentMembership};
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Interest, StoreConsumer};
use crate::store::{ActivityStore, AutomationRun, AutomationStore, ConsumerWrite, NewJob, OpportunityStore, RunStart, SegmentStore};
use chrono::{DateTime, Utc};
use crm_domain::automation::{AutomationRule, Change, MAX_LOOP_DEPTH, RunState, Trigger, derived_id};
use crm_domain::event::EntityType;
use crm_domain::visibility::RecordScope;
use crm_domain::{ActivityId, ContactId, OpportunityId, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The consumer's name (its cursors and parked events are kept under it).
pub const AUTOMATION: &str = "automation";
/// The kind of the jobs that do a run's actions.
pub const RUN_KIND: &str = "automation.run";

/// Contacts whose conditions one query checks.
const CONDITION_CHUNK: u32 = 1_000;

const ENTITIES: &[EntityType] = &[
    EntityType::Contact,
    EntityType::Organization,
    EntityType::Opportunity,
    EntityType::Activity,
];

/// What a run's job carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunJob {
    /// The run.
    pub run_id: Uuid,
}

impl RunJob {
    /// The job that does (or goes on with) the run at `due`.
    pub fn job(&self, tenant: TenantId, id: Uuid, due: DateTime<Utc>) -> NewJob {
        NewJob {
            id,
            tenant_id: tenant,
            kind: RUN_KIND.to_owned(),
            payload: serde_json::to_value(self).unwrap_or_default(),
            due_at: due,
            key: Some(format!("{RUN_KIND}:{}", self.run_id)),
        }
    }
}

/// A run about to be decided: the rule, what started it, the contact it concerns.
pub(crate) struct Candidate<'a> {
    pub rule: &'a AutomationRule,
    pub trigger_key: String,
    pub at: DateTime<Utc>,
    pub event_seq: Option<i64>,
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    pub contact_id: Option<ContactId>,
    /// The depth of the change's cause (0: a person's change, or a date).
    pub cause_depth: u8,
}

/// The first contact an activity's or an opportunity's change names, from its changes.
fn contact_in_changes(e: &EventRecord) -> Option<ContactId> {
    let after = |f: &str| e.changes.iter().find(|c| c.field == f).and_then(|c| c.after.as_ref());
    let id = |v: &serde_json::Value| v.as_str().and_then(|s| Uuid::parse_str(s).ok()).map(ContactId::from_uuid);
    match e.entity_type {
        EntityType::Opportunity => after("contact_ids")?.as_array()?.iter().find_map(id),
        EntityType::Activity => after("links")?.as_array()?.iter().find_map(|l| {
            (l.get("entity_type").and_then(|t| t.as_str()) == Some("contact"))
                .then(|| l.get("entity_id").and_then(id))
                .flatten()
        }),
        _ => None,
    }
}

impl<S: AutomationStore + SegmentStore + OpportunityStore + ActivityStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The contact a change concerns: the contact itself, an opportunity's first contact,
    /// an activity's first linked contact (as the record is now when the change does not
    /// say); none for organizations.
    async fn contact_of(&self, tenant: TenantId, e: &EventRecord) -> Result<Option<ContactId>, ServiceError> {
        let all = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        if let Some(c) = contact_in_changes(e) {
            return Ok(Some(c));
        }
        let found = match e.entity_type {
            EntityType::Contact => return Ok(Some(ContactId::from_uuid(e.entity_id))),
            EntityType::Opportunity => self
                .store
                .opportunity(all, OpportunityId::from_uuid(e.entity_id))
                .await
                .map(|o| o.fields.contact_ids.first().copied()),
            EntityType::Activity => {
                let scope = ActivityScope {
                    tenant_id: tenant,
                    contacts: RecordScope::Tenant,
                    opportunities: RecordScope::Tenant,
                    user: None,
                };
                self.store.activity(scope, ActivityId::from_uuid(e.entity_id)).await.map(|a| {
                    a.fields
                        .links
                        .iter()
                        .find(|l| l.entity_type == EntityType::Contact)
                        .map(|l| ContactId::from_uuid(l.entity_id))
                })
            }
            _ => return Ok(None),
        };
        match found {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Of `ids`, those matching a rule's conditions now.
    async fn matching(
        &self,
        tenant: TenantId,
        rule: &crm_domain::segment::Rule,
        ids: Vec<ContactId>,
        now: DateTime<Utc>,
    ) -> Result<HashSet<ContactId>, ServiceError> {
        let mut out = HashSet::new();
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        // Large chunks: each query evaluates the rule's subqueries (tags, activities) once.
        for chunk in ids.chunks(CONDITION_CHUNK as usize) {
            let filter = ContactFilter {
                ids: Some(chunk.to_vec()),
                segment: Some(SegmentMembership::Rule { rule: rule.clone(), now }),
                ..ContactFilter::default()
            };
            out.extend(self.store.matching_contact_ids(scope, &filter, CONDITION_CHUNK).await?);
        }
        Ok(out)
    }

    /// Decides candidates: skipped (loop limit, no contact, conditions not met) or started
    /// with their job.
    pub(crate) async fn decide_runs(
        &self,
        tenant: TenantId,
        candidates: Vec<Candidate<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RunStart>, ServiceError> {
        let mut by_rule: HashMap<Uuid, Vec<ContactId>> = HashMap::new();
        for c in &candidates {
            if let (Some(_), Some(id)) = (&c.rule.spec.conditions, c.contact_id) {
                by_rule.entry(c.rule.id).or_default().push(id);
            }
        }
        let mut matching: HashMap<Uuid, HashSet<ContactId>> = HashMap::new();
        for (rule_id, ids) in by_rule {
            let Some(rule) = candidates
                .iter()
                .find(|c| c.rule.id == rule_id)
                .and_then(|c| c.rule.spec.conditions.as_ref())
            else {
                continue;
            };
            matching.insert(rule_id, self.matching(tenant, rule, ids, now).await?);
        }
        let mut out = Vec::with_capacity(candidates.len());
        for c in candidates {
            let spec = &c.rule.spec;
            let depth = c.cause_depth.saturating_add(1);
            let needs_contact = spec.conditions.is_some() || spec.actions.iter().any(|a| a.needs_contact());
            let reason = if depth > MAX_LOOP_DEPTH {
                Some("loop_limit")
            } else if needs_contact && c.contact_id.is_none() {
                Some("no_contact")
            } else if spec.conditions.is_some()
                && !c
                    .contact_id
                    .is_some_and(|id| matching.get(&c.rule.id).is_some_and(|m| m.contains(&id)))
            {
                Some("conditions_not_met")
            } else {
                None
            };
            let id = derived_id(c.at, &[c.rule.id.as_bytes(), c.trigger_key.as_bytes()]);
            let run = AutomationRun {
                id,
                tenant_id: tenant,
                rule_id: c.rule.id,
                trigger_key: c.trigger_key,
                event_seq: c.event_seq,
                entity_type: c.entity_type,
                entity_id: c.entity_id,
                contact_id: c.contact_id,
                depth,
                state: if reason.is_some() { RunState::Skipped } else { RunState::Running },
                reason: reason.map(str::to_owned),
                steps: Vec::new(),
                next_step: 0,
                resume_at: None,
                created_at: now,
                updated_at: now,
            };
            let job = reason.is_none().then(|| RunJob { run_id: id }.job(tenant, self.new_id(), now));
            out.push(RunStart { run, job });
        }
        Ok(out)
    }

    /// The runs `rules` start for `events` (in log order).
    pub(crate) async fn starts_for(
        &self,
        tenant: TenantId,
        rules: &[AutomationRule],
        events: &[EventRecord],
        now: DateTime<Utc>,
    ) -> Result<Vec<RunStart>, ServiceError> {
        let mut candidates = Vec::new();
        let mut contacts: HashMap<i64, Option<ContactId>> = HashMap::new();
        for e in events {
            let changes: Vec<Change<'_>> = e
                .changes
                .iter()
                .map(|c| Change {
                    field: &c.field,
                    before: c.before.as_ref(),
                    after: c.after.as_ref(),
                })
                .collect();
            // A rule starts on the changes made after it was written, never on the past.
            let wanted = |r: &&AutomationRule| e.at >= r.created_at && r.spec.trigger.matches(e.entity_type, e.kind, &changes);
            for rule in rules.iter().filter(wanted) {
                let contact_id = match contacts.get(&e.seq) {
                    Some(c) => *c,
                    None => {
                        let c = self.contact_of(tenant, e).await?;
                        contacts.insert(e.seq, c);
                        c
                    }
                };
                candidates.push(Candidate {
                    rule,
                    trigger_key: format!("event:{}", e.seq),
                    at: e.at,
                    event_seq: Some(e.seq),
                    entity_type: e.entity_type,
                    entity_id: e.entity_id,
                    contact_id,
                    cause_depth: e.cause.map_or(0, |c| c.depth),
                });
            }
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        self.decide_runs(tenant, candidates, now).await
    }
}

/// The reader of the log that starts runs (run it wrapped in
/// [`InStore`](crate::runtime::consumers::InStore)).
pub struct AutomationEngine<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> AutomationEngine<S, K, C, I> {
    /// The consumer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<
    S: AutomationStore + SegmentStore + OpportunityStore + ActivityStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> StoreConsumer for AutomationEngine<S, K, C, I>
{
    fn name(&self) -> &'static str {
        AUTOMATION
    }

    fn interest(&self) -> Interest {
        Interest::Entities(ENTITIES)
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async move {
            let rules: Vec<AutomationRule> = self
                .app
                .store
                .automations(tenant)
                .await?
                .into_iter()
                .filter(|r| r.spec.active && !matches!(r.spec.trigger, Trigger::DateReached { .. }))
                .collect();
            if rules.is_empty() {
                return Ok(Vec::new());
            }
            let starts = self.app.starts_for(tenant, &rules, events, self.app.clock.now()).await?;
            Ok(if starts.is_empty() {
                Vec::new()
            } else {
                vec![ConsumerWrite::Runs(starts)]
            })
        })
    }
}
