//! The background runtime on the real store: a reader of the log that parks one tenant's
//! poisoned event while the others go on, and applies it once on replay; jobs resumed from
//! their last step after their worker died; a timer due while nothing ran fires once; two
//! workers (two connection pools, as two servers) never run the same job twice.

use crate::contacts::input;
use crate::harness::{self, Harness};
use crm_domain::event::EntityType;
use crm_domain::{Actor, ContactId, TenantId};
use crm_ports::ServiceError;
use crm_ports::query::{EventRecord, Scope};
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore, Interest, StoreConsumer};
use crm_ports::runtime::jobs::{JobContext, JobFinish, JobHandler, JobOptions};
use crm_ports::runtime::{BoxFuture, RetryPolicy, Shutdown};
use crm_ports::store::{ConsumerWrite, ContactStore as _, JobState, JobStore as _, NewJob, Notification, TenantStore as _};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const POISON: &str = "test_poison";

/// Tells each tenant's Admin the last name of every contact created; fails on contacts
/// named "Poison" while `broken`.
struct Echo {
    app: harness::TestApp,
    admins: HashMap<TenantId, crm_domain::UserId>,
    broken: Arc<AtomicBool>,
}

impl StoreConsumer for Echo {
    fn name(&self) -> &'static str {
        POISON
    }

    fn interest(&self) -> Interest {
        Interest::Entities(&[EntityType::Contact])
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async move {
            // Other cases' tenants on a shared database: nothing to say.
            let Some(&admin) = self.admins.get(&tenant) else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for e in events {
                let all = Scope {
                    tenant_id: tenant,
                    records: crm_domain::visibility::RecordScope::Tenant,
                };
                let c = self.app.store().contact(all, ContactId::from_uuid(e.entity_id)).await?;
                let name = c.fields.last_name.as_str().to_owned();
                if name == "Poison" && self.broken.load(Ordering::SeqCst) {
                    return Err(ServiceError::Internal("cannot digest this contact".into()));
                }
                out.push(ConsumerWrite::Notify(Notification {
                    id: Uuid::now_v7(),
                    user_id: admin,
                    kind: "echo".into(),
                    subject: name,
                    activity_id: None,
                    link: None,
                    reminder_key: format!("echo:{}", e.seq),
                    created_at: e.at,
                    read_at: None,
                }));
            }
            Ok(out)
        })
    }
}

fn quick() -> ConsumerOptions {
    ConsumerOptions {
        batch: 50,
        sweep: Duration::from_millis(200),
        gather: Duration::from_millis(5),
        retry: RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            jitter: false,
        },
    }
}

async fn echoed(h: &Harness, admin: &Actor) -> Vec<String> {
    let mut names: Vec<String> = h
        .app
        .notifications(admin, false, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "echo")
        .map(|n| n.subject)
        .collect();
    names.sort();
    names
}

/// Waits until `done` holds (at most 20 s).
async fn until<F: std::future::Future<Output = bool>>(mut done: impl FnMut() -> F) {
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached in 20 s");
}

pub async fn a_poisoned_event_is_parked_and_replayed_once(h: &Harness) {
    let (ta, admin_a) = h.tenant("Empoisonnée").await;
    let (tb, admin_b) = h.tenant("Saine").await;
    let broken = Arc::new(AtomicBool::new(true));
    let echo = Echo {
        app: h.app.clone(),
        admins: HashMap::from([(ta.id, admin_a.user_id().unwrap()), (tb.id, admin_b.user_id().unwrap())]),
        broken: Arc::clone(&broken),
    };
    let consumer: Arc<dyn Consumer> = Arc::new(InStore::new(echo, &h.app));
    let consumers = [Arc::clone(&consumer)];
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let runner = tokio::spawn(async move { app.run_consumer(consumer, quick(), shutdown).await });

    for name in ["Avant", "Poison", "Après"] {
        h.app.create_contact(&admin_a, &input("Jean", name), None, true).await.unwrap();
    }
    for name in ["Un", "Deux"] {
        h.app.create_contact(&admin_b, &input("Zoé", name), None, true).await.unwrap();
    }
    until(|| async {
        h.app.consumer_status(&admin_a, &consumers).await.unwrap()[0].lag == 0
            && h.app.consumer_status(&admin_b, &consumers).await.unwrap()[0].lag == 0
    })
    .await;
    // The other tenant and the later event of the same tenant went on.
    assert_eq!(echoed(h, &admin_b).await, ["Deux", "Un"]);
    assert_eq!(echoed(h, &admin_a).await, ["Après", "Avant"]);
    let parked = h.app.parked_events(&admin_a).await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:?}");
    let poisoned = parked[0].seq;
    assert_eq!((parked[0].consumer.as_str(), parked[0].attempts), (POISON, 3));
    assert!(parked[0].error.contains("cannot digest"), "{}", parked[0].error);
    assert!(
        h.app.parked_events(&admin_b).await.unwrap().is_empty(),
        "parked events are per tenant"
    );
    assert_eq!(h.app.consumer_status(&admin_a, &consumers).await.unwrap()[0].parked, 1);

    // Only the Admin sees and replays them; another tenant's parked event is not found.
    let (_, rep) = h.user(&admin_a, crm_domain::user::Role::Sales, None).await;
    assert!(matches!(h.app.parked_events(&rep).await, Err(ServiceError::Forbidden)));
    assert!(matches!(
        h.app.replay_parked(&admin_b, POISON, poisoned).await,
        Err(ServiceError::NotFound)
    ));

    // A replay while still broken fails and keeps it parked.
    h.app.replay_parked(&admin_a, POISON, poisoned).await.unwrap();
    until(|| async {
        let p = h.app.parked_events(&admin_a).await.unwrap();
        p[0].replay_requested_at.is_none() && p[0].attempts == 4
    })
    .await;
    assert_eq!(echoed(h, &admin_a).await, ["Après", "Avant"]);

    // Fixed: the replay applies it, once.
    broken.store(false, Ordering::SeqCst);
    h.app.replay_parked(&admin_a, POISON, poisoned).await.unwrap();
    until(|| async { h.app.parked_events(&admin_a).await.unwrap()[0].replayed_at.is_some() }).await;
    assert_eq!(echoed(h, &admin_a).await, ["Après", "Avant", "Poison"]);
    assert!(matches!(
        h.app.replay_parked(&admin_a, POISON, poisoned).await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(h.app.consumer_status(&admin_a, &consumers).await.unwrap()[0].parked, 0);

    // Later events are applied as usual.
    h.app.create_contact(&admin_a, &input("Jean", "Ensuite"), None, true).await.unwrap();
    until(|| async { echoed(h, &admin_a).await.len() == 4 }).await;
    trigger.trigger();
    runner.await.unwrap();
}

/// Records each step it runs; the first worker stops answering at `hang_at`.
struct Steps {
    log: Arc<Mutex<Vec<(Uuid, u32, i64)>>>,
    hang_at: i64,
}

const STEPS: &str = "test.steps";

impl JobHandler for Steps {
    fn kind(&self) -> &'static str {
        STEPS
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            for step in job.step + 1..=6 {
                if job.attempts == 1 && step == self.hang_at {
                    // The process dies here: nothing more is written.
                    std::future::pending::<()>().await;
                }
                self.log.lock().unwrap().push((job.id, job.attempts, step));
                ctx.checkpoint(step, serde_json::json!({ "done": step, "total": 6 })).await?;
            }
            Ok(JobFinish::default())
        })
    }
}

fn job_options(lease_ms: u64) -> JobOptions {
    JobOptions {
        lease: Duration::from_millis(lease_ms),
        poll: Duration::from_millis(20),
        ..JobOptions::new(Uuid::now_v7())
    }
}

pub async fn a_job_whose_worker_died_resumes_from_its_last_step(h: &Harness) {
    let (t, admin) = h.tenant("Reprise").await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let id = Uuid::now_v7();
    let now = h.app.now();
    let job = NewJob {
        id,
        tenant_id: t.id,
        kind: STEPS.into(),
        payload: serde_json::json!({}),
        due_at: now,
        key: None,
    };
    assert!(h.app.store().enqueue_job(&job, now).await.unwrap());
    let handler = Arc::new(Steps {
        log: Arc::clone(&log),
        hang_at: 4,
    });
    let (_t1, s1) = Shutdown::new();
    let app = h.app.clone();
    let first = {
        let handler: Arc<dyn JobHandler> = handler.clone();
        tokio::spawn(async move { app.run_jobs(vec![handler], job_options(600), s1).await })
    };
    until(|| async { h.app.job(&admin, id).await.unwrap().step == 3 }).await;
    // The worker dies (its lease is no longer renewed).
    first.abort();
    let _ = first.await;
    let held = h.app.job(&admin, id).await.unwrap();
    assert_eq!(
        (held.state, held.attempts, held.progress["done"].as_i64()),
        (JobState::Running, 1, Some(3))
    );

    let (t2, s2) = Shutdown::new();
    let app = h.app.clone();
    let second = {
        let handler: Arc<dyn JobHandler> = handler.clone();
        tokio::spawn(async move { app.run_jobs(vec![handler], job_options(600), s2).await })
    };
    until(|| async { h.app.job(&admin, id).await.unwrap().state == JobState::Done }).await;
    t2.trigger();
    second.await.unwrap();
    let runs: Vec<(u32, i64)> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(j, ..)| *j == id)
        .map(|&(_, a, s)| (a, s))
        .collect();
    assert_eq!(
        runs,
        [(1, 1), (1, 2), (1, 3), (2, 4), (2, 5), (2, 6)],
        "each step once, resumed after step 3"
    );
    let done = h.app.job(&admin, id).await.unwrap();
    assert_eq!((done.step, done.attempts), (6, 2));
}

/// Counts its runs per job; a recurring timer when `every` is set. Each case has its
/// own kind: workers claim across tenants, and cases share a PostgreSQL database.
struct Count {
    kind: &'static str,
    runs: Arc<Mutex<Vec<Uuid>>>,
    every: Option<chrono::Duration>,
}

const TIMER: &str = "test.timer";
const PAIR: &str = "test.pair";

impl JobHandler for Count {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            self.runs.lock().unwrap().push(job.id);
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(JobFinish {
                next: self.every.map(|every| NewJob {
                    id: Uuid::now_v7(),
                    tenant_id: job.tenant_id,
                    kind: self.kind.into(),
                    payload: job.payload.clone(),
                    due_at: job.due_at + every,
                    key: job.key.clone(),
                }),
            })
        })
    }
}

pub async fn a_timer_due_while_nothing_ran_fires_once(h: &Harness) {
    let (t, admin) = h.tenant("Minuterie").await;
    let now = h.app.now();
    // Due an hour ago, while no worker ran; recurring every day.
    let first = Uuid::now_v7();
    let timer = NewJob {
        id: first,
        tenant_id: t.id,
        kind: TIMER.into(),
        payload: serde_json::json!({ "tenant": t.id.as_uuid() }),
        due_at: now - chrono::Duration::hours(1),
        key: Some("daily".into()),
    };
    assert!(h.app.store().enqueue_job(&timer, now).await.unwrap());
    // A second timer with the same key is refused while the first is live.
    let again = NewJob {
        id: Uuid::now_v7(),
        ..timer.clone()
    };
    assert!(!h.app.store().enqueue_job(&again, now).await.unwrap());

    let runs = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<dyn JobHandler> = Arc::new(Count {
        kind: TIMER,
        runs: Arc::clone(&runs),
        every: Some(chrono::Duration::days(1)),
    });
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let worker = tokio::spawn(async move { app.run_jobs(vec![handler], job_options(2_000), shutdown).await });
    until(|| async { h.app.job(&admin, first).await.unwrap().state == JobState::Done }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    trigger.trigger();
    worker.await.unwrap();
    assert_eq!(runs.lock().unwrap().iter().filter(|&&j| j == first).count(), 1);
    let jobs = h.app.jobs(&admin, Some(TIMER), 10).await.unwrap();
    let next: Vec<_> = jobs.iter().filter(|j| j.state == JobState::Queued).collect();
    assert_eq!(next.len(), 1, "the next occurrence is queued once: {jobs:?}");
    assert_eq!(next[0].due_at, timer.due_at + chrono::Duration::days(1));
}

pub async fn two_workers_never_run_the_same_job(h: &Harness) {
    let (t, admin) = h.tenant("Deux serveurs").await;
    // A second process's store on the same database.
    let other = match &h.raw {
        harness::Raw::Sqlite { path, .. } => crm_store_sql::SqlStore::open_sqlite(path, harness::cipher()).await.unwrap(),
        harness::Raw::Postgres { target } => crm_store_sql::SqlStore::connect_postgres(
            &crm_store_sql::PostgresSetup {
                url: target.app_url.clone(),
                max_connections: 4,
            },
            harness::cipher(),
        )
        .await
        .unwrap(),
    };
    let other = crm_ports::App::new(other, harness::creds());
    let now = h.app.now();
    let mut ids = Vec::new();
    for i in 0..120 {
        let id = Uuid::now_v7();
        ids.push(id);
        let job = NewJob {
            id,
            tenant_id: t.id,
            kind: PAIR.into(),
            payload: serde_json::json!({ "n": i }),
            due_at: now,
            key: None,
        };
        h.app.store().enqueue_job(&job, now).await.unwrap();
    }
    let runs = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    let mut triggers = Vec::new();
    for app in [h.app.clone(), other.clone(), h.app.clone(), other] {
        let handler: Arc<dyn JobHandler> = Arc::new(Count {
            kind: PAIR,
            runs: Arc::clone(&runs),
            every: None,
        });
        let (trigger, shutdown) = Shutdown::new();
        triggers.push(trigger);
        workers.push(tokio::spawn(async move {
            app.run_jobs(vec![handler], job_options(5_000), shutdown).await
        }));
    }
    until(|| async {
        let jobs = h.app.jobs(&admin, Some(PAIR), 500).await.unwrap();
        jobs.iter().filter(|j| ids.contains(&j.id) && j.state == JobState::Done).count() == ids.len()
    })
    .await;
    for t in &triggers {
        t.trigger();
    }
    for w in workers {
        w.await.unwrap();
    }
    let mut ran: Vec<Uuid> = runs.lock().unwrap().iter().copied().filter(|j| ids.contains(j)).collect();
    assert_eq!(ran.len(), ids.len(), "every job ran");
    ran.sort();
    ran.dedup();
    assert_eq!(ran.len(), ids.len(), "no job ran twice");
    for j in h.app.jobs(&admin, Some(PAIR), 500).await.unwrap() {
        assert_eq!(j.attempts, 1, "{j:?}");
    }
}

pub async fn finished_jobs_are_forgotten_after_a_while(h: &Harness) {
    let (t, admin) = h.tenant("Ménage").await;
    let now = h.app.now();
    let mut ids = Vec::new();
    for (i, kind) in ["test.purge.done", "test.purge.live"].into_iter().enumerate() {
        let id = Uuid::now_v7();
        ids.push(id);
        let job = NewJob {
            id,
            tenant_id: t.id,
            kind: kind.into(),
            payload: serde_json::json!({ "n": i }),
            due_at: now,
            key: None,
        };
        h.app.store().enqueue_job(&job, now).await.unwrap();
    }
    let w = Uuid::now_v7();
    let done = h
        .app
        .store()
        .claim_job(None, &["test.purge.done"], w, now, now + chrono::Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    // Finished a month ago (other cases share the database: their jobs finished just now
    // must stay).
    let long_ago = now - chrono::Duration::days(30);
    h.app
        .store()
        .finish_job(t.id, done.id, w, &crm_ports::store::JobOutcome::Done, None, long_ago)
        .await
        .unwrap();
    // Kept for two months: nothing forgotten yet.
    h.app.purge_finished_jobs(chrono::Duration::days(60)).await.unwrap();
    assert_eq!(h.app.jobs(&admin, None, 10).await.unwrap().len(), 2);
    // Kept for a week: the finished one is forgotten; a queued job never is.
    h.app.purge_finished_jobs(chrono::Duration::days(7)).await.unwrap();
    let left: Vec<Uuid> = h.app.jobs(&admin, None, 10).await.unwrap().iter().map(|j| j.id).collect();
    assert_eq!(left, [ids[1]]);
}

/// The tenants with a live job of a key: queued or running count, finished or cancelled
/// ones do not, nor other keys.
pub async fn the_tenants_with_a_live_timer_are_read_at_once(h: &Harness) {
    // A key of this case alone (other cases share the PostgreSQL database).
    let key = format!("test.keeper.{}", Uuid::now_v7().simple());
    let now = h.app.now();
    let timer = |tenant: TenantId, key: &str| NewJob {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        kind: key.into(),
        payload: serde_json::Value::Null,
        due_at: now + chrono::Duration::days(1),
        key: Some(key.into()),
    };
    let (queued, _) = h.tenant("Minuterie en attente").await;
    let (running, _) = h.tenant("Minuterie en cours").await;
    let (cancelled, _) = h.tenant("Minuterie annulée").await;
    let (other_key, _) = h.tenant("Autre minuterie").await;
    let store = h.app.store();
    for t in [queued.id, running.id, cancelled.id] {
        assert!(store.enqueue_job(&timer(t, &key), now).await.unwrap());
    }
    assert!(store.enqueue_job(&timer(other_key.id, &format!("{key}.other")), now).await.unwrap());
    let claimed = store
        .claim_job(
            Some(running.id),
            &[key.as_str()],
            Uuid::now_v7(),
            now + chrono::Duration::days(2),
            now + chrono::Duration::days(3),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.state, JobState::Running);
    let before = store.tenants_with_live_job(&key).await.unwrap();
    assert_eq!(before, [queued.id, running.id, cancelled.id].into_iter().collect());
    let job = store.jobs(cancelled.id, Some(&key), 1).await.unwrap();
    store.cancel_job(cancelled.id, job[0].id, now).await.unwrap();
    let live = store.tenants_with_live_job(&key).await.unwrap();
    assert_eq!(live, [queued.id, running.id].into_iter().collect());
}

/// The keeper queues a timer for every tenant without a live one, and only for them.
pub async fn timers_are_queued_for_the_tenants_without_one(h: &Harness) {
    const KEY: &str = "test.keeper";
    let now = h.app.now();
    let (has, has_admin) = h.tenant("A déjà sa minuterie").await;
    let (_, lacks_admin) = h.tenant("Sans minuterie").await;
    let first = NewJob {
        id: Uuid::now_v7(),
        tenant_id: has.id,
        kind: KEY.into(),
        payload: serde_json::Value::Null,
        due_at: now + chrono::Duration::hours(3),
        key: Some(KEY.into()),
    };
    assert!(h.app.store().enqueue_job(&first, now).await.unwrap());
    let tenants = h.app.store().list_tenants().await.unwrap().len();
    let queued = h.app.ensure_timers(KEY, chrono::Duration::days(1)).await.unwrap();
    assert_eq!(queued, tenants - 1, "every tenant but the one that has it");
    let kept = h.app.jobs(&has_admin, Some(KEY), 10).await.unwrap();
    assert_eq!(kept.iter().map(|j| j.id).collect::<Vec<_>>(), [first.id], "left as it was");
    let new = h.app.jobs(&lacks_admin, Some(KEY), 10).await.unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].state, JobState::Queued);
    assert!(new[0].due_at >= now + chrono::Duration::days(1), "due a day from the keeper's now");
    assert_eq!(
        h.app.ensure_timers(KEY, chrono::Duration::days(1)).await.unwrap(),
        0,
        "nothing twice"
    );
    assert_eq!(h.app.store().tenants_with_live_job(KEY).await.unwrap().len(), tenants);
}

/// On a database of its own: the keeper queues timers for every tenant, and the suite's
/// PostgreSQL database is shared by cases running at once.
mod keeper {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::timers_are_queued_for_the_tenants_without_one(&crate::harness::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some((h, admin_url)) = crate::harness::postgres_alone().await else {
            return;
        };
        super::timers_are_queued_for_the_tenants_without_one(&h).await;
        drop(h);
        crate::harness::drop_database(&admin_url).await;
    }
}

contract!(
    the_tenants_with_a_live_timer_are_read_at_once,
    finished_jobs_are_forgotten_after_a_while,
    a_poisoned_event_is_parked_and_replayed_once,
    a_job_whose_worker_died_resumes_from_its_last_step,
    a_timer_due_while_nothing_ran_fires_once,
    two_workers_never_run_the_same_job,
);
