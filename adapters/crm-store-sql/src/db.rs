//! One code path for both backends: a pool, a transaction and a row that dispatch to
//! SQLite or PostgreSQL, executing what sea-query builds for the matching dialect.

use crate::error::map_db;
use crm_domain::TenantId;
use crm_ports::StoreError;
use sea_query::{
    ArrayType, Asterisk, Expr, ExprTrait, Func, JoinType, PostgresQueryBuilder, Query, SelectStatement, SqliteQueryBuilder, Value,
};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Postgres, Sqlite};

/// Most values in one `IN` list: whatever the number of ids asked for, a statement stays
/// within SQLite's 32,766 values (and PostgreSQL's 65,535); lists longer than this are
/// sent in several statements.
pub(crate) const IN_A_STATEMENT: usize = 900;

/// Most values a SQLite statement binds and still stays prepared on its connection for the
/// next time (sqlx's cache, up to 100 statements a connection). A statement of a batch (an
/// `IN` list of hundreds of ids, a many-row `INSERT`) is prepared, run and finalized:
/// SQLite compiles such a statement to tens or hundreds of kilobytes in this process, each
/// length of list is another statement, and kept on nine connections they held most of a
/// server's own memory after a large load (see `docs/performance.md`). PostgreSQL keeps its
/// prepared statements in its own processes, and planning a batch's again cost imports a
/// fifth of their speed: there every statement stays prepared.
const KEPT_PREPARED_VALUES: usize = 64;

/// Whether a SQLite statement binding `values` stays prepared (see [`KEPT_PREPARED_VALUES`]).
fn kept_prepared(values: &sea_query::Values) -> bool {
    values.0.len() <= KEPT_PREPARED_VALUES
}

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// Readers, the one connection every write transaction of the process takes in turn
    /// (see `sqlite.rs`), and the file for reads of a record on the caller's thread (see
    /// `here.rs`).
    Sqlite {
        readers: SqlitePool,
        writer: SqlitePool,
        here: Arc<Here>,
    },
    /// The pool, and the connections taken from it and kept bound to a company for reads.
    Postgres { pool: PgPool, kept: Arc<Kept> },
}

pub(crate) use crate::bound::On;
use crate::here::Here;
use crate::kept::Kept;
mod row;
pub(crate) use row::Row;
use std::sync::Arc;

/// Read or write transaction. On SQLite a write takes the write lock at `BEGIN IMMEDIATE`
/// (with the busy timeout) so it never fails half-way on an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
}

/// A transaction of either backend. A read transaction that wrote nothing is not
/// committed but dropped: sqlx queues its `ROLLBACK` and sends it with the check the pool
/// makes when the connection comes back, off the request's path (the same outcome as a
/// commit for a transaction that changed nothing, one round trip fewer).
pub(crate) struct Tx {
    pub(crate) conn: TxConn,
    mode: Mode,
    wrote: bool,
}

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Pool {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A PostgreSQL pool, half of whose connections may be kept bound for reads.
    pub(crate) fn postgres(pool: PgPool) -> Self {
        Self::Postgres {
            kept: Arc::new(Kept::new(pool.clone())),
            pool,
        }
    }

    /// Starts a transaction bound to `on`. On PostgreSQL the tenant is set with
    /// `set_config(..., true)` in the same round trip as the `BEGIN`, reads included, so
    /// row-level security applies.
    pub(crate) async fn begin(&self, on: On, mode: Mode) -> Result<Tx, StoreError> {
        let conn = match self {
            Self::Sqlite { readers, writer, .. } => TxConn::Sqlite(
                match mode {
                    Mode::Write => writer.begin_with("BEGIN IMMEDIATE").await,
                    Mode::Read => readers.begin().await,
                }
                .map_err(map_db)?,
            ),
            Self::Postgres { pool, .. } => TxConn::Postgres(crate::bound::begin_postgres(pool, on).await?),
        };
        Ok(Tx { conn, mode, wrote: false })
    }

    /// Runs one query that reads, bound to `on`, and returns every row. On SQLite the
    /// statement runs alone (a single statement is its own consistent snapshot): one trip
    /// to the connection's thread instead of three. On PostgreSQL a company's read runs
    /// alone on a connection kept bound to the company (see `kept.rs`), or, when the pool
    /// is too small to keep any, in a read transaction bound to it, as a platform's read
    /// always does.
    pub(crate) async fn read_all(&self, on: On, stmt: &SelectStatement) -> Result<Vec<Row>, StoreError> {
        let (sql, values) = rendered(self.backend(), stmt);
        self.read_shaped(on, &sql, values).await
    }

    /// [`Pool::read_all`] for a statement already rendered for this pool's backend, with its
    /// values (see `shapes.rs`).
    ///
    /// sqlx's futures are large (kilobytes), and a future holds those it awaits: each is
    /// boxed here, so that the futures of the store, of the use cases and of the routes
    /// above it stay small and are cheap to move.
    pub(crate) async fn read_shaped(&self, on: On, sql: &str, values: sea_query::Values) -> Result<Vec<Row>, StoreError> {
        let keep = kept_prepared(&values);
        let values = sea_query_sqlx::SqlxValues(values);
        match self {
            Self::Sqlite { readers: p, .. } => {
                let rows = Box::pin(sqlx::query_with(AssertSqlSafe(sql), values).persistent(keep).fetch_all(p))
                    .await
                    .map_err(map_db)?;
                Ok(rows.into_iter().map(Row::Sqlite).collect())
            }
            Self::Postgres { kept, .. } => {
                if let On::Tenant(tenant) = on
                    && kept.enabled()
                {
                    let rows = Box::pin(kept.read(tenant, sql, &values)).await?;
                    return Ok(rows.into_iter().map(Row::Postgres).collect());
                }
                Box::pin(self.read_in_transaction(on, sql, values)).await
            }
        }
    }

    /// [`Pool::read_shaped`] for a statement that finds a record by its key (a b-tree
    /// probe, at most one row). On SQLite it is read on the caller's thread (see
    /// `here.rs`), or, when it cannot be, as [`Pool::read_first`] reads.
    pub(crate) async fn read_by_key(&self, on: On, sql: &str, values: sea_query::Values) -> Result<Option<Row>, StoreError> {
        if let Self::Sqlite { here, .. } = self
            && let Some(row) = here.first(sql, &values)
        {
            return Ok(row.map(Row::Lite));
        }
        self.read_first(on, sql, values).await
    }

    /// [`Pool::read_shaped`] for a statement that finds at most one row. On SQLite, sqlx's
    /// connection thread hands the row over as soon as it has it and stops there
    /// (`fetch_optional`), instead of stepping the statement to its end and sending that
    /// too: the request's task is woken once rather than twice, and a wake-up costs more
    /// than the read (see `docs/performance.md`).
    pub(crate) async fn read_first(&self, on: On, sql: &str, values: sea_query::Values) -> Result<Option<Row>, StoreError> {
        match self {
            Self::Sqlite { readers: p, .. } => {
                let keep = kept_prepared(&values);
                let values = sea_query_sqlx::SqlxValues(values);
                let row = Box::pin(sqlx::query_with(AssertSqlSafe(sql), values).persistent(keep).fetch_optional(p))
                    .await
                    .map_err(map_db)?;
                Ok(row.map(Row::Sqlite))
            }
            Self::Postgres { .. } => Ok(self.read_shaped(on, sql, values).await?.into_iter().next()),
        }
    }

    /// A PostgreSQL read in a read transaction bound to `on`.
    async fn read_in_transaction(&self, on: On, sql: &str, values: sea_query_sqlx::SqlxValues) -> Result<Vec<Row>, StoreError> {
        let mut tx = self.begin(on, Mode::Read).await?;
        let TxConn::Postgres(conn) = &mut tx.conn else {
            return Err(StoreError::Internal("a PostgreSQL pool gave another connection".into()));
        };
        let rows = sqlx::query_with(AssertSqlSafe(sql), values)
            .fetch_all(&mut **conn)
            .await
            .map_err(map_db)?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Row::Postgres).collect())
    }

    /// [`Pool::read_all`] for a query that must find one row.
    pub(crate) async fn read_one(&self, on: On, stmt: &SelectStatement) -> Result<Row, StoreError> {
        let (sql, values) = rendered(self.backend(), stmt);
        self.read_first(on, &sql, values).await?.ok_or(StoreError::NotFound)
    }
}

/// `stmt` rendered for SQLite, a last `LIMIT ?` written as its number. SQLite (3.51, as
/// `libsqlite3-sys` bundles it) reads a bound limit while it plans, and marks the statement to be planned again
/// whenever that parameter is bound anew: every page read with `LIMIT ?` was parsed and
/// planned again (7 % of a page's time). A number in the text keeps the prepared statement
/// (one cached per page size; the screens use a few).
fn sqlite_sql<S: SqlxBinder>(stmt: &S) -> (String, sea_query_sqlx::SqlxValues) {
    let (mut sql, mut values) = stmt.build_sqlx(SqliteQueryBuilder);
    literal_limit(&mut sql, &mut values.0.0);
    (sql, values)
}

/// `stmt` rendered for PostgreSQL, a last `LIMIT $n` written as its number: with the limit
/// unknown, PostgreSQL's plan made for any value was costed for a tenth of the rows, so it
/// planned each page's statement anew (15 % of a page's time, server included) instead of
/// keeping one plan.
fn postgres_sql<S: SqlxBinder>(stmt: &S) -> (String, sea_query_sqlx::SqlxValues) {
    let (mut sql, mut values) = stmt.build_sqlx(PostgresQueryBuilder);
    literal_limit(&mut sql, &mut values.0.0);
    (sql, values)
}

/// `stmt` rendered as the store's reads render it on `backend`.
pub(crate) fn rendered(backend: Backend, stmt: &SelectStatement) -> (String, sea_query::Values) {
    let (sql, values) = match backend {
        Backend::Sqlite => sqlite_sql(stmt),
        Backend::Postgres => postgres_sql(stmt),
    };
    (sql, values.0)
}

/// Writes a trailing `LIMIT ?` (SQLite) or `LIMIT $n` (PostgreSQL, `n` the number of
/// values) as its number: the last placeholder is the last value (values are collected in
/// the order the text is written), and only an unsigned integer is written into the text.
pub(crate) fn literal_limit(sql: &mut String, values: &mut Vec<Value>) {
    let Some((head, placeholder)) = sql.rsplit_once(" LIMIT ") else {
        return;
    };
    let last = placeholder == "?" || placeholder.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) == Some(values.len());
    if !last {
        return;
    }
    if let Some(Value::BigUnsigned(Some(n))) = values.last() {
        let (n, keep) = (*n, head.len() + " LIMIT ".len());
        values.pop();
        sql.truncate(keep);
        sql.push_str(&n.to_string());
    }
}

/// `stmt` narrowed to the rows whose `column` holds one of `values` (at most
/// [`IN_A_STATEMENT`] of them), as [`Tx::fetch_matching`] runs it on `backend`: an `IN`
/// list on SQLite; on PostgreSQL `SELECT found.* FROM unnest(values) AS probe JOIN LATERAL
/// (stmt AND column = probe OFFSET 0) AS found ON TRUE`.
pub(crate) fn matching<V>(backend: Backend, stmt: &SelectStatement, column: (&'static str, &'static str), values: &[V]) -> SelectStatement
where
    V: Clone + Into<Value>,
    Vec<V>: Into<Value>,
{
    let mut inner = stmt.clone();
    match backend {
        Backend::Sqlite => inner.and_where(Expr::col(column).is_in(values.iter().cloned())).to_owned(),
        Backend::Postgres => {
            inner.and_where(Expr::col(column).equals(("probe", "probe"))).offset(0);
            let array: Value = values.to_vec().into();
            // Typed, so that the statement also reads right with its values written in.
            let array = match &array {
                Value::Array(ArrayType::Bytes, _) => Expr::val(array).cast_as("bytea[]"),
                Value::Array(ArrayType::String, _) => Expr::val(array).cast_as("text[]"),
                Value::Array(ArrayType::Uuid, _) => Expr::val(array).cast_as("uuid[]"),
                _ => Expr::val(array),
            };
            Query::select()
                .column(("found", Asterisk))
                .from_function(Func::cust("unnest").arg(array), "probe")
                .join_lateral(JoinType::InnerJoin, inner, "found", Expr::cust("TRUE"))
                .to_owned()
        }
    }
}

impl Tx {
    /// Runs a statement, returns the number of rows affected.
    pub(crate) async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, StoreError> {
        self.wrote = true;
        match &mut self.conn {
            TxConn::Sqlite(tx) => {
                let (sql, values) = sqlite_sql(stmt);
                let keep = kept_prepared(&values.0);
                let r = sqlx::query_with(AssertSqlSafe(sql), values)
                    .persistent(keep)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(r.rows_affected())
            }
            TxConn::Postgres(tx) => {
                let (sql, values) = postgres_sql(stmt);
                let r = sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(r.rows_affected())
            }
        }
    }

    /// Runs a schema statement of this crate's own making (lifting and restoring the log's
    /// guard in a data migration), never text from outside.
    pub(crate) async fn execute_schema_change(&mut self, sql: String) -> Result<(), StoreError> {
        let sql = AssertSqlSafe(sql);
        self.wrote = true;
        match &mut self.conn {
            TxConn::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
            TxConn::Postgres(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
        }
        .map_err(map_db)
    }

    /// Runs a query, returns every row.
    pub(crate) async fn fetch_all<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Vec<Row>, StoreError> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => {
                let (sql, values) = sqlite_sql(stmt);
                let keep = kept_prepared(&values.0);
                self.wrote |= !sql.starts_with("SELECT");
                let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                    .persistent(keep)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(rows.into_iter().map(Row::Sqlite).collect())
            }
            TxConn::Postgres(tx) => {
                let (sql, values) = postgres_sql(stmt);
                self.wrote |= !sql.starts_with("SELECT");
                let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(rows.into_iter().map(Row::Postgres).collect())
            }
        }
    }

    /// The rows of `stmt` whose `column` holds one of `values`, however many values.
    ///
    /// On SQLite, `IN` lists of at most [`IN_A_STATEMENT`] values. On PostgreSQL each value
    /// is probed on its own: `unnest($1) JOIN LATERAL (stmt AND column = value OFFSET 0)`.
    /// The `OFFSET 0` keeps the planner from flattening the lateral into a join, so each
    /// value is one index seek whatever the statistics say. An `IN` list (or `= ANY`) on a
    /// table the statistics do not yet know (a company being imported) was planned as a
    /// scan of every row of the tenant filtered by the list, once per statement: an import
    /// of 100,000 contacts took minutes. `stmt` must not be ordered or limited.
    pub(crate) async fn fetch_matching<V>(
        &mut self,
        stmt: &SelectStatement,
        column: (&'static str, &'static str),
        values: &[V],
    ) -> Result<Vec<Row>, StoreError>
    where
        V: Clone + Eq + std::hash::Hash + Into<Value>,
        Vec<V>: Into<Value>,
    {
        // Each value once, as `IN` treats them: a value given twice would otherwise be
        // probed twice and its rows read twice on PostgreSQL.
        let mut seen = std::collections::HashSet::with_capacity(values.len());
        let values: Vec<V> = values.iter().filter(|v| seen.insert(*v)).cloned().collect();
        let backend = match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        };
        let mut rows = Vec::new();
        for chunk in values.chunks(IN_A_STATEMENT) {
            rows.extend(self.fetch_all(&matching(backend, stmt, column, chunk)).await?);
        }
        Ok(rows)
    }

    /// Runs a query, returns the first row if any.
    pub(crate) async fn fetch_optional<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Option<Row>, StoreError> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => {
                let (sql, values) = sqlite_sql(stmt);
                let keep = kept_prepared(&values.0);
                self.wrote |= !sql.starts_with("SELECT");
                let row = sqlx::query_with(AssertSqlSafe(sql), values)
                    .persistent(keep)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(row.map(Row::Sqlite))
            }
            TxConn::Postgres(tx) => {
                let (sql, values) = postgres_sql(stmt);
                self.wrote |= !sql.starts_with("SELECT");
                let row = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(row.map(Row::Postgres))
            }
        }
    }

    /// Runs a query that must return one row.
    pub(crate) async fn fetch_one<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Row, StoreError> {
        self.fetch_optional(stmt).await?.ok_or(StoreError::NotFound)
    }

    /// Binds the rest of this transaction to a tenant (after a platform lookup).
    pub(crate) async fn set_tenant(&mut self, tenant: TenantId) -> Result<(), StoreError> {
        if let TxConn::Postgres(tx) = &mut self.conn {
            sqlx::query("SELECT set_config('app.tenant_id', $1, true), set_config('app.platform', 'off', true)")
                .bind(tenant.as_uuid().to_string())
                .execute(&mut **tx)
                .await
                .map_err(map_db)?;
        }
        Ok(())
    }

    /// Asks PostgreSQL to wake listeners at commit (no-op on SQLite, where the store wakes
    /// in-process readers itself).
    pub(crate) async fn notify(&mut self, tenant: TenantId, seq: i64) -> Result<(), StoreError> {
        self.wrote = true;
        if let TxConn::Postgres(tx) = &mut self.conn {
            sqlx::query("SELECT pg_notify('crm_events', $1)")
                .bind(format!("{}:{seq}", tenant.as_uuid()))
                .execute(&mut **tx)
                .await
                .map_err(map_db)?;
        }
        Ok(())
    }

    /// Commits a transaction that wrote; drops a read transaction that did not (see
    /// [`Tx`]).
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        if self.mode == Mode::Read && !self.wrote {
            return Ok(());
        }
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await.map_err(map_db),
            TxConn::Postgres(tx) => tx.commit().await.map_err(map_db),
        }
    }
}

#[cfg(test)]
mod tests;
