//! Automation rules run by `crm serve`: a rule fires exactly once per triggering change
//! though the server is killed (`kill -9`) with runs in flight; its wait is a durable timer
//! that outlives the process (the time is moved on while the server is down); a rule whose
//! action triggers it again stops at the loop limit, the stop logged with its reason.

use crate::crash_support::{installation, logged_in, start_with};
use crate::support::{PASSWORD, spawn_app, tenant, unique_email};
use crm_domain::user::Role;
use crm_sdk::models::{AutomationRun, AutomationWrite, ContactWrite, NewUser};
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

async fn wait_for(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn contact(kind: &str, n: usize) -> ContactWrite {
    ContactWrite {
        kind: kind.into(),
        first_name: "Auto".into(),
        last_name: format!("Contact{n}"),
        emails: vec![format!("auto.{n}@exemple.fr")],
        ..ContactWrite::default()
    }
}

/// The actions a run did, each done — or found done already: a step the kill cut after its
/// work and before the run's record is done again and meets its own work (the tag there:
/// `no_change`; the task found by its id: `done`).
fn actions(r: &AutomationRun) -> Vec<&str> {
    for s in &r.steps {
        let again = s.outcome == "skipped" && s.detail.as_deref() == Some("no_change");
        assert!(s.outcome == "done" || again, "{r:?}");
    }
    r.steps.iter().map(|s| s.action.as_str()).collect()
}

async fn runs(c: &crm_sdk::Client, rule: uuid::Uuid) -> Vec<AutomationRun> {
    c.automation_runs(rule, None, Some(500)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_fires_once_per_change_across_a_kill_and_its_wait_outlives_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let (data, admin_email) = installation(dir.path(), "Automatismes").await;
    let env = [("CRM_REMINDER_INTERVAL_SECONDS", "0".to_owned())];
    let first = start_with(&data, None, &env);
    let admin = logged_in(&first.base, &admin_email).await;
    let rule = admin
        .create_automation(&AutomationWrite {
            name: "Accueil des prospects".into(),
            trigger: json!({"type": "record_created", "entity": "contact"}),
            conditions: Some(json!({"field": "kind", "op": "eq", "value": "prospect"})),
            actions: vec![
                json!({"type": "add_tag", "tag": "bienvenue"}),
                json!({"type": "create_task", "title": "Appeler le nouveau prospect", "due_in_days": 1}),
                json!({"type": "wait", "hours": 24}),
                json!({"type": "notify", "message": "Un jour après : le prospect a-t-il été appelé ?"}),
            ],
            ..AutomationWrite::default()
        })
        .await
        .unwrap();
    let mut made = Vec::new();
    for n in 0..24 {
        let kind = if n % 6 == 5 { "client" } else { "prospect" };
        made.push((admin.create_contact(&contact(kind, n), true).await.unwrap().id, kind));
    }
    // Killed at once: the reader of the log and the runner are at work on the changes.
    let before = runs(&admin, rule.id).await;
    let busy = before.iter().filter(|r| r.state == "running").count();
    eprintln!("killed with {} runs started ({busy} running) of 24", before.len());
    let mut first = first;
    Command::new("kill")
        .args(["-KILL", &first.child.id().to_string()])
        .status()
        .unwrap();
    let _ = first.child.wait();

    let second = start_with(&data, None, &env);
    let admin = logged_in(&second.base, &admin_email).await;
    wait_for("every run started or skipped, then waiting", Duration::from_secs(90), async || {
        let r = runs(&admin, rule.id).await;
        r.len() == 24 && r.iter().all(|r| r.state == "waiting" || r.state == "skipped")
    })
    .await;
    let all = runs(&admin, rule.id).await;
    // One run per change: 24 contacts created, 24 runs, each of another contact.
    let contacts: BTreeSet<_> = all.iter().map(|r| r.entity_id).collect();
    assert_eq!(contacts.len(), 24);
    for r in &all {
        let kind = made.iter().find(|(id, _)| *id == r.entity_id).unwrap().1;
        if kind == "client" {
            assert_eq!(
                (r.state.as_str(), r.reason.as_deref()),
                ("skipped", Some("conditions_not_met")),
                "{r:?}"
            );
        } else {
            assert_eq!(r.state, "waiting", "{r:?}");
            assert!(r.resume_at.is_some());
            assert_eq!(actions(r), ["add_tag", "create_task"], "{r:?}");
        }
    }
    // Each action done once: one tag, one task per prospect, none for clients.
    for (id, kind) in &made {
        let c = admin.contact(*id).await.unwrap();
        assert_eq!(c.tags.contains(&"bienvenue".to_owned()), *kind == "prospect", "{c:?}");
        let tasks = admin
            .timeline("contacts", *id, None, Some(100))
            .await
            .unwrap()
            .iter()
            .filter_map(|e| e.activity.as_ref())
            .filter(|a| a.subject == "Appeler le nouveau prospect")
            .count();
        assert_eq!(tasks, usize::from(*kind == "prospect"), "contact {id}");
    }

    // The server stops for a day: the waits come due while it is down.
    let mut second = second;
    Command::new("kill")
        .args(["-KILL", &second.child.id().to_string()])
        .status()
        .unwrap();
    let _ = second.child.wait();
    // (SQLite's own tool, Python's module: the test moves the clock of the stored timers.)
    let moved = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
             c.execute(\"UPDATE jobs SET due_at = 0 WHERE kind = 'automation.run' AND state = 'queued'\"); \
             c.execute(\"UPDATE automation_runs SET resume_at = 0 WHERE state = 'waiting'\"); c.commit()",
            data.join("crm.db").to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(moved.success());
    let third = start_with(&data, None, &env);
    let admin = logged_in(&third.base, &admin_email).await;
    wait_for("every waiting run done after the restart", Duration::from_secs(90), async || {
        runs(&admin, rule.id)
            .await
            .iter()
            .all(|r| r.state == "done" || r.state == "skipped")
    })
    .await;
    for r in runs(&admin, rule.id).await.iter().filter(|r| r.state == "done") {
        assert_eq!(actions(r), ["add_tag", "create_task", "wait", "notify"], "{r:?}");
    }
    let notes = admin.notifications(false).await.unwrap();
    let ours = notes.iter().filter(|n| n.subject.contains("Un jour après")).count();
    assert_eq!(ours, 20, "one notification per prospect");
    drop(third);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_triggers_itself_stops_at_the_loop_limit() {
    let s = spawn_app().await;
    let a = tenant(&s, "Boucles").await;
    let admin = a.client(Role::Admin);
    // A second sales rep in the team: each turn of the round-robin gives the contact to the
    // other one, which is a change of the contact, which starts the rule again.
    admin
        .create_user(&NewUser {
            email: unique_email("second"),
            display_name: "Second commercial".into(),
            role: "sales".into(),
            team_id: Some(a.team_id),
            password: Some(PASSWORD.into()),
        })
        .await
        .unwrap();
    let rule = admin
        .create_automation(&AutomationWrite {
            name: "Réattribuer à chaque changement".into(),
            trigger: json!({"type": "record_changed", "entity": "contact"}),
            actions: vec![json!({"type": "assign_owner", "team_id": a.team_id})],
            ..AutomationWrite::default()
        })
        .await
        .unwrap();
    let c = admin.create_contact(&contact("prospect", 1), true).await.unwrap();
    let mut write = contact("prospect", 1);
    write.job_title = Some("Acheteuse".into());
    admin.update_contact(c.id, c.version, &write).await.unwrap();
    let limit = usize::from(crm_domain::automation::MAX_LOOP_DEPTH);
    wait_for("the chain to reach the limit", Duration::from_secs(60), async || {
        runs(admin, rule.id).await.iter().any(|r| r.reason.as_deref() == Some("loop_limit"))
    })
    .await;
    // Nothing more comes after the stop.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut all = runs(admin, rule.id).await;
    all.sort_by_key(|r| r.depth);
    let depths: Vec<(i64, &str)> = all.iter().map(|r| (r.depth, r.state.as_str())).collect();
    let mut expected: Vec<(i64, &str)> = (1..=limit as i64).map(|d| (d, "done")).collect();
    expected.push((limit as i64 + 1, "skipped"));
    assert_eq!(depths, expected, "{all:?}");
    let stop = all.last().unwrap();
    assert_eq!(stop.reason.as_deref(), Some("loop_limit"));
    assert!(stop.steps.is_empty());
    // The log names the rule behind each change it made.
    let history = admin.contact_history(c.id).await.unwrap();
    let by_rule = history.iter().filter(|e| e.actor_kind == "automation").count();
    assert_eq!(by_rule, limit, "{history:?}");
    s.stop().await;
}
