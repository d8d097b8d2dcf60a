//! The runtime's store: consumer cursors moved by compare-and-set with their writes in one
//! transaction, parked events and their replays, and the job queue (keys, due times,
//! leases, exclusive claims under concurrency) behind the tenant walls.

use crate::harness::Harness;
use chrono::{DateTime, Duration, Utc};
use crm_domain::{Actor, TenantId, UserId};
use crm_ports::StoreError;
use crm_ports::store::{
    Advance, Committed, ConsumerStore, ConsumerWrite, JobOutcome, JobState, JobStore, NewJob, Notification, ReminderStore, Wakeups,
};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Now, at the stored precision (microseconds), so read-back times compare equal.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap()
}

/// A job kind of this case alone: the PostgreSQL database is shared by concurrent cases
/// and claims work across tenants.
fn kind() -> String {
    format!("test.{}", Uuid::new_v4().simple())
}

fn new_job(tenant: TenantId, kind: &str, key: Option<&str>, due_at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        kind: kind.into(),
        payload: json!({ "n": 1 }),
        due_at,
        key: key.map(str::to_owned),
    }
}

fn notification(user: UserId, key: &str) -> Notification {
    Notification {
        id: Uuid::now_v7(),
        user_id: user,
        kind: "task_due".into(),
        subject: "Rappeler".into(),
        activity_id: None,
        link: None,
        reminder_key: key.into(),
        created_at: now(),
        read_at: None,
    }
}

fn user_of(a: &Actor) -> UserId {
    a.user_id().unwrap()
}

async fn cursor_moves_only_from_where_it_is(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Curseurs").await;
    let me = user_of(&admin);
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 0);
    assert!(s.consumer_cursors(t.id).await.unwrap().is_empty());

    let n1 = notification(me, "k1");
    s.consumer_commit(
        t.id,
        "reminders",
        Advance::To { from: 0, to: 5 },
        &[ConsumerWrite::Notify(n1.clone())],
        now(),
    )
    .await
    .unwrap();
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 5);

    // Stale `from`: nothing written, writes included.
    let n2 = notification(me, "k2");
    let lost = new_job(t.id, &kind(), None, now());
    for from in [0, 3] {
        let err = s
            .consumer_commit(
                t.id,
                "reminders",
                Advance::To { from, to: 7 },
                &[ConsumerWrite::Notify(n2.clone()), ConsumerWrite::Enqueue(lost.clone())],
                now(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
    }
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 5);
    let mine = s.notifications(t.id, me, false, 10).await.unwrap();
    assert_eq!(mine.iter().map(|n| n.id).collect::<Vec<_>>(), [n1.id]);
    assert!(matches!(s.job(t.id, lost.id).await, Err(StoreError::NotFound)));

    // An absent cursor is at 0: any other `from` is stale, and no row appears.
    let err = s
        .consumer_commit(t.id, "search", Advance::To { from: 4, to: 6 }, &[], now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");

    let job = new_job(t.id, &kind(), None, now());
    s.consumer_commit(
        t.id,
        "reminders",
        Advance::To { from: 5, to: 9 },
        &[ConsumerWrite::Enqueue(job.clone())],
        now(),
    )
    .await
    .unwrap();
    s.consumer_commit(t.id, "search", Advance::To { from: 0, to: 2 }, &[], now())
        .await
        .unwrap();
    assert_eq!(
        s.consumer_cursors(t.id).await.unwrap(),
        [("reminders".to_owned(), 9), ("search".to_owned(), 2)]
    );
    let stored = s.job(t.id, job.id).await.unwrap();
    assert_eq!(stored.state, JobState::Queued);
    assert_eq!(stored.payload, job.payload);

    // A job for another tenant is refused, nothing written.
    let (other, _) = h.tenant("Ailleurs").await;
    let foreign = new_job(other.id, &kind(), None, now());
    assert!(
        s.consumer_commit(
            t.id,
            "reminders",
            Advance::To { from: 9, to: 10 },
            &[ConsumerWrite::Enqueue(foreign.clone())],
            now()
        )
        .await
        .is_err()
    );
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 9);
    assert!(matches!(s.job(other.id, foreign.id).await, Err(StoreError::NotFound)));
}

async fn a_duplicate_notification_rolls_the_whole_commit_back(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Doublons").await;
    let me = user_of(&admin);
    s.consumer_commit(
        t.id,
        "reminders",
        Advance::To { from: 0, to: 3 },
        &[ConsumerWrite::Notify(notification(me, "once"))],
        now(),
    )
    .await
    .unwrap();
    let direct = s.create_notification(t.id, &notification(me, "once")).await.unwrap_err();
    let job = new_job(t.id, &kind(), None, now());
    let err = s
        .consumer_commit(
            t.id,
            "reminders",
            Advance::To { from: 3, to: 6 },
            &[ConsumerWrite::Enqueue(job.clone()), ConsumerWrite::Notify(notification(me, "once"))],
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { field: "reminder_key" }), "{err:?}");
    assert_eq!(format!("{err:?}"), format!("{direct:?}"));
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 3);
    assert!(matches!(s.job(t.id, job.id).await, Err(StoreError::NotFound)));
    assert_eq!(s.notifications(t.id, me, false, 10).await.unwrap().len(), 1);
}

async fn only_one_of_concurrent_commits_from_the_same_cursor_wins(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Course").await;
    let k = kind();
    for round in 0..8i64 {
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let s = s.clone();
            let job = new_job(t.id, &k, None, now());
            tasks.push(tokio::spawn(async move {
                s.consumer_commit(
                    t.id,
                    "race",
                    Advance::To {
                        from: round * 10,
                        to: round * 10 + 10,
                    },
                    &[ConsumerWrite::Enqueue(job)],
                    now(),
                )
                .await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::Conflict) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(s.consumer_cursor(t.id, "race").await.unwrap(), 80);
    assert_eq!(s.jobs(t.id, Some(&k), 100).await.unwrap().len(), 8);
}

async fn parked_events_are_replayed_once_on_request(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Rejeux").await;
    let me = user_of(&admin);
    let t0 = now();
    assert!(matches!(
        s.request_replay(t.id, "reminders", 10, t0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.consumer_commit(t.id, "reminders", Advance::Replay { seq: 10 }, &[], t0).await,
        Err(StoreError::Conflict)
    ));

    s.park_event(t.id, "reminders", 10, "boom", 3, t0).await.unwrap();
    let parked = s.parked_events(t.id, 10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (
            parked[0].consumer.as_str(),
            parked[0].seq,
            parked[0].error.as_str(),
            parked[0].attempts
        ),
        ("reminders", 10, "boom", 3)
    );
    assert_eq!(parked[0].parked_at, t0);
    assert_eq!((parked[0].replay_requested_at, parked[0].replayed_at), (None, None));
    assert!(s.replays_requested(t.id, "reminders").await.unwrap().is_empty());
    // Not waiting for a replay yet.
    assert!(matches!(
        s.consumer_commit(t.id, "reminders", Advance::Replay { seq: 10 }, &[], t0).await,
        Err(StoreError::Conflict)
    ));
    // Another consumer has no such parked event.
    assert!(matches!(s.request_replay(t.id, "search", 10, t0).await, Err(StoreError::NotFound)));

    let mut wake = Wakeups::subscribe(s);
    let t1 = t0 + Duration::seconds(1);
    s.request_replay(t.id, "reminders", 10, t1).await.unwrap();
    let mut heard = false;
    while let Ok(c) = wake.try_recv() {
        heard |= c == Committed { tenant_id: t.id, seq: 10 };
    }
    assert!(heard, "a replay request wakes this process's runner");
    assert_eq!(s.replays_requested(t.id, "reminders").await.unwrap(), [10]);
    assert_eq!(s.parked_events(t.id, 10).await.unwrap()[0].replay_requested_at, Some(t1));

    // The replay failed again: parked anew, the request cleared.
    let t2 = t1 + Duration::seconds(1);
    s.park_event(t.id, "reminders", 10, "boom again", 4, t2).await.unwrap();
    let parked = s.parked_events(t.id, 10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (parked[0].error.as_str(), parked[0].attempts, parked[0].parked_at),
        ("boom again", 4, t2)
    );
    assert_eq!((parked[0].replay_requested_at, parked[0].replayed_at), (None, None));
    assert!(s.replays_requested(t.id, "reminders").await.unwrap().is_empty());

    s.request_replay(t.id, "reminders", 10, t2).await.unwrap();
    s.park_event(t.id, "reminders", 12, "later", 1, t2 + Duration::seconds(1))
        .await
        .unwrap();
    s.request_replay(t.id, "reminders", 12, t2).await.unwrap();
    assert_eq!(s.replays_requested(t.id, "reminders").await.unwrap(), [10, 12]);

    let t3 = t2 + Duration::seconds(5);
    s.consumer_commit(
        t.id,
        "reminders",
        Advance::Replay { seq: 10 },
        &[ConsumerWrite::Notify(notification(me, "replayed"))],
        t3,
    )
    .await
    .unwrap();
    assert_eq!(s.notifications(t.id, me, false, 10).await.unwrap().len(), 1);
    assert_eq!(s.consumer_cursor(t.id, "reminders").await.unwrap(), 0, "a replay leaves the cursor");
    assert_eq!(s.replays_requested(t.id, "reminders").await.unwrap(), [12]);
    let parked = s.parked_events(t.id, 10).await.unwrap();
    assert_eq!(parked.iter().map(|p| p.seq).collect::<Vec<_>>(), [12, 10], "newest first");
    assert_eq!(parked[1].replayed_at, Some(t3));
    assert_eq!(s.parked_events(t.id, 1).await.unwrap().len(), 1);

    // Once only.
    assert!(matches!(
        s.consumer_commit(t.id, "reminders", Advance::Replay { seq: 10 }, &[], t3).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.request_replay(t.id, "reminders", 10, t3).await,
        Err(StoreError::NotFound)
    ));
}

async fn a_key_keeps_one_live_job(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Clés").await;
    let (other, _) = h.tenant("Autres clés").await;
    let k = kind();
    let t0 = now();
    let first = new_job(t.id, &k, Some("scan"), t0);
    assert!(s.enqueue_job(&first, t0).await.unwrap());
    let stored = s.job(t.id, first.id).await.unwrap();
    assert_eq!(
        (
            stored.state,
            stored.step,
            stored.attempts,
            stored.key.as_deref(),
            stored.due_at,
            stored.created_at
        ),
        (JobState::Queued, 0, 0, Some("scan"), t0, t0)
    );
    assert_eq!(stored.progress, serde_json::Value::Null);
    assert_eq!((stored.lease_owner, stored.lease_until, stored.error), (None, None, None));

    let second = new_job(t.id, &k, Some("scan"), t0);
    assert!(!s.enqueue_job(&second, t0).await.unwrap());
    assert!(matches!(s.job(t.id, second.id).await, Err(StoreError::NotFound)));
    // Keys are per tenant; no key, no limit.
    assert!(s.enqueue_job(&new_job(other.id, &k, Some("scan"), t0), t0).await.unwrap());
    assert!(s.enqueue_job(&new_job(t.id, &k, None, t0), t0).await.unwrap());
    assert!(s.enqueue_job(&new_job(t.id, &k, None, t0), t0).await.unwrap());
    // Also in a consumer's commit: silently nothing for that job.
    let third = new_job(t.id, &k, Some("scan"), t0);
    s.consumer_commit(
        t.id,
        "c",
        Advance::To { from: 0, to: 1 },
        &[ConsumerWrite::Enqueue(third.clone())],
        t0,
    )
    .await
    .unwrap();
    assert!(matches!(s.job(t.id, third.id).await, Err(StoreError::NotFound)));
    assert_eq!(s.consumer_cursor(t.id, "c").await.unwrap(), 1);

    // Once the live one is over, the key is free.
    s.cancel_job(t.id, first.id, t0).await.unwrap();
    let fourth = new_job(t.id, &k, Some("scan"), t0);
    assert!(s.enqueue_job(&fourth, t0 + Duration::seconds(1)).await.unwrap());

    let listed = s.jobs(t.id, Some(&k), 10).await.unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0].id, fourth.id, "newest first");
    assert!(listed.iter().all(|j| j.tenant_id == t.id));
    assert_eq!(s.jobs(t.id, Some(&k), 2).await.unwrap().len(), 2);
    assert!(s.jobs(t.id, Some("no.such.kind"), 10).await.unwrap().is_empty());
    assert!(s.jobs(t.id, None, 10).await.unwrap().len() >= 4);
}

async fn claims_take_due_jobs_oldest_first(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Échéances").await;
    let k = kind();
    let t0 = now();
    let late = new_job(t.id, &k, None, t0 - Duration::minutes(5));
    let later = new_job(t.id, &k, None, t0 + Duration::hours(1));
    let oldest = new_job(t.id, &k, None, t0 - Duration::minutes(10));
    for j in [&late, &later, &oldest] {
        assert!(s.enqueue_job(j, t0).await.unwrap());
    }
    let w = Uuid::new_v4();
    // Held past the time the last one falls due.
    let lease = t0 + Duration::days(1);
    assert!(s.claim_job(None, &[], w, t0, lease).await.unwrap().is_none());
    assert!(s.claim_job(None, &["other.kind"], w, t0, lease).await.unwrap().is_none());

    let got = s.claim_job(None, &["other.kind", &k], w, t0, lease).await.unwrap().unwrap();
    assert_eq!(got.id, oldest.id);
    assert_eq!(
        (got.state, got.lease_owner, got.lease_until, got.attempts, got.updated_at),
        (JobState::Running, Some(w), Some(lease), 1, t0)
    );
    assert_eq!(s.job(t.id, oldest.id).await.unwrap(), got);
    assert_eq!(s.claim_job(None, &[&k], w, t0, lease).await.unwrap().unwrap().id, late.id);
    assert!(s.claim_job(None, &[&k], w, t0, lease).await.unwrap().is_none(), "not due yet");
    let t1 = t0 + Duration::hours(1);
    assert_eq!(
        s.claim_job(None, &[&k], w, t1, t1 + Duration::minutes(1))
            .await
            .unwrap()
            .unwrap()
            .id,
        later.id
    );
}

async fn a_claim_for_one_tenant_leaves_the_others(h: &Harness) {
    let s = h.app.store();
    let (a, _) = h.tenant("Réclame A").await;
    let (b, _) = h.tenant("Réclame B").await;
    let k = kind();
    let t0 = now();
    let of_a = new_job(a.id, &k, None, t0 - Duration::minutes(10));
    let of_b = new_job(b.id, &k, None, t0 - Duration::minutes(5));
    for j in [&of_a, &of_b] {
        assert!(s.enqueue_job(j, t0).await.unwrap());
    }
    let (w, lease) = (Uuid::new_v4(), t0 + Duration::minutes(1));
    // B's job, though A's fell due earlier.
    let got = s.claim_job(Some(b.id), &[&k], w, t0, lease).await.unwrap().unwrap();
    assert_eq!((got.id, got.tenant_id), (of_b.id, b.id));
    assert!(
        s.claim_job(Some(b.id), &[&k], w, t0, lease).await.unwrap().is_none(),
        "B has no other"
    );
    assert_eq!(s.job(a.id, of_a.id).await.unwrap().state, JobState::Queued);
    assert_eq!(s.claim_job(None, &[&k], w, t0, lease).await.unwrap().unwrap().id, of_a.id);
}

async fn a_lost_lease_passes_the_job_on(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Baux").await;
    let k = kind();
    let t0 = now();
    let job = new_job(t.id, &k, Some("long"), t0);
    s.enqueue_job(&job, t0).await.unwrap();
    let (w1, w2) = (Uuid::new_v4(), Uuid::new_v4());
    s.claim_job(None, &[&k], w1, t0, t0 + Duration::minutes(1)).await.unwrap().unwrap();
    assert!(
        s.claim_job(None, &[&k], w2, t0 + Duration::seconds(30), t0 + Duration::minutes(2))
            .await
            .unwrap()
            .is_none()
    );
    s.checkpoint_job(t.id, job.id, w1, 1, &json!({ "done": 10 }), t0 + Duration::minutes(2), t0)
        .await
        .unwrap();
    let held = s.job(t.id, job.id).await.unwrap();
    assert_eq!(
        (held.step, &held.progress, held.lease_until),
        (1, &json!({ "done": 10 }), Some(t0 + Duration::minutes(2)))
    );
    // The checkpoint extended the lease.
    assert!(
        s.claim_job(None, &[&k], w2, t0 + Duration::seconds(90), t0 + Duration::minutes(3))
            .await
            .unwrap()
            .is_none()
    );
    // A renewal extends the lease and leaves the step and progress as they are (an older
    // step never comes back over one committed with its work); only the holder renews.
    s.renew_job_lease(
        t.id,
        job.id,
        w1,
        t0 + Duration::minutes(2) + Duration::seconds(30),
        t0 + Duration::seconds(60),
    )
    .await
    .unwrap();
    let renewed = s.job(t.id, job.id).await.unwrap();
    assert_eq!(
        (renewed.step, &renewed.progress, renewed.lease_until),
        (1, &json!({ "done": 10 }), Some(t0 + Duration::minutes(2) + Duration::seconds(30)))
    );
    let err = s
        .renew_job_lease(t.id, job.id, w2, t0 + Duration::minutes(9), t0 + Duration::seconds(60))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");

    // w1 went silent: once its lease is over, w2 takes the job from its last step.
    let t1 = t0 + Duration::minutes(3);
    let taken = s.claim_job(None, &[&k], w2, t1, t1 + Duration::minutes(1)).await.unwrap().unwrap();
    assert_eq!(taken.id, job.id);
    assert_eq!((taken.attempts, taken.step, taken.lease_owner), (2, 1, Some(w2)));
    assert_eq!(taken.progress, json!({ "done": 10 }));
    // The key stays taken while it runs.
    assert!(!s.enqueue_job(&new_job(t.id, &k, Some("long"), t1), t1).await.unwrap());

    let err = s
        .checkpoint_job(t.id, job.id, w1, 2, &json!({}), t1 + Duration::minutes(5), t1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let err = s.finish_job(t.id, job.id, w1, &JobOutcome::Done, None, t1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert_eq!(s.job(t.id, job.id).await.unwrap(), taken, "the old worker changed nothing");

    s.checkpoint_job(t.id, job.id, w2, 2, &json!({ "done": 20 }), t1 + Duration::minutes(2), t1)
        .await
        .unwrap();
    s.finish_job(t.id, job.id, w2, &JobOutcome::Done, None, t1).await.unwrap();
    let done = s.job(t.id, job.id).await.unwrap();
    assert_eq!(
        (done.state, done.step, done.lease_owner, done.lease_until, done.updated_at),
        (JobState::Done, 2, None, None, t1)
    );
    // Finished: nobody holds it any more, nobody claims it again.
    assert!(matches!(
        s.finish_job(t.id, job.id, w2, &JobOutcome::Done, None, t1).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        s.claim_job(None, &[&k], w1, t1 + Duration::hours(1), t1 + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
}

async fn finishing_retries_fails_and_queues_the_next_time(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Minuteries").await;
    let k = kind();
    let t0 = now();
    let w = Uuid::new_v4();
    let tick = new_job(t.id, &k, Some("tick"), t0);
    s.enqueue_job(&tick, t0).await.unwrap();
    s.claim_job(None, &[&k], w, t0, t0 + Duration::minutes(1)).await.unwrap().unwrap();
    // A recurring timer: done, and its next time queued under the same key at once.
    let next = new_job(t.id, &k, Some("tick"), t0 + Duration::hours(1));
    s.finish_job(t.id, tick.id, w, &JobOutcome::Done, Some(&next), t0).await.unwrap();
    assert_eq!(s.job(t.id, tick.id).await.unwrap().state, JobState::Done);
    let queued = s.job(t.id, next.id).await.unwrap();
    assert_eq!(
        (queued.state, queued.due_at, queued.key.as_deref()),
        (JobState::Queued, t0 + Duration::hours(1), Some("tick"))
    );

    // Retry: queued again at the time given, step and error kept, lease let go.
    let t1 = t0 + Duration::hours(1);
    s.claim_job(None, &[&k], w, t1, t1 + Duration::minutes(1)).await.unwrap().unwrap();
    s.checkpoint_job(t.id, next.id, w, 3, &json!({ "sent": 3 }), t1 + Duration::minutes(1), t1)
        .await
        .unwrap();
    let again = t1 + Duration::minutes(10);
    // Retried, the job is live again: a `next` under its key is not queued.
    let shadow = new_job(t.id, &k, Some("tick"), t1);
    s.finish_job(
        t.id,
        next.id,
        w,
        &JobOutcome::Retry {
            at: again,
            error: "smtp down".into(),
        },
        Some(&shadow),
        t1,
    )
    .await
    .unwrap();
    assert!(matches!(s.job(t.id, shadow.id).await, Err(StoreError::NotFound)));
    let retried = s.job(t.id, next.id).await.unwrap();
    assert_eq!(
        (
            retried.state,
            retried.due_at,
            retried.step,
            retried.error.as_deref(),
            retried.lease_owner,
            retried.lease_until
        ),
        (JobState::Queued, again, 3, Some("smtp down"), None, None)
    );
    assert!(
        s.claim_job(None, &[&k], w, t1 + Duration::minutes(5), t1 + Duration::minutes(6))
            .await
            .unwrap()
            .is_none()
    );
    let second = s
        .claim_job(None, &[&k], w, again, again + Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.id, second.attempts, second.step), (next.id, 2, 3));

    let after = new_job(t.id, &k, Some("tick"), t1 + Duration::hours(1));
    s.finish_job(t.id, next.id, w, &JobOutcome::Failed("gave up".into()), Some(&after), again)
        .await
        .unwrap();
    let failed = s.job(t.id, next.id).await.unwrap();
    assert_eq!(
        (failed.state, failed.error.as_deref(), failed.lease_owner),
        (JobState::Failed, Some("gave up"), None)
    );
    assert_eq!(s.job(t.id, after.id).await.unwrap().state, JobState::Queued);
}

async fn cancelling_stops_queued_and_running_jobs(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Annulations").await;
    let k = kind();
    let t0 = now();
    let w = Uuid::new_v4();
    let queued = new_job(t.id, &k, Some("a"), t0);
    let running = new_job(t.id, &k, None, t0 - Duration::minutes(1));
    let finished = new_job(t.id, &k, None, t0 - Duration::minutes(2));
    for j in [&queued, &running, &finished] {
        s.enqueue_job(j, t0).await.unwrap();
    }
    assert_eq!(
        s.claim_job(None, &[&k], w, t0, t0 + Duration::minutes(1))
            .await
            .unwrap()
            .unwrap()
            .id,
        finished.id
    );
    s.finish_job(t.id, finished.id, w, &JobOutcome::Done, None, t0).await.unwrap();
    assert_eq!(
        s.claim_job(None, &[&k], w, t0, t0 + Duration::minutes(1))
            .await
            .unwrap()
            .unwrap()
            .id,
        running.id
    );

    let t1 = t0 + Duration::seconds(10);
    let c = s.cancel_job(t.id, queued.id, t1).await.unwrap();
    assert_eq!((c.state, c.updated_at), (JobState::Cancelled, t1));
    let c = s.cancel_job(t.id, running.id, t1).await.unwrap();
    assert_eq!((c.state, c.lease_owner, c.lease_until), (JobState::Cancelled, None, None));
    // The running one stops at its next step.
    assert!(matches!(
        s.checkpoint_job(t.id, running.id, w, 1, &json!({}), t1 + Duration::minutes(1), t1)
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.finish_job(t.id, running.id, w, &JobOutcome::Done, None, t1).await,
        Err(StoreError::Conflict)
    ));
    // Finished ones are returned unchanged.
    let before = s.job(t.id, finished.id).await.unwrap();
    assert_eq!(s.cancel_job(t.id, finished.id, t1).await.unwrap(), before);
    assert_eq!(before.state, JobState::Done);
    assert!(matches!(s.cancel_job(t.id, Uuid::new_v4(), t1).await, Err(StoreError::NotFound)));
    // Nothing left to claim, even long after.
    assert!(
        s.claim_job(None, &[&k], w, t1 + Duration::days(1), t1 + Duration::days(2))
            .await
            .unwrap()
            .is_none()
    );
}

async fn runtime_rows_stay_behind_the_tenant_wall(h: &Harness) {
    let s = h.app.store();
    let (a, _) = h.tenant("Mur A").await;
    let (b, _) = h.tenant("Mur B").await;
    let k = kind();
    let t0 = now();
    let w = Uuid::new_v4();

    s.park_event(a.id, "reminders", 4, "boom", 1, t0).await.unwrap();
    s.consumer_commit(a.id, "reminders", Advance::To { from: 0, to: 4 }, &[], t0)
        .await
        .unwrap();
    assert!(s.parked_events(b.id, 10).await.unwrap().is_empty());
    assert!(s.consumer_cursors(b.id).await.unwrap().is_empty());
    assert_eq!(s.consumer_cursor(b.id, "reminders").await.unwrap(), 0);
    assert!(matches!(
        s.request_replay(b.id, "reminders", 4, t0).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.replays_requested(b.id, "reminders").await.unwrap().is_empty());
    s.request_replay(a.id, "reminders", 4, t0).await.unwrap();
    assert!(s.replays_requested(b.id, "reminders").await.unwrap().is_empty());
    assert!(matches!(
        s.consumer_commit(b.id, "reminders", Advance::Replay { seq: 4 }, &[], t0).await,
        Err(StoreError::Conflict)
    ));
    // B's own cursor of the same name starts at 0, apart from A's.
    s.consumer_commit(b.id, "reminders", Advance::To { from: 0, to: 1 }, &[], t0)
        .await
        .unwrap();
    assert_eq!(s.consumer_cursor(a.id, "reminders").await.unwrap(), 4);

    let job = new_job(a.id, &k, Some("x"), t0);
    s.enqueue_job(&job, t0).await.unwrap();
    assert!(matches!(s.job(b.id, job.id).await, Err(StoreError::NotFound)));
    assert!(matches!(s.cancel_job(b.id, job.id, t0).await, Err(StoreError::NotFound)));
    assert!(s.jobs(b.id, None, 100).await.unwrap().iter().all(|j| j.tenant_id == b.id));
    assert!(s.jobs(b.id, Some(&k), 100).await.unwrap().is_empty());
    let claimed = s.claim_job(None, &[&k], w, t0, t0 + Duration::minutes(1)).await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.tenant_id), (job.id, a.id));
    assert!(matches!(
        s.checkpoint_job(b.id, job.id, w, 1, &json!({}), t0, t0).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.finish_job(b.id, job.id, w, &JobOutcome::Done, None, t0).await,
        Err(StoreError::Conflict)
    ));
    // A `next` for another tenant is refused, and the job stays held.
    assert!(
        s.finish_job(a.id, job.id, w, &JobOutcome::Done, Some(&new_job(b.id, &k, None, t0)), t0)
            .await
            .is_err()
    );
    assert_eq!(s.job(a.id, job.id).await.unwrap().state, JobState::Running);
    s.finish_job(a.id, job.id, w, &JobOutcome::Done, None, t0).await.unwrap();
}

async fn concurrent_workers_claim_each_job_once(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Foule").await;
    let k = kind();
    let t0 = now();
    let mut all = BTreeSet::new();
    for i in 0..50 {
        let j = new_job(t.id, &k, None, t0 - Duration::seconds(i));
        all.insert(j.id);
        s.enqueue_job(&j, t0).await.unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = s.clone();
        let k = k.clone();
        tasks.push(tokio::spawn(async move {
            let w = Uuid::new_v4();
            let mut mine = Vec::new();
            while let Some(job) = s.claim_job(None, &[&k], w, t0, t0 + Duration::minutes(5)).await.unwrap() {
                assert_eq!((job.lease_owner, job.attempts), (Some(w), 1));
                mine.push(job.id);
                s.finish_job(job.tenant_id, job.id, w, &JobOutcome::Done, None, t0).await.unwrap();
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let unique: BTreeSet<Uuid> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 50, "every job claimed exactly once");
    assert_eq!(unique, all);
    assert!(s.jobs(t.id, Some(&k), 100).await.unwrap().iter().all(|j| j.state == JobState::Done));
}

contract!(
    cursor_moves_only_from_where_it_is,
    a_duplicate_notification_rolls_the_whole_commit_back,
    only_one_of_concurrent_commits_from_the_same_cursor_wins,
    parked_events_are_replayed_once_on_request,
    a_key_keeps_one_live_job,
    claims_take_due_jobs_oldest_first,
    a_claim_for_one_tenant_leaves_the_others,
    a_lost_lease_passes_the_job_on,
    finishing_retries_fails_and_queues_the_next_time,
    cancelling_stops_queued_and_running_jobs,
    runtime_rows_stay_behind_the_tenant_wall,
    concurrent_workers_claim_each_job_once,
);
