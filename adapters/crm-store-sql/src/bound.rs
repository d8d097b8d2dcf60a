//! Whom a transaction works for, and opening a PostgreSQL transaction bound to it (the
//! settings row-level security reads, sent with the `BEGIN`).

use crate::error::map_db;
use crm_domain::TenantId;
use crm_ports::StoreError;
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Postgres};

/// Whom a transaction works for: a tenant (row-level security bound to it) or the
/// platform (tenant registry only).
#[derive(Debug, Clone, Copy)]
pub(crate) enum On {
    Tenant(TenantId),
    Platform,
}

/// Opens a transaction bound to `on`. The pool hands connections out unchecked, so one that
/// died while idle (the server restarted or ended it) fails here, before anything ran: the
/// `BEGIN` is tried again on another, as many times as the pool has connections.
pub(crate) async fn begin_postgres(pool: &PgPool, on: On) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
    let sql = begin_bound(on);
    let mut tries = pool.size() + 1;
    loop {
        match pool.begin_with(AssertSqlSafe(sql.clone())).await {
            Err(e) if tries > 1 && connection_lost(&e) => {
                tracing::info!(error = %e, "a pooled PostgreSQL connection was lost; trying another");
                tries -= 1;
            }
            r => return r.map_err(map_db),
        }
    }
}

/// Whether `e` says the connection is gone (socket closed; SQLSTATE class 08, connection
/// exception, or 57P, operator intervention), not that the statement failed.
pub(crate) fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// The statement that opens a PostgreSQL transaction bound to `on`: `BEGIN` and the two
/// settings row-level security reads, sent as one simple query. The tenant is a UUID
/// printed by the `uuid` crate (hexadecimal digits and dashes), never text from outside.
fn begin_bound(on: On) -> String {
    match on {
        On::Tenant(t) => format!(
            "BEGIN; SELECT set_config('app.tenant_id', '{}', true), set_config('app.platform', 'off', true)",
            t.as_uuid().as_hyphenated()
        ),
        On::Platform => "BEGIN; SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)".to_owned(),
    }
}
