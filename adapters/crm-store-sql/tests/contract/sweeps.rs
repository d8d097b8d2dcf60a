//! A reader of the log sweeps the tenants in case a wake-up was lost, which with many
//! tenants takes seconds: a tenant whose log grows meanwhile is served before the rest of
//! the sweep, not after it. A reader that can say where it stands visits only the tenants
//! with events past its cursor or a replay asked for, found in one read of the store.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::TenantId;
use crm_domain::event::EntityType;
use crm_ports::ServiceError;
use crm_ports::query::EventRecord;
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore, Interest, Positions, StoreConsumer};
use crm_ports::runtime::{BoxFuture, RetryPolicy, Shutdown};
use crm_ports::store::{Advance, ConsumerStore as _, ConsumerWrite, EventLog as _, LogMark, TenantStore as _};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the reader saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// A tenant of the sweep visited (slowly).
    Swept(TenantId),
    /// Contact events applied for a tenant.
    Applied(TenantId, usize),
}

/// Takes [`SLOW`] to read its position in each tenant that existed when it was made (as a
/// sweep over a thousand tenants takes seconds), and has nothing to do there; it applies
/// the contact events of the other tenants.
struct SlowSweep {
    slow: HashSet<TenantId>,
    seen: Arc<Mutex<Vec<Seen>>>,
    cursors: Mutex<HashMap<TenantId, i64>>,
}

const SLOW: Duration = Duration::from_millis(100);

impl Consumer for SlowSweep {
    fn name(&self) -> &'static str {
        "test_slow_sweep"
    }

    fn interest(&self) -> Interest {
        Interest::Entities(&[EntityType::Contact])
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move {
            if self.slow.contains(&tenant) {
                tokio::time::sleep(SLOW).await;
                self.seen.lock().unwrap().push(Seen::Swept(tenant));
                return Ok(i64::MAX);
            }
            Ok(self.cursors.lock().unwrap().get(&tenant).copied().unwrap_or(0))
        })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            if let Advance::To { to, .. } = advance {
                self.cursors.lock().unwrap().insert(tenant, to);
            }
            if !events.is_empty() {
                self.seen.lock().unwrap().push(Seen::Applied(tenant, events.len()));
            }
            Ok(())
        })
    }
}

pub async fn a_tenant_woken_during_a_sweep_goes_before_the_rest_of_it(h: &Harness) {
    // Enough tenants for the sweep to last well over a second.
    for n in 0..12 {
        h.tenant(&format!("Balayée {n}")).await;
    }
    let slow: HashSet<TenantId> = h.app.store().list_tenants().await.unwrap().iter().map(|t| t.id).collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumer: Arc<dyn Consumer> = Arc::new(SlowSweep {
        slow: slow.clone(),
        seen: Arc::clone(&seen),
        cursors: Mutex::default(),
    });
    let options = ConsumerOptions {
        batch: 50,
        sweep: Duration::from_secs(600),
        gather: Duration::from_millis(5),
        retry: RetryPolicy::default(),
    };
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let runner = tokio::spawn(async move { app.run_consumer(consumer, options, shutdown).await });
    let swept = |seen: &[Seen]| seen.iter().filter(|s| matches!(s, Seen::Swept(_))).count();

    // The first sweep is under way: a new tenant gets a contact.
    for _ in 0..200 {
        if swept(&seen.lock().unwrap()) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (t, admin) = h.tenant("Réveillée").await;
    h.app.create_contact(&admin, &input("Jean", "Pressé"), None, true).await.unwrap();

    let mut applied_after = None;
    for _ in 0..400 {
        {
            let seen = seen.lock().unwrap();
            if let Some(i) = seen.iter().position(|s| matches!(s, Seen::Applied(x, _) if *x == t.id)) {
                applied_after = Some(swept(&seen[..i]));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    trigger.trigger();
    runner.await.unwrap();
    let applied_after = applied_after.expect("the woken tenant's contact was never applied");
    // Without the woken tenant going first, it is served once all the sweep is done.
    assert!(
        applied_after < slow.len(),
        "the woken tenant waited for the whole sweep: applied after {applied_after} of {} tenants",
        slow.len()
    );
}

/// The last event of a tenant's log.
async fn head(h: &Harness, t: TenantId) -> i64 {
    let events = h.app.store().events_after(t, 0, 10_000).await.unwrap();
    events.last().map_or(0, |e| e.seq)
}

fn marks_of(marks: &[LogMark], t: TenantId) -> LogMark {
    let mine: Vec<&LogMark> = marks.iter().filter(|m| m.tenant == t).collect();
    assert_eq!(mine.len(), 1, "one mark per tenant");
    *mine[0]
}

pub async fn log_marks_give_each_tenant_its_head_its_cursor_and_a_waiting_replay(h: &Harness) {
    let s = h.app.store();
    let now = chrono::Utc::now();
    let (a, admin_a) = h.tenant("Marques A").await;
    let (b, _) = h.tenant("Marques B").await;
    let (c, _) = h.tenant("Marques C").await;
    h.app.create_contact(&admin_a, &input("Anne", "Tête"), None, true).await.unwrap();
    let (head_a, head_b, head_c) = (head(h, a.id).await, head(h, b.id).await, head(h, c.id).await);
    assert!(head_a > 0 && head_b > 0 && head_c > 0);

    s.consumer_commit(b.id, "test_marks", Advance::To { from: 0, to: head_b }, &[], now)
        .await
        .unwrap();
    s.park_event(c.id, "test_marks", head_c, "en panne", 3, now).await.unwrap();
    // Another reader's cursor and parked event are not this one's.
    s.consumer_commit(a.id, "test_other", Advance::To { from: 0, to: 1 }, &[], now)
        .await
        .unwrap();
    s.park_event(a.id, "test_other", 1, "en panne", 3, now).await.unwrap();
    s.request_replay(a.id, "test_other", 1, now).await.unwrap();

    let marks = s.log_marks("test_marks").await.unwrap();
    let mark = |t: TenantId| marks_of(&marks, t);
    assert_eq!(
        mark(a.id),
        LogMark {
            tenant: a.id,
            head: head_a,
            cursor: 0,
            replay_waiting: false
        }
    );
    assert_eq!(
        (mark(b.id).head, mark(b.id).cursor, mark(b.id).replay_waiting),
        (head_b, head_b, false)
    );
    // Parked, no replay asked yet.
    assert_eq!((mark(c.id).head, mark(c.id).cursor, mark(c.id).replay_waiting), (head_c, 0, false));

    s.request_replay(c.id, "test_marks", head_c, now).await.unwrap();
    assert!(marks_of(&s.log_marks("test_marks").await.unwrap(), c.id).replay_waiting);
    let other = s.log_marks("test_other").await.unwrap();
    assert_eq!((marks_of(&other, a.id).cursor, marks_of(&other, a.id).replay_waiting), (1, true));
    assert_eq!((marks_of(&other, c.id).cursor, marks_of(&other, c.id).replay_waiting), (0, false));

    // Replayed: nothing waits any more.
    s.consumer_commit(c.id, "test_marks", Advance::Replay { seq: head_c }, &[], now)
        .await
        .unwrap();
    assert!(!marks_of(&s.log_marks("test_marks").await.unwrap(), c.id).replay_waiting);
    // The log grows: its head with it.
    h.app.create_contact(&admin_a, &input("Paul", "Suivant"), None, true).await.unwrap();
    assert_eq!(marks_of(&s.log_marks("test_marks").await.unwrap(), a.id).head, head(h, a.id).await);
    assert!(head(h, a.id).await > head_a);
}

const QUIET: &str = "test_quiet_sweep";

/// Writes nothing: only its cursor moves.
struct Quiet;

impl StoreConsumer for Quiet {
    fn name(&self) -> &'static str {
        QUIET
    }

    fn interest(&self) -> Interest {
        Interest::All
    }

    fn writes<'a>(&'a self, _: TenantId, _: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// A reader with its cursors in the store that counts its visits of each tenant (each read
/// of its position).
struct Counted<T> {
    inner: T,
    visits: Arc<Mutex<HashMap<TenantId, u32>>>,
}

impl<T: Consumer> Consumer for Counted<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn interest(&self) -> Interest {
        self.inner.interest()
    }

    fn positions(&self) -> Positions {
        self.inner.positions()
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        *self.visits.lock().unwrap().entry(tenant).or_default() += 1;
        self.inner.position(tenant)
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        self.inner.apply(tenant, events, advance)
    }
}

pub async fn a_sweep_visits_only_the_tenants_with_something_to_read(h: &Harness) {
    let s = h.app.store();
    let now = chrono::Utc::now();
    let (caught, _) = h.tenant("À jour").await;
    let (behind, admin) = h.tenant("En retard").await;
    let (waiting, _) = h.tenant("Rejeu demandé").await;
    h.app.create_contact(&admin, &input("Luc", "Tardif"), None, true).await.unwrap();
    let to = head(h, caught.id).await;
    s.consumer_commit(caught.id, QUIET, Advance::To { from: 0, to }, &[], now)
        .await
        .unwrap();
    // Caught up but for a parked event whose replay was asked while no runner listened:
    // its wake-up is lost, only the sweep finds it.
    let last = head(h, waiting.id).await;
    s.consumer_commit(waiting.id, QUIET, Advance::To { from: 0, to: last }, &[], now)
        .await
        .unwrap();
    s.park_event(waiting.id, QUIET, last, "en panne", 3, now).await.unwrap();
    s.request_replay(waiting.id, QUIET, last, now).await.unwrap();

    let visits = Arc::new(Mutex::new(HashMap::new()));
    let consumer: Arc<dyn Consumer> = Arc::new(Counted {
        inner: InStore::new(Quiet, &h.app),
        visits: Arc::clone(&visits),
    });
    let options = ConsumerOptions {
        batch: 50,
        sweep: Duration::from_millis(100),
        gather: Duration::from_millis(5),
        retry: RetryPolicy::default(),
    };
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let runner = tokio::spawn(async move { app.run_consumer(consumer, options, shutdown).await });

    let behind_head = head(h, behind.id).await;
    let mut done = false;
    for _ in 0..400 {
        let replayed = s.parked_events(waiting.id, 10).await.unwrap()[0].replayed_at.is_some();
        if replayed && s.consumer_cursor(behind.id, QUIET).await.unwrap() == behind_head {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Several sweeps more.
    tokio::time::sleep(Duration::from_millis(800)).await;
    trigger.trigger();
    runner.await.unwrap();
    assert!(done, "the tenant behind was not caught up, or the replay asked for not made");
    let visits = visits.lock().unwrap().clone();
    let of = |t: TenantId| visits.get(&t).copied().unwrap_or(0);
    assert_eq!(of(caught.id), 0, "a tenant with nothing to read was visited");
    // Once to read and once to find nothing more; not again at the next sweeps.
    assert!(
        (1..=2).contains(&of(behind.id)),
        "the tenant behind was visited {} times",
        of(behind.id)
    );
    assert!(
        (1..=2).contains(&of(waiting.id)),
        "the tenant with a replay was visited {} times",
        of(waiting.id)
    );
}

contract!(
    a_tenant_woken_during_a_sweep_goes_before_the_rest_of_it,
    log_marks_give_each_tenant_its_head_its_cursor_and_a_waiting_replay,
    a_sweep_visits_only_the_tenants_with_something_to_read,
);
