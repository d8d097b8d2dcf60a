//! The floor of the HTTP benchmark: the same reads made by poem and sqlx alone — no
//! authentication, no visibility, no decryption, no validation — one contact by primary
//! key and a page of 50 in name order, as JSON, over the same database. A route of ours
//! is judged by its ratio to this floor, measured in the same run.

use poem::web::{Data, Json, Path};
use poem::{EndpointExt, IntoResponse, Response, Route, get, handler};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

/// Either backend's pool.
#[derive(Clone)]
pub enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

#[derive(Clone)]
struct Raw {
    pool: RawPool,
    tenant: Uuid,
}

const ONE_LITE: &str = "SELECT id, kind, first_name, last_name, owner_id, updated_at FROM contacts WHERE tenant_id = ? AND id = ?";
const ONE_PG: &str = "SELECT id, kind, first_name, last_name, owner_id, updated_at FROM contacts WHERE tenant_id = $1 AND id = $2";
const PAGE_LITE: &str = "SELECT id, kind, first_name, last_name, owner_id, updated_at FROM contacts \
    WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY name_sort, id LIMIT 50";
const PAGE_PG: &str = "SELECT id, kind, first_name, last_name, owner_id, updated_at FROM contacts \
    WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY name_sort, id LIMIT 50";

fn row_json<R: Row>(r: &R) -> Result<Value, sqlx::Error>
where
    for<'a> Uuid: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok(json!({
        "id": r.try_get::<Uuid, _>("id")?,
        "kind": r.try_get::<String, _>("kind")?,
        "first_name": r.try_get::<String, _>("first_name")?,
        "last_name": r.try_get::<String, _>("last_name")?,
        "owner_id": r.try_get::<Uuid, _>("owner_id")?,
        "updated_at": r.try_get::<i64, _>("updated_at")?,
    }))
}

fn answer(v: Result<Value, sqlx::Error>) -> Response {
    match v {
        Ok(v) => Json(v).into_response(),
        Err(_) => poem::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[handler]
async fn one(Data(raw): Data<&Raw>, Path(id): Path<Uuid>) -> Response {
    let v = match &raw.pool {
        RawPool::Sqlite(p) => sqlx::query(ONE_LITE)
            .bind(raw.tenant)
            .bind(id)
            .fetch_one(p)
            .await
            .and_then(|r| row_json(&r)),
        RawPool::Postgres(p) => sqlx::query(ONE_PG)
            .bind(raw.tenant)
            .bind(id)
            .fetch_one(p)
            .await
            .and_then(|r| row_json(&r)),
    };
    answer(v)
}

#[handler]
async fn list(Data(raw): Data<&Raw>) -> Response {
    let v = match &raw.pool {
        RawPool::Sqlite(p) => sqlx::query(PAGE_LITE)
            .bind(raw.tenant)
            .fetch_all(p)
            .await
            .and_then(|rows| rows.iter().map(row_json).collect::<Result<Vec<_>, _>>()),
        RawPool::Postgres(p) => sqlx::query(PAGE_PG)
            .bind(raw.tenant)
            .fetch_all(p)
            .await
            .and_then(|rows| rows.iter().map(row_json).collect::<Result<Vec<_>, _>>()),
    };
    answer(v.map(|items| json!({ "items": items })))
}

/// The floor's routes over `pool`, reading `tenant`'s contacts: `/raw/contacts/{id}` and
/// `/raw/contacts`.
pub fn routes(pool: RawPool, tenant: Uuid) -> impl poem::Endpoint + 'static {
    Route::new()
        .at("/raw/contacts", get(list))
        .at("/raw/contacts/:id", get(one))
        .data(Raw { pool, tenant })
}
