//! Automation in the store: rules (versions, references checked, a company's own only);
//! the reader of the log starting one run per rule and change — skipped ones with their
//! reason — and the runner doing each action once, even when a run is done again from the
//! start (as after a crash between an action and its record); the changes an automation
//! makes logged with the rule and their depth; a date rule started once per record and
//! day; a score change logged for the readers.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::automation::{AutomationInput, RunState};
use crm_domain::event::{EntityType, EventKind};
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore};
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{RetryPolicy, Shutdown};
use crm_ports::services::automation::act::AutomationRunner;
use crm_ports::services::automation::engine::{AutomationEngine, RUN_KIND, RunJob};
use crm_ports::services::email::MailSettings;
use crm_ports::store::{AutomationStore as _, ContactScore, EventLog as _, ScoringStore as _};
use crm_ports::{ServiceError, StoreError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn rule(trigger: serde_json::Value, actions: Vec<serde_json::Value>) -> AutomationInput {
    AutomationInput {
        name: "Accueil".into(),
        active: true,
        trigger,
        conditions: None,
        actions,
    }
}

pub async fn rules_keep_their_versions_references_and_company(h: &Harness) {
    let (_, admin) = h.tenant("Règles").await;
    let (_, other) = h.tenant("Voisins").await;
    let r = h
        .app
        .create_automation(
            &admin,
            &rule(json!({"type": "email_opened"}), vec![json!({"type": "add_tag", "tag": "Chaud"})]),
        )
        .await
        .unwrap();
    assert_eq!(h.app.automation(&admin, r.id).await.unwrap(), r);
    let paused = AutomationInput {
        active: false,
        ..rule(json!({"type": "email_clicked"}), vec![json!({"type": "add_tag", "tag": "clic"})])
    };
    assert!(matches!(
        h.app.update_automation(&admin, r.id, 7, &paused).await,
        Err(ServiceError::Conflict)
    ));
    let r2 = h.app.update_automation(&admin, r.id, r.version, &paused).await.unwrap();
    assert_eq!((r2.version, r2.spec.active), (2, false));
    assert_eq!(h.app.automations(&admin).await.unwrap(), vec![r2.clone()]);
    // Records named must be the company's; a dynamic segment is no list.
    let unknown = rule(
        json!({"type": "email_opened"}),
        vec![json!({"type": "send_email", "template_id": uuid::Uuid::now_v7()})],
    );
    match h.app.create_automation(&admin, &unknown).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "actions.0.template_id"),
        other => panic!("{other:?}"),
    }
    let dynamic = h
        .app
        .create_segment(
            &admin,
            &crm_ports::services::segments::SegmentInput {
                name: "Prospects".into(),
                rule: Some(json!({"field": "kind", "op": "eq", "value": "prospect"})),
            },
        )
        .await
        .unwrap();
    match h
        .app
        .create_automation(
            &admin,
            &rule(
                json!({"type": "email_opened"}),
                vec![json!({"type": "add_to_list", "segment_id": dynamic.id})],
            ),
        )
        .await
    {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].kind.code(), "not_allowed"),
        other => panic!("{other:?}"),
    }
    // Another company: none of it.
    assert!(matches!(h.app.automation(&other, r.id).await, Err(ServiceError::NotFound)));
    assert!(h.app.automations(&other).await.unwrap().is_empty());
    assert!(matches!(
        h.app.automation_runs(&other, r.id, None, 10).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(h.app.delete_automation(&other, r.id).await, Err(ServiceError::NotFound)));
    h.app.delete_automation(&admin, r.id).await.unwrap();
    assert!(matches!(h.app.automation(&admin, r.id).await, Err(ServiceError::NotFound)));
}

/// Runs the reader of the log and the runner of jobs until `done`, then stops them.
async fn run_until(h: &Harness, mut done: impl AsyncFnMut() -> bool) {
    let consumer: Arc<dyn Consumer> = Arc::new(InStore::new(AutomationEngine::new(&h.app), &h.app));
    // The reader starts with every company of the database (on PostgreSQL the suite shares
    // one, where other cases leave logs of thousands of events): batches of a few dozen
    // reach this company's changes in time.
    let options = ConsumerOptions {
        batch: 64,
        sweep: Duration::from_millis(100),
        gather: Duration::from_millis(5),
        retry: RetryPolicy::default(),
    };
    let handlers: Vec<Arc<dyn JobHandler>> = vec![Arc::new(AutomationRunner::new(&h.app, MailSettings::default()))];
    let mut job_options = JobOptions::new(uuid::Uuid::now_v7());
    job_options.poll = Duration::from_millis(50);
    let (trigger, shutdown) = Shutdown::new();
    let (a, b) = (h.app.clone(), h.app.clone());
    let s2 = shutdown.clone();
    let reader = tokio::spawn(async move { a.run_consumer(consumer, options, shutdown).await });
    let jobs = tokio::spawn(async move { b.run_jobs(handlers, job_options, s2).await });
    let mut finished = false;
    for _ in 0..1200 {
        if done().await {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    trigger.trigger();
    reader.await.unwrap();
    jobs.await.unwrap();
    assert!(finished, "the runs did not settle in 60 s");
}

pub async fn one_run_per_change_and_each_action_once(h: &Harness) {
    let (t, admin) = h.tenant("Exécutions").await;
    // Before the rule: never started for it.
    h.app.create_contact(&admin, &input("Avant", "Règle"), None, true).await.unwrap();
    let r = h
        .app
        .create_automation(
            &admin,
            &AutomationInput {
                conditions: Some(json!({"field": "kind", "op": "eq", "value": "prospect"})),
                ..rule(
                    json!({"type": "record_created", "entity": "contact"}),
                    vec![
                        json!({"type": "add_tag", "tag": "bienvenue"}),
                        json!({"type": "create_task", "title": "Appeler", "due_in_days": 2}),
                        json!({"type": "notify", "message": "Nouveau prospect"}),
                    ],
                )
            },
        )
        .await
        .unwrap();
    let mut prospects = Vec::new();
    for n in 0..3 {
        prospects.push(
            h.app
                .create_contact(&admin, &input("Pros", &format!("Pect{n}")), None, true)
                .await
                .unwrap(),
        );
    }
    let client = h
        .app
        .create_contact(
            &admin,
            &crm_domain::contact::ContactInput {
                kind: "client".into(),
                ..input("Cli", "Ent")
            },
            None,
            true,
        )
        .await
        .unwrap();
    // Tried on the last 30 days: the five contacts' creations, the client's kept out by
    // the condition; nothing written.
    let dry = h
        .app
        .dry_run_automation(
            &admin,
            &AutomationInput {
                conditions: Some(json!({"field": "kind", "op": "eq", "value": "prospect"})),
                ..rule(
                    json!({"type": "record_created", "entity": "contact"}),
                    vec![json!({"type": "add_tag", "tag": "essai"})],
                )
            },
        )
        .await
        .unwrap();
    assert_eq!((dry.matched, dry.started), (5, 4), "{dry:?}");
    assert_eq!(dry.skipped, vec![("conditions_not_met".to_owned(), 1)]);
    assert!(h.app.automation_runs(&admin, r.id, None, 50).await.unwrap().is_empty());
    let settled = async || {
        let runs = h.app.automation_runs(&admin, r.id, None, 50).await.unwrap();
        runs.len() == 4 && runs.iter().all(|r| matches!(r.state, RunState::Done | RunState::Skipped))
    };
    run_until(h, settled).await;
    let runs = h.app.automation_runs(&admin, r.id, None, 50).await.unwrap();
    assert_eq!(runs.len(), 4, "{runs:?}");
    let skipped: Vec<_> = runs.iter().filter(|r| r.state == RunState::Skipped).collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].entity_id, client.id.as_uuid());
    assert_eq!(skipped[0].reason.as_deref(), Some("conditions_not_met"));
    let tasks = |h: &Harness| {
        let app = h.app.clone();
        async move {
            let todo = app.todo(&admin, false).await.unwrap();
            todo.overdue
                .iter()
                .chain(&todo.today)
                .chain(&todo.upcoming)
                .filter(|a| a.fields.subject.as_str() == "Appeler")
                .count()
        }
    };
    assert_eq!(tasks(h).await, 3);
    // Done again from the start, as after a crash before the run's progress was saved:
    // the tag is there, the task and the notification are found, nothing is doubled.
    let store = h.app.store();
    for run in runs.iter().filter(|r| r.state == RunState::Done) {
        let mut again = run.clone();
        again.state = RunState::Running;
        again.steps.clear();
        again.next_step = 0;
        store.save_automation_run(&again).await.unwrap();
        let payload = serde_json::to_value(RunJob { run_id: run.id }).unwrap();
        h.app.enqueue_job(t.id, RUN_KIND, payload, chrono::Utc::now(), None).await.unwrap();
    }
    let redone = async || {
        h.app
            .automation_runs(&admin, r.id, None, 50)
            .await
            .unwrap()
            .iter()
            .all(|r| matches!(r.state, RunState::Done | RunState::Skipped))
    };
    run_until(h, redone).await;
    let after = h.app.automation_runs(&admin, r.id, None, 50).await.unwrap();
    assert_eq!(after.iter().filter(|r| r.state == RunState::Done).count(), 3, "{after:?}");
    assert_eq!(tasks(h).await, 3);
    let runs = h.app.automation_runs(&admin, r.id, None, 50).await.unwrap();
    for run in runs.iter().filter(|r| r.state == RunState::Done) {
        let outcomes: Vec<(&str, &str)> = run.steps.iter().map(|s| (s.action.as_str(), s.outcome.as_str())).collect();
        assert_eq!(
            outcomes,
            [("add_tag", "skipped"), ("create_task", "done"), ("notify", "done")],
            "{run:?}"
        );
    }
    let notes = h.app.notifications(&admin, false, 50).await.unwrap();
    assert_eq!(notes.iter().filter(|n| n.subject == "Nouveau prospect").count(), 3);
    // The changes the rule made are logged with it, at depth 1.
    for p in &prospects {
        let c = h.app.contact(&admin, p.id).await.unwrap();
        assert!(c.fields.tags.iter().any(|t| t.as_str() == "bienvenue"));
        let events = store
            .history(
                t.id,
                &crm_ports::query::HistoryQuery::Entity {
                    entity_type: EntityType::Contact,
                    entity_id: p.id.as_uuid(),
                    before: None,
                },
                20,
            )
            .await
            .unwrap();
        let by_rule: Vec<_> = events.iter().filter(|e| e.actor_kind == "automation").collect();
        assert_eq!(by_rule.len(), 1, "{events:?}");
        let cause = by_rule[0].cause.unwrap();
        assert_eq!((cause.rule_id, cause.depth), (r.id, 1));
        assert!(events.iter().filter(|e| e.actor_kind != "automation").all(|e| e.cause.is_none()));
    }
    // The counts by state.
    let counts = h.app.automation_run_counts(&admin).await.unwrap();
    let n = |s: RunState| counts.iter().find(|c| c.state == s).map_or(0, |c| c.count);
    assert_eq!((n(RunState::Done), n(RunState::Skipped)), (3, 1), "{counts:?}");
    // Deleted: its runs go with it.
    h.app.delete_automation(&admin, r.id).await.unwrap();
    let first = runs.first().unwrap().id;
    assert!(matches!(store.automation_run(t.id, first).await, Err(StoreError::NotFound)));
}

pub async fn a_date_rule_starts_once_per_record_and_day(h: &Harness) {
    let (t, admin) = h.tenant("Échéances").await;
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let c = h.app.create_contact(&admin, &input("Date", "Proche"), None, true).await.unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&crm_domain::tenant::TimeZone::PARIS.tz())
        .date_naive();
    let deal = |close: chrono::NaiveDate, title: &str| crm_domain::opportunity::OpportunityInput {
        title: title.into(),
        value_minor: 100_000,
        currency: Some("EUR".into()),
        contact_ids: vec![c.id],
        expected_close: Some(close),
        ..crm_domain::opportunity::OpportunityInput::default()
    };
    let soon = h
        .app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &deal(today + chrono::Duration::days(3), "Dans trois jours"),
            None,
        )
        .await
        .unwrap();
    h.app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &deal(today + chrono::Duration::days(10), "Plus tard"),
            None,
        )
        .await
        .unwrap();
    let r = h
        .app
        .create_automation(
            &admin,
            &rule(
                json!({"type": "date_reached", "days": -3}),
                vec![json!({"type": "create_task", "title": "Préparer la signature"})],
            ),
        )
        .await
        .unwrap();
    assert_eq!(h.app.start_date_rules(t.id).await.unwrap(), 1);
    assert_eq!(
        h.app.start_date_rules(t.id).await.unwrap(),
        0,
        "the second look starts nothing again"
    );
    let runs = h.app.automation_runs(&admin, r.id, None, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].entity_id, runs[0].contact_id), (soon.id.as_uuid(), Some(c.id)));
    assert_eq!(
        runs[0].trigger_key,
        format!("date:{}:{}", soon.id, today + chrono::Duration::days(3))
    );
    // The dry run sees it too, and writes nothing.
    let dry = h
        .app
        .dry_run_automation(
            &admin,
            &rule(
                json!({"type": "date_reached", "days": -3}),
                vec![json!({"type": "add_tag", "tag": "x"})],
            ),
        )
        .await
        .unwrap();
    assert!(dry.started >= 1, "{dry:?}");
    assert_eq!(h.app.automation_runs(&admin, r.id, None, 10).await.unwrap().len(), 1);
}

pub async fn a_score_change_is_logged_for_the_readers(h: &Harness) {
    let (t, admin) = h.tenant("Scores").await;
    let c = h.app.create_contact(&admin, &input("Score", "Monté"), None, true).await.unwrap();
    let before = h.app.store().events_after(t.id, 0, 1000).await.unwrap().len();
    let score = |n: i32| ContactScore {
        contact_id: c.id,
        breakdown: crm_domain::scoring::Breakdown {
            score: n,
            lines: Vec::new(),
        },
        computed_at: chrono::Utc::now(),
    };
    h.app.store().save_scores(t.id, &[score(40)]).await.unwrap();
    h.app.store().save_scores(t.id, &[score(40)]).await.unwrap();
    h.app.store().save_scores(t.id, &[score(55)]).await.unwrap();
    let events = h.app.store().events_after(t.id, 0, 1000).await.unwrap();
    let new: Vec<_> = events[before..].iter().collect();
    assert_eq!(new.len(), 2, "a score unchanged logs nothing: {new:?}");
    assert!(
        new.iter()
            .all(|e| e.kind == EventKind::ScoreChanged && e.entity_id == c.id.as_uuid())
    );
    let change = &new[1].changes[0];
    assert_eq!(
        (change.field.as_str(), change.before.clone(), change.after.clone()),
        ("score", Some(json!(40)), Some(json!(55)))
    );
    let _ = admin;
}

contract!(
    rules_keep_their_versions_references_and_company,
    one_run_per_change_and_each_action_once,
    a_date_rule_starts_once_per_record_and_day,
    a_score_change_is_logged_for_the_readers
);
