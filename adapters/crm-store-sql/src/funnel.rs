//! The funnel of a pipeline counted in SQL from `opportunity_stays`: each deal's stays in
//! its stages with what a funnel filters on — a projection of the opportunity row, written
//! here with it in the same transaction (and its `live` flag by soft deletion and
//! restore) — so that a funnel reads a few rows of totals, never the deals.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::rows::{count, middle_of, ts};
use crate::scope::owner_in_scope;
use chrono::{DateTime, Utc};
use crm_domain::opportunity::{Opportunity, Status};
use crm_domain::report::{FunnelTotals, median};
use crm_domain::{PipelineId, StageId, TenantId};
use crm_ports::query::Scope;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

const T: &str = "opportunity_stays";

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// The stage ids of a pipeline in its order.
pub(crate) async fn stage_order(tx: &mut Tx, tenant: Uuid, pipeline: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let rows = tx
        .fetch_all(
            Query::select()
                .column("id")
                .from("stages")
                .and_where(Expr::col("tenant_id").eq(tenant))
                .and_where(Expr::col("pipeline_id").eq(pipeline))
                .and_where(Expr::col("archived_at").is_null())
                .order_by("position", Order::Asc),
        )
        .await?;
    rows.iter().map(|r| r.get("id")).collect()
}

/// Per entry of a history: whether it is the first into its stage, and which entry holds
/// the deal's furthest step — a won deal's first; else the first entry into its furthest
/// stage of `order` (none when it entered none of them).
fn flags(o: &Opportunity, order: &[Uuid]) -> (Vec<bool>, Option<usize>) {
    let h = &o.stage_history;
    let first: Vec<bool> = h.iter().enumerate().map(|(k, c)| !h[..k].iter().any(|e| e.to == c.to)).collect();
    if o.status == Status::Won {
        return (first, (!h.is_empty()).then_some(0));
    }
    let top = h
        .iter()
        .enumerate()
        .filter(|(k, _)| first[*k])
        .filter_map(|(k, c)| order.iter().position(|s| *s == c.to.as_uuid()).map(|p| (p, k)))
        .max()
        .map(|(_, k)| k);
    (first, top)
}

/// Rewrites the stays of `o` (a live deal) from its stage history: each entry's stay ends
/// at the next move, else at the deal's close.
pub(crate) async fn write_stays(tx: &mut Tx, o: &Opportunity) -> Result<(), StoreError> {
    let (t, id) = (o.tenant_id.as_uuid(), o.id.as_uuid());
    tx.execute(
        Query::delete()
            .from_table(T)
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("opportunity_id").eq(id)),
    )
    .await?;
    if o.stage_history.is_empty() {
        return Ok(());
    }
    let order = stage_order(tx, t, o.pipeline_id.as_uuid()).await?;
    let (first, top) = flags(o, &order);
    let won = i64::from(o.status == Status::Won);
    let mut q = Query::insert();
    q.into_table(T).columns([
        "tenant_id",
        "opportunity_id",
        "seq",
        "pipeline_id",
        "stage_id",
        "entered_at",
        "stay_seconds",
        "first_entry",
        "furthest",
        "owner_id",
        "created_at",
        "won",
        "live",
    ]);
    for (k, change) in o.stage_history.iter().enumerate() {
        let left = o.stage_history.get(k + 1).map(|next| next.at).or(o.closed_at);
        let stay = left
            .map(ts)
            .filter(|l| *l >= ts(change.at))
            .map(|l| (l - ts(change.at)) / 1_000_000);
        q.values([
            t.into(),
            id.into(),
            i64::try_from(k).unwrap_or(i64::MAX).into(),
            o.pipeline_id.as_uuid().into(),
            change.to.as_uuid().into(),
            ts(change.at).into(),
            stay.into(),
            i64::from(first[k]).into(),
            i64::from(top == Some(k)).into(),
            o.owner_id.as_uuid().into(),
            ts(o.created_at).into(),
            won.into(),
            1i64.into(),
        ])
        .map_err(ie)?;
    }
    tx.execute(&q).await?;
    Ok(())
}

/// After a pipeline's stages changed order (or some were added or removed): the furthest
/// stage of each of its deals not won, by the new order, found in SQL.
pub(crate) async fn reorder(tx: &mut Tx, tenant: TenantId, pipeline: PipelineId) -> Result<(), StoreError> {
    let (t, p) = (tenant.as_uuid(), pipeline.as_uuid());
    tx.execute(
        Query::update()
            .table(T)
            .value("furthest", 0i64)
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("pipeline_id").eq(p))
            .and_where(Expr::col("won").eq(0))
            .and_where(Expr::col("furthest").eq(1)),
    )
    .await?;
    // The first entry into the stage of the highest position the deal entered.
    let top = Query::select()
        .column(("x", "stage_id"))
        .from_as(T, "x")
        .inner_join(
            sea_query::TableRef::Table("stages".into(), Some("st".into())),
            Expr::col(("st", "tenant_id"))
                .equals(("x", "tenant_id"))
                .and(Expr::col(("st", "id")).equals(("x", "stage_id")))
                .and(Expr::col(("st", "pipeline_id")).equals(("x", "pipeline_id")))
                .and(Expr::col(("st", "archived_at")).is_null()),
        )
        .and_where(Expr::col(("x", "tenant_id")).equals((T, "tenant_id")))
        .and_where(Expr::col(("x", "opportunity_id")).equals((T, "opportunity_id")))
        .order_by(("st", "position"), Order::Desc)
        .limit(1)
        .to_owned();
    tx.execute(
        Query::update()
            .table(T)
            .value("furthest", 1i64)
            .and_where(Expr::col((T, "tenant_id")).eq(t))
            .and_where(Expr::col((T, "pipeline_id")).eq(p))
            .and_where(Expr::col((T, "won")).eq(0))
            .and_where(Expr::col((T, "first_entry")).eq(1))
            .and_where(Expr::col((T, "stage_id")).in_subquery(top)),
    )
    .await?;
    Ok(())
}

/// Marks the stays of a deal deleted (`live` false) or restored.
pub(crate) async fn set_live(tx: &mut Tx, tenant: TenantId, id: Uuid, live: bool) -> Result<(), StoreError> {
    tx.execute(
        Query::update()
            .table(T)
            .value("live", i64::from(live))
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("opportunity_id").eq(id)),
    )
    .await?;
    Ok(())
}

/// The stays of the live deals of `pipeline` in the scope, created in `[from, to)` when
/// given.
fn stays(scope: Scope, pipeline: PipelineId, created: Option<(DateTime<Utc>, DateTime<Utc>)>) -> SelectStatement {
    let tenant = scope.tenant_id;
    let mut q = Query::select();
    q.from(T)
        .and_where(Expr::col((T, "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col((T, "pipeline_id")).eq(pipeline.as_uuid()))
        .and_where(Expr::col((T, "live")).eq(1))
        .and_where(owner_in_scope(tenant, scope.records, (T, "owner_id")));
    if let Some((from, to)) = created {
        q.and_where(Expr::col((T, "created_at")).gte(ts(from)))
            .and_where(Expr::col((T, "created_at")).lt(ts(to)));
    }
    q
}

/// The funnel over `stages` (in order), from the funnel index alone: per stage, the deals
/// that entered it, the deals whose furthest step it is (and, over every stage, the won
/// ones), the ended stays; then per stage the middle one or two stays, by their rank.
pub(crate) async fn totals<C: Cipher>(
    store: &SqlStore<C>,
    scope: Scope,
    pipeline: PipelineId,
    stages: &[StageId],
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<FunnelTotals, StoreError> {
    let n = stages.len();
    let mut per_stage = stays(scope, pipeline, created);
    per_stage
        .column((T, "stage_id"))
        .expr_as(Expr::cust(sum("first_entry = 1")), "entered")
        .expr_as(Expr::cust(sum("furthest = 1 AND won = 0")), "top")
        .expr_as(Expr::cust(sum("furthest = 1 AND won = 1")), "won")
        .expr_as(Expr::cust(sum("stay_seconds IS NOT NULL")), "ended")
        .group_by_col((T, "stage_id"));
    let mut tx = store.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
    let rows = tx.fetch_all(&per_stage).await?;
    let mut out = FunnelTotals {
        entered: vec![0; n],
        furthest: vec![0; n + 1],
        median_seconds: vec![None; n],
    };
    let mut ended = vec![0u64; n];
    for r in &rows {
        let stage: Uuid = r.get("stage_id")?;
        out.furthest[n] += count(r.get("won")?);
        if let Some(i) = stages.iter().position(|s| s.as_uuid() == stage) {
            out.entered[i] = count(r.get("entered")?);
            out.furthest[i] = count(r.get("top")?);
            ended[i] = count(r.get("ended")?);
        }
    }
    for (i, (s, &k)) in stages.iter().zip(&ended).enumerate() {
        if k == 0 {
            continue;
        }
        // The middle stay, or the two around the middle.
        let mut middle = stays(scope, pipeline, created);
        middle
            .column((T, "stay_seconds"))
            .and_where(Expr::col((T, "stage_id")).eq(s.as_uuid()))
            .and_where(Expr::col((T, "stay_seconds")).is_not_null())
            .order_by((T, "stay_seconds"), Order::Asc);
        middle_of(&mut middle, k);
        let mut values: Vec<i64> = tx
            .fetch_all(&middle)
            .await?
            .iter()
            .map(|r| r.get("stay_seconds"))
            .collect::<Result<_, _>>()?;
        out.median_seconds[i] = median(&mut values);
    }
    tx.commit().await?;
    Ok(out)
}

/// `SUM` of the rows meeting `cond`, as a 64-bit integer on both backends.
fn sum(cond: &str) -> String {
    format!("CAST(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)")
}
