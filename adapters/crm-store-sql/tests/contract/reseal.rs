//! Installations older than person keys (migration 0012): their contacts' events keep
//! names in clear and emails under the tenant key. The data migration seals them under
//! each person's key (SQLite at open, PostgreSQL through `migrate_postgres`), so that
//! destroying the key reaches them too. The log's append-only guard is back afterwards.

use crate::erasure::stored_changes;
use crate::harness::{Harness, PgTarget, Raw, cipher, creds, pg_target};
use base64::Engine;
use crm_domain::TenantId;
use crm_domain::event::EntityType;
use crm_ports::store::PersonKeyStore as _;
use crm_ports::{App, Cipher};
use crm_store_sql::{OpenError, PostgresSetup, SqlStore, migrate_postgres};
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

/// An old-format event's changes: names in clear, emails sealed under the tenant key, as
/// the store wrote them before person keys.
fn old_changes(tenant: TenantId, person: Uuid, marker: &str) -> Value {
    let emails = json!([format!("{}@ancien.fr", marker.to_lowercase())]);
    let aad = format!("crm/{}/events/emails/{person}", tenant.as_uuid());
    let sealed = cipher()
        .encrypt(tenant, aad.as_bytes(), &serde_json::to_vec(&emails).unwrap())
        .unwrap();
    json!([
        { "field": "first_name", "before": null, "after": "Ancienne" },
        { "field": "last_name", "before": null, "after": marker },
        { "field": "emails", "before": null, "after": { "enc": base64::engine::general_purpose::STANDARD.encode(sealed) } },
    ])
}

const NEXT_SEQ: &str = "UPDATE event_counters SET last_seq = last_seq + 1 WHERE tenant_id = $1";
const INSERT_OLD: &str = "INSERT INTO events (tenant_id, seq, at, actor_kind, actor_id, entity_type, entity_id, kind, owner_id, changes) \
     SELECT c.tenant_id, c.last_seq, (SELECT max(at) FROM events e WHERE e.tenant_id = $1), 'system', NULL, 'contact', $2, 'created', NULL, $3 \
     FROM event_counters c WHERE c.tenant_id = $1";
const FORGET_MIGRATION: &str = "DELETE FROM data_migrations WHERE name = 'person-events-sealed'";
const TAMPER: &str = "UPDATE events SET kind = 'deleted' WHERE entity_id = $1";

/// Writes an old-format event for `person` straight into the log (as an old program did),
/// and forgets that the data migration ran. Returns whether the log's guard held against
/// a raw update.
async fn write_old_event(raw: &Raw, tenant: TenantId, person: Uuid, marker: &str) -> bool {
    let changes = old_changes(tenant, person, marker);
    match raw {
        Raw::Sqlite { path, .. } => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let lite = |s: &str| s.replace("$1", "?1").replace("$2", "?2").replace("$3", "?3");
            sqlx::query(sqlx::AssertSqlSafe(lite(NEXT_SEQ)))
                .bind(tenant.as_uuid())
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(lite(INSERT_OLD)))
                .bind(tenant.as_uuid())
                .bind(person)
                .bind(changes.to_string())
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query(FORGET_MIGRATION).execute(&mut c).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(lite(TAMPER)))
                .bind(person)
                .execute(&mut c)
                .await
                .is_err()
        }
        Raw::Postgres { target } => {
            let mut c = sqlx::PgConnection::connect(&target.admin_url).await.unwrap();
            sqlx::query(NEXT_SEQ).bind(tenant.as_uuid()).execute(&mut c).await.unwrap();
            sqlx::query(INSERT_OLD)
                .bind(tenant.as_uuid())
                .bind(person)
                .bind(sqlx::types::Json(changes))
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::query(FORGET_MIGRATION).execute(&mut c).await.unwrap();
            sqlx::query(TAMPER).bind(person).execute(&mut c).await.is_err()
        }
    }
}

/// What is checked after the data migration ran: the old values open, sealed under the
/// person's key (nothing of them in clear in the stored log), and die with the key.
async fn check_sealed(h: &Harness, admin: &crm_domain::Actor, person: Uuid, marker: &str) {
    let of_person = |log: Vec<crm_ports::query::EventRecord>| -> Vec<_> {
        log.into_iter()
            .filter(|e| e.entity_type == EntityType::Contact && e.entity_id == person)
            .collect()
    };
    let events = of_person(h.app.events_after(admin, 0, 100).await.unwrap());
    assert_eq!(events.len(), 1);
    let values: Vec<String> = events[0]
        .changes
        .iter()
        .map(|c| c.after.as_ref().map(Value::to_string).unwrap_or_default())
        .collect();
    assert_eq!(
        values,
        [
            "\"Ancienne\"".to_owned(),
            format!("\"{marker}\""),
            format!("[\"{}@ancien.fr\"]", marker.to_lowercase())
        ]
    );
    let stored = stored_changes(h, person).await;
    assert!(stored.contains("\"pk\"") && !stored.contains("\"enc\""), "{stored}");
    for clear in ["Ancienne", marker] {
        assert!(!stored.to_lowercase().contains(&clear.to_lowercase()), "{clear} in clear: {stored}");
    }
    // The guard is back: the raw update was refused (checked by the caller), and the
    // person's key now reaches the old event.
    h.app
        .store()
        .erase_person_key(admin.tenant_id().unwrap(), person, h.app.now())
        .await
        .unwrap();
    let events = of_person(h.app.events_after(admin, 0, 100).await.unwrap());
    assert!(
        events[0].erased && events[0].changes.iter().all(|c| c.after.is_none()),
        "{events:?}"
    );
}

fn marker() -> String {
    format!("Vieux{}", &Uuid::new_v4().simple().to_string()[..8])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_seals_old_contact_events_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let h = Harness {
        app: App::new(SqlStore::open_sqlite(&path, cipher()).await.unwrap(), creds()),
        raw: Raw::Sqlite {
            _dir: tempfile::tempdir().unwrap(),
            path: path.clone(),
        },
    };
    let (_, admin) = h.tenant("Ancienne installation").await;
    let tenant = admin.tenant_id().unwrap();
    let person = Uuid::new_v4();
    let marker = marker();
    drop(h);
    let raw = Raw::Sqlite {
        _dir: tempfile::tempdir().unwrap(),
        path: path.clone(),
    };
    assert!(write_old_event(&raw, tenant, person, &marker).await, "the log's guard must hold");
    // The next open runs the data migration.
    let h = Harness {
        app: App::new(SqlStore::open_sqlite(&path, cipher()).await.unwrap(), creds()),
        raw,
    };
    assert!(
        write_old_event(&h.raw, tenant, Uuid::new_v4(), "Garde").await,
        "the guard is back after the migration"
    );
    check_sealed(&h, &admin, person, &marker).await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_seals_old_contact_events_in_migrate() {
    let Some(suite) = pg_target().await else { return };
    // A database of its own: the suite's shared one must stay migrated for other cases.
    let mut admin_conn = sqlx::PgConnection::connect(&suite.admin_url).await.unwrap();
    let db = format!("crm_test_contract_{}", Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{db}\" OWNER crm_test_owner")))
        .execute(&mut admin_conn)
        .await
        .unwrap();
    let (base, _) = suite.admin_url.rsplit_once('/').unwrap();
    let host = base.split_once('@').map_or(base, |(_, h)| h);
    let owner_url = format!("postgres://crm_test_owner@{host}/{db}");
    let target = PgTarget {
        admin_url: format!("{base}/{db}"),
        app_url: format!("postgres://crm_test_app@{host}/{db}"),
    };
    let setup = PostgresSetup {
        url: target.app_url.clone(),
        max_connections: 2,
    };
    assert_eq!(migrate_postgres(&owner_url, "crm_test_app", cipher()).await.unwrap(), 0);
    let h = Harness {
        app: App::new(SqlStore::connect_postgres(&setup, cipher()).await.unwrap(), creds()),
        raw: Raw::Postgres { target: target.clone() },
    };
    let (_, admin) = h.tenant("Ancienne installation").await;
    let tenant = admin.tenant_id().unwrap();
    let person = Uuid::new_v4();
    let marker = marker();
    assert!(write_old_event(&h.raw, tenant, person, &marker).await, "the log's guard must hold");
    drop(h);
    // The application role refuses to serve until `crm migrate` has run with the key.
    match SqlStore::connect_postgres(&setup, cipher()).await {
        Err(OpenError::Migrate(m)) => assert!(m.contains("crm migrate"), "{m}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // With a wrong key the migration refuses before rewriting anything.
    let wrong = crm_crypto::RingCipher::new(
        crm_crypto::Keyring::from_spec("1:0707070707070707070707070707070707070707070707070707070707070707").unwrap(),
    );
    assert!(matches!(
        migrate_postgres(&owner_url, "crm_test_app", wrong).await,
        Err(OpenError::KeyMismatch(_))
    ));
    assert_eq!(migrate_postgres(&owner_url, "crm_test_app", cipher()).await.unwrap(), 1);
    assert_eq!(
        migrate_postgres(&owner_url, "crm_test_app", cipher()).await.unwrap(),
        0,
        "done once"
    );
    let h = Harness {
        app: App::new(SqlStore::connect_postgres(&setup, cipher()).await.unwrap(), creds()),
        raw: Raw::Postgres { target },
    };
    assert!(
        write_old_event(&h.raw, tenant, Uuid::new_v4(), "Garde").await,
        "the guard is back after the migration"
    );
    check_sealed(&h, &admin, person, &marker).await;
    drop(h);
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")))
        .execute(&mut admin_conn)
        .await;
}
