//! Raw SQL on the store's own connections, for the tests of the error mapping that the
//! ports cannot reach (violations of constraints the services never let happen). Never
//! for application code.

use crate::SqlStore;
use crate::db::{Mode, On, TxConn};
use crate::error::map_db;
use crm_domain::TenantId;
use crm_ports::{Cipher, StoreError};

impl<C: Cipher> SqlStore<C> {
    /// Runs one raw SQL statement in a write transaction of its own, bound to `tenant`
    /// (row-level security on PostgreSQL) or to the platform, and reports its failure as
    /// every store write does. For tests of the error mapping that the ports cannot reach;
    /// never for application code.
    ///
    /// # Errors
    /// The statement's failure, mapped.
    #[doc(hidden)]
    pub async fn execute_raw_sql_for_tests(&self, tenant: Option<TenantId>, sql: &str) -> Result<u64, StoreError> {
        let on = tenant.map_or(On::Platform, On::Tenant);
        let mut tx = self.pool.begin(on, Mode::Write).await?;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let n = match &mut tx.conn {
            TxConn::Sqlite(t) => sqlx::query(sql).execute(&mut **t).await.map_err(map_db)?.rows_affected(),
            TxConn::Postgres(t) => sqlx::query(sql).execute(&mut **t).await.map_err(map_db)?.rows_affected(),
        };
        tx.commit().await?;
        Ok(n)
    }
}
