//! Unit tests of `db.rs`: how the store's reads render a last `LIMIT`, which statements stay
//! prepared.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

#[test]
fn a_last_limit_is_written_as_its_number_and_nothing_else_is() {
    let mut q = Query::select();
    q.column("id").from("contacts").and_where(Expr::col("kind").eq("client")).limit(51);
    let (sql, values) = sqlite_sql(&q);
    assert_eq!(sql, r#"SELECT "id" FROM "contacts" WHERE "kind" = ? LIMIT 51"#);
    assert_eq!(values.0.0, vec![Value::from("client")]);

    // A limit in a sub-select, or followed by an offset, stays a parameter.
    let inner = Query::select().column("id").from("contacts").limit(5).to_owned();
    let mut q = Query::select();
    q.column("id")
        .from("contacts")
        .and_where(Expr::col("id").in_subquery(inner))
        .limit(3)
        .offset(2);
    let (sql, values) = sqlite_sql(&q);
    assert!(sql.ends_with("LIMIT ? OFFSET ?"), "{sql}");
    assert_eq!(values.0.0.len(), 3);
    // No limit: nothing changes.
    let q = Query::select().column("id").from("contacts").to_owned();
    assert_eq!(sqlite_sql(&q).0, r#"SELECT "id" FROM "contacts""#);

    // PostgreSQL numbers its placeholders.
    let mut q = Query::select();
    q.column("id").from("contacts").and_where(Expr::col("kind").eq("client")).limit(51);
    let (sql, values) = postgres_sql(&q);
    assert_eq!(sql, r#"SELECT "id" FROM "contacts" WHERE "kind" = $1 LIMIT 51"#);
    assert_eq!(values.0.0, vec![Value::from("client")]);
    let mut q = Query::select();
    q.column("id").from("contacts").limit(3).offset(2);
    assert!(postgres_sql(&q).0.ends_with("LIMIT $1 OFFSET $2"));
}

/// A statement of a batch (more than `KEPT_PREPARED_VALUES` values) is finalized after its
/// run; an everyday one stays prepared on its connection for the next time.
#[tokio::test]
async fn a_statement_of_many_values_is_not_kept_prepared() {
    use sqlx::Connection as _;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("t.db"))
        .create_if_missing(true);
    let one = || SqlitePoolOptions::new().max_connections(1).connect_with(options.clone());
    let (readers, writer) = (one().await.unwrap(), one().await.unwrap());
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .execute(&writer)
        .await
        .unwrap();
    let pool = Pool::Sqlite {
        readers: readers.clone(),
        writer: writer.clone(),
        here: crate::here::Here::new(dir.path().join("t.db"), std::time::Duration::from_secs(60), "-2000", "0"),
    };
    let kept = || async { readers.acquire().await.unwrap().cached_statements_size() };
    let before = kept().await;
    let ids = |n: i64| {
        Query::select()
            .column("id")
            .from("t")
            .and_where(Expr::col("id").is_in(1..=n))
            .to_owned()
    };

    pool.read_all(On::Platform, &ids(KEPT_PREPARED_VALUES as i64)).await.unwrap();
    assert_eq!(kept().await, before + 1, "an everyday statement stays prepared");
    pool.read_all(On::Platform, &ids(KEPT_PREPARED_VALUES as i64 + 1)).await.unwrap();
    pool.read_all(On::Platform, &ids(900)).await.unwrap();
    assert_eq!(kept().await, before + 1, "a batch statement is not kept");
    // Nor in a transaction.
    let in_writer = || async { writer.acquire().await.unwrap().cached_statements_size() };
    let transaction = |n: i64| {
        let (pool, stmt) = (pool.clone(), ids(n));
        async move {
            let mut tx = pool.begin(On::Platform, Mode::Write).await.unwrap();
            tx.fetch_all(&stmt).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    transaction(3).await;
    let everyday = in_writer().await;
    transaction(500).await;
    assert_eq!(in_writer().await, everyday, "a batch statement is not kept in a transaction");
}
