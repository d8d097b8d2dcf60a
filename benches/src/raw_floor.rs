//! The floor of the HTTP benchmark: the same reads made by poem and sqlx alone — no
//! authentication, no visibility, no decryption, no validation — one contact by primary
//! key and a page of 50 in name order, as JSON, over the same database. A route of ours
//! is judged by its ratio to this floor, measured in the same run.
//!
//! On SQLite a second floor reads the one row on the request's own thread (rusqlite, a
//! connection per thread), as the store reads a contact by its key: it shows what sqlx's
//! trip to its connection's thread costs, which the first floor pays and the store's read
//! of one record no longer does.

use poem::web::{Data, Json, Path};
use poem::{EndpointExt, IntoResponse, Response, Route, get, handler};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

/// Either backend's pool.
#[derive(Clone)]
pub enum RawPool {
    /// The pool, and the file for reads on the request's thread.
    Sqlite(sqlx::SqlitePool, std::path::PathBuf),
    Postgres(sqlx::PgPool),
}

thread_local! {
    /// This thread's connection for the second floor (one file in a run).
    static HERE: std::cell::RefCell<Option<rusqlite::Connection>> = const { std::cell::RefCell::new(None) };
}

/// One row by primary key on this thread's connection to `path`.
fn here_one(path: &std::path::Path, tenant: Uuid, id: Uuid) -> Result<Value, rusqlite::Error> {
    use rusqlite::OpenFlags;
    HERE.with(|here| {
        let mut here = here.borrow_mut();
        let conn = match here.take() {
            Some(conn) => conn,
            None => rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?,
        };
        let found = conn.prepare_cached(ONE_LITE)?.query_row([tenant.as_bytes(), id.as_bytes()], |r| {
            let uuid = |i: usize| r.get::<_, Vec<u8>>(i).map(|b| Uuid::from_slice(&b).unwrap_or_default());
            Ok(json!({
                "id": uuid(0)?,
                "kind": r.get::<_, String>(1)?,
                "first_name": r.get::<_, String>(2)?,
                "last_name": r.get::<_, String>(3)?,
                "owner_id": uuid(4)?,
                "updated_at": r.get::<_, i64>(5)?,
            }))
        });
        *here = Some(conn);
        found
    })
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

fn answer<E>(v: Result<Value, E>) -> Response {
    match v {
        Ok(v) => Json(v).into_response(),
        Err(_) => poem::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[handler]
async fn one(Data(raw): Data<&Raw>, Path(id): Path<Uuid>) -> Response {
    let v = match &raw.pool {
        RawPool::Sqlite(p, _) => sqlx::query(ONE_LITE)
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
async fn one_here(Data(raw): Data<&Raw>, Path(id): Path<Uuid>) -> Response {
    match &raw.pool {
        RawPool::Sqlite(_, path) => answer(here_one(path, raw.tenant, id)),
        RawPool::Postgres(_) => poem::http::StatusCode::NOT_FOUND.into_response(),
    }
}

#[handler]
async fn list(Data(raw): Data<&Raw>) -> Response {
    let v = match &raw.pool {
        RawPool::Sqlite(p, _) => sqlx::query(PAGE_LITE)
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

/// The floor's routes over `pool`, reading `tenant`'s contacts: `/raw/contacts/{id}`,
/// `/raw/contacts` and, on SQLite, `/raw/here/contacts/{id}`.
pub fn routes(pool: RawPool, tenant: Uuid) -> impl poem::Endpoint + 'static {
    Route::new()
        .at("/raw/contacts", get(list))
        .at("/raw/contacts/:id", get(one))
        .at("/raw/here/contacts/:id", get(one_here))
        .data(Raw { pool, tenant })
}
