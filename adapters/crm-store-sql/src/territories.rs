//! Territories: one row each, the postcode starts and industries as JSON arrays (a
//! company has tens of territories, read whole to find the one covering a place).

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts, versioned_update};
use crm_domain::event::NewEvent;
use crm_domain::territory::Territory;
use crm_domain::text::{Label, Name, fold};
use crm_domain::{TeamId, TenantId, TerritoryId};
use crm_ports::store::TerritoryStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};

const COLUMNS: [&str; 10] = [
    "tenant_id",
    "id",
    "name",
    "name_fold",
    "team_id",
    "areas",
    "industries",
    "version",
    "created_at",
    "updated_at",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("territories: bad {what}"))
}

fn ie(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn read(r: &Row) -> Result<Territory, StoreError> {
    let areas: Vec<String> = serde_json::from_str(&r.get::<String>("areas")?).map_err(|_| bad("areas"))?;
    let industries: Vec<String> = serde_json::from_str(&r.get::<String>("industries")?).map_err(|_| bad("industries"))?;
    Ok(Territory {
        id: TerritoryId::from_uuid(r.get("id")?),
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        name: Name::parse(&r.get::<String>("name")?).map_err(|_| bad("name"))?,
        team_id: TeamId::from_uuid(r.get("team_id")?),
        areas,
        industries: industries
            .iter()
            .map(|i| Label::parse(i).map_err(|_| bad("industry")))
            .collect::<Result<_, _>>()?,
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn lists(t: &Territory) -> Result<(String, String), StoreError> {
    let industries: Vec<&str> = t.industries.iter().map(Label::as_str).collect();
    Ok((
        serde_json::to_string(&t.areas).map_err(ie)?,
        serde_json::to_string(&industries).map_err(ie)?,
    ))
}

impl<C: Cipher> TerritoryStore for SqlStore<C> {
    async fn territories(&self, tenant: TenantId) -> Result<Vec<Territory>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from("territories")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("name_fold", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(read).collect()
    }

    async fn create_territory(&self, t: &Territory, event: &NewEvent) -> Result<(), StoreError> {
        let (areas, industries) = lists(t)?;
        let mut tx = self.pool.begin(On::Tenant(t.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("territories")
                .columns(COLUMNS)
                .values([
                    t.tenant_id.as_uuid().into(),
                    t.id.as_uuid().into(),
                    t.name.as_str().into(),
                    fold(t.name.as_str()).into(),
                    t.team_id.as_uuid().into(),
                    areas.into(),
                    industries.into(),
                    t.version.into(),
                    ts(t.created_at).into(),
                    ts(t.updated_at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, t.tenant_id, std::slice::from_ref(event)).await
    }

    async fn update_territory(&self, t: &Territory, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let (areas, industries) = lists(t)?;
        let mut tx = self.pool.begin(On::Tenant(t.tenant_id), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.values([
            ("name", t.name.as_str().into()),
            ("name_fold", fold(t.name.as_str()).into()),
            ("team_id", t.team_id.as_uuid().into()),
            ("areas", areas.into()),
            ("industries", industries.into()),
            ("version", t.version.into()),
            ("updated_at", ts(t.updated_at).into()),
        ]);
        versioned_update(&mut tx, "territories", t.tenant_id, t.id.as_uuid(), expected_version, false, stmt).await?;
        self.finish(tx, t.tenant_id, std::slice::from_ref(event)).await
    }

    async fn delete_territory(&self, tenant: TenantId, id: TerritoryId, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        crate::rows::delete_row(&mut tx, "territories", tenant, id.as_uuid()).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }
}
