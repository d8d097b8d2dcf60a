//! `kill -9` of a `crm serve` while a reader of the log that writes to the store is in
//! the middle of its catch-up, then a restart: every event applied once — none skipped,
//! none twice — on SQLite and on PostgreSQL. The reader is the assignment notifier: each
//! contact an Admin creates for a Sales rep gives the rep one notification, written in the
//! transaction that moves the reader's cursor.

use crate::crash_support::{KEY, logged_in, start_with};
use crate::support::{PASSWORD, unique_email};
use crm_domain::Actor;
use crm_domain::contact::ContactInput;
use crm_domain::user::Role;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_server::config::{Config, FileConfig, Secret};
use std::process::Command;
use std::time::{Duration, Instant};

/// Contacts written while no server runs (in transactions of [`CHUNK`]).
const CONTACTS: usize = 4_000;
const CHUNK: usize = 1_000;
/// Writes the tenant, its rep and the contacts through the library, no server running;
/// (admin email, rep email).
async fn prepare(config: &Config) -> (String, String) {
    let app = crm_server::open_app(config).await.unwrap();
    let admin_email = unique_email("admin");
    let (t, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Reprise après panne".into(),
                admin_email: admin_email.clone(),
                admin_name: "Admin".into(),
                admin_password: Some(PASSWORD.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    let admin = Actor::User {
        tenant_id: t.id,
        user_id: admin.id,
        role: Role::Admin,
    };
    let rep_email = unique_email("rep");
    let rep = app
        .create_user(
            &admin,
            &NewUser {
                email: rep_email.clone(),
                display_name: "Rep".into(),
                role: "sales".into(),
                team_id: None,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    for chunk in 0..CONTACTS / CHUNK {
        let inputs: Vec<ContactInput> = (0..CHUNK)
            .map(|i| ContactInput {
                kind: "prospect".into(),
                first_name: "Panne".into(),
                last_name: format!("Contact{}", chunk * CHUNK + i),
                ..ContactInput::default()
            })
            .collect();
        app.import_contacts(&admin, &inputs, Some(rep.id)).await.unwrap();
    }
    (admin_email, rep_email)
}

async fn assignments(admin: &crm_sdk::Client) -> crm_sdk::models::ConsumerStatus {
    admin
        .consumers()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "assignment_notifications")
        .unwrap()
}

async fn killed_in_the_middle_then_restarted(dir: &std::path::Path, url: Option<&str>) {
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(dir.to_path_buf()),
            database_url: url.map(|u| Some(Secret::new(u))),
            master_key: Some(Some(Secret::new(KEY))),
            ..FileConfig::default()
        },
    );
    let (admin_email, rep_email) = prepare(&config).await;

    // First server: killed once the reader has committed part of its catch-up.
    let first = start_with(dir, url, &[]);
    let admin = logged_in(&first.base, &admin_email).await;
    let started = Instant::now();
    let seen = loop {
        let s = assignments(&admin).await;
        if s.cursor > 0 {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the reader never started: {s:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mut first = first;
    Command::new("kill")
        .args(["-KILL", &first.child.id().to_string()])
        .status()
        .unwrap();
    let _ = first.child.wait();
    assert!(
        seen.lag > 0,
        "the server was to be killed in the middle of the catch-up, but it had finished: {seen:?}"
    );

    // Second server: catches up from the committed cursor.
    let second = start_with(dir, url, &[]);
    let admin = logged_in(&second.base, &admin_email).await;
    let started = Instant::now();
    let done = loop {
        let s = assignments(&admin).await;
        if s.lag == 0 {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no catch-up after the restart: {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done.parked, 0, "{done:?}");
    assert!(admin.parked_events().await.unwrap().is_empty());
    // One notification per contact: reading them all marks exactly that many.
    let rep = logged_in(&second.base, &rep_email).await;
    let latest = rep.notifications(false).await.unwrap();
    // Each links to its contact; no name of a person is copied into a notification.
    assert!(
        latest.iter().all(|n| n.kind == "contact_assigned"
            && n.subject.is_empty()
            && n.entity_type.as_deref() == Some("contact")
            && n.entity_id.is_some()),
        "{:?}",
        latest.first()
    );
    assert_eq!(rep.read_all_notifications().await.unwrap(), i64::try_from(CONTACTS).unwrap());
    assert_eq!(rep.read_all_notifications().await.unwrap(), 0);
    eprintln!(
        "killed at cursor {} of {} (lag {}); after the restart: cursor {}, {} notifications",
        seen.cursor, seen.latest, seen.lag, done.cursor, CONTACTS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_skips_nothing_and_repeats_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    killed_in_the_middle_then_restarted(dir.path(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_skips_nothing_and_repeats_nothing_on_postgres() {
    let Some((admin_url, app_url, db)) = crate::realtime::throwaway_database(KEY).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    killed_in_the_middle_then_restarted(dir.path(), Some(&app_url)).await;
    let _ = Command::new("psql")
        .arg(&admin_url)
        .arg("-qc")
        .arg(format!("DROP DATABASE {db} WITH (FORCE)"))
        .status();
}
