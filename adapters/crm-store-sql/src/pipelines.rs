//! Pipelines and their ordered stages.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts, valid, versioned_update};
use crm_domain::event::NewEvent;
use crm_domain::money::Probability;
use crm_domain::opportunity::Opportunity;
use crm_domain::pipeline::{Pipeline, Stage};
use crm_domain::text::{Label, Name};
use crm_domain::{PipelineId, StageId, TenantId};
use crm_ports::store::PipelineStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, UpdateStatement};
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: [&str; 6] = ["tenant_id", "id", "name", "version", "created_at", "updated_at"];

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Each pipeline's stages: in order, then the archived ones.
type StageLists = HashMap<Uuid, (Vec<Stage>, Vec<Stage>)>;

async fn load_stages(tx: &mut Tx, tenant: TenantId, pipelines: &[Uuid]) -> Result<StageLists, StoreError> {
    let rows = tx
        .fetch_all(
            Query::select()
                .columns(["pipeline_id", "id", "name", "probability", "archived_at"])
                .from("stages")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("pipeline_id").is_in(pipelines.to_vec()))
                .order_by("pipeline_id", Order::Asc)
                .order_by("position", Order::Asc),
        )
        .await?;
    let mut out: StageLists = HashMap::new();
    for r in rows {
        let stage = Stage {
            id: StageId::from_uuid(r.get("id")?),
            name: valid("stage name", Label::parse(&r.get::<String>("name")?))?,
            probability: valid("probability", Probability::new(r.get("probability")?))?,
        };
        let lists = out.entry(r.get("pipeline_id")?).or_default();
        if r.get::<Option<i64>>("archived_at")?.is_some() {
            lists.1.push(stage);
        } else {
            lists.0.push(stage);
        }
    }
    Ok(out)
}

fn pipeline_from_row(row: &Row, stages: &mut StageLists) -> Result<Pipeline, StoreError> {
    let id: Uuid = row.get("id")?;
    let (stages, archived) = stages.remove(&id).unwrap_or_default();
    Ok(Pipeline {
        id: PipelineId::from_uuid(id),
        tenant_id: TenantId::from_uuid(row.get("tenant_id")?),
        name: valid("name", Name::parse(&row.get::<String>("name")?))?,
        stages,
        archived,
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

/// Writes the stage rows of a pipeline: updates kept ones (the archived ones marked, with a
/// position before the others, so that no funnel counts them), inserts new ones, deletes
/// the others (the caller made sure no opportunity sits in them).
async fn write_stages(tx: &mut Tx, p: &Pipeline) -> Result<(), StoreError> {
    let (t, pid) = (p.tenant_id.as_uuid(), p.id.as_uuid());
    let keep: Vec<Uuid> = p.stages.iter().chain(&p.archived).map(|s| s.id.as_uuid()).collect();
    tx.execute(
        Query::delete()
            .from_table("stages")
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("pipeline_id").eq(pid))
            .and_where(Expr::col("id").is_not_in(keep)),
    )
    .await?;
    let at = ts(p.updated_at);
    let rows = p
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (i64::try_from(i).unwrap_or(i64::MAX), s, None))
        .chain(p.archived.iter().map(|s| (-1, s, Some(at))));
    for (pos, s, archived) in rows {
        let archived_at = match archived {
            // Kept as first archived.
            Some(at) => Expr::cust_with_exprs("COALESCE(archived_at, $1)", [Expr::val(at)]),
            None => Expr::val(Option::<i64>::None),
        };
        let updated = tx
            .execute(
                Query::update()
                    .table("stages")
                    .values([
                        ("position", Expr::from(pos)),
                        ("name", Expr::from(s.name.as_str())),
                        ("probability", Expr::from(i64::from(s.probability.percent()))),
                        ("archived_at", archived_at),
                    ])
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("pipeline_id").eq(pid))
                    .and_where(Expr::col("id").eq(s.id.as_uuid())),
            )
            .await?;
        if updated == 0 {
            tx.execute(
                Query::insert()
                    .into_table("stages")
                    .columns(["tenant_id", "id", "pipeline_id", "position", "name", "probability", "archived_at"])
                    .values([
                        t.into(),
                        s.id.as_uuid().into(),
                        pid.into(),
                        pos.into(),
                        s.name.as_str().into(),
                        i64::from(s.probability.percent()).into(),
                        archived.into(),
                    ])
                    .map_err(ie)?,
            )
            .await?;
        }
    }
    Ok(())
}

/// Inserts a new pipeline and its stages in the caller's transaction (also used when a
/// tenant is created with its default pipeline).
pub(crate) async fn insert_pipeline(tx: &mut Tx, p: &Pipeline) -> Result<(), StoreError> {
    tx.execute(
        Query::insert()
            .into_table("pipelines")
            .columns(COLUMNS)
            .values([
                p.tenant_id.as_uuid().into(),
                p.id.as_uuid().into(),
                p.name.as_str().into(),
                p.version.into(),
                ts(p.created_at).into(),
                ts(p.updated_at).into(),
            ])
            .map_err(ie)?,
    )
    .await?;
    write_stages(tx, p).await
}

impl<C: Cipher> PipelineStore for SqlStore<C> {
    async fn create_pipeline(&self, p: &Pipeline, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(p.tenant_id), Mode::Write).await?;
        insert_pipeline(&mut tx, p).await?;
        self.finish(tx, p.tenant_id, std::slice::from_ref(event)).await
    }

    async fn pipeline(&self, tenant: TenantId, id: PipelineId) -> Result<Pipeline, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(COLUMNS)
                    .from("pipelines")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid()))
                    .and_where(Expr::col("deleted_at").is_null()),
            )
            .await?;
        let mut stages = load_stages(&mut tx, tenant, &[id.as_uuid()]).await?;
        tx.commit().await?;
        pipeline_from_row(&row, &mut stages)
    }

    async fn list_pipelines(&self, tenant: TenantId) -> Result<Vec<Pipeline>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from("pipelines")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("deleted_at").is_null())
                    .order_by("created_at", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get("id")).collect::<Result<_, _>>()?;
        let mut stages = load_stages(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        rows.iter().map(|r| pipeline_from_row(r, &mut stages)).collect()
    }

    async fn update_pipeline(
        &self,
        p: &Pipeline,
        expected_version: i64,
        events: &[NewEvent],
        moved: &[Opportunity],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(p.tenant_id), Mode::Write).await?;
        let mut stmt = UpdateStatement::new();
        stmt.values([
            ("name", Expr::from(p.name.as_str())),
            ("version", Expr::from(expected_version + 1)),
            ("updated_at", Expr::from(ts(p.updated_at))),
        ]);
        versioned_update(&mut tx, "pipelines", p.tenant_id, p.id.as_uuid(), expected_version, true, stmt).await?;
        // The open deals of the stages taken out go first (their stage rows stay, archived,
        // or go once nothing names them).
        for o in moved {
            crate::opportunities::rewrite(&mut tx, o, o.version - 1).await?;
        }
        let before = crate::funnel::stage_order(&mut tx, p.tenant_id.as_uuid(), p.id.as_uuid()).await?;
        write_stages(&mut tx, p).await?;
        if !before.iter().copied().eq(p.stages.iter().map(|s| s.id.as_uuid())) {
            // The deals' furthest stages follow the new order.
            crate::funnel::reorder(&mut tx, p.tenant_id, p.id).await?;
        }
        self.finish(tx, p.tenant_id, events).await
    }

    async fn open_in_stages(&self, tenant: TenantId, stages: &[StageId]) -> Result<Vec<Opportunity>, StoreError> {
        self.opportunities_where(
            tenant,
            Expr::col("stage_id")
                .is_in(stages.iter().map(|s| s.as_uuid()).collect::<Vec<_>>())
                .and(Expr::col("status").eq("open")),
        )
        .await
    }

    async fn count_in_stages(&self, tenant: TenantId, stages: &[StageId]) -> Result<u64, StoreError> {
        let ids: Vec<Uuid> = stages.iter().map(|s| s.as_uuid()).collect();
        self.count_opportunities(tenant, Expr::col("stage_id").is_in(ids)).await
    }

    async fn count_in_pipeline(&self, tenant: TenantId, pipeline: PipelineId) -> Result<u64, StoreError> {
        self.count_opportunities(tenant, Expr::col("pipeline_id").eq(pipeline.as_uuid()))
            .await
    }
}

impl<C: Cipher> SqlStore<C> {
    /// Opportunities (deleted ones included: they still reference their stage) matching.
    async fn count_opportunities(&self, tenant: TenantId, cond: Expr) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .expr_as(Expr::col("id").count(), "n")
                    .from("opportunities")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(cond),
            )
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(row.get::<i64>("n")?).unwrap_or(0))
    }
}
