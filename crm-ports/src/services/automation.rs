//! Automation rules (Admin, Marketing): written, changed, paused, deleted and tried against
//! the last 30 days before they run; their run log. The reader of the event log that starts
//! runs is [`engine`], the job that does a run's actions [`act`] (each action in
//! [`steps`]), the hourly look at dates [`dates`].

pub mod act;
pub mod dates;
pub mod engine;
pub mod steps;

use crate::app::{App, known, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::HistoryQuery;
use crate::store::{
    ActivityStore, AutomationRun, AutomationStore, EmailStore, EventLog, OpportunityStore, PipelineStore, RunCount, SegmentStore,
    TenantStore, UserStore, WebhookStore,
};
use crm_domain::automation::{Action, AutomationInput, AutomationRule, AutomationSpec, RunState, Trigger};
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::segment::Definition;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, SegmentId, TeamId, TemplateId, UserId, ValidationError, ViolationKind};
use serde_json::Value;
use uuid::Uuid;

/// The most runs one read returns.
pub const MAX_RUNS: u32 = 500;
/// How far back a dry run looks, in days.
pub const DRY_RUN_DAYS: i64 = 30;
/// The most changes a dry run reads (the newest).
pub const DRY_RUN_EVENTS: u32 = 20_000;
/// The starts a dry run shows.
pub const DRY_RUN_SAMPLES: usize = 20;

/// What a rule would have done over the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    /// Changes read.
    pub events: u64,
    /// Changes (or dates) its trigger matched.
    pub matched: u64,
    /// Runs it would have started.
    pub started: u64,
    /// Matches skipped, by reason (`conditions_not_met`, `loop_limit`, `no_contact`).
    pub skipped: Vec<(String, u64)>,
    /// The newest runs it would have started or skipped.
    pub samples: Vec<AutomationRun>,
    /// Whether the window held more changes than a dry run reads.
    pub truncated: bool,
}

fn changes(before: Option<&AutomationSpec>, after: &AutomationSpec) -> Vec<FieldChange> {
    let name = |s: &AutomationSpec| s.name.as_str().to_owned();
    let trigger = |s: &AutomationSpec| serde_json::to_value(&s.trigger).unwrap_or(Value::Null);
    let conditions = |s: &AutomationSpec| s.conditions.as_ref().map(crm_domain::segment::Rule::to_json);
    let actions = |s: &AutomationSpec| serde_json::to_value(&s.actions).unwrap_or(Value::Null);
    let mut d = Diff::new();
    d.field("name", before.map(name).as_ref(), &name(after), Sensitivity::Clear);
    d.field("active", before.map(|b| &b.active), &after.active, Sensitivity::Clear);
    d.field("trigger", before.map(trigger).as_ref(), &trigger(after), Sensitivity::Clear);
    d.field(
        "conditions",
        before.map(conditions).as_ref(),
        &conditions(after),
        Sensitivity::Clear,
    );
    d.field("actions", before.map(actions).as_ref(), &actions(after), Sensitivity::Clear);
    d.into_changes()
}

/// Writing rules and reading their runs.
impl<S: AutomationStore + UserStore + EmailStore + SegmentStore + WebhookStore + PipelineStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// Every record a rule names must be the company's: templates, lists (static ones),
    /// teams, users, webhooks, stages.
    async fn check_references(&self, actor: &Actor, spec: &AutomationSpec) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        if let Trigger::StageChanged { stage_id: Some(stage) } = &spec.trigger {
            let pipelines = self.store.list_pipelines(tenant).await?;
            if !pipelines.iter().any(|p| p.stages.iter().any(|s| s.id.as_uuid() == *stage)) {
                return Err(ValidationError::field("trigger.stage_id", ViolationKind::Unknown).into());
            }
        }
        if let Some(rule) = &spec.conditions {
            for u in rule.owner_ids() {
                known(self.store.user(tenant, UserId::from_uuid(u)).await, "conditions")?;
            }
        }
        for (i, a) in spec.actions.iter().enumerate() {
            let at = |f: &str| format!("actions.{i}.{f}");
            match a {
                Action::SendEmail { template_id } => {
                    known(
                        self.store.template(tenant, TemplateId::from_uuid(*template_id)).await,
                        at("template_id"),
                    )?;
                }
                Action::AddToList { segment_id } => {
                    let s = known(
                        self.store.segment(tenant, SegmentId::from_uuid(*segment_id)).await,
                        at("segment_id"),
                    )?;
                    if s.definition != Definition::Static {
                        return Err(ValidationError::field(at("segment_id"), ViolationKind::NotAllowed).into());
                    }
                }
                Action::AssignOwner { team_id } => {
                    known(self.store.team(tenant, TeamId::from_uuid(*team_id)).await, at("team_id"))?;
                }
                Action::CreateTask { assignee_id: Some(u), .. } => {
                    known(self.store.user(tenant, UserId::from_uuid(*u)).await, at("assignee_id"))?;
                }
                Action::Notify { user_id: Some(u), .. } => {
                    known(self.store.user(tenant, UserId::from_uuid(*u)).await, at("user_id"))?;
                }
                Action::CallWebhook { webhook_id } => {
                    known(self.store.webhook(tenant, *webhook_id).await, at("webhook_id"))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Writes a rule.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (see [`AutomationInput::validate`]; a record it names
    /// unknown, a dynamic segment as a list: `not_allowed`).
    pub async fn create_automation(&self, actor: &Actor, input: &AutomationInput) -> Result<AutomationRule, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        let spec = input.validate()?;
        self.check_references(actor, &spec).await?;
        let now = self.clock.now();
        let rule = AutomationRule {
            id: self.new_id(),
            tenant_id: tenant,
            spec,
            created_by: actor.user_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::AutomationRule,
            rule.id,
            EventKind::Created,
            None,
            changes(None, &rule.spec),
        );
        self.store.create_automation(&rule, &ev).await?;
        Ok(rule)
    }

    /// Changes a rule (at `expected_version`); runs already started go on under it.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`, `Invalid`.
    pub async fn update_automation(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: &AutomationInput,
    ) -> Result<AutomationRule, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        let current = self.store.automation(tenant, id).await?;
        if current.version != expected_version {
            return Err(ServiceError::Conflict);
        }
        let spec = input.validate()?;
        self.check_references(actor, &spec).await?;
        let ev = self.event(
            actor,
            EntityType::AutomationRule,
            id,
            EventKind::Updated,
            None,
            changes(Some(&current.spec), &spec),
        );
        let next = AutomationRule {
            spec,
            version: current.version + 1,
            updated_at: self.clock.now(),
            ..current
        };
        self.store.update_automation(&next, expected_version, &ev).await?;
        Ok(next)
    }

    /// Deletes a rule and its run log; runs waiting stop.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn delete_automation(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        let ev = self.event(actor, EntityType::AutomationRule, id, EventKind::Deleted, None, Vec::new());
        Ok(self.store.delete_automation(tenant, id, &ev).await?)
    }

    /// One rule.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn automation(&self, actor: &Actor, id: Uuid) -> Result<AutomationRule, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        Ok(self.store.automation(tenant, id).await?)
    }

    /// The company's rules.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn automations(&self, actor: &Actor) -> Result<Vec<AutomationRule>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        Ok(self.store.automations(tenant).await?)
    }

    /// A rule's run log, newest first (only the runs in `state` when given).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (another company's rule).
    pub async fn automation_runs(
        &self,
        actor: &Actor,
        id: Uuid,
        state: Option<RunState>,
        limit: u32,
    ) -> Result<Vec<AutomationRun>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        self.store.automation(tenant, id).await?;
        Ok(self.store.automation_runs(tenant, id, state, limit.clamp(1, MAX_RUNS)).await?)
    }

    /// The company's runs counted by rule and state.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn automation_run_counts(&self, actor: &Actor) -> Result<Vec<RunCount>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        Ok(self.store.automation_run_counts(tenant).await?)
    }
}

/// Trying a rule on the last 30 days.
impl<
    S: AutomationStore
        + UserStore
        + EmailStore
        + SegmentStore
        + WebhookStore
        + PipelineStore
        + EventLog
        + OpportunityStore
        + ActivityStore
        + TenantStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// What a rule (saved or not) would have started over the last 30 days: its trigger
    /// against the company's changes, its conditions against the contacts as they are now,
    /// the loop limit as the log recorded the changes' causes. Nothing is written.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` as when writing it.
    pub async fn dry_run_automation(&self, actor: &Actor, input: &AutomationInput) -> Result<DryRun, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageAutomations)?;
        let spec = input.validate()?;
        self.check_references(actor, &spec).await?;
        let now = self.clock.now();
        let from = crm_domain::time::sub(now, chrono::Duration::days(DRY_RUN_DAYS));
        // As if written at the window's start: a rule starts on the changes after it.
        let rule = AutomationRule {
            id: Uuid::nil(),
            tenant_id: tenant,
            spec,
            created_by: actor.user_id(),
            version: 1,
            created_at: from,
            updated_at: from,
        };
        let starts = if let Trigger::DateReached { days } = rule.spec.trigger {
            let zone = self.store.tenant(tenant).await?.settings.time_zone;
            let mut out = Vec::new();
            for back in 0..DRY_RUN_DAYS {
                let day = crm_domain::time::sub(now, chrono::Duration::days(back));
                out.extend(self.date_starts(tenant, zone, &rule, days, day).await?);
            }
            (u64::try_from(DRY_RUN_DAYS).unwrap_or(0), out, false)
        } else {
            let mut events = self
                .store
                .history(tenant, &HistoryQuery::Period { from, to: now }, DRY_RUN_EVENTS)
                .await?;
            let truncated = events.len() >= DRY_RUN_EVENTS as usize;
            events.reverse();
            let n = events.len() as u64;
            (
                n,
                self.starts_for(tenant, std::slice::from_ref(&rule), &events, now).await?,
                truncated,
            )
        };
        let (events, runs, truncated) = starts;
        let mut out = DryRun {
            events,
            truncated,
            ..DryRun::default()
        };
        for s in runs.iter().rev() {
            out.matched += 1;
            match (&s.run.state, &s.run.reason) {
                (RunState::Skipped, Some(r)) => match out.skipped.iter_mut().find(|(k, _)| k == r) {
                    Some((_, n)) => *n += 1,
                    None => out.skipped.push((r.clone(), 1)),
                },
                _ => out.started += 1,
            }
            if out.samples.len() < DRY_RUN_SAMPLES {
                out.samples.push(s.run.clone());
            }
        }
        Ok(out)
    }
}
