//! PostgreSQL only: row-level security holds even for a query that forgets its tenant
//! filter, the platform's setting reads the log readers' marks and nothing more, the
//! application role cannot rewrite the event log, and the store refuses to serve as a
//! privileged role.

use crate::contacts::input;
use crate::harness::{cipher, pg_target, postgres};
use crm_domain::contact::ContactInput;
use crm_store_sql::{OpenError, PostgresSetup, SqlStore};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unscoped_select_sees_only_the_current_tenant() {
    let Some(h) = postgres().await else { return };
    let (a, admin_a) = h.tenant("Mur A").await;
    let (b, admin_b) = h.tenant("Mur B").await;
    h.app.create_contact(&admin_a, &input("Arthur", "Aa"), None, false).await.unwrap();
    h.app.create_contact(&admin_b, &input("Béa", "Bb"), None, false).await.unwrap();
    let target = pg_target().await.unwrap();
    let mut c = sqlx::PgConnection::connect(&target.app_url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    // No tenant filter on purpose.
    let tenants: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT DISTINCT tenant_id FROM contacts")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(tenants, [(a.id.as_uuid(),)]);
    let events: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT DISTINCT tenant_id FROM events")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(events, [(a.id.as_uuid(),)]);
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM tenants").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 1);
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    let err = sqlx::query("UPDATE contacts SET tenant_id = $1")
        .bind(b.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
    // With no tenant set at all, nothing is visible.
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM contacts").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 0);
}

/// The sweeps of the log readers read every company's last sequence number, cursors and
/// parked events under the platform's setting (migration 0053): that setting reads those,
/// writes none of them, and still sees no company's contacts or events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_reads_the_log_marks_and_nothing_more() {
    let Some(h) = postgres().await else { return };
    let (a, admin_a) = h.tenant("Marques du mur").await;
    h.app.create_contact(&admin_a, &input("Arthur", "Aa"), None, false).await.unwrap();
    let target = pg_target().await.unwrap();
    let mut c = sqlx::PgConnection::connect(&target.app_url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let (seq,): (Option<i64>,) = sqlx::query_as("SELECT last_seq FROM event_counters WHERE tenant_id = $1")
        .bind(a.id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(seq.is_some_and(|s| s > 0));
    for table in ["contacts", "events"] {
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table} WHERE tenant_id = $1")))
            .bind(a.id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "the platform's setting sees {table}");
    }
    for write in [
        "UPDATE event_counters SET last_seq = last_seq + 1 WHERE tenant_id = $1",
        "UPDATE consumer_cursors SET cursor = 0 WHERE tenant_id = $1",
        "DELETE FROM parked_events WHERE tenant_id = $1",
    ] {
        let done = sqlx::query(sqlx::AssertSqlSafe(write))
            .bind(a.id.as_uuid())
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 0, "{write}");
    }
    let err = sqlx::query("INSERT INTO consumer_cursors (tenant_id, consumer, cursor, updated_at) VALUES ($1, 'x', 1, 0)")
        .bind(a.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_role_cannot_rewrite_the_log() {
    let Some(h) = postgres().await else { return };
    let (t, _) = h.tenant("Journal immuable").await;
    let target = pg_target().await.unwrap();
    let mut c = sqlx::PgConnection::connect(&target.app_url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM events").fetch_one(&mut *tx).await.unwrap();
    assert!(n >= 2);
    tx.rollback().await.unwrap();
    for stmt in ["UPDATE events SET kind = 'forged'", "DELETE FROM events", "TRUNCATE events"] {
        let mut tx = c.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(t.id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(stmt).execute(&mut *tx).await.unwrap_err();
        assert!(err.to_string().contains("permission denied"), "{stmt}: {err}");
        tx.rollback().await.unwrap();
    }
    // Even the owner role, which holds every privilege, is stopped by the triggers.
    let owner_url = target.app_url.replace("crm_test_app@", "crm_test_owner@");
    let mut o = sqlx::PgConnection::connect(&owner_url).await.unwrap();
    let mut tx = o.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE events SET kind = 'forged'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_serve_as_owner_or_superuser() {
    let Some(target) = pg_target().await else { return };
    let owner_url = target.app_url.replace("crm_test_app@", "crm_test_owner@");
    let r = SqlStore::connect_postgres(
        &PostgresSetup {
            url: owner_url,
            max_connections: 1,
        },
        cipher(),
    )
    .await;
    assert!(matches!(r, Err(OpenError::Privileged { .. })), "{r:?}");
    let r = SqlStore::connect_postgres(
        &PostgresSetup {
            url: target.admin_url.clone(),
            max_connections: 1,
        },
        cipher(),
    )
    .await;
    assert!(matches!(r, Err(OpenError::Privileged { .. })), "{r:?}");
}

/// Migration 0015 dated the clients of before with one `UPDATE`, which the walls, forced on
/// the tables' owner too, kept from reaching any row; migration 0052 does it again company
/// by company, run here as the owner the suite migrates with (neither superuser nor
/// `BYPASSRLS`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_of_before_are_dated_by_the_owner_company_by_company() {
    let Some(h) = postgres().await else { return };
    let (a, admin_a) = h.tenant("Clients d'avant A").await;
    let (b, admin_b) = h.tenant("Clients d'avant B").await;
    let client = |first: &str| ContactInput {
        kind: "client".into(),
        ..input(first, "Ancien")
    };
    let mut ids = Vec::new();
    for admin in [&admin_a, &admin_b] {
        ids.push(
            h.app
                .create_contact(admin, &client("Alix"), None, false)
                .await
                .unwrap()
                .id
                .as_uuid(),
        );
    }
    let prospect = h
        .app
        .create_contact(&admin_a, &input("Paul", "Prospect"), None, false)
        .await
        .unwrap();
    let target = pg_target().await.unwrap();
    // As they were before 0015 (the superuser is not held by the walls).
    let mut su = sqlx::PgConnection::connect(&target.admin_url).await.unwrap();
    sqlx::query("UPDATE contacts SET client_since = NULL WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut su)
        .await
        .unwrap();
    let owner = PgConnectOptions::from_str(&target.admin_url).unwrap().username("crm_test_owner");
    let mut owner = sqlx::PgConnection::connect_with(&owner).await.unwrap();
    // 0015's statement, as the owner: the walls hide every row.
    let done = sqlx::query("UPDATE contacts SET client_since = created_at WHERE kind = 'client' AND id = ANY($1)")
        .bind(&ids)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0);
    sqlx::raw_sql(include_str!("../../migrations/postgres/0052_client_since_under_walls.sql"))
        .execute(&mut owner)
        .await
        .unwrap();
    let rows: Vec<(uuid::Uuid, Option<i64>, i64)> =
        sqlx::query_as("SELECT tenant_id, client_since, created_at FROM contacts WHERE id = ANY($1) ORDER BY tenant_id")
            .bind(&ids)
            .fetch_all(&mut su)
            .await
            .unwrap();
    let mut tenants: Vec<uuid::Uuid> = rows.iter().map(|r| r.0).collect();
    tenants.sort();
    let mut expected = vec![a.id.as_uuid(), b.id.as_uuid()];
    expected.sort();
    assert_eq!(tenants, expected);
    for (_, since, created) in rows {
        assert_eq!(since, Some(created), "a client of before is a client since its creation");
    }
    let (since,): (Option<i64>,) = sqlx::query_as("SELECT client_since FROM contacts WHERE id = $1")
        .bind(prospect.id.as_uuid())
        .fetch_one(&mut su)
        .await
        .unwrap();
    assert_eq!(since, None, "a prospect is no client");
    // The settings did not outlive the migration's transaction.
    let (tenant, platform): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT current_setting('app.tenant_id', true), current_setting('app.platform', true)")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(tenant.unwrap_or_default().is_empty() && platform.unwrap_or_default().is_empty());
}
