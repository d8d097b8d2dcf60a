//! Tenants: created together with their event counter, first Admin and default pipeline.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::pipelines::insert_pipeline;
use crate::rows::{from_ts, ts, valid};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::event::NewEvent;
use crm_domain::pipeline::Pipeline;
use crm_domain::tenant::{Tenant, TenantSettings};
use crm_domain::text::Name;
use crm_domain::user::User;
use crm_ports::store::{TenantCounts, TenantStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::types::Json;

const COLUMNS: [&str; 6] = ["id", "name", "settings", "version", "created_at", "updated_at"];
/// What is read: the written columns and the suspension (written by its own method).
const READ: [&str; 7] = ["id", "name", "settings", "version", "created_at", "updated_at", "suspended_at"];

fn tenant_from_row(row: &Row) -> Result<Tenant, StoreError> {
    let Json(settings): Json<serde_json::Value> = row.get("settings")?;
    let settings: TenantSettings = valid("settings", serde_json::from_value(settings))?;
    Ok(Tenant {
        id: TenantId::from_uuid(row.get("id")?),
        name: valid("name", Name::parse(&row.get::<String>("name")?))?,
        settings,
        suspended_at: row.get::<Option<i64>>("suspended_at")?.map(from_ts).transpose()?,
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

fn settings_json(s: &TenantSettings) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(s).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Rows of a tenant's table (`live`: not deleted) that meet `cond`.
async fn count(tx: &mut Tx, tenant: TenantId, table: &'static str, live: bool, cond: Option<Expr>) -> Result<u64, StoreError> {
    let mut q = Query::select();
    q.expr_as(Expr::col("id").count(), "n")
        .from(table)
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()));
    if live {
        q.and_where(Expr::col("deleted_at").is_null());
    }
    if let Some(c) = cond {
        q.and_where(c);
    }
    let row = tx.fetch_one(&q).await?;
    Ok(u64::try_from(row.get::<i64>("n")?).unwrap_or(0))
}

impl<C: Cipher> TenantStore for SqlStore<C> {
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        admin: &User,
        admin_password_hash: Option<&str>,
        pipelines: &[Pipeline],
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant.id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("tenants")
                .columns(COLUMNS)
                .values([
                    tenant.id.as_uuid().into(),
                    tenant.name.as_str().into(),
                    settings_json(&tenant.settings)?.into(),
                    tenant.version.into(),
                    ts(tenant.created_at).into(),
                    ts(tenant.updated_at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        tx.execute(
            Query::insert()
                .into_table("event_counters")
                .columns(["tenant_id", "last_seq"])
                .values([tenant.id.as_uuid().into(), 0i64.into()])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        self.insert_user(&mut tx, admin).await.map_err(|e| match e {
            StoreError::Duplicate { .. } => StoreError::Duplicate { field: "admin_email" },
            other => other,
        })?;
        if let Some(h) = admin_password_hash {
            self.write_password(&mut tx, tenant.id, admin.id, h, admin.created_at).await?;
        }
        for p in pipelines {
            if p.tenant_id != tenant.id {
                return Err(StoreError::Internal("pipeline of another tenant".into()));
            }
            insert_pipeline(&mut tx, p).await?;
        }
        self.finish(tx, tenant.id, events).await
    }

    async fn tenant(&self, id: TenantId) -> Result<Tenant, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(id), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(READ)
                    .from("tenants")
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        tenant_from_row(&row)
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let rows = tx
            .fetch_all(Query::select().columns(READ).from("tenants").order_by("created_at", Order::Asc))
            .await?;
        tx.commit().await?;
        rows.iter().map(tenant_from_row).collect()
    }

    async fn set_tenant_suspended(&self, tenant: TenantId, at: Option<DateTime<Utc>>, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let changed = tx
            .execute(
                Query::update()
                    .table("tenants")
                    .value("suspended_at", at.map(ts))
                    .and_where(Expr::col("id").eq(tenant.as_uuid())),
            )
            .await?;
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn tenant_counts(&self, tenant: TenantId) -> Result<TenantCounts, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let users = count(&mut tx, tenant, "users", false, Some(Expr::col("deactivated_at").is_null())).await?;
        let contacts = count(&mut tx, tenant, "contacts", true, None).await?;
        let open_deals = count(&mut tx, tenant, "opportunities", true, Some(Expr::col("status").eq("open"))).await?;
        tx.commit().await?;
        Ok(TenantCounts {
            users,
            contacts,
            open_deals,
        })
    }

    async fn update_tenant(&self, tenant: &Tenant, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant.id), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.values([
            ("name", tenant.name.as_str().into()),
            ("settings", settings_json(&tenant.settings)?.into()),
            ("version", (expected_version + 1).into()),
            ("updated_at", ts(tenant.updated_at).into()),
        ]);
        // The tenants table keys on `id` alone (it is the tenant).
        stmt.table("tenants")
            .and_where(Expr::col("id").eq(tenant.id.as_uuid()))
            .and_where(Expr::col("version").eq(expected_version));
        if tx.execute(&stmt).await? != 1 {
            return Err(StoreError::Conflict);
        }
        self.finish(tx, tenant.id, std::slice::from_ref(event)).await
    }
}
