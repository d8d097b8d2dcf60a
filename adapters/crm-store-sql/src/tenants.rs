//! Tenants: created together with their event counter, first Admin and default pipeline.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::pipelines::insert_pipeline;
use crate::rows::{from_ts, ts, valid};
use crm_domain::TenantId;
use crm_domain::event::NewEvent;
use crm_domain::pipeline::Pipeline;
use crm_domain::tenant::{Tenant, TenantSettings};
use crm_domain::text::Name;
use crm_domain::user::User;
use crm_ports::store::TenantStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::types::Json;

const COLUMNS: [&str; 6] = ["id", "name", "settings", "version", "created_at", "updated_at"];

fn tenant_from_row(row: &Row) -> Result<Tenant, StoreError> {
    let Json(settings): Json<serde_json::Value> = row.get("settings")?;
    let settings: TenantSettings = valid("settings", serde_json::from_value(settings))?;
    Ok(Tenant {
        id: TenantId::from_uuid(row.get("id")?),
        name: valid("name", Name::parse(&row.get::<String>("name")?))?,
        settings,
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

fn settings_json(s: &TenantSettings) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(s).map_err(|e| StoreError::Internal(e.to_string()))
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
                    .columns(COLUMNS)
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
            .fetch_all(Query::select().columns(COLUMNS).from("tenants").order_by("created_at", Order::Asc))
            .await?;
        tx.commit().await?;
        rows.iter().map(tenant_from_row).collect()
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
