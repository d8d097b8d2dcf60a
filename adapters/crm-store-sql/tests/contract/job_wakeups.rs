//! An idle job worker does not poll the queue: the store tells it when a job of its process
//! was queued, and when the next job of its kinds comes due; it sleeps until then.

use crate::harness::Harness;
use chrono::{DateTime, Duration as Span, Utc};
use crm_domain::TenantId;
use crm_ports::ServiceError;
use crm_ports::runtime::jobs::{JobContext, JobFinish, JobHandler, JobOptions};
use crm_ports::runtime::{BoxFuture, Shutdown};
use crm_ports::store::{JobOutcome, JobStore as _, NewJob};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Now, at the stored precision (microseconds), so read-back times compare equal.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap()
}

fn job(tenant: TenantId, kind: &str, due_at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        kind: kind.into(),
        payload: json!({}),
        due_at,
        key: None,
    }
}

pub async fn the_next_due_time_is_the_earliest_queued_or_lease_end_of_the_kinds(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Échéances").await;
    // Kinds of this case alone: cases share a PostgreSQL database.
    let (a, b) = (
        format!("test.{}", Uuid::new_v4().simple()),
        format!("test.{}", Uuid::new_v4().simple()),
    );
    let t0 = now();
    assert_eq!(s.next_job_due(&[&a, &b]).await.unwrap(), None);
    assert_eq!(s.next_job_due(&[]).await.unwrap(), None);

    s.enqueue_job(&job(t.id, &a, t0 + Span::minutes(10)), t0).await.unwrap();
    s.enqueue_job(&job(t.id, &a, t0 + Span::minutes(5)), t0).await.unwrap();
    s.enqueue_job(&job(t.id, &b, t0 + Span::minutes(2)), t0).await.unwrap();
    assert_eq!(s.next_job_due(&[&a]).await.unwrap(), Some(t0 + Span::minutes(5)));
    assert_eq!(s.next_job_due(&[&a, &b]).await.unwrap(), Some(t0 + Span::minutes(2)));

    // A running job counts by the end of its lease; a finished one not at all.
    let due_b = job(t.id, &b, t0);
    s.enqueue_job(&due_b, t0).await.unwrap();
    let worker = Uuid::new_v4();
    let held = s.claim_job(None, &[&b], worker, t0, t0 + Span::minutes(1)).await.unwrap().unwrap();
    assert_eq!(held.id, due_b.id);
    assert_eq!(s.next_job_due(&[&b]).await.unwrap(), Some(t0 + Span::minutes(1)));
    s.finish_job(t.id, held.id, worker, &JobOutcome::Done, None, t0).await.unwrap();
    assert_eq!(s.next_job_due(&[&b]).await.unwrap(), Some(t0 + Span::minutes(2)));
}

const WAKE: &str = "test.wake";

/// Notes when each job ran; a recurring timer every 300 ms.
struct Stamp {
    runs: Arc<Mutex<Vec<(Uuid, Instant)>>>,
}

impl JobHandler for Stamp {
    fn kind(&self) -> &'static str {
        WAKE
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let j = ctx.job();
            self.runs.lock().unwrap().push((j.id, Instant::now()));
            let recurring = j.payload["every_ms"].as_i64();
            Ok(JobFinish {
                next: recurring.filter(|_| j.payload["left"].as_i64() > Some(0)).map(|ms| NewJob {
                    id: Uuid::now_v7(),
                    tenant_id: j.tenant_id,
                    kind: WAKE.into(),
                    payload: json!({ "every_ms": ms, "left": j.payload["left"].as_i64().unwrap_or(0) - 1 }),
                    due_at: j.due_at + Span::milliseconds(ms),
                    key: None,
                }),
            })
        })
    }
}

async fn ran(runs: &Mutex<Vec<(Uuid, Instant)>>, id: Uuid, within: Duration) -> Option<Instant> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(&(_, at)) = runs.lock().unwrap().iter().find(|(j, _)| *j == id) {
            return Some(at);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

pub async fn an_idle_worker_wakes_for_a_job_queued_and_at_a_timer_s_time(h: &Harness) {
    let (t, _) = h.tenant("Réveils").await;
    let runs = Arc::new(Mutex::new(Vec::new()));
    // A poll far longer than the case: every run below comes from a wake-up or a due time.
    let options = JobOptions {
        poll: Duration::from_secs(600),
        ..JobOptions::new(Uuid::now_v7())
    };
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let handler: Arc<dyn JobHandler> = Arc::new(Stamp { runs: Arc::clone(&runs) });
    let worker = tokio::spawn(async move { app.run_jobs(vec![handler], options, shutdown).await });
    // The worker has looked, found nothing and sleeps.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Queued now by this process: taken at once.
    let queued_at = Instant::now();
    let now_job = job(t.id, WAKE, h.app.now());
    h.app.store().enqueue_job(&now_job, h.app.now()).await.unwrap();
    let at = ran(&runs, now_job.id, Duration::from_secs(5)).await;
    assert!(
        at.is_some_and(|at| at - queued_at < Duration::from_secs(2)),
        "a job queued was not taken"
    );

    // Queued for later: not taken before its time, taken on it.
    let queued_at = Instant::now();
    let later = job(t.id, WAKE, h.app.now() + Span::milliseconds(700));
    h.app.store().enqueue_job(&later, h.app.now()).await.unwrap();
    let at = ran(&runs, later.id, Duration::from_secs(5))
        .await
        .expect("a job due later was not taken");
    assert!(at - queued_at >= Duration::from_millis(650), "taken before its time");
    assert!(at - queued_at < Duration::from_secs(3), "taken {:?} after its time", at - queued_at);

    // A recurring timer queues its next time as it finishes (nothing tells the worker): it
    // wakes at each due time.
    let mut timer = job(t.id, WAKE, h.app.now());
    timer.payload = json!({ "every_ms": 300, "left": 2 });
    h.app.store().enqueue_job(&timer, h.app.now()).await.unwrap();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(6);
    while runs.lock().unwrap().len() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    trigger.trigger();
    worker.await.unwrap();
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 5, "the timer's three times did not all fire: {} runs", runs.len());
    let last = runs[4].1 - start;
    assert!(last >= Duration::from_millis(550), "fired ahead of time: {last:?}");
    assert!(last < Duration::from_secs(4), "fired late: {last:?}");
}

contract!(
    the_next_due_time_is_the_earliest_queued_or_lease_end_of_the_kinds,
    an_idle_worker_wakes_for_a_job_queued_and_at_a_timer_s_time,
);
