//! The job that does a run's actions, one after another, saving the run after each (the
//! run is the job's checkpoint: a job taken again after a crash goes on from the next
//! action). A wait saves the run as waiting and queues the job again for its time, in the
//! transaction that finishes this one — a durable timer, kept across restarts. A paused or
//! deleted rule stops its runs at their next action.

use super::engine::{RUN_KIND, RunJob};
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::HistoryQuery;
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::services::email::MailSettings;
use crate::store::{AutomationRun, Store};
use crm_domain::Actor;
use crm_domain::automation::{Action, RunState, StepOutcome};
use crm_domain::event::{EntityType, EventKind};

/// How many of a contact's latest changes a wait looks through for a reply.
const REPLY_LOOKBACK: u32 = 200;

/// Does runs' actions (register it with the job runtime).
pub struct AutomationRunner<S, K, C, I> {
    app: App<S, K, C, I>,
    mail: MailSettings,
}

impl<S, K, C: Clone, I: Clone> AutomationRunner<S, K, C, I> {
    /// The runner, sending emails with these settings.
    pub fn new(app: &App<S, K, C, I>, mail: MailSettings) -> Self {
        Self { app: app.clone(), mail }
    }
}

impl<S: Store, K: Send + Sync + 'static, C: Clock + Clone + Send + Sync + 'static, I: IdGenerator + Clone> AutomationRunner<S, K, C, I> {
    /// Whether the run's contact replied to an email since the run started.
    async fn replied(&self, run: &AutomationRun) -> Result<bool, ServiceError> {
        let Some(contact) = run.contact_id else { return Ok(false) };
        let q = HistoryQuery::Entity {
            entity_type: EntityType::Contact,
            entity_id: contact.as_uuid(),
            before: None,
        };
        let events = self.app.store.history(run.tenant_id, &q, REPLY_LOOKBACK).await?;
        Ok(events.iter().any(|e| e.kind == EventKind::EmailReplied && e.at >= run.created_at))
    }

    async fn save(&self, run: &mut AutomationRun, state: RunState, reason: Option<&str>) -> Result<(), ServiceError> {
        run.state = state;
        run.reason = reason.map(str::to_owned);
        run.updated_at = self.app.clock.now();
        Ok(self.app.store.save_automation_run(run).await?)
    }

    /// Goes on with a run from its next action; the job to queue when it waits.
    async fn go_on(&self, run: &mut AutomationRun) -> Result<JobFinish, ServiceError> {
        let none = JobFinish { next: None };
        if matches!(run.state, RunState::Skipped | RunState::Done | RunState::Failed | RunState::Stopped) {
            return Ok(none);
        }
        let rule = match self.app.store.automation(run.tenant_id, run.rule_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                self.save(run, RunState::Stopped, Some("rule_deleted")).await?;
                return Ok(none);
            }
            Err(e) => return Err(e.into()),
        };
        if !rule.spec.active {
            self.save(run, RunState::Stopped, Some("rule_paused")).await?;
            return Ok(none);
        }
        let actor = Actor::Automation {
            tenant_id: run.tenant_id,
            rule_id: run.rule_id,
            depth: run.depth,
        };
        while let Some(action) = rule.spec.actions.get(run.next_step as usize) {
            let now = self.app.clock.now();
            let step = run.next_step;
            if let Action::Wait { hours, unless_replied } = action {
                match run.resume_at {
                    None => {
                        let until = crm_domain::time::add(now, chrono::Duration::hours(i64::from(*hours)));
                        run.resume_at = Some(until);
                        self.save(run, RunState::Waiting, None).await?;
                        let job = RunJob { run_id: run.id }.job(run.tenant_id, self.app.new_id(), until);
                        return Ok(JobFinish { next: Some(job) });
                    }
                    Some(until) if until > now => {
                        let job = RunJob { run_id: run.id }.job(run.tenant_id, self.app.new_id(), until);
                        return Ok(JobFinish { next: Some(job) });
                    }
                    Some(_) => {
                        if *unless_replied && self.replied(run).await? {
                            run.steps.push(outcome(step, action, "stopped", Some("replied"), now));
                            run.resume_at = None;
                            self.save(run, RunState::Stopped, Some("replied")).await?;
                            return Ok(none);
                        }
                        run.steps.push(outcome(step, action, "done", None, now));
                    }
                }
            } else {
                // A refusal is the step's outcome; anything else is tried again by the job.
                let (o, detail) = match self.app.act(&actor, run, step, action, &self.mail).await {
                    Ok(o) => (o.outcome, o.detail),
                    Err(ServiceError::Invalid(e)) => ("failed", Some(super::steps::invalid_reason(&e))),
                    Err(ServiceError::NotFound) => ("failed", Some("not_found".to_owned())),
                    Err(ServiceError::Forbidden) => ("failed", Some("forbidden".to_owned())),
                    Err(e) => return Err(e),
                };
                run.steps.push(outcome(step, action, o, detail.as_deref(), now));
            }
            run.resume_at = None;
            run.next_step = step + 1;
            // After the last action the end is saved at once (one write less per run).
            if (run.next_step as usize) < rule.spec.actions.len() {
                self.save(run, RunState::Running, None).await?;
            }
        }
        if run.steps.iter().any(|s| s.outcome == "failed") {
            self.save(run, RunState::Failed, Some("action_failed")).await?;
        } else {
            self.save(run, RunState::Done, None).await?;
        }
        Ok(none)
    }
}

fn outcome(index: u32, action: &Action, outcome: &str, detail: Option<&str>, at: chrono::DateTime<chrono::Utc>) -> StepOutcome {
    StepOutcome {
        index,
        action: action.code().to_owned(),
        outcome: outcome.to_owned(),
        detail: detail.map(str::to_owned),
        at,
    }
}

impl<S: Store, K: Send + Sync + 'static, C: Clock + Clone + Send + Sync + 'static, I: IdGenerator + Clone> JobHandler
    for AutomationRunner<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        RUN_KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let Ok(p) = serde_json::from_value::<RunJob>(job.payload.clone()) else {
                tracing::warn!(job = %job.id, "automation run job without a run");
                return Ok(JobFinish { next: None });
            };
            let mut run = match self.app.store.automation_run(job.tenant_id, p.run_id).await {
                Ok(r) => r,
                // The rule (and its runs) deleted meanwhile.
                Err(StoreError::NotFound) => return Ok(JobFinish { next: None }),
                Err(e) => return Err(e.into()),
            };
            match self.go_on(&mut run).await {
                Ok(finish) => Ok(finish),
                Err(e) => {
                    // The log shows why the run is held; the job tries again with backoff.
                    run.reason = Some(crate::app::cut(&format!("error:{e}"), 200));
                    run.updated_at = self.app.clock.now();
                    if let Err(saved) = self.app.store.save_automation_run(&run).await {
                        tracing::warn!(run = %run.id, error = %saved, "cannot record an automation run's error");
                    }
                    // A conflict would read as the job cancelled: it is a retry here.
                    Err(match e {
                        ServiceError::Conflict => ServiceError::Internal("a record changed meanwhile".into()),
                        other => other,
                    })
                }
            }
        })
    }
}
