//! Durable jobs and timers: [`App::run_jobs`] claims due jobs of the kinds it has
//! handlers for, with a lease it keeps renewing while the handler runs; a handler commits
//! its steps through [`JobContext::checkpoint`], so a job whose worker died resumes after
//! its last step once the lease has run out. A timer is a job with a due time; a recurring
//! one queues its next time in the transaction that finishes it, so it fires once per time
//! across replicas and restarts.

use super::{BoxFuture, RetryPolicy, Shutdown};
use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::store::{HeldStep, Job, JobOutcome, JobStore, NewJob};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TenantId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// What a finished run leaves behind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFinish {
    /// The next occurrence of a recurring timer, queued as this one finishes.
    pub next: Option<NewJob>,
}

/// Runs jobs of one kind.
pub trait JobHandler: Send + Sync + 'static {
    /// The kind it runs (stable, stored with each job).
    fn kind(&self) -> &'static str;
    /// Runs the job from the step after `ctx.job().step`. Returning an error retries the
    /// job with backoff (from its last committed step) until the attempts are spent.
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>>;
}

/// Saves a held job's steps.
trait Checkpoints: Send + Sync {
    fn save(&self, step: i64, progress: serde_json::Value) -> BoxFuture<'_, Result<(), StoreError>>;
    fn renew(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// A job in the hands of its handler.
pub struct JobContext {
    job: Job,
    saver: Arc<dyn Checkpoints>,
    worker: Uuid,
    lease: Duration,
}

impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext").field("job", &self.job).finish_non_exhaustive()
    }
}

impl JobContext {
    /// The job as claimed (its `step` is the last one committed before this run).
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// Commits a step and what to show of it; the lease is extended.
    ///
    /// # Errors
    /// `Conflict` when the job was cancelled or its lease lost: the handler must stop.
    pub async fn checkpoint(&self, step: i64, progress: serde_json::Value) -> Result<(), ServiceError> {
        Ok(self.saver.save(step, progress).await?)
    }

    /// A step to commit with the handler's own writes, in their transaction (see
    /// [`crate::store::ImportStore`]). The lease renewal never writes a step, so a step
    /// committed with its work is never taken back by an older one.
    pub fn held_step(&self, step: i64, progress: serde_json::Value, now: chrono::DateTime<chrono::Utc>) -> HeldStep {
        HeldStep {
            job: self.job.id,
            worker: self.worker,
            step,
            progress,
            lease_until: crm_domain::time::add(now, chrono_of(self.lease)),
            now,
        }
    }
}

struct StoreCheckpoints<S, C> {
    store: Arc<S>,
    clock: C,
    tenant: TenantId,
    id: Uuid,
    worker: Uuid,
    lease: Duration,
}

impl<S: JobStore, C: Clock + Send + Sync> Checkpoints for StoreCheckpoints<S, C> {
    fn save(&self, step: i64, progress: serde_json::Value) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let now = self.clock.now();
            let until = crm_domain::time::add(now, chrono_of(self.lease));
            self.store
                .checkpoint_job(self.tenant, self.id, self.worker, step, &progress, until, now)
                .await
        })
    }

    fn renew(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let now = self.clock.now();
            let until = crm_domain::time::add(now, chrono_of(self.lease));
            self.store.renew_job_lease(self.tenant, self.id, self.worker, until, now).await
        })
    }
}

/// Shortest wait between two looks at the queue with nothing taken (a job due that another
/// worker holds locked is not looked for in a loop).
const MIN_WAIT: Duration = Duration::from_millis(10);

/// How long a worker waits after a claim failed (the store unreachable) before trying again.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(1);

/// How long the wake-ups of jobs queued at once are gathered before looking.
const GATHER: Duration = Duration::from_millis(5);

/// How jobs are run.
#[derive(Debug, Clone, Copy)]
pub struct JobOptions {
    /// This worker's id (one per process and runner).
    pub worker: Uuid,
    /// How long a claim holds without renewal; renewed every third of it while running.
    pub lease: Duration,
    /// Longest wait with nothing due: a worker is woken by the jobs its own process queues
    /// and sleeps until the next due time otherwise, so this only bounds how late it sees a
    /// job queued by another process (or a lost wake-up).
    pub poll: Duration,
    /// Retries before a job fails.
    pub retry: RetryPolicy,
}

impl JobOptions {
    /// Defaults for a worker: 30 s lease, 5 s poll, 5 attempts.
    pub fn new(worker: Uuid) -> Self {
        Self {
            worker,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(5),
            retry: RetryPolicy {
                attempts: 5,
                first_backoff: Duration::from_secs(5),
                max_backoff: Duration::from_secs(600),
                jitter: false,
            },
        }
    }
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Running jobs: the queue.
impl<S: JobStore + 'static, K: Send + Sync + 'static, C: Clock + Clone + Send + Sync + 'static, I: IdGenerator + Send + Sync + 'static>
    App<S, K, C, I>
{
    /// Runs due jobs of the handlers' kinds until `shutdown`, one at a time; a stop lets
    /// the job in hand finish its step (its lease then lets another worker resume it).
    /// With nothing due it sleeps until the next due time of its kinds, a job queued by its
    /// own process ([`JobStore::jobs_queued`]) or the poll, whichever comes first: an idle
    /// worker costs one read per wake-up, not a claim every poll.
    pub async fn run_jobs(&self, handlers: Vec<Arc<dyn JobHandler>>, options: JobOptions, mut shutdown: Shutdown) {
        let by_kind: HashMap<&'static str, Arc<dyn JobHandler>> = handlers.into_iter().map(|h| (h.kind(), h)).collect();
        let kinds: Vec<&str> = by_kind.keys().copied().collect();
        let mut queued = self.store.jobs_queued();
        let mut queued_open = true;
        loop {
            if shutdown.is_requested() {
                return;
            }
            // What is queued from here on wakes the wait below, even during the claim.
            queued.borrow_and_update();
            let now = self.clock.now();
            match self
                .store
                .claim_job(
                    None,
                    &kinds,
                    options.worker,
                    now,
                    crm_domain::time::add(now, chrono_of(options.lease)),
                )
                .await
            {
                Ok(Some(job)) => {
                    if let Some(h) = by_kind.get(job.kind.as_str()) {
                        // A failure is recorded with the job and retried by the queue.
                        let _ = self.run_one(Arc::clone(h), job, &options, &mut shutdown).await;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "job queue: cannot claim; retrying");
                    tokio::select! {
                        () = shutdown.requested() => return,
                        () = tokio::time::sleep(options.poll.min(RETRY_AFTER_ERROR)) => continue,
                    }
                }
            }
            // Nothing to take now: wait for one of ours to come due.
            loop {
                let wait = self.until_due(&kinds, options.poll).await;
                tokio::select! {
                    () = shutdown.requested() => return,
                    changed = queued.changed(), if queued_open => {
                        if changed.is_err() {
                            // The store cannot tell: due times and the poll are left.
                            queued_open = false;
                            continue;
                        }
                        // Gathered a little: one look for a burst; then see whether it is ours.
                        tokio::time::sleep(GATHER).await;
                        queued.borrow_and_update();
                    }
                    () = tokio::time::sleep(wait) => break,
                }
            }
        }
    }

    /// How long until a job of `kinds` is due (at least [`MIN_WAIT`], at most `poll`).
    async fn until_due(&self, kinds: &[&str], poll: Duration) -> Duration {
        match self.store.next_job_due(kinds).await {
            Ok(Some(at)) => (at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(MIN_WAIT, poll.max(MIN_WAIT)),
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(error = %e, "job queue: cannot read the next due time; polling");
                poll
            }
        }
    }

    /// Runs `tenant`'s jobs of the handlers' kinds that are due now, one at a time, until
    /// none is (those a run queues due now included); how many ran. For loading data dated
    /// in the past (under a [`FixedClock`](crate::FixedClock)) and for tests: a server runs
    /// [`App::run_jobs`], which claims the due jobs of every tenant. Only `tenant`'s are
    /// claimed here, so companies loaded side by side, each under its own stopped clock,
    /// never run each other's jobs at the wrong instant.
    ///
    /// # Errors
    /// Store failures while claiming; `Internal` naming the first job whose run failed
    /// (recorded with the job, and left to its retry, as `run_jobs` does).
    pub async fn run_due_jobs(&self, tenant: TenantId, handlers: &[Arc<dyn JobHandler>], worker: Uuid) -> Result<usize, ServiceError> {
        let by_kind: HashMap<&'static str, Arc<dyn JobHandler>> = handlers.iter().map(|h| (h.kind(), Arc::clone(h))).collect();
        let kinds: Vec<&str> = by_kind.keys().copied().collect();
        let options = JobOptions::new(worker);
        // Kept alive: nobody asks these runs to stop.
        let (_trigger, mut shutdown) = Shutdown::new();
        let mut ran = 0;
        loop {
            let now = self.clock.now();
            let until = crm_domain::time::add(now, chrono_of(options.lease));
            let Some(job) = self.store.claim_job(Some(tenant), &kinds, worker, now, until).await? else {
                return Ok(ran);
            };
            if let Some(h) = by_kind.get(job.kind.as_str()) {
                let kind = job.kind.clone();
                if let Some(error) = self.run_one(Arc::clone(h), job, &options, &mut shutdown).await {
                    return Err(ServiceError::Internal(format!("job {kind} failed: {error}")));
                }
                ran += 1;
            }
        }
    }

    /// Runs one claimed job and records its end; the error of a run that failed (retried
    /// later or failed for good).
    async fn run_one(&self, handler: Arc<dyn JobHandler>, job: Job, options: &JobOptions, shutdown: &mut Shutdown) -> Option<String> {
        let (tenant, id, kind, attempts) = (job.tenant_id, job.id, job.kind.clone(), job.attempts);
        let saver: Arc<dyn Checkpoints> = Arc::new(StoreCheckpoints {
            store: Arc::clone(&self.store),
            clock: self.clock.clone(),
            tenant,
            id,
            worker: options.worker,
            lease: options.lease,
        });
        let ctx = JobContext {
            job,
            saver: Arc::clone(&saver),
            worker: options.worker,
            lease: options.lease,
        };
        tracing::debug!(%tenant, %id, kind, attempts, "job started");
        // Renew the lease while the handler runs; a lost lease or a cancel stops it.
        let renew = async {
            let every = options.lease / 3;
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = saver.renew().await {
                    return e;
                }
            }
        };
        let result = tokio::select! {
            r = handler.run(&ctx) => r,
            e = renew => Err(e.into()),
        };
        let now = self.clock.now();
        let (outcome, next) = match result {
            Ok(finish) => (JobOutcome::Done, finish.next),
            // Cancelled, or another worker holds it now: nothing more to write.
            Err(ServiceError::Conflict) => {
                tracing::info!(%tenant, %id, kind, "job stopped: cancelled or taken over");
                return None;
            }
            Err(e) if attempts < options.retry.attempts.max(1) => {
                let at = crm_domain::time::add(now, chrono_of(options.retry.wait(attempts, id)));
                tracing::warn!(%tenant, %id, kind, attempts, error = %e, "job failed; retrying from its last step");
                (JobOutcome::Retry { at, error: e.to_string() }, None)
            }
            Err(e) => {
                tracing::error!(%tenant, %id, kind, attempts, error = %e, "job failed for good");
                (JobOutcome::Failed(e.to_string()), None)
            }
        };
        let failed = match &outcome {
            JobOutcome::Retry { error, .. } | JobOutcome::Failed(error) => Some(error.clone()),
            JobOutcome::Done => None,
        };
        if shutdown.is_requested() && matches!(outcome, JobOutcome::Retry { .. }) {
            // Leave it to the lease: the next process resumes it.
            return failed;
        }
        match self
            .store
            .finish_job(tenant, id, options.worker, &outcome, next.as_ref(), now)
            .await
        {
            Ok(()) => tracing::debug!(%tenant, %id, kind, "job finished"),
            Err(e) => tracing::warn!(%tenant, %id, kind, error = %e, "job: cannot record the end; its lease will let it run again"),
        }
        failed
    }
}

/// Timers: the next occurrence of one that ran.
impl<S, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The next occurrence of a timer job that just ran: `every` after it was due, or after
    /// now when it ran late (a stopped server does not replay the missed ones).
    pub fn next_timer(&self, job: &Job, every: chrono::Duration) -> JobFinish {
        let now = self.clock.now();
        let mut due = crm_domain::time::add(job.due_at, every);
        if due <= now {
            due = crm_domain::time::add(now, every);
        }
        JobFinish {
            next: Some(NewJob {
                id: self.new_id(),
                tenant_id: job.tenant_id,
                kind: job.kind.clone(),
                payload: serde_json::Value::Null,
                due_at: due,
                key: Some(job.kind.clone()),
            }),
        }
    }
}

/// Timers: a job of a kind per tenant, keyed by its kind, queued again when it finishes.
impl<S: JobStore + crate::store::TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Queues the timer `kind` of every tenant that has none queued or running (at start,
    /// and for the tenants created since), due `every` from now, as a scheduler started now
    /// would; how many were queued. The tenants that have one are read at once: a write
    /// a tenant, every minute for every kind, was a fifth of an idle server's work at a
    /// thousand companies (docs/performance.md).
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self, kind: &str, every: chrono::Duration) -> Result<usize, ServiceError> {
        let mut queued = 0;
        let live = self.store.tenants_with_live_job(kind).await?;
        for t in self.store.list_tenants().await?.into_iter().filter(|t| !live.contains(&t.id)) {
            let due = crm_domain::time::add(self.clock.now(), every);
            if self.enqueue_job(t.id, kind, serde_json::Value::Null, due, Some(kind)).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

/// Queueing and following jobs: the queue.
impl<S: JobStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Queues a job for the system (timers, background work asked by a use case).
    ///
    /// # Errors
    /// Store failures. `Ok(false)` when a live job has its key.
    pub async fn enqueue_job(
        &self,
        tenant: TenantId,
        kind: &str,
        payload: serde_json::Value,
        due_at: chrono::DateTime<chrono::Utc>,
        key: Option<&str>,
    ) -> Result<bool, ServiceError> {
        let job = NewJob {
            id: self.new_id(),
            tenant_id: tenant,
            kind: kind.to_owned(),
            payload,
            due_at,
            key: key.map(str::to_owned),
        };
        Ok(self.store.enqueue_job(&job, self.clock.now()).await?)
    }

    /// Forgets the jobs finished more than `kept` ago (every tenant's); how many.
    ///
    /// # Errors
    /// Store failures.
    pub async fn purge_finished_jobs(&self, kept: chrono::Duration) -> Result<u64, ServiceError> {
        let before = crm_domain::time::sub(self.clock.now(), kept);
        Ok(self.store.purge_jobs(before).await?)
    }

    /// The tenant's jobs, newest first (Admin), only those of `kind` when given.
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn jobs(&self, actor: &Actor, kind: Option<&str>, limit: u32) -> Result<Vec<Job>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.jobs(tenant, kind, limit.clamp(1, 500)).await?)
    }

    /// One job of the tenant (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn job(&self, actor: &Actor, id: Uuid) -> Result<Job, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.job(tenant, id).await?)
    }

    /// Cancels a queued or running job (Admin); a running one stops at its next step.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn cancel_job(&self, actor: &Actor, id: Uuid) -> Result<Job, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.cancel_job(tenant, id, self.clock.now()).await?)
    }
}
