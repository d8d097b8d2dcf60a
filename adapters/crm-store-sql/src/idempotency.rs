//! Idempotency keys: claimed in one transaction (a concurrent claim of the same key loses
//! on the primary key), then completed with the response or released.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::{TenantId, UserId};
use crm_ports::store::{IdempotencyBegin, IdempotencyStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query};

fn key_cond(tenant: TenantId, user: UserId, key: &str) -> [Expr; 3] {
    [
        Expr::col("tenant_id").eq(tenant.as_uuid()),
        Expr::col("user_id").eq(user.as_uuid()),
        Expr::col("key").eq(key),
    ]
}

impl<C: Cipher> IdempotencyStore for SqlStore<C> {
    async fn begin_idempotent(
        &self,
        tenant: TenantId,
        user: UserId,
        key: &str,
        request_hash: &[u8; 32],
        now: DateTime<Utc>,
        expires_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut q = Query::select();
        q.columns(["request_hash", "status", "response", "created_at"])
            .from("idempotency_keys");
        for c in key_cond(tenant, user, key) {
            q.and_where(c);
        }
        if let Some(row) = tx.fetch_optional(&q).await? {
            let created = from_ts(row.get("created_at")?)?;
            if created >= expires_before {
                let hash: Vec<u8> = row.get("request_hash")?;
                let status: i64 = row.get("status")?;
                let outcome = if hash.as_slice() != request_hash.as_slice() {
                    IdempotencyBegin::Mismatch
                } else if status == 0 {
                    IdempotencyBegin::InProgress
                } else {
                    IdempotencyBegin::Replay {
                        status: u16::try_from(status).unwrap_or(500),
                        response: row.get("response")?,
                    }
                };
                tx.commit().await?;
                return Ok(outcome);
            }
            let mut d = Query::delete();
            d.from_table("idempotency_keys");
            for c in key_cond(tenant, user, key) {
                d.and_where(c);
            }
            tx.execute(&d).await?;
        }
        let inserted = tx
            .execute(
                Query::insert()
                    .into_table("idempotency_keys")
                    .columns(["tenant_id", "user_id", "key", "request_hash", "status", "response", "created_at"])
                    .values([
                        tenant.as_uuid().into(),
                        user.as_uuid().into(),
                        key.into(),
                        request_hash.to_vec().into(),
                        0i64.into(),
                        "".into(),
                        ts(now).into(),
                    ])
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            )
            .await;
        match inserted {
            Ok(_) => {
                tx.commit().await?;
                Ok(IdempotencyBegin::Started)
            }
            Err(StoreError::Duplicate { .. } | StoreError::Conflict) => Ok(IdempotencyBegin::InProgress),
            Err(e) => Err(e),
        }
    }

    async fn finish_idempotent(&self, tenant: TenantId, user: UserId, key: &str, status: u16, response: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut u = Query::update();
        u.table("idempotency_keys")
            .values([("status", Expr::from(i64::from(status))), ("response", Expr::from(response))]);
        for c in key_cond(tenant, user, key) {
            u.and_where(c);
        }
        tx.execute(&u).await?;
        tx.commit().await
    }

    async fn abandon_idempotent(&self, tenant: TenantId, user: UserId, key: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut d = Query::delete();
        d.from_table("idempotency_keys").and_where(Expr::col("status").eq(0i64));
        for c in key_cond(tenant, user, key) {
            d.and_where(c);
        }
        tx.execute(&d).await?;
        tx.commit().await
    }
}
