//! PostgreSQL: migrations run as the owner role, requests as an application role that owns
//! no table and cannot bypass row-level security (checked before serving).

use crate::db::Pool;
use crate::{OpenError, SqlStore};
use crm_ports::Cipher;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Row};
use std::str::FromStr;
use std::time::Duration;

/// A PostgreSQL connection idle longer than this is checked before use (see
/// `connect_postgres`); under load none is.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(30);

fn migrator() -> Migrator {
    crate::migrations::migrator!("postgres")
}

/// Connection settings for PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresSetup {
    /// Connection URL of the application role.
    pub url: String,
    /// Most connections in the pool.
    pub max_connections: u32,
}

fn valid_role(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Applies migrations with the owner role's URL, grants the application role what it
/// needs (read and write on tenant tables, but only `SELECT` and `INSERT` on the event log),
/// then runs the data migrations that need the master keys; returns how many events they
/// rewrote.
///
/// # Errors
/// `Connect`, `Migrate`, `KeyMismatch`.
pub async fn migrate_postgres<C: Cipher>(owner_url: &str, app_role: &str, cipher: C) -> Result<u64, OpenError> {
    if !valid_role(app_role) {
        return Err(OpenError::Migrate(format!("invalid application role name {app_role:?}")));
    }
    let options = PgConnectOptions::from_str(owner_url).map_err(|e| OpenError::Connect(e.to_string()))?;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))?;
    migrator().run(&pool).await.map_err(|e| OpenError::Migrate(e.to_string()))?;
    let grants = [
        format!("GRANT USAGE ON SCHEMA public TO {app_role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON events FROM {app_role}"),
        format!("REVOKE ALL ON _sqlx_migrations FROM {app_role}"),
    ];
    for g in grants {
        sqlx::query(AssertSqlSafe(g))
            .execute(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
    }
    let store = SqlStore::from_pool(Pool::postgres(pool.clone()), cipher);
    store.verify_keys().await?;
    store.load_index_root().await?;
    store.load_tenant_keys().await?;
    let sealed = store
        .seal_old_person_events()
        .await
        .map_err(|e| OpenError::Migrate(format!("{}: {e}", crate::reseal::PERSON_EVENTS_SEALED)))?;
    // Closing the pool waits for every connection taken from it: the store, and any
    // connection it keeps bound for reads (`kept.rs`; none in a pool of two), let go first.
    drop(store);
    pool.close().await;
    Ok(sealed)
}

impl<C: Cipher> SqlStore<C> {
    /// Connects as the application role. Refuses a superuser, a role with BYPASSRLS, or
    /// one that owns tables (row-level security would not bind it). Does not migrate.
    ///
    /// # Errors
    /// `Connect`, `Privileged`, or `Migrate` when the schema is not there yet.
    pub async fn connect_postgres(setup: &PostgresSetup, cipher: C) -> Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(&setup.url).map_err(|e| OpenError::Connect(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(setup.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // No round trip to check a connection before each transaction: the pool
            // checks it as it comes back, and a connection that died meanwhile (a
            // restarted server) fails at `BEGIN`, which `Pool::begin` then tries again on
            // another one. Only a connection idle for a while is checked first, within the
            // acquire timeout: one dropped silently on the way (a firewall, a failover)
            // would otherwise hold its `BEGIN` until TCP gives up, minutes later.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > CHECK_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let row = sqlx::query(
            "SELECT current_user::text AS role, r.rolsuper, r.rolbypassrls, \
             (SELECT count(*) FROM pg_tables t WHERE t.tableowner = current_user) AS owned, \
             to_regclass('public.data_migrations') IS NOT NULL AS migrated \
             FROM pg_roles r WHERE r.rolname = current_user",
        )
        .fetch_one(&pool)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        let role: String = row.try_get("role").unwrap_or_default();
        let sup: bool = row.try_get("rolsuper").unwrap_or(true);
        let bypass: bool = row.try_get("rolbypassrls").unwrap_or(true);
        let owned: i64 = row.try_get("owned").unwrap_or(1);
        let migrated: bool = row.try_get("migrated").unwrap_or(false);
        if sup {
            return Err(OpenError::Privileged {
                role,
                reason: "it is a superuser",
            });
        }
        if bypass {
            return Err(OpenError::Privileged {
                role,
                reason: "it has BYPASSRLS",
            });
        }
        if owned > 0 {
            return Err(OpenError::Privileged {
                role,
                reason: "it owns tables; use the application role, run `crm migrate` with the owner role",
            });
        }
        if !migrated {
            return Err(OpenError::Migrate(
                "the schema is missing or older than this program: run `crm migrate` with the owner role first".into(),
            ));
        }
        let store = Self::from_pool(Pool::postgres(pool), cipher);
        store.verify_keys().await?;
        store.load_index_root().await?;
        store.load_tenant_keys().await?;
        let sealed = store
            .data_migration_done(crate::reseal::PERSON_EVENTS_SEALED)
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        if !sealed {
            return Err(OpenError::Migrate(
                "the data migrations have not run: run `crm migrate` with the owner role and the master key".into(),
            ));
        }
        Ok(store)
    }
}

impl<C: Cipher> SqlStore<C> {
    /// On PostgreSQL, listens to `NOTIFY crm_events` (sent by every writer, in any process)
    /// and wakes this process's subscribers; reconnects after a failure. A no-op on SQLite,
    /// where writers wake subscribers themselves. Readers always catch up from the log, so
    /// a missed notification only delays them.
    pub fn spawn_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let crate::db::Pool::Postgres { pool, .. } = &self.pool else {
            return None;
        };
        let pool = pool.clone();
        let wake = self.wake.clone();
        Some(tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if listener.listen("crm_events").await.is_ok() {
                            while let Ok(n) = listener.recv().await {
                                let payload = n.payload();
                                if let Some((t, seq)) = payload.split_once(':')
                                    && let (Ok(t), Ok(seq)) = (t.parse::<uuid::Uuid>(), seq.parse::<i64>())
                                {
                                    let _ = wake.send(crate::Committed {
                                        tenant_id: crm_domain::TenantId::from_uuid(t),
                                        seq,
                                    });
                                }
                            }
                        }
                        tracing::warn!("event listener disconnected; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "event listener cannot connect; retrying"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::valid_role;

    #[test]
    fn role_names() {
        assert!(valid_role("crm_app"));
        assert!(!valid_role("crm; DROP TABLE x"));
        assert!(!valid_role(""));
    }
}
