//! PostgreSQL only: row-level security holds even for a query that forgets its tenant
//! filter, the application role cannot rewrite the event log, and the store refuses to
//! serve as a privileged role.

use crate::contacts::input;
use crate::harness::{cipher, pg_target, postgres};
use crm_store_sql::{OpenError, PostgresSetup, SqlStore};
use sqlx::Connection;

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
