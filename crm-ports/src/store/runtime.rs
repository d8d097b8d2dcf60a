//! Store ports of the background runtime: the wake-ups that follow commits, where readers
//! of the event log keep their cursors and park the events they cannot apply, and the
//! durable queue of jobs and timers.

use super::{Notification, StoreResult};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use std::collections::HashSet;
use std::future::Future;
use uuid::Uuid;

/// A commit notice: a tenant's log grew to `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Sequence number of the last event of the transaction.
    pub seq: i64,
}

/// Wake-ups after commits: in this process directly, from other processes through the
/// store's own channel (PostgreSQL `NOTIFY`). A lost wake-up only delays a reader, which
/// always catches up from its cursor.
pub trait Wakeups: Send + Sync {
    /// Listens to commits.
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Committed>;
    /// Tells this process's listeners that a tenant has news (a replay requested...).
    fn wake(&self, tenant: TenantId, seq: i64);
}

/// How a consumer's cursor moves with a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// From `from` (the cursor read before; the write fails with `Conflict` when another
    /// process moved it) to `to`.
    To {
        /// Expected current cursor.
        from: i64,
        /// New cursor.
        to: i64,
    },
    /// A parked event applied again on request; the cursor does not move, the parked
    /// event is marked replayed (`Conflict` when it is not waiting for a replay).
    Replay {
        /// The parked event.
        seq: i64,
    },
}

/// What a consumer writes to the store, in the transaction that moves its cursor.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsumerWrite {
    /// A notification (its key makes it unique in the tenant).
    Notify(Notification),
    /// A job or timer (a live job with the same key makes this one a no-op).
    Enqueue(NewJob),
    /// Contacts' scores (see [`super::ScoringStore::save_scores`]).
    Scores(Vec<super::ContactScore>),
    /// Automation runs started by the events (see
    /// [`super::AutomationStore::start_automation_runs`]).
    Runs(Vec<super::RunStart>),
}

/// An event a consumer gave up on, kept for its Admin with the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedEvent {
    /// The consumer.
    pub consumer: String,
    /// The event's sequence number.
    pub seq: i64,
    /// The last error.
    pub error: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
    /// When an Admin asked for a replay (waiting while `replayed_at` is empty).
    pub replay_requested_at: Option<DateTime<Utc>>,
    /// When the replay succeeded.
    pub replayed_at: Option<DateTime<Utc>>,
}

/// Where a tenant's log stands for one reader, read for every tenant at once by a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogMark {
    /// The tenant.
    pub tenant: TenantId,
    /// Its log's last event (0: none).
    pub head: i64,
    /// The reader's cursor kept in the store under its name (0: none).
    pub cursor: i64,
    /// Whether one of the reader's parked events waits for a replay.
    pub replay_waiting: bool,
}

/// Cursors and parked events of the readers of the log.
pub trait ConsumerStore: Send + Sync {
    /// A consumer's cursor in a tenant's log (0 when it never ran there).
    fn consumer_cursor(&self, tenant: TenantId, consumer: &str) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Every consumer's cursor in a tenant.
    fn consumer_cursors(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<(String, i64)>>> + Send;
    /// In one transaction: moves the cursor (or marks a replay done) and writes `writes`.
    /// `Conflict` (and nothing written) when the cursor is not `from` or the replay is
    /// not waiting.
    fn consumer_commit(
        &self,
        tenant: TenantId,
        consumer: &str,
        advance: Advance,
        writes: &[ConsumerWrite],
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Parks an event (or records a failed replay of a parked one: error and attempts
    /// replaced, the replay request cleared).
    fn park_event(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
        error: &str,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A tenant's parked events, newest first, at most `limit`.
    fn parked_events(&self, tenant: TenantId, limit: u32) -> impl Future<Output = StoreResult<Vec<ParkedEvent>>> + Send;
    /// Asks for a parked event to be applied again. `NotFound` when that consumer has no
    /// such parked event, or it was replayed already.
    fn request_replay(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The parked events of a consumer waiting for a replay, oldest first.
    fn replays_requested(&self, tenant: TenantId, consumer: &str) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// Every tenant's mark for `consumer`, in one read: what a sweep needs to visit only
    /// the tenants with something to read.
    fn log_marks(&self, consumer: &str) -> impl Future<Output = StoreResult<Vec<LogMark>>> + Send;
}

/// A job or timer to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Id.
    pub id: Uuid,
    /// Tenant it works for.
    pub tenant_id: TenantId,
    /// What it does (a handler's name, such as `reminders.scan`).
    pub kind: String,
    /// Its input: ids and settings, never personal data in clear.
    pub payload: serde_json::Value,
    /// Not before (a timer's time; now for a plain job).
    pub due_at: DateTime<Utc>,
    /// At most one queued or running job per tenant and key (`None`: no such limit).
    pub key: Option<String>,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its time or a worker.
    Queued,
    /// Held by a worker (until its lease ends).
    Running,
    /// Finished.
    Done,
    /// Gave up after its attempts.
    Failed,
    /// Cancelled.
    Cancelled,
}

impl JobState {
    /// Stable name, as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Done, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Id.
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// What it does.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// Its key, if any.
    pub key: Option<String>,
    /// Where it is.
    pub state: JobState,
    /// The last step it committed (0: none); a resumed job starts after it.
    pub step: i64,
    /// What it reported with that step (for people: counts, totals).
    pub progress: serde_json::Value,
    /// Times a worker took it.
    pub attempts: u32,
    /// Not before.
    pub due_at: DateTime<Utc>,
    /// The worker holding it.
    pub lease_owner: Option<Uuid>,
    /// Until when that worker holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// The last error.
    pub error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// How a worker leaves a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Finished.
    Done,
    /// Try again at `at` (queued again, keeping its step).
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Why this attempt failed.
        error: String,
    },
    /// Gave up.
    Failed(String),
}

/// The durable queue of jobs and timers. Workers of every process claim from it; a lease
/// makes a claim exclusive until it ends, so a crashed worker's job is taken again (from
/// its last step) once its lease has run out.
pub trait JobStore: Send + Sync {
    /// Queues a job; `false` (nothing written) when a live job of the tenant has its key.
    fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The tenants that have a live (queued or running) job keyed `key`, every tenant's:
    /// the timers' keeper queues only the others' (one read a minute, not a write a
    /// tenant).
    fn tenants_with_live_job(&self, key: &str) -> impl Future<Output = StoreResult<HashSet<TenantId>>> + Send;
    /// Takes the queued job of one of `kinds` due longest ago (or a running one whose lease
    /// ran out), of `tenant` only when one is given: it becomes running, held by `worker`
    /// until `lease_until`, attempts + 1. Two workers never take the same job at once.
    fn claim_job(
        &self,
        tenant: Option<TenantId>,
        kinds: &[&str],
        worker: Uuid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send;
    /// Records a step of a held job and extends its lease. `Conflict` when the worker no
    /// longer holds it (lease lost, or cancelled): the worker must stop.
    #[allow(clippy::too_many_arguments)] // a step of a held job: who, which, what, until, now
    fn checkpoint_job(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        step: i64,
        progress: &serde_json::Value,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Extends the lease of a held job, its step and progress left as they are (a step is
    /// only ever written with the work it stands for). `Conflict` when the worker no
    /// longer holds it.
    fn renew_job_lease(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// When the next job of one of `kinds` comes due: the earliest due time of those queued,
    /// or lease end of those running (`None`: none is queued or running).
    fn next_job_due(&self, kinds: &[&str]) -> impl Future<Output = StoreResult<Option<DateTime<Utc>>>> + Send;
    /// Moves each time a transaction of this process that queued a job has committed: a
    /// worker waits on it, and on the next due time, rather than polling the queue (a store
    /// that cannot tell returns a receiver whose sender is gone: its workers poll).
    fn jobs_queued(&self) -> tokio::sync::watch::Receiver<u64>;
    /// Leaves a held job and, in the same transaction, queues `next` (a recurring timer's
    /// next time). `Conflict` when the worker no longer holds it.
    fn finish_job(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        outcome: &JobOutcome,
        next: Option<&NewJob>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Cancels a queued or running job (a running one stops at its next step). `NotFound`
    /// when the tenant has no such job; a finished job is returned unchanged.
    fn cancel_job(&self, tenant: TenantId, id: Uuid, now: DateTime<Utc>) -> impl Future<Output = StoreResult<Job>> + Send;
    /// One job of the tenant. `NotFound` otherwise.
    fn job(&self, tenant: TenantId, id: Uuid) -> impl Future<Output = StoreResult<Job>> + Send;
    /// The tenant's jobs, newest first, at most `limit`; only those of `kind` when given.
    fn jobs(&self, tenant: TenantId, kind: Option<&str>, limit: u32) -> impl Future<Output = StoreResult<Vec<Job>>> + Send;
    /// Forgets the jobs of every tenant finished (done, failed or cancelled) before a time;
    /// how many.
    fn purge_jobs(&self, finished_before: DateTime<Utc>) -> impl Future<Output = StoreResult<u64>> + Send;
}
