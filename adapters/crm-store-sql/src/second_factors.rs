//! The users' second factors: one row each, the secret sealed under the tenant key. The
//! step taken and the recovery code spent are compare-and-set updates, so of two logins
//! with the same code only one is accepted.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::{TenantId, UserId};
use crm_ports::store::{SecondFactor, SecondFactorStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query};

const TABLE: &str = "second_factors";
const HASH: usize = 32;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

impl<C: Cipher> SqlStore<C> {
    fn read_factor(&self, tenant: TenantId, user: UserId, r: &Row) -> Result<(SecondFactor, Vec<u8>), StoreError> {
        let sealed: Vec<u8> = r.get("secret_ct")?;
        let secret: Vec<u8> = self.open(tenant, TABLE, "secret_ct", user.as_uuid(), &sealed)?;
        let recovery: Vec<u8> = r.get("recovery")?;
        Ok((
            SecondFactor {
                secret,
                confirmed_at: r.get::<Option<i64>>("confirmed_at")?.map(from_ts).transpose()?,
                last_step: r.get("last_step")?,
                recovery_left: recovery.len() / HASH,
            },
            recovery,
        ))
    }

    /// The user's row in `tx`: the factor and its recovery hashes as stored.
    async fn factor_in(&self, tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<Option<(SecondFactor, Vec<u8>)>, StoreError> {
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(["secret_ct", "confirmed_at", "last_step", "recovery"])
                    .from(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user.as_uuid())),
            )
            .await?;
        row.map(|r| self.read_factor(tenant, user, &r)).transpose()
    }
}

fn of_user(stmt: &mut sea_query::UpdateStatement, tenant: TenantId, user: UserId) {
    stmt.and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .and_where(Expr::col("user_id").eq(user.as_uuid()));
}

impl<C: Cipher> SecondFactorStore for SqlStore<C> {
    async fn second_factor(&self, tenant: TenantId, user: UserId) -> Result<Option<SecondFactor>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let found = self.factor_in(&mut tx, tenant, user).await?;
        tx.commit().await?;
        Ok(found.map(|(f, _)| f))
    }

    async fn second_factor_users(&self, tenant: TenantId) -> Result<Vec<UserId>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .column("user_id")
                    .from(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("confirmed_at").is_not_null()),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(UserId::from_uuid(r.get("user_id")?))).collect()
    }

    async fn begin_second_factor(&self, tenant: TenantId, user: UserId, secret: &[u8], at: DateTime<Utc>) -> Result<(), StoreError> {
        let sealed = self.seal(tenant, TABLE, "secret_ct", user.as_uuid(), secret)?;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        if let Some((f, _)) = self.factor_in(&mut tx, tenant, user).await? {
            if f.confirmed_at.is_some() {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                Query::delete()
                    .from_table(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user.as_uuid())),
            )
            .await?;
        }
        tx.execute(
            Query::insert()
                .into_table(TABLE)
                .columns([
                    "tenant_id",
                    "user_id",
                    "secret_ct",
                    "confirmed_at",
                    "last_step",
                    "recovery",
                    "created_at",
                ])
                .values([
                    tenant.as_uuid().into(),
                    user.as_uuid().into(),
                    sealed.into(),
                    None::<i64>.into(),
                    0i64.into(),
                    Vec::<u8>::new().into(),
                    ts(at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        tx.commit().await
    }

    async fn confirm_second_factor(
        &self,
        tenant: TenantId,
        user: UserId,
        step: i64,
        recovery: &[[u8; 32]],
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.table(TABLE).values([
            ("confirmed_at", ts(at).into()),
            ("last_step", step.into()),
            ("recovery", recovery.concat().into()),
        ]);
        of_user(&mut stmt, tenant, user);
        stmt.and_where(Expr::col("confirmed_at").is_null());
        if tx.execute(&stmt).await? == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn accept_second_factor_step(&self, tenant: TenantId, user: UserId, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.table(TABLE).values([("last_step", step.into())]);
        of_user(&mut stmt, tenant, user);
        stmt.and_where(Expr::col("last_step").lt(step))
            .and_where(Expr::col("confirmed_at").is_not_null());
        let taken = tx.execute(&stmt).await? == 1;
        tx.commit().await?;
        Ok(taken)
    }

    async fn use_recovery_code(&self, tenant: TenantId, user: UserId, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let Some((f, stored)) = self.factor_in(&mut tx, tenant, user).await? else {
            tx.commit().await?;
            return Ok(false);
        };
        // Every hash is compared, without an early exit.
        let mut at = None;
        for (i, h) in stored.chunks_exact(HASH).enumerate() {
            let same = h.iter().zip(hash.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            if same && at.is_none() {
                at = Some(i);
            }
        }
        let (Some(i), Some(_)) = (at, f.confirmed_at) else {
            tx.commit().await?;
            return Ok(false);
        };
        let mut left = stored.clone();
        left.drain(i * HASH..(i + 1) * HASH);
        let mut stmt = Query::update();
        stmt.table(TABLE).values([("recovery", left.into())]);
        of_user(&mut stmt, tenant, user);
        stmt.and_where(Expr::col("recovery").eq(stored));
        let spent = tx.execute(&stmt).await? == 1;
        tx.commit().await?;
        Ok(spent)
    }

    async fn replace_recovery_codes(
        &self,
        tenant: TenantId,
        user: UserId,
        recovery: &[[u8; 32]],
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.table(TABLE).values([("recovery", recovery.concat().into())]);
        of_user(&mut stmt, tenant, user);
        stmt.and_where(Expr::col("confirmed_at").is_not_null());
        if tx.execute(&stmt).await? == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn remove_second_factor(&self, tenant: TenantId, user: UserId, event: Option<&NewEvent>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let removed = tx
            .execute(
                Query::delete()
                    .from_table(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user.as_uuid())),
            )
            .await?;
        match event {
            Some(e) if removed > 0 => self.finish(tx, tenant, std::slice::from_ref(e)).await,
            _ => tx.commit().await,
        }
    }
}
