//! Keyset pagination: an opaque cursor holding the last row's sort value and id; the next
//! page starts strictly after it. No `COUNT(*)`, no `OFFSET`.

use crate::db::Row;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use crm_ports::StoreError;
use crm_ports::query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest, SortKey};
use sea_query::{Expr, ExprTrait, Order, SelectStatement, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Key {
    Int(i64),
    Text(String),
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    k: Key,
    id: Uuid,
}

/// The column a sort key orders by, for a table whose folded name column is `name_col`.
pub(crate) fn sort_column(sort: SortKey, name_col: &'static str) -> &'static str {
    match sort {
        SortKey::Name => name_col,
        SortKey::CreatedAt => "created_at",
        SortKey::UpdatedAt => "updated_at",
    }
}

/// Page size asked for, within bounds.
pub(crate) fn page_size(page: &PageRequest) -> u64 {
    u64::from(page.limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE))
}

/// Adds order, cursor condition and limit (one more row than the page, to know whether a
/// next page exists) to a query on `table`.
pub(crate) fn apply(q: &mut SelectStatement, table: &'static str, sort_col: &'static str, page: &PageRequest) -> Result<u64, StoreError> {
    let size = page_size(page);
    if let Some(raw) = &page.cursor {
        let bytes = B64.decode(raw).map_err(|_| StoreError::BadCursor)?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
        let v: Value = match (c.k, sort_col) {
            (Key::Int(i), "created_at" | "updated_at") => i.into(),
            (Key::Text(s), col) if col != "created_at" && col != "updated_at" => s.into(),
            _ => return Err(StoreError::BadCursor),
        };
        let col = Expr::col((table, sort_col));
        let id = Expr::col((table, "id"));
        // `col >= v AND (col > v OR id > c)` (mirrored when descending): the first half
        // is where the index range starts; with the `OR` alone PostgreSQL walked the index
        // from the first row and filtered, so each page of an export read every row
        // before it.
        let cond = if page.descending {
            col.clone().lte(v.clone()).and(col.clone().lt(v.clone()).or(id.lt(c.id)))
        } else {
            col.clone().gte(v.clone()).and(col.clone().gt(v.clone()).or(id.gt(c.id)))
        };
        q.and_where(cond);
    }
    order_and_limit(q, table, sort_col, page.descending, size);
    Ok(size)
}

/// The order of a page on `table` (then by id) and its limit, one row more than `size`.
pub(crate) fn order_and_limit(q: &mut SelectStatement, table: &'static str, sort_col: &'static str, descending: bool, size: u64) {
    let order = if descending { Order::Desc } else { Order::Asc };
    q.order_by((table, sort_col), order.clone())
        .order_by((table, "id"), order)
        .limit(size + 1);
}

/// Cuts the extra row and returns the cursor of the next page, if any.
pub(crate) fn next_cursor(rows: &mut Vec<Row>, size: u64, sort_col: &'static str) -> Result<Option<String>, StoreError> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if rows.len() <= size {
        return Ok(None);
    }
    rows.truncate(size);
    let Some(last) = rows.last() else { return Ok(None) };
    let k = match sort_col {
        "created_at" | "updated_at" => Key::Int(last.get(sort_col)?),
        _ => Key::Text(last.get(sort_col)?),
    };
    let c = Cursor { k, id: last.get("id")? };
    let json = serde_json::to_vec(&c).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(Some(B64.encode(json)))
}
