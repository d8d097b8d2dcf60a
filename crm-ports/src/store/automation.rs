//! Store port of automation: the company's rules, and their runs — one per rule and
//! triggering change (or date), kept with each decision and its reason.

use super::{NewJob, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::automation::{AutomationRule, RunState, StepOutcome};
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::{ContactId, TenantId};
use std::future::Future;
use uuid::Uuid;

/// One start of a rule, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationRun {
    /// Id (derived from the rule and the trigger: one run per triggering change).
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The rule.
    pub rule_id: Uuid,
    /// What started it: `event:<seq>` or `date:<record>:<day>` (unique per rule).
    pub trigger_key: String,
    /// The triggering change's sequence number, if a change.
    pub event_seq: Option<i64>,
    /// The record concerned.
    pub entity_type: EntityType,
    /// Its id.
    pub entity_id: Uuid,
    /// The contact the actions act on, if any.
    pub contact_id: Option<ContactId>,
    /// Its depth in a chain of automations (1: started by a person's change).
    pub depth: u8,
    /// Where it is.
    pub state: RunState,
    /// Why it was skipped, stopped or failed (a stable code).
    pub reason: Option<String>,
    /// What each action done so far gave.
    pub steps: Vec<StepOutcome>,
    /// The next action to do.
    pub next_step: u32,
    /// When a waiting run goes on.
    pub resume_at: Option<DateTime<Utc>>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A run to start and, unless it was skipped, the job that does its actions.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStart {
    /// The run.
    pub run: AutomationRun,
    /// Its job.
    pub job: Option<NewJob>,
}

/// How many runs of a rule are in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunCount {
    /// The rule.
    pub rule_id: Uuid,
    /// The state.
    pub state: RunState,
    /// How many.
    pub count: u64,
    /// The latest of them.
    pub last_at: DateTime<Utc>,
}

/// Automation rules and runs.
pub trait AutomationStore: Send + Sync {
    /// Keeps a new rule, with its event.
    fn create_automation(&self, rule: &AutomationRule, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a rule still at `expected_version`. `NotFound`, `Conflict`.
    fn update_automation(
        &self,
        rule: &AutomationRule,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a rule and its runs. `NotFound`.
    fn delete_automation(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One rule. `NotFound`.
    fn automation(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<AutomationRule>> + Send;
    /// The company's rules, oldest first.
    fn automations(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<AutomationRule>>> + Send;
    /// Starts runs that were not started yet (a run whose rule and trigger key are known
    /// is left alone, and so is its job), each with its job, in one transaction; returns
    /// how many were new.
    fn start_automation_runs(&self, tenant: TenantId, starts: &[RunStart]) -> impl Future<Output = StoreResult<u64>> + Send;
    /// One run. `NotFound`.
    fn automation_run(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<AutomationRun>> + Send;
    /// Saves where a run is (state, reason, steps, next step, resume time). `NotFound`.
    fn save_automation_run(&self, run: &AutomationRun) -> impl Future<Output = StoreResult<()>> + Send;
    /// A rule's runs, newest first, at most `limit`, only those in `state` when given.
    fn automation_runs(
        &self,
        tenant: TenantId,
        rule: Uuid,
        state: Option<RunState>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AutomationRun>>> + Send;
    /// The company's runs counted by rule and state.
    fn automation_run_counts(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<RunCount>>> + Send;
}
