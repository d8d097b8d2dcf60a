//! Conversions between stored columns and domain values.

use chrono::{DateTime, Utc};
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
