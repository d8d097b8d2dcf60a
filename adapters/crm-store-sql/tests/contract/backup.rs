//! Backups, on each backend as its guide says to take them: SQLite's `VACUUM INTO` copy
//! while the store serves; PostgreSQL's `pg_dump` by a role allowed to bypass row security
//! (not the application role, not even the tables' owner: row security is forced), restored with `pg_restore` into
//! a new database. Either way the copy opens with the same master key and reads as the
//! original: the companies' records, decrypted.

use crate::contacts::input;
use crate::harness::{Harness, Raw, cipher, creds};
use crm_domain::user::Role;
use crm_ports::App;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_store_sql::{PostgresSetup, SqlStore};
use std::process::Command;
use uuid::Uuid;

async fn names(app: &crate::harness::TestApp, actor: &crm_domain::Actor) -> Vec<String> {
    let mut out: Vec<String> = app
        .list_contacts(
            actor,
            &ContactFilter::default(),
            &PageRequest {
                limit: Some(100),
                ..PageRequest::default()
            },
        )
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| format!("{} {}", c.fields.first_name, c.fields.last_name))
        .collect();
    out.sort();
    out
}

async fn a_backup_opens_with_the_same_key_and_reads_as_the_original(h: &Harness) {
    let (_, admin) = h.tenant("Sauvegardée SA").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let marker = format!("Svg{}", &Uuid::new_v4().simple().to_string()[..8]);
    for i in 0..5 {
        h.app
            .create_contact(&rep, &input(&format!("Prénom{i}"), &marker), None, true)
            .await
            .unwrap();
    }
    let before = names(&h.app, &admin).await;
    assert_eq!(before.len(), 5);
    let (_, stranger) = h.tenant("Autre société").await;
    h.app
        .create_contact(&stranger, &input("Voisin", &marker), None, true)
        .await
        .unwrap();
    let theirs = names(&h.app, &stranger).await;

    let copy: crate::harness::TestApp = match &h.raw {
        Raw::Sqlite { path, .. } => {
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join("copie.db");
            h.app.store().backup_sqlite(&dest).await.unwrap();
            assert!(h.app.store().backup_sqlite(&dest).await.is_err(), "never over a file");
            assert_ne!(&dest, path);
            let store = SqlStore::open_sqlite(&dest, cipher()).await.unwrap();
            // The temporary directory lives as long as the test: leaked on purpose.
            std::mem::forget(dir);
            App::new(store, creds())
        }
        Raw::Postgres { target } => {
            let dir = tempfile::tempdir().unwrap();
            let dump = dir.path().join("crm.dump");
            // Not even the tables' owner can take it: row security is forced on it too.
            let owner_url = target.app_url.replacen("crm_test_app@", "crm_test_owner@", 1);
            let refused = Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(&dump)
                .arg(&owner_url)
                .output()
                .expect("pg_dump must be installed");
            assert!(!refused.status.success(), "the owner must not dump the tables");
            let why = String::from_utf8_lossy(&refused.stderr);
            assert!(why.contains("row-level security"), "{why}");
            // A role allowed to bypass row security (here the superuser) takes everything.
            let out = Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(&dump)
                .arg(&target.admin_url)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            // Restored into a new database (its name cleaned up by the next run).
            let (base, _) = target.admin_url.rsplit_once('/').unwrap();
            let database = format!("crm_test_contract_{}_restored", Uuid::new_v4().simple());
            let created = Command::new("psql")
                .arg(format!("{base}/postgres"))
                .args(["-v", "ON_ERROR_STOP=1", "-c"])
                .arg(format!("CREATE DATABASE \"{database}\" OWNER crm_test_owner"))
                .output()
                .unwrap();
            assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
            let restored = Command::new("pg_restore")
                .args(["--exit-on-error", "--dbname"])
                .arg(format!("{base}/{database}"))
                .arg(&dump)
                .output()
                .unwrap();
            assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
            let (app_base, _) = target.app_url.rsplit_once('/').unwrap();
            let store = SqlStore::connect_postgres(
                &PostgresSetup {
                    url: format!("{app_base}/{database}"),
                    max_connections: 2,
                },
                cipher(),
            )
            .await
            .unwrap();
            App::new(store, creds())
        }
    };
    // The same records, decrypted with the same key; the walls hold in the copy.
    assert_eq!(names(&copy, &admin).await, before);
    assert!(before.iter().all(|n| n.ends_with(&marker)));
    assert_eq!(names(&copy, &stranger).await, theirs);
    assert_eq!(theirs.len(), 1);
}

contract!(a_backup_opens_with_the_same_key_and_reads_as_the_original);
