//! Unit tests of `here.rs`: a record read on the caller's thread is the record the pool
//! reads, and whatever this path cannot do goes to the pool.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::db::On;
use crate::db::{Pool, Row};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use uuid::Uuid;

const ROW: &str = "SELECT id, name, note, n, flag, tags, blob, day, ratio FROM t WHERE tenant = ? AND id = ?";

struct Fixture {
    _dir: tempfile::TempDir,
    pool: Pool,
    here: Arc<Here>,
    tenant: Uuid,
    id: Uuid,
}

/// A file with one table of every kind of column the store reads, and one row.
async fn fixture(lifetime: Duration) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let one = || SqlitePoolOptions::new().max_connections(1).connect_with(options.clone());
    let (readers, writer) = (one().await.unwrap(), one().await.unwrap());
    sqlx::query(
        "CREATE TABLE t (tenant BLOB NOT NULL, id BLOB NOT NULL, name TEXT NOT NULL, note TEXT, n INTEGER NOT NULL, \
         flag BOOLEAN NOT NULL, tags TEXT NOT NULL, blob BLOB, day TEXT, ratio REAL, PRIMARY KEY (tenant, id))",
    )
    .execute(&writer)
    .await
    .unwrap();
    let (tenant, id) = (Uuid::new_v4(), Uuid::new_v4());
    sqlx::query("INSERT INTO t VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)")
        .bind(tenant)
        .bind(id)
        .bind("Élodie")
        .bind(-42_i64)
        .bind(true)
        .bind(sqlx::types::Json(vec!["vip".to_owned(), "été".to_owned()]))
        .bind(vec![0_u8, 1, 255])
        .bind(chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap())
        .bind(0.25_f64)
        .execute(&writer)
        .await
        .unwrap();
    let here = Here::new(path, lifetime, "-2000", "0");
    let pool = Pool::Sqlite {
        readers,
        writer,
        here: Arc::clone(&here),
    };
    Fixture {
        _dir: dir,
        pool,
        here,
        tenant,
        id,
    }
}

fn values(f: &Fixture, id: Uuid) -> sea_query::Values {
    sea_query::Values(vec![f.tenant.into(), id.into()])
}

type Decoded = (
    Uuid,
    String,
    Option<String>,
    i64,
    bool,
    Vec<String>,
    Vec<u8>,
    chrono::NaiveDate,
    f64,
);

fn decoded(row: &Row) -> Decoded {
    (
        row.at(0, "id").unwrap(),
        row.at::<&str>(1, "name").unwrap().to_owned(),
        row.at(2, "note").unwrap(),
        row.at(3, "n").unwrap(),
        row.at(4, "flag").unwrap(),
        row.at::<sqlx::types::Json<Vec<String>>>(5, "tags").unwrap().0,
        row.at::<&[u8]>(6, "blob").unwrap().to_vec(),
        row.get("day").unwrap(),
        row.get("ratio").unwrap(),
    )
}

#[tokio::test]
async fn a_record_read_here_is_the_record_the_pool_reads() {
    let f = fixture(Duration::from_secs(60)).await;
    let here = Row::Lite(f.here.first(ROW, &values(&f, f.id)).expect("read on this thread").expect("found"));
    let pooled = f.pool.read_first(On::Platform, ROW, values(&f, f.id)).await.unwrap().unwrap();
    assert!(matches!(pooled, Row::Sqlite(_)));
    assert_eq!(decoded(&here), decoded(&pooled));
    assert_eq!(decoded(&here).5, vec!["vip", "été"]);
    // What the store calls takes this path, and finds nothing where there is nothing.
    let by_key = f.pool.read_by_key(On::Platform, ROW, values(&f, f.id)).await.unwrap().unwrap();
    assert!(matches!(by_key, Row::Lite(_)));
    assert!(f.here.first(ROW, &values(&f, Uuid::new_v4())).expect("read here").is_none());
    // A column read as what it is not is an error, as with sqlx.
    assert!(here.at::<Uuid>(1, "name").is_err());
    assert!(here.at::<i64>(2, "note").is_err());
}

#[tokio::test]
async fn what_this_path_cannot_do_goes_to_the_pool() {
    let f = fixture(Duration::from_secs(60)).await;
    // A kind of value it does not bind.
    let json = sea_query::Values(vec![f.tenant.into(), serde_json::json!({ "a": 1 }).into()]);
    assert!(f.here.first(ROW, &json).is_none());
    // An error of SQLite: the pool reports it.
    let missing = "SELECT id FROM nowhere WHERE tenant = ? AND id = ?";
    assert!(f.here.first(missing, &values(&f, f.id)).is_none());
    assert!(f.pool.read_by_key(On::Platform, missing, values(&f, f.id)).await.is_err());
    // It only reads: a write is refused here (and the row is still there).
    let delete = "DELETE FROM t WHERE tenant = ? AND id = ? RETURNING id";
    assert!(f.here.first(delete, &values(&f, f.id)).is_none());
    assert!(f.here.first(ROW, &values(&f, f.id)).unwrap().is_some());
}

#[tokio::test]
async fn a_threads_connections_are_opened_again_in_time_and_closed_with_their_store() {
    let opened = || OPENED.with(|o| o.borrow().iter().map(|o| (o.store.as_ptr(), o.since)).collect::<Vec<_>>());
    let f = fixture(Duration::ZERO).await;
    f.here.first(ROW, &values(&f, f.id)).unwrap().unwrap();
    let first = opened();
    assert_eq!(first.len(), 1);
    std::thread::sleep(Duration::from_millis(2));
    f.here.first(ROW, &values(&f, f.id)).unwrap().unwrap();
    let again = opened();
    assert_eq!(again.len(), 1, "the old connection is closed");
    assert!(again[0].1 > first[0].1, "opened again after its lifetime");

    let g = fixture(Duration::from_secs(60)).await;
    g.here.first(ROW, &values(&g, g.id)).unwrap().unwrap();
    assert_eq!(opened().len(), 2, "one a store");
    let gone = Arc::as_ptr(&f.here);
    drop(f);
    g.here.first(ROW, &values(&g, g.id)).unwrap().unwrap();
    let left = opened();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].0, gone, "a dropped store's connection is closed");
}

/// A write committed by the pool's writer is seen by the next read here (each read is a
/// snapshot of its own, not one kept open by the connection).
#[tokio::test]
async fn a_read_here_sees_what_was_committed_before_it() {
    let f = fixture(Duration::from_secs(60)).await;
    let name = |row: LiteRow| Row::Lite(row).at::<String>(1, "name").unwrap();
    assert_eq!(name(f.here.first(ROW, &values(&f, f.id)).unwrap().unwrap()), "Élodie");
    let Pool::Sqlite { writer, .. } = &f.pool else { unreachable!() };
    sqlx::query("UPDATE t SET name = 'Zoé'").execute(writer).await.unwrap();
    assert_eq!(name(f.here.first(ROW, &values(&f, f.id)).unwrap().unwrap()), "Zoé");
}
