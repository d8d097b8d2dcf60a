//! Conversions between stored columns and domain values.

use crm_ports::StoreError;

/// Microseconds since the epoch, the stored form of every timestamp.
pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// A stored timestamp back to a time.
pub(crate) fn from_ts(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| StoreError::Internal(format!("timestamp out of range: {micros}")))
}

/// A stored value that must pass its domain rule; failing means a corrupt row.
pub(crate) fn valid<T, E: std::fmt::Display>(column: &str, r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Internal(format!("stored {column} is invalid: {e}")))
}

use crate::db::Tx;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use sea_query::{Expr, ExprTrait, Query, UpdateStatement};
use uuid::Uuid;

/// Runs an update of one row guarded by its version (and liveness when `soft` is set).
/// Zero rows touched means a stale version (`Conflict`) if the row exists, else `NotFound`.
pub(crate) async fn versioned_update(
    tx: &mut Tx,
    table: &'static str,
    tenant: TenantId,
    id: Uuid,
    expected_version: i64,
    soft: bool,
    mut stmt: UpdateStatement,
) -> Result<(), StoreError> {
    stmt.table(table)
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("version").eq(expected_version));
    if soft {
        stmt.and_where(Expr::col("deleted_at").is_null());
    }
    if tx.execute(&stmt).await? == 1 {
        return Ok(());
    }
    let mut q = Query::select();
    q.column("version")
        .from(table)
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .and_where(Expr::col("id").eq(id));
    if soft {
        q.and_where(Expr::col("deleted_at").is_null());
    }
    match tx.fetch_optional(&q).await? {
        Some(_) => Err(StoreError::Conflict),
        None => Err(StoreError::NotFound),
    }
}

/// Inserts one aggregate row: tenant, id, its own columns, then version and timestamps.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_row(
    tx: &mut Tx,
    table: &'static str,
    tenant: TenantId,
    id: Uuid,
    fields: Vec<(&'static str, sea_query::Value)>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut values = vec![("tenant_id", sea_query::Value::from(tenant.as_uuid())), ("id", id.into())];
    values.extend(fields);
    values.push(("version", version.into()));
    values.push(("created_at", ts(created_at).into()));
    values.push(("updated_at", ts(updated_at).into()));
    let (cols, vals): (Vec<_>, Vec<_>) = values.into_iter().unzip();
    let mut q = Query::insert();
    q.into_table(table)
        .columns(cols)
        .values(vals.into_iter().map(Expr::from))
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    tx.execute(&q).await.map(drop)
}

/// Deletes one row of the company for good (`NotFound` when it has none of that id); rows
/// referring to it by a cascading key go with it.
pub(crate) async fn delete_row(tx: &mut Tx, table: &'static str, tenant: TenantId, id: Uuid) -> Result<(), StoreError> {
    let n = tx
        .execute(
            Query::delete()
                .from_table(table)
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id)),
        )
        .await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Rewrites one live aggregate row's own columns, bumping the version, guarded by the
/// expected version.
pub(crate) async fn update_row(
    tx: &mut Tx,
    table: &'static str,
    tenant: TenantId,
    id: Uuid,
    expected_version: i64,
    fields: Vec<(&'static str, sea_query::Value)>,
    updated_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut stmt = UpdateStatement::new();
    stmt.values(
        fields
            .into_iter()
            .chain([("version", (expected_version + 1).into()), ("updated_at", ts(updated_at).into())])
            .map(|(k, v)| (k, Expr::from(v))),
    );
    versioned_update(tx, table, tenant, id, expected_version, true, stmt).await
}

/// Keeps, of `n` rows in order, the middle one (`n` odd) or the two around the middle:
/// what a median needs.
pub(crate) fn middle_of(q: &mut sea_query::SelectStatement, n: u64) {
    q.limit(2 - n % 2).offset(n.saturating_sub(1) / 2);
}

/// A SQL count as a number of rows.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
