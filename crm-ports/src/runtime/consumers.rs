//! Readers of the event log on one runner: each [`Consumer`] keeps a durable cursor per
//! tenant where its output lives, and [`App::run_consumer`] feeds it batches.
//!
//! Delivery: a consumer that writes to the store commits its cursor in the same
//! transaction as its writes ([`StoreConsumer`], exactly-once effect); the search indexer
//! commits it with its index; an outside effect (a webhook) moves the cursor after the
//! effect (at least once; the receiver gets the event's tenant and sequence number to
//! drop repeats). A batch that fails is applied again one event at a time; the event that
//! keeps failing is retried with backoff and, after the policy's attempts, parked: the
//! cursor passes it, its Admin sees it with its error and may ask for a replay. A consumer
//! that needs strict order is never parked: it retries its tenant forever, and the other
//! tenants go on.

use super::{BoxFuture, RetryPolicy, Shutdown};
use crate::app::App;
use crate::env::Clock;
use crate::error::{ServiceError, StoreError};
use crate::query::EventRecord;
use crate::store::{Advance, ConsumerStore, ConsumerWrite, EventLog, LogMark, TenantStore, Wakeups};
use crm_domain::TenantId;
use crm_domain::event::{EntityType, EventKind};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

/// The events a consumer wants.
#[derive(Debug, Clone, Copy)]
pub enum Interest {
    /// Every event.
    All,
    /// Every change of these entities.
    Entities(&'static [EntityType]),
    /// These kinds of change of these entities.
    Only(&'static [(EntityType, EventKind)]),
}

impl Interest {
    /// Whether the consumer wants `event`.
    pub fn matches(&self, event: &EventRecord) -> bool {
        match self {
            Self::All => true,
            Self::Entities(types) => types.contains(&event.entity_type),
            Self::Only(pairs) => pairs.iter().any(|&(t, k)| t == event.entity_type && k == event.kind),
        }
    }
}

/// Where a consumer stands in every tenant at once, for a sweep to visit only the tenants
/// with something to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Positions {
    /// Its cursors are the store's, under its name ([`ConsumerStore::consumer_cursor`]).
    Store,
    /// Its cursor in each tenant it knows; a tenant missing is visited.
    Known(HashMap<TenantId, i64>),
    /// It cannot say: a sweep visits every tenant.
    Unknown,
}

/// A reader of the event log.
pub trait Consumer: Send + Sync + 'static {
    /// Stable name: its cursors and parked events are kept under it.
    fn name(&self) -> &'static str;
    /// The events it wants; the others only move its cursor.
    fn interest(&self) -> Interest;
    /// Whether it must see its tenant's events strictly in order (never parks one).
    fn strict_order(&self) -> bool {
        false
    }
    /// Where it stands in every tenant, read at each sweep (cheap: no store read of its own).
    fn positions(&self) -> Positions {
        Positions::Unknown
    }
    /// Its cursor in a tenant's log: the last event it applied (0: none).
    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>>;
    /// Applies `events` (those it wants among a run of the log) and moves its cursor as
    /// `advance` says, durably and together with its effect where it can. A `Conflict`
    /// means another process moved the cursor: the runner reads it again.
    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>>;
}

/// A consumer whose output is rows of the store: it says what to write, and its cursor
/// moves in the same transaction (exactly-once effect). Wrap it in [`InStore`].
pub trait StoreConsumer: Send + Sync + 'static {
    /// Stable name.
    fn name(&self) -> &'static str;
    /// The events it wants.
    fn interest(&self) -> Interest;
    /// What to write for these events (read what it needs; write nothing itself).
    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>>;
}

/// A [`StoreConsumer`] run with its cursor in the store.
pub struct InStore<T, S, C> {
    inner: T,
    store: Arc<S>,
    clock: C,
}

impl<T: StoreConsumer, S: ConsumerStore, C: Clock> InStore<T, S, C> {
    /// `inner` on the application's store and clock.
    pub fn new<K, I>(inner: T, app: &App<S, K, C, I>) -> Self
    where
        C: Clone,
    {
        Self {
            inner,
            store: Arc::clone(&app.store),
            clock: app.clock.clone(),
        }
    }
}

impl<T: StoreConsumer, S: ConsumerStore + 'static, C: Clock + Send + Sync + 'static> Consumer for InStore<T, S, C> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn interest(&self) -> Interest {
        self.inner.interest()
    }

    fn positions(&self) -> Positions {
        Positions::Store
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move { Ok(self.store.consumer_cursor(tenant, self.inner.name()).await?) })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            let writes = if events.is_empty() {
                Vec::new()
            } else {
                self.inner.writes(tenant, events).await?
            };
            self.store
                .consumer_commit(tenant, self.inner.name(), advance, &writes, self.clock.now())
                .await?;
            Ok(())
        })
    }
}

/// How a consumer is run.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerOptions {
    /// Events read at once.
    pub batch: u32,
    /// Longest time between two sweeps of every tenant (a lost wake-up only delays).
    pub sweep: Duration,
    /// How long wake-ups are gathered before reading (one batch for a burst).
    pub gather: Duration,
    /// Retries before parking.
    pub retry: RetryPolicy,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        Self {
            batch: 500,
            sweep: Duration::from_secs(30),
            gather: Duration::from_millis(20),
            retry: RetryPolicy::default(),
        }
    }
}

/// An event failing for one tenant, waiting for its next attempt.
#[derive(Debug, Clone, Copy)]
struct Failing {
    seq: i64,
    failures: u32,
    retry_at: Instant,
}

/// A consumer's state in one tenant, for its Admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerStatus {
    /// The consumer.
    pub name: String,
    /// Last event it applied.
    pub cursor: i64,
    /// Last event of the tenant's log.
    pub latest: i64,
    /// Events it has still to read.
    pub lag: i64,
    /// Its parked events not replayed yet.
    pub parked: u32,
}

/// How many parked events the status and list read at most.
pub(super) const PARKED_LIMIT: u32 = 500;

/// Running consumers: the log, the cursors, the tenants to sweep and the wake-ups.
impl<
    S: ConsumerStore + EventLog + TenantStore + Wakeups,
    K: Send + Sync + 'static,
    C: Clock + Send + Sync + 'static,
    I: Send + Sync + 'static,
> App<S, K, C, I>
{
    /// Runs a consumer until `shutdown`: at start and every sweep, each tenant with events
    /// past its cursor or a replay asked for (every tenant when its positions are
    /// [`Positions::Unknown`]); a tenant when its log grows, a failing tenant when its
    /// backoff ends. A tenant woken during a
    /// sweep goes before the tenants the sweep has still to visit: with many tenants a sweep
    /// takes seconds, and a change must not wait for it. Returns after the batch in hand
    /// once a stop is asked.
    pub async fn run_consumer(&self, consumer: Arc<dyn Consumer>, options: ConsumerOptions, mut shutdown: Shutdown) {
        let mut wake = self.store.subscribe();
        let mut failing: HashMap<TenantId, Failing> = HashMap::new();
        // Woken (or due again after a failure): first. Left to visit by the sweep: after.
        let mut dirty: HashSet<TenantId> = HashSet::new();
        let mut sweeping: VecDeque<TenantId> = VecDeque::new();
        let mut sweep_at = Instant::now();
        let mut wake_open = true;
        loop {
            if shutdown.is_requested() {
                return;
            }
            let now = Instant::now();
            if now >= sweep_at {
                match self.to_sweep(consumer.as_ref()).await {
                    // The loop below ends only once the last sweep is done: none is left.
                    Ok(tenants) => sweeping.extend(tenants),
                    Err(e) => {
                        tracing::warn!(consumer = consumer.name(), error = %e, "cannot read which tenants to sweep; next sweep retries")
                    }
                }
                sweep_at = now + options.sweep;
            }
            loop {
                let now = Instant::now();
                dirty.extend(failing.iter().filter(|(_, f)| f.retry_at <= now).map(|(t, _)| *t));
                if wake_open {
                    loop {
                        match wake.try_recv() {
                            Ok(c) => {
                                dirty.insert(c.tenant_id);
                            }
                            Err(TryRecvError::Lagged(_)) => sweep_at = Instant::now(),
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Closed) => {
                                wake_open = false;
                                break;
                            }
                        }
                    }
                }
                // Every tenant woken so far, then one more of the sweep: a woken tenant
                // waits for one tenant of the sweep at most, and a busy tenant does not
                // hold the sweep off.
                let woken = std::mem::take(&mut dirty);
                let swept = sweeping.pop_front();
                if woken.is_empty() && swept.is_none() {
                    break;
                }
                for tenant in woken.into_iter().chain(swept) {
                    if shutdown.is_requested() {
                        return;
                    }
                    self.consume_tenant(consumer.as_ref(), tenant, &options, &mut failing).await;
                }
            }
            let until = failing.values().map(|f| f.retry_at).fold(sweep_at, Instant::min);
            tokio::select! {
                () = shutdown.requested() => return,
                r = wake.recv(), if wake_open => match r {
                    Ok(c) => {
                        dirty.insert(c.tenant_id);
                        // Gathered a little: one batch for a burst (the rest are read by
                        // the loop above).
                        tokio::time::sleep(options.gather).await;
                    }
                    Err(RecvError::Lagged(_)) => sweep_at = Instant::now(),
                    Err(RecvError::Closed) => wake_open = false,
                },
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }

    /// The tenants a sweep visits: those whose log is past the consumer's position or where
    /// one of its parked events waits for a replay, read in one statement (a sweep of a
    /// thousand tenants used to ask each in turn: three round trips per tenant); every
    /// tenant when the consumer cannot say where it stands.
    async fn to_sweep(&self, c: &dyn Consumer) -> Result<Vec<TenantId>, StoreError> {
        let known = match c.positions() {
            Positions::Unknown => return Ok(self.store.list_tenants().await?.into_iter().map(|t| t.id).collect()),
            Positions::Store => None,
            Positions::Known(positions) => Some(positions),
        };
        // Positions were read before the heads: a position only grows, so a tenant left out
        // had applied its whole log as it stood then; what came after wakes it.
        let behind = |m: &LogMark| match &known {
            None => m.head > m.cursor,
            Some(k) => k.get(&m.tenant).is_none_or(|&p| m.head > p),
        };
        let marks = self.store.log_marks(c.name()).await?;
        Ok(marks
            .into_iter()
            .filter(|m| m.replay_waiting || behind(m))
            .map(|m| m.tenant)
            .collect())
    }

    /// Replays what the tenant's Admin asked for, then applies the tenant's new events.
    async fn consume_tenant(
        &self,
        c: &dyn Consumer,
        tenant: TenantId,
        options: &ConsumerOptions,
        failing: &mut HashMap<TenantId, Failing>,
    ) {
        match self.store.replays_requested(tenant, c.name()).await {
            Ok(seqs) => {
                for seq in seqs {
                    self.replay(c, tenant, seq).await;
                }
            }
            Err(e) => tracing::warn!(consumer = c.name(), %tenant, error = %e, "cannot read the replays asked for"),
        }
        let interest = c.interest();
        loop {
            if failing.get(&tenant).is_some_and(|f| f.retry_at > Instant::now()) {
                return;
            }
            let from = match c.position(tenant).await {
                Ok(p) => p,
                Err(e) => {
                    self.failed(c, tenant, None, &e, options, failing);
                    return;
                }
            };
            let events = match self.store.events_after(tenant, from, options.batch).await {
                Ok(ev) => ev,
                Err(e) => {
                    self.failed(c, tenant, None, &e.into(), options, failing);
                    return;
                }
            };
            let Some(to) = events.last().map(|e| e.seq) else {
                failing.remove(&tenant);
                return;
            };
            let wanted: Vec<EventRecord> = events.iter().filter(|e| interest.matches(e)).cloned().collect();
            match c.apply(tenant, &wanted, Advance::To { from, to }).await {
                Ok(()) => {
                    failing.remove(&tenant);
                    continue;
                }
                Err(ServiceError::Conflict) => continue,
                Err(e) if events.len() == 1 => {
                    if !self.give_up_or_wait(c, tenant, &events[0], from, &e, options, failing).await {
                        return;
                    }
                    continue;
                }
                Err(_) => {}
            }
            // Find the event at fault: one at a time, those before it applied.
            let mut prev = from;
            for e in &events {
                let one = if interest.matches(e) { std::slice::from_ref(e) } else { &[] };
                match c.apply(tenant, one, Advance::To { from: prev, to: e.seq }).await {
                    Ok(()) => {
                        prev = e.seq;
                        failing.remove(&tenant);
                    }
                    Err(ServiceError::Conflict) => break,
                    Err(err) => {
                        if !self.give_up_or_wait(c, tenant, e, prev, &err, options, failing).await {
                            return;
                        }
                        prev = e.seq;
                    }
                }
            }
        }
    }

    /// Counts a failure of `event`; parks it (and moves the cursor past it) once the
    /// attempts are spent. Whether the cursor passed it (the caller goes on).
    #[allow(clippy::too_many_arguments)]
    async fn give_up_or_wait(
        &self,
        c: &dyn Consumer,
        tenant: TenantId,
        event: &EventRecord,
        prev: i64,
        error: &ServiceError,
        options: &ConsumerOptions,
        failing: &mut HashMap<TenantId, Failing>,
    ) -> bool {
        let failures = self.failed(c, tenant, Some(event.seq), error, options, failing);
        // An unreachable store is not the event's fault: wait for it, however long.
        let transient = matches!(error, ServiceError::Unavailable);
        if transient || c.strict_order() || failures < options.retry.attempts.max(1) {
            return false;
        }
        let parked = self
            .store
            .park_event(tenant, c.name(), event.seq, &error.to_string(), failures, self.clock.now())
            .await;
        if let Err(e) = parked {
            tracing::warn!(consumer = c.name(), %tenant, seq = event.seq, error = %e, "cannot park the event; retrying it");
            return false;
        }
        match c.apply(tenant, &[], Advance::To { from: prev, to: event.seq }).await {
            Ok(()) | Err(ServiceError::Conflict) => {
                tracing::error!(
                    consumer = c.name(),
                    %tenant,
                    seq = event.seq,
                    kind = %event.kind,
                    entity = event.entity_type.code(),
                    attempts = failures,
                    error = %error,
                    "event parked: its Admin can replay it once the cause is fixed"
                );
                failing.remove(&tenant);
                true
            }
            Err(e) => {
                tracing::warn!(consumer = c.name(), %tenant, seq = event.seq, error = %e, "parked, but cannot move past it yet");
                false
            }
        }
    }

    /// Notes a failure for the tenant (of the event `seq` when known) and schedules the
    /// retry; the failures of that event so far.
    fn failed(
        &self,
        c: &dyn Consumer,
        tenant: TenantId,
        seq: Option<i64>,
        error: &ServiceError,
        options: &ConsumerOptions,
        failing: &mut HashMap<TenantId, Failing>,
    ) -> u32 {
        let seq = seq.unwrap_or(-1);
        let f = failing.entry(tenant).or_insert(Failing {
            seq,
            failures: 0,
            retry_at: Instant::now(),
        });
        if f.seq != seq {
            *f = Failing {
                seq,
                failures: 0,
                retry_at: Instant::now(),
            };
        }
        f.failures += 1;
        let wait = options.retry.backoff(f.failures);
        f.retry_at = Instant::now() + wait;
        tracing::warn!(consumer = c.name(), %tenant, seq, failures = f.failures, retry_in_ms = wait.as_millis() as u64, error = %error, "consumer failed; retrying");
        f.failures
    }

    async fn replay(&self, c: &dyn Consumer, tenant: TenantId, seq: i64) {
        let event = match self.store.events_after(tenant, seq - 1, 1).await {
            Ok(mut ev) if ev.first().is_some_and(|e| e.seq == seq) => ev.remove(0),
            Ok(_) => {
                let _ = self
                    .store
                    .park_event(tenant, c.name(), seq, "event not found in the log", 0, self.clock.now())
                    .await;
                return;
            }
            Err(e) => {
                tracing::warn!(consumer = c.name(), %tenant, seq, error = %e, "replay: cannot read the event; next wake-up retries");
                return;
            }
        };
        match c.apply(tenant, std::slice::from_ref(&event), Advance::Replay { seq }).await {
            Ok(()) => tracing::info!(consumer = c.name(), %tenant, seq, "parked event replayed"),
            Err(ServiceError::Conflict) => {}
            Err(e) => {
                tracing::warn!(consumer = c.name(), %tenant, seq, error = %e, "replay failed; the event stays parked");
                let attempts = self
                    .store
                    .parked_events(tenant, PARKED_LIMIT)
                    .await
                    .ok()
                    .and_then(|p| p.into_iter().find(|p| p.consumer == c.name() && p.seq == seq))
                    .map_or(1, |p| p.attempts.saturating_add(1));
                let _ = self
                    .store
                    .park_event(tenant, c.name(), seq, &e.to_string(), attempts, self.clock.now())
                    .await;
            }
        }
    }
}
