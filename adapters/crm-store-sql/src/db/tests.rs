//! Unit tests of `db.rs`: how the store's reads render a last `LIMIT`.
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
