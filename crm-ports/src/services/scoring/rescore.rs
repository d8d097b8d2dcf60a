//! Scoring a whole company again: after a change of its rules (queued by the score keeper,
//! one at a time per company) and every day (engagements fade, meetings planned take
//! place). The job pages through the live contacts in id order, each page scored and kept
//! with the job's step, so that a job cut short resumes after its last page.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::store::{ContactStore, JobStore, ScoringStore, TenantStore};
use crm_domain::ContactId;
use serde::{Deserialize, Serialize};

/// The kind of the job queued when the rules change.
pub const ON_DEMAND: &str = "scoring.rescore";
/// The kind of the daily timer.
pub const DAILY: &str = "scoring.daily";
/// Contacts scored per step.
const PAGE: u32 = 500;

/// Where a rescoring is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescoreJob {
    /// The last contact scored (none: from the start).
    pub after: Option<ContactId>,
    /// Contacts scored so far.
    pub done: u64,
}

/// The handler of one of the two kinds.
pub struct Rescorer<S, K, C, I> {
    app: App<S, K, C, I>,
    kind: &'static str,
    every: Option<chrono::Duration>,
}

impl<S, K, C: Clone, I: Clone> Clone for Rescorer<S, K, C, I> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            kind: self.kind,
            every: self.every,
        }
    }
}

impl<S, K, C: Clone, I: Clone> Rescorer<S, K, C, I> {
    /// The job queued when the rules change.
    pub fn on_demand(app: &App<S, K, C, I>) -> Self {
        Self {
            app: app.clone(),
            kind: ON_DEMAND,
            every: None,
        }
    }

    /// The daily timer.
    pub fn daily(app: &App<S, K, C, I>) -> Self {
        Self {
            app: app.clone(),
            kind: DAILY,
            every: Some(chrono::Duration::days(1)),
        }
    }
}

impl<S: ScoringStore + ContactStore + JobStore + TenantStore, K, C: Clock, I: IdGenerator> Rescorer<S, K, C, I> {
    /// Queues the daily timer of every company that has none.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        match self.every {
            Some(every) => self.app.ensure_timers(self.kind, every).await,
            None => Ok(0),
        }
    }

    async fn rescore(&self, ctx: &JobContext) -> Result<JobFinish, ServiceError> {
        let job = ctx.job();
        let tenant = job.tenant_id;
        let mut at: RescoreJob = serde_json::from_value(job.progress.clone()).unwrap_or_default();
        let mut step = job.step;
        // The rules it scores with; changed meanwhile (the next change's job was a no-op
        // while this one lived), it starts over with the new ones.
        let mut rules = self.app.store.scoring_rules(tenant).await?;
        loop {
            let ids = self.app.store.contact_ids_after(tenant, at.after, PAGE).await?;
            let Some(last) = ids.last().copied() else {
                let now = self.app.store.scoring_rules(tenant).await?;
                if now == rules {
                    break;
                }
                rules = now;
                at = RescoreJob::default();
                continue;
            };
            let scores = self.app.compute_scores(tenant, &ids).await?;
            self.app.store.save_scores(tenant, &scores).await?;
            at = RescoreJob {
                after: Some(last),
                done: at.done + u64::try_from(ids.len()).unwrap_or(0),
            };
            step += 1;
            ctx.checkpoint(step, serde_json::to_value(at).unwrap_or_default()).await?;
        }
        Ok(match self.every {
            Some(every) => self.app.next_timer(job, every),
            None => JobFinish::default(),
        })
    }
}

impl<S, K, C, I> JobHandler for Rescorer<S, K, C, I>
where
    S: ScoringStore + ContactStore + JobStore + TenantStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + 'static,
    I: IdGenerator + 'static,
{
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(self.rescore(ctx))
    }
}
