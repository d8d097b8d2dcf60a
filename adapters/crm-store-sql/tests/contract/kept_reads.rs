//! Reads of several companies at once, on PostgreSQL through connections kept bound to a
//! company (the pool of four keeps two, so the companies' reads take turns and bind them
//! anew): each read finds its own company's rows and never another's, a connection whose
//! session names one company finds nothing of another's, and reads never keep the
//! connections that writes need.

use crate::contacts::input;
use crate::harness::{Harness, Raw, drop_database, postgres_alone};
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use futures::future::join_all;
use sqlx::Connection;

contract!(reads_of_many_companies_at_once_each_find_their_own);

async fn reads_of_many_companies_at_once_each_find_their_own(h: &Harness) {
    let mut companies = Vec::new();
    for name in ["Lecture A", "Lecture B", "Lecture C"] {
        let (t, admin) = h.tenant(name).await;
        let mut mine = Vec::new();
        for i in 0..3 {
            mine.push(
                h.app
                    .create_contact(&admin, &input(name, &format!("N{i}")), None, false)
                    .await
                    .unwrap(),
            );
        }
        companies.push((t, admin, mine));
    }
    for _round in 0..3 {
        // Every company reads its own contacts and tries the others', all at once and
        // interleaved, so that the kept connections pass from one company to another.
        let reads = (0..60).map(|i| {
            let (_, admin, mine) = &companies[i % 3];
            let (_, _, theirs) = &companies[(i + 1) % 3];
            async move {
                let own = &mine[i % mine.len()];
                assert_eq!(h.app.contact(admin, own.id).await.unwrap().id, own.id);
                let other = &theirs[i % theirs.len()];
                assert!(matches!(h.app.contact(admin, other.id).await, Err(ServiceError::NotFound)));
                let page = h
                    .app
                    .list_contacts(admin, &ContactFilter::default(), &PageRequest::default())
                    .await
                    .unwrap();
                let mut ids: Vec<_> = page.items.iter().map(|c| c.id).collect();
                let mut want: Vec<_> = mine.iter().map(|c| c.id).collect();
                ids.sort();
                want.sort();
                assert_eq!(ids, want);
            }
        });
        join_all(reads).await;
    }
}

/// The guarantee a kept connection rests on: a statement that filters on one company, run
/// on a connection whose session names another, finds nothing — neither company's rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_bound_to_one_company_finds_nothing_of_another() {
    let Some((h, admin_url)) = postgres_alone().await else { return };
    let (a, admin_a) = h.tenant("Session A").await;
    let (b, admin_b) = h.tenant("Session B").await;
    h.app.create_contact(&admin_a, &input("Alice", "Aa"), None, false).await.unwrap();
    let theirs = h.app.create_contact(&admin_b, &input("Bruno", "Bb"), None, false).await.unwrap();
    let Raw::Postgres { target } = &h.raw else {
        unreachable!("a PostgreSQL harness")
    };
    let mut c = sqlx::PgConnection::connect(&target.app_url).await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, false), set_config('app.platform', 'off', false)")
        .bind(a.id.to_string())
        .execute(&mut c)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM contacts WHERE tenant_id = $1")
        .bind(b.id.as_uuid())
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM contacts WHERE tenant_id = $1 AND id = $2")
        .bind(a.id.as_uuid())
        .bind(theirs.id.as_uuid())
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // Its own company's rows, and only those, are there for it, outside any transaction.
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM contacts").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 1);
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM tenants").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 1);
    drop(c);
    drop(h);
    drop_database(&admin_url).await;
}

/// The pool has four connections and keeps at most two for reads: after reads of three
/// companies have bound connections, four writes run at once with forty more reads, and all
/// finish. Were every connection kept, the writes would wait for one until the pool's
/// acquire timeout and fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_never_keep_the_connections_writes_need() {
    let Some((h, admin_url)) = postgres_alone().await else { return };
    let mut admins = Vec::new();
    for name in ["Part A", "Part B", "Part C"] {
        let (_, admin) = h.tenant(name).await;
        let c = h.app.create_contact(&admin, &input(name, "Un"), None, false).await.unwrap();
        admins.push((admin, c));
    }
    let reads = |n: usize| {
        let admins = &admins;
        let h = &h;
        join_all((0..n).map(move |i| async move {
            let (admin, c) = &admins[i % admins.len()];
            h.app.contact(admin, c.id).await.map(|_| ())
        }))
    };
    for r in reads(40).await {
        r.unwrap();
    }
    let writes = join_all(admins.iter().cycle().take(4).enumerate().map(|(i, (admin, _))| {
        let h = &h;
        async move {
            h.app
                .create_contact(admin, &input("Écrit", &format!("E{i}")), None, false)
                .await
                .map(|_| ())
        }
    }));
    let (written, read) = futures::join!(writes, reads(40));
    for r in written.into_iter().chain(read) {
        r.unwrap();
    }
    // The server holds no more connections of the store than its pool's four.
    let mut db = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = 'crm_test_app'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(n <= 4, "{n} connections of the store");
    drop(db);
    drop(h);
    drop_database(&admin_url).await;
}
