//! The PostgreSQL pool hands its connections out without a round trip to check them first
//! (`test_before_acquire(false)`): a connection the server ended while it sat in the pool
//! must not fail the next request. Every backend of the store is ended, then reads and a
//! write, one after another and at once, all succeed on fresh connections.

use crate::contacts::input;
use crate::harness::{drop_database, postgres_alone};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_ended_by_the_server_are_replaced_without_an_error() {
    let Some((h, admin_url)) = postgres_alone().await else {
        return;
    };
    let (_, admin) = h.tenant("Connexions perdues").await;
    let c = h.app.create_contact(&admin, &input("Anne", "Durand"), None, true).await.unwrap();
    // Fill the pool: eight reads at once open its four connections, which then sit idle.
    let reads = (0..8).map(|_| h.app.contact(&admin, c.id));
    for r in futures::future::join_all(reads).await {
        r.unwrap();
    }
    let mut db = PgConnection::connect(&admin_url).await.unwrap();
    let ended: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(!ended.is_empty() && ended.iter().all(|(e,)| *e), "{ended:?}");

    for _ in 0..3 {
        assert_eq!(h.app.contact(&admin, c.id).await.unwrap().id, c.id);
    }
    let reads = (0..8).map(|_| h.app.contact(&admin, c.id));
    for r in futures::future::join_all(reads).await {
        assert_eq!(r.unwrap().id, c.id);
    }
    h.app.create_contact(&admin, &input("Paul", "Martin"), None, true).await.unwrap();
    drop(db);
    drop(h);
    drop_database(&admin_url).await;
}
