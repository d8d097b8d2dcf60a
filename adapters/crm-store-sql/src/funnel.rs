//! The funnel of a pipeline counted in SQL from `opportunity_stays`: each deal's stays in
//! its stages with what a funnel filters on — a projection of the opportunity row, written
//! here with it in the same transaction (and its `live` flag by soft deletion and
//! restore) — so that a funnel reads a few rows of totals, never the deals.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::rows::ts;
use crate::scope::owner_in_scope;
use chrono::{DateTime, Utc};
use crm_domain::opportunity::{Opportunity, Status};
use crm_domain::report::{FunnelTotals, median};
use crm_domain::{PipelineId, StageId, TenantId};
use crm_ports::query::Scope;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use std::collections::HashMap;
use uuid::Uuid;

const T: &str = "opportunity_stays";

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
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
    let won = i64::from(o.status == Status::Won);
    let mut q = Query::insert();
    q.into_table(T).columns([
        "tenant_id",
        "opportunity_id",
        "seq",
        "pipeline_id",
        "stage_id",
        "entered_at",
        "left_at",
        "owner_id",
        "created_at",
        "won",
        "live",
    ]);
    for (k, change) in o.stage_history.iter().enumerate() {
        let left = o.stage_history.get(k + 1).map(|next| next.at).or(o.closed_at);
        q.values([
            t.into(),
            id.into(),
            i64::try_from(k).unwrap_or(i64::MAX).into(),
            o.pipeline_id.as_uuid().into(),
            change.to.as_uuid().into(),
            ts(change.at).into(),
            left.map(ts).into(),
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

/// The funnel over `stages` (in order): per deal, its furthest step (the won ones at the
/// end) and the stages it entered, summed per furthest step; then, per stage, the middle
/// one or two of its ended stays (in whole seconds), found by a window over the stays.
pub(crate) async fn totals<C: Cipher>(
    store: &SqlStore<C>,
    scope: Scope,
    pipeline: PipelineId,
    stages: &[StageId],
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<FunnelTotals, StoreError> {
    let n = stages.len();
    let stage = || Expr::col((T, "stage_id"));
    // The furthest listed stage a deal entered (NULL for none), or `n` when won.
    let mut furthest = Expr::case(Expr::col((T, "won")).max().eq(1), i64::try_from(n).unwrap_or(i64::MAX));
    if let Some((first, rest)) = stages.split_first() {
        let mut position = Expr::case(stage().eq(first.as_uuid()), 0i64);
        for (i, s) in rest.iter().enumerate() {
            position = position.case(stage().eq(s.as_uuid()), i64::try_from(i + 1).unwrap_or(i64::MAX));
        }
        furthest = furthest.finally(Expr::expr(position).max());
    }
    let mut per_deal = stays(scope, pipeline, created);
    per_deal.expr_as(furthest, "f").group_by_col((T, "opportunity_id"));
    let mut per_step = Query::select();
    per_step.column("f").expr_as(Expr::cust("COUNT(*)"), "n");
    for (i, s) in stages.iter().enumerate() {
        per_deal.expr_as(Expr::case(stage().eq(s.as_uuid()), 1i64).finally(0i64).max(), format!("e{i}"));
        per_step.expr_as(Expr::cust(format!("CAST(SUM(e{i}) AS BIGINT)")), format!("e{i}"));
    }
    per_step.from_subquery(per_deal, "d").group_by_col("f");

    let mut ended = stays(scope, pipeline, created);
    ended
        .column((T, "stage_id"))
        .expr_as(
            Expr::cust("(opportunity_stays.left_at - opportunity_stays.entered_at) / 1000000"),
            "dur",
        )
        .and_where(Expr::col((T, "left_at")).is_not_null())
        .and_where(Expr::cust("opportunity_stays.left_at >= opportunity_stays.entered_at"))
        .and_where(stage().is_in(stages.iter().map(|s| s.as_uuid())));
    let ranked = Query::select()
        .columns(["stage_id", "dur"])
        .expr_as(Expr::cust("ROW_NUMBER() OVER (PARTITION BY stage_id ORDER BY dur)"), "rn")
        .expr_as(Expr::cust("COUNT(*) OVER (PARTITION BY stage_id)"), "cnt")
        .from_subquery(ended, "s")
        .to_owned();
    let middle = Query::select()
        .columns(["stage_id", "dur"])
        .from_subquery(ranked, "r")
        .and_where(Expr::cust("rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2"))
        .to_owned();

    let mut tx = store.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
    let steps = tx.fetch_all(&per_step).await?;
    let middles = tx.fetch_all(&middle).await?;
    tx.commit().await?;

    let mut out = FunnelTotals {
        entered: vec![0; n],
        furthest: vec![0; n + 1],
        median_seconds: vec![None; n],
    };
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    for r in &steps {
        let deals = count(r.get("n")?);
        if let Some(f) = r.get::<Option<i64>>("f")?.and_then(|f| usize::try_from(f).ok())
            && let Some(slot) = out.furthest.get_mut(f)
        {
            *slot += deals;
        }
        for (i, e) in out.entered.iter_mut().enumerate() {
            *e += count(r.get::<Option<i64>>(&format!("e{i}"))?.unwrap_or(0));
        }
    }
    let mut by_stage: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for r in &middles {
        by_stage.entry(r.get("stage_id")?).or_default().push(r.get("dur")?);
    }
    for (i, s) in stages.iter().enumerate() {
        out.median_seconds[i] = by_stage.get_mut(&s.as_uuid()).and_then(|v| median(v));
    }
    Ok(out)
}
