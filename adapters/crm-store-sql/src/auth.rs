//! Logins, password hashes and tokens. The lookups made before a tenant is known
//! (`user_logins`, `token_lookups`) read tables outside row-level security that hold only
//! a hash and where it leads; everything else is read inside the tenant's transaction.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Duration, Utc};
use crm_domain::email::EmailAddress;
use crm_domain::event::NewEvent;
use crm_domain::user::Role;
use crm_domain::{TenantId, UserId};
use crm_ports::auth::{Attempts, FoundToken, TokenKind};
use crm_ports::{AuthStore, Cipher, Principal, StoreError, TokenRecord};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

/// Most tenants one login email is looked up in.
const MAX_LOGINS_PER_EMAIL: u64 = 50;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn kind(code: &str) -> Result<TokenKind, StoreError> {
    match code {
        "session" => Ok(TokenKind::Session),
        "api" => Ok(TokenKind::Api),
        "calendar" => Ok(TokenKind::Calendar),
        "access" => Ok(TokenKind::Access),
        "second_factor" => Ok(TokenKind::SecondFactor),
        other => Err(StoreError::Internal(format!("stored token kind is invalid: {other}"))),
    }
}

fn hash32(v: Option<Vec<u8>>) -> Option<[u8; 32]> {
    v.and_then(|b| b.try_into().ok())
}

fn token_from_row(row: &Row, principal: Principal) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.get("id")?,
        principal,
        kind: kind(&row.get::<String>("kind")?)?,
        name: row.get("name")?,
        csrf_hash: hash32(row.get("csrf_hash")?),
        created_at: from_ts(row.get("created_at")?)?,
        expires_at: from_ts(row.get("expires_at")?)?,
        revoked_at: row.get::<Option<i64>>("revoked_at")?.map(from_ts).transpose()?,
    })
}

/// The company of `tenant_col` is not suspended (its people and tokens open nothing).
fn company_not_suspended(tenant_col: (&'static str, &'static str)) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from("tenants")
            .and_where(Expr::col(("tenants", "id")).equals(tenant_col))
            .and_where(Expr::col(("tenants", "suspended_at")).is_null())
            .to_owned(),
    )
}

const TOKEN_COLUMNS: [&str; 7] = ["id", "kind", "name", "csrf_hash", "created_at", "expires_at", "revoked_at"];

impl<C: Cipher> SqlStore<C> {
    /// Writes the credentials row of a user inside an open transaction.
    pub(crate) async fn write_password(
        &self,
        tx: &mut crate::db::Tx,
        tenant: TenantId,
        user: UserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            Query::insert()
                .into_table("credentials")
                .columns(["tenant_id", "user_id", "password_hash", "changed_at"])
                .values([tenant.as_uuid().into(), user.as_uuid().into(), hash.into(), ts(at).into()])
                .map_err(ie)?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "user_id"])
                        .update_columns(["password_hash", "changed_at"])
                        .to_owned(),
                ),
        )
        .await
        .map(drop)
    }

    /// Ends, at `at`, a user's live tokens of one kind (every kind: `None`) inside an open
    /// transaction.
    pub(crate) async fn end_tokens(
        &self,
        tx: &mut crate::db::Tx,
        tenant: TenantId,
        user: UserId,
        kind: Option<TokenKind>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut q = Query::update();
        q.table("tokens")
            .value("revoked_at", ts(at))
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("user_id").eq(user.as_uuid()))
            .and_where(Expr::col("revoked_at").is_null());
        if let Some(k) = kind {
            q.and_where(Expr::col("kind").eq(k.code()));
        }
        tx.execute(&q).await.map(drop)
    }

    /// Writes a token and its lookup row inside an open transaction.
    async fn write_token(&self, tx: &mut crate::db::Tx, t: &TokenRecord, secret_hash: &[u8; 32]) -> Result<(), StoreError> {
        let (tenant, principal_id, table) = match t.principal {
            Principal::User { tenant_id, user_id } => (Some(tenant_id.as_uuid()), user_id.as_uuid(), "tokens"),
            Principal::Operator { operator_id } => (None, operator_id, "operator_tokens"),
        };
        let mut cols = vec!["id", "kind", "name", "csrf_hash", "created_at", "expires_at"];
        let mut vals: Vec<Expr> = vec![
            t.id.into(),
            t.kind.code().into(),
            t.name.clone().into(),
            t.csrf_hash.map(|h| h.to_vec()).into(),
            ts(t.created_at).into(),
            ts(t.expires_at).into(),
        ];
        match tenant {
            Some(tid) => {
                cols.extend(["tenant_id", "user_id"]);
                vals.extend([tid.into(), principal_id.into()]);
            }
            None => {
                cols.push("operator_id");
                vals.push(principal_id.into());
            }
        }
        tx.execute(Query::insert().into_table(table).columns(cols).values(vals).map_err(ie)?)
            .await?;
        tx.execute(
            Query::insert()
                .into_table("token_lookups")
                .columns(["token_hash", "tenant_id", "principal_id", "token_id"])
                .values([secret_hash.to_vec().into(), tenant.into(), principal_id.into(), t.id.into()])
                .map_err(ie)?,
        )
        .await
        .map(drop)
    }
}

impl<C: Cipher> AuthStore for SqlStore<C> {
    async fn find_logins(&self, email: &EmailAddress) -> Result<Vec<Principal>, StoreError> {
        let h = self.login_hash(email.as_str());
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let users = tx
            .fetch_all(
                Query::select()
                    .columns(["tenant_id", "user_id"])
                    .from("user_logins")
                    .and_where(Expr::col("email_hash").eq(h.clone()))
                    .order_by("tenant_id", Order::Asc)
                    .limit(MAX_LOGINS_PER_EMAIL),
            )
            .await?;
        let mut found = users
            .iter()
            .map(|r| {
                Ok(Principal::User {
                    tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
                    user_id: UserId::from_uuid(r.get("user_id")?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let op = tx
            .fetch_optional(
                Query::select()
                    .column("id")
                    .from("operators")
                    .and_where(Expr::col("email_hash").eq(h)),
            )
            .await?;
        if let Some(op) = op {
            found.push(Principal::Operator {
                operator_id: op.get("id")?,
            });
        }
        tx.commit().await?;
        Ok(found)
    }

    async fn count_attempt(&self, key: &str, at: DateTime<Utc>, window: Duration) -> Result<Attempts, StoreError> {
        let h = self.attempt_hash(key);
        let expired = ts(at - window);
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        tx.execute(
            Query::delete()
                .from_table("login_attempts")
                .and_where(Expr::col("window_start").lte(expired)),
        )
        .await?;
        tx.execute(
            Query::insert()
                .into_table("login_attempts")
                .columns(["key_hash", "window_start", "attempts"])
                .values([h.clone().into(), ts(at).into(), 0i64.into()])
                .map_err(ie)?
                .on_conflict(OnConflict::column("key_hash").do_nothing().to_owned()),
        )
        .await?;
        tx.execute(
            Query::update()
                .table("login_attempts")
                .value("attempts", Expr::col("attempts").add(1))
                .and_where(Expr::col("key_hash").eq(h.clone())),
        )
        .await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(["window_start", "attempts"])
                    .from("login_attempts")
                    .and_where(Expr::col("key_hash").eq(h)),
            )
            .await?;
        tx.commit().await?;
        Ok(Attempts {
            count: row.get("attempts")?,
            window_start: from_ts(row.get("window_start")?)?,
        })
    }

    async fn release_attempt(&self, key: &str, all: bool) -> Result<(), StoreError> {
        let h = self.attempt_hash(key);
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        if all {
            tx.execute(Query::delete().from_table("login_attempts").and_where(Expr::col("key_hash").eq(h)))
                .await?;
        } else {
            tx.execute(
                Query::update()
                    .table("login_attempts")
                    .value("attempts", Expr::col("attempts").sub(1))
                    .and_where(Expr::col("key_hash").eq(h))
                    .and_where(Expr::col("attempts").gt(0)),
            )
            .await?;
        }
        tx.commit().await
    }

    async fn password_hash(&self, principal: Principal) -> Result<String, StoreError> {
        let (mut tx, q) = match principal {
            // A deactivated user has no password that opens anything.
            Principal::User { tenant_id, user_id } => (
                self.pool.begin(On::Tenant(tenant_id), Mode::Read).await?,
                Query::select()
                    .column(("credentials", "password_hash"))
                    .from("credentials")
                    .inner_join(
                        "users",
                        Expr::col(("users", "tenant_id"))
                            .equals(("credentials", "tenant_id"))
                            .and(Expr::col(("users", "id")).equals(("credentials", "user_id"))),
                    )
                    .and_where(Expr::col(("credentials", "tenant_id")).eq(tenant_id.as_uuid()))
                    .and_where(Expr::col(("credentials", "user_id")).eq(user_id.as_uuid()))
                    .and_where(Expr::col(("users", "deactivated_at")).is_null())
                    .and_where(company_not_suspended(("credentials", "tenant_id")))
                    .to_owned(),
            ),
            Principal::Operator { operator_id } => (
                self.pool.begin(On::Platform, Mode::Read).await?,
                Query::select()
                    .column("password_hash")
                    .from("operators")
                    .and_where(Expr::col("id").eq(operator_id))
                    .to_owned(),
            ),
        };
        let row = tx.fetch_one(&q).await?;
        tx.commit().await?;
        row.get("password_hash")
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        hash: &str,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.write_password(&mut tx, tenant, user, hash, at).await?;
        self.end_tokens(&mut tx, tenant, user, Some(TokenKind::Session), at).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn issue_access_token(&self, t: &TokenRecord, secret_hash: &[u8; 32], event: &NewEvent) -> Result<(), StoreError> {
        let Principal::User { tenant_id, user_id } = t.principal else {
            return Err(StoreError::Internal("an access link is a user's".into()));
        };
        let mut tx = self.pool.begin(On::Tenant(tenant_id), Mode::Write).await?;
        self.end_tokens(&mut tx, tenant_id, user_id, Some(TokenKind::Access), t.created_at)
            .await?;
        self.write_token(&mut tx, t, secret_hash).await?;
        self.finish(tx, tenant_id, std::slice::from_ref(event)).await
    }

    async fn redeem_access_token(
        &self,
        tenant: TenantId,
        user: UserId,
        token_id: Uuid,
        hash: &str,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let active = tx
            .fetch_optional(
                Query::select()
                    .column("id")
                    .from("users")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(user.as_uuid()))
                    .and_where(Expr::col("deactivated_at").is_null()),
            )
            .await?;
        // The link ends here, once: of two uses at the same time, one finds it ended.
        let ended = tx
            .execute(
                Query::update()
                    .table("tokens")
                    .value("revoked_at", ts(at))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user.as_uuid()))
                    .and_where(Expr::col("id").eq(token_id))
                    .and_where(Expr::col("kind").eq(TokenKind::Access.code()))
                    .and_where(Expr::col("revoked_at").is_null())
                    .and_where(Expr::col("expires_at").gt(ts(at))),
            )
            .await?;
        if active.is_none() || ended != 1 {
            return Err(StoreError::NotFound);
        }
        self.write_password(&mut tx, tenant, user, hash, at).await?;
        self.end_tokens(&mut tx, tenant, user, Some(TokenKind::Session), at).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn insert_token(&self, t: &TokenRecord, secret_hash: &[u8; 32]) -> Result<(), StoreError> {
        let on = match t.principal {
            Principal::User { tenant_id, .. } => On::Tenant(tenant_id),
            Principal::Operator { .. } => On::Platform,
        };
        let mut tx = self.pool.begin(on, Mode::Write).await?;
        self.write_token(&mut tx, t, secret_hash).await?;
        tx.commit().await
    }

    async fn find_token(&self, secret_hash: &[u8; 32]) -> Result<FoundToken, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let lookup = tx
            .fetch_one(
                Query::select()
                    .columns(["tenant_id", "principal_id", "token_id"])
                    .from("token_lookups")
                    .and_where(Expr::col("token_hash").eq(secret_hash.to_vec())),
            )
            .await?;
        let token_id: Uuid = lookup.get("token_id")?;
        let principal_id: Uuid = lookup.get("principal_id")?;
        let found = match lookup.get::<Option<Uuid>>("tenant_id")? {
            Some(t) => {
                let tenant = TenantId::from_uuid(t);
                tx.set_tenant(tenant).await?;
                let mut q = Query::select();
                q.columns(TOKEN_COLUMNS.map(|c| ("tokens", c)))
                    .column(("users", "role"))
                    .from("tokens")
                    .inner_join(
                        "users",
                        Expr::col(("users", "tenant_id"))
                            .equals(("tokens", "tenant_id"))
                            .and(Expr::col(("users", "id")).equals(("tokens", "user_id"))),
                    )
                    .and_where(Expr::col(("tokens", "tenant_id")).eq(t))
                    .and_where(Expr::col(("tokens", "id")).eq(token_id))
                    .and_where(Expr::col(("users", "deactivated_at")).is_null())
                    .and_where(company_not_suspended(("tokens", "tenant_id")));
                let row = tx.fetch_one(&q).await?;
                let principal = Principal::User {
                    tenant_id: tenant,
                    user_id: UserId::from_uuid(principal_id),
                };
                let role = Role::parse(&row.get::<String>("role")?).map_err(|e| StoreError::Internal(e.to_string()))?;
                FoundToken {
                    record: token_from_row(&row, principal)?,
                    role: Some(role),
                }
            }
            None => {
                let row = tx
                    .fetch_one(
                        Query::select()
                            .columns(TOKEN_COLUMNS)
                            .from("operator_tokens")
                            .and_where(Expr::col("id").eq(token_id)),
                    )
                    .await?;
                FoundToken {
                    record: token_from_row(&row, Principal::Operator { operator_id: principal_id })?,
                    role: None,
                }
            }
        };
        tx.commit().await?;
        Ok(found)
    }

    async fn list_tokens(&self, principal: Principal, kind: TokenKind) -> Result<Vec<TokenRecord>, StoreError> {
        let Principal::User { tenant_id, user_id } = principal else {
            return Ok(Vec::new());
        };
        let mut tx = self.pool.begin(On::Tenant(tenant_id), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(TOKEN_COLUMNS)
                    .from("tokens")
                    .and_where(Expr::col("tenant_id").eq(tenant_id.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user_id.as_uuid()))
                    .and_where(Expr::col("kind").eq(kind.code()))
                    .order_by("created_at", Order::Desc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| token_from_row(r, principal)).collect()
    }

    async fn revoke_token(&self, principal: Principal, token_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let (mut tx, mut q) = match principal {
            Principal::User { tenant_id, user_id } => (
                self.pool.begin(On::Tenant(tenant_id), Mode::Write).await?,
                Query::update()
                    .table("tokens")
                    .and_where(Expr::col("tenant_id").eq(tenant_id.as_uuid()))
                    .and_where(Expr::col("user_id").eq(user_id.as_uuid()))
                    .to_owned(),
            ),
            Principal::Operator { operator_id } => (
                self.pool.begin(On::Platform, Mode::Write).await?,
                Query::update()
                    .table("operator_tokens")
                    .and_where(Expr::col("operator_id").eq(operator_id))
                    .to_owned(),
            ),
        };
        q.value("revoked_at", Expr::col("revoked_at").if_null(ts(at)))
            .and_where(Expr::col("id").eq(token_id));
        if tx.execute(&q).await? != 1 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    async fn create_operator(&self, id: Uuid, email: &EmailAddress, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("operators")
                .columns(["id", "email_hash", "password_hash", "created_at"])
                .values([id.into(), self.login_hash(email.as_str()).into(), hash.into(), ts(at).into()])
                .map_err(ie)?,
        )
        .await?;
        tx.commit().await
    }
}
