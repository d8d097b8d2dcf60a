//! One code path for both backends: a pool, a transaction and a row that dispatch to
//! SQLite or PostgreSQL, executing what sea-query builds for the matching dialect.

use crate::error::map_db;
use crm_domain::TenantId;
use crm_ports::StoreError;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Decode, Postgres, Row as _, Sqlite, Type};

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
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Whom a transaction works for: a tenant (row-level security bound to it) or the
/// platform (tenant registry only).
#[derive(Debug, Clone, Copy)]
pub(crate) enum On {
    Tenant(TenantId),
    Platform,
}

/// Read or write transaction. On SQLite a write takes the write lock at `BEGIN IMMEDIATE`
/// (with the busy timeout) so it never fails half-way on an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
}

pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// Types decodable from both backends.
pub(crate) trait Col: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> {}
impl<T> Col for T where T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> {}

impl Pool {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction bound to `on`. On PostgreSQL the tenant is set with
    /// `set_config(..., true)` first, reads included, so row-level security applies.
    pub(crate) async fn begin(&self, on: On, mode: Mode) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite(p) => {
                let tx = match mode {
                    Mode::Write => p.begin_with("BEGIN IMMEDIATE").await,
                    Mode::Read => p.begin().await,
                }
                .map_err(map_db)?;
                Ok(Tx::Sqlite(tx))
            }
            Self::Postgres(p) => {
                let mut tx = p.begin().await.map_err(map_db)?;
                let (tenant, platform) = match on {
                    On::Tenant(t) => (t.as_uuid().to_string(), "off"),
                    On::Platform => (String::new(), "on"),
                };
                sqlx::query("SELECT set_config('app.tenant_id', $1, true), set_config('app.platform', $2, true)")
                    .bind(tenant)
                    .bind(platform)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_db)?;
                Ok(Tx::Postgres(tx))
            }
        }
    }
}

impl Tx {
    /// Runs a statement, returns the number of rows affected.
    pub(crate) async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let r = sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(r.rows_affected())
            }
            Self::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
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
        match self {
            Self::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
            Self::Postgres(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
        }
        .map_err(map_db)
    }

    /// Runs a query, returns every row.
    pub(crate) async fn fetch_all<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Vec<Row>, StoreError> {
        match self {
            Self::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(rows.into_iter().map(Row::Sqlite).collect())
            }
            Self::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(rows.into_iter().map(Row::Postgres).collect())
            }
        }
    }

    /// Runs a query, returns the first row if any.
    pub(crate) async fn fetch_optional<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Option<Row>, StoreError> {
        match self {
            Self::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let row = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_db)?;
                Ok(row.map(Row::Sqlite))
            }
            Self::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
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
        if let Self::Postgres(tx) = self {
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
        if let Self::Postgres(tx) = self {
            sqlx::query("SELECT pg_notify('crm_events', $1)")
                .bind(format!("{}:{seq}", tenant.as_uuid()))
                .execute(&mut **tx)
                .await
                .map_err(map_db)?;
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await.map_err(map_db),
            Self::Postgres(tx) => tx.commit().await.map_err(map_db),
        }
    }
}

impl Row {
    /// A column by name, decoded.
    pub(crate) fn get<T: Col>(&self, col: &str) -> Result<T, StoreError> {
        match self {
            Self::Sqlite(r) => r.try_get::<T, _>(col),
            Self::Postgres(r) => r.try_get::<T, _>(col),
        }
        .map_err(|e| StoreError::Internal(format!("column {col}: {e}")))
    }
}
