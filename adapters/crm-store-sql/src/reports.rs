//! Reports: the totals a report is made of, counted in SQL over the live deals of a scope
//! (the owner's visibility in SQL) — grouped sums, never the deals themselves; the funnel
//! in `funnel.rs`.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::rows::{count, middle_of, ts};
use crate::scope::owner_in_scope;
use chrono::{DateTime, Utc};
use crm_domain::money::Currency;
use crm_domain::report::{ClosedGroup, FunnelTotals, OpenGroup, PeriodTotals, median};
use crm_domain::{PipelineId, StageId, UserId};
use crm_ports::query::Scope;
use crm_ports::store::{ActivityCounts, ActivityFacts, ReportStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use std::collections::BTreeMap;

impl<C: Cipher> ReportStore for SqlStore<C> {
    async fn activity_facts(
        &self,
        scope: Scope,
        [(s0, e0), (s1, e1)]: [(DateTime<Utc>, DateTime<Utc>); 2],
        now: DateTime<Utc>,
    ) -> Result<ActivityFacts, StoreError> {
        let tenant = scope.tenant_id;
        // Instants are integers of ours (microseconds): written in the SQL as such.
        let (s0, e0, s1, e1, now) = (ts(s0), ts(e0), ts(s1), ts(e1), ts(now));
        // Done: a task by its completion; a call, meeting, email or note by when it took
        // place, once it has.
        let within = |s: i64, e: i64| {
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN (kind = 'task' AND done_at >= {s} AND done_at < {e}) \
                 OR (kind <> 'task' AND occurred_at >= {s} AND occurred_at < {e} AND occurred_at <= {now}) \
                 THEN 1 ELSE 0 END), 0)"
            ))
        };
        let overdue = |at: i64| {
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN kind = 'task' AND due_at < {at} AND (done_at IS NULL OR done_at > {at}) THEN 1 ELSE 0 END), 0)"
            ))
        };
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns([("activities", "assignee_id"), ("activities", "kind")])
                    .expr_as(within(s0, e0), "done_now")
                    .expr_as(within(s1, e1), "done_before")
                    .expr_as(overdue(now), "overdue_now")
                    .expr_as(overdue(Ord::min(e1, now)), "overdue_before")
                    .from("activities")
                    .and_where(Expr::col(("activities", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("activities", "deleted_at")).is_null())
                    .and_where(owner_in_scope(tenant, scope.records, ("activities", "assignee_id")))
                    .group_by_col(("activities", "assignee_id"))
                    .group_by_col(("activities", "kind")),
            )
            .await?;
        let leads = |s: i64, e: i64| {
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN created_at >= {s} AND created_at < {e} THEN 1 ELSE 0 END), 0)"
            ))
        };
        let leads = tx
            .fetch_all(
                Query::select()
                    .column(("contacts", "owner_id"))
                    .expr_as(leads(s0, e0), "leads_now")
                    .expr_as(leads(s1, e1), "leads_before")
                    .from("contacts")
                    .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null())
                    .and_where(Expr::col(("contacts", "kind")).eq("prospect"))
                    .and_where(Expr::col(("contacts", "created_at")).gte(Ord::min(s0, s1)))
                    .and_where(Expr::col(("contacts", "created_at")).lt(Ord::max(e0, e1)))
                    .and_where(owner_in_scope(tenant, scope.records, ("contacts", "owner_id")))
                    .group_by_col(("contacts", "owner_id")),
            )
            .await?;
        tx.commit().await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut people: BTreeMap<UserId, ActivityCounts> = BTreeMap::new();
        for r in &rows {
            let counts = people.entry(UserId::from_uuid(r.get("assignee_id")?)).or_default();
            counts.overdue_tasks[0] += n(r.get("overdue_now")?);
            counts.overdue_tasks[1] += n(r.get("overdue_before")?);
            let done = [n(r.get("done_now")?), n(r.get("done_before")?)];
            if done != [0, 0] {
                counts.done.push((r.get("kind")?, done));
            }
        }
        for r in &leads {
            let counts = people.entry(UserId::from_uuid(r.get("owner_id")?)).or_default();
            counts.new_leads = [n(r.get("leads_now")?), n(r.get("leads_before")?)];
        }
        let mut facts = ActivityFacts::default();
        for (user, mut counts) in people {
            counts.done.sort();
            if !counts.is_empty() {
                facts.total.add(&counts);
                facts.by_person.push((user, counts));
            }
        }
        Ok(facts)
    }

    async fn period_totals(&self, scope: Scope, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> Result<PeriodTotals, StoreError> {
        let tenant = scope.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let closed = closed_groups(&mut tx, scope, &[(from, to)]).await?.pop().unwrap_or_default();
        let won: u64 = closed.iter().filter(|g| g.won).map(|g| g.count).sum();
        // The middle one or two sales cycles (microseconds: their order is that of the
        // whole seconds they are truncated to).
        let mut middle = live(scope);
        middle
            .expr_as(Expr::cust(CYCLE), "cycle")
            .and_where(Expr::col(("opportunities", "closed_at")).gte(ts(from)))
            .and_where(Expr::col(("opportunities", "closed_at")).lt(ts(to)))
            .and_where(Expr::col(("opportunities", "status")).eq("won"))
            .order_by_expr(Expr::cust(CYCLE), Order::Asc);
        middle_of(&mut middle, won);
        let cycles = if won > 0 { tx.fetch_all(&middle).await? } else { Vec::new() };
        let mut created = live(scope);
        created
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .and_where(Expr::col(("opportunities", "created_at")).gte(ts(from)))
            .and_where(Expr::col(("opportunities", "created_at")).lt(ts(to)));
        let created = tx.fetch_one(&created).await?;
        tx.commit().await?;
        let mut cycles = cycles
            .iter()
            .map(|r| Ok(r.get::<i64>("cycle")? / 1_000_000))
            .collect::<Result<Vec<i64>, StoreError>>()?;
        Ok(PeriodTotals {
            closed,
            median_cycle_seconds: median(&mut cycles),
            created: count(created.get("n")?),
        })
    }

    async fn closed_totals(&self, scope: Scope, periods: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Vec<ClosedGroup>>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let out = closed_groups(&mut tx, scope, periods).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn open_totals(&self, scope: Scope) -> Result<Vec<OpenGroup>, StoreError> {
        let mut q = live(scope);
        q.columns([("opportunities", "currency"), ("opportunities", "probability")])
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .expr_as(Expr::cust(SUM_HIGH), "high")
            .expr_as(Expr::cust(SUM_LOW), "low")
            .and_where(Expr::col(("opportunities", "status")).eq("open"))
            .group_by_col(("opportunities", "currency"))
            .group_by_col(("opportunities", "probability"));
        let rows = self.pool.read_all(On::Tenant(scope.tenant_id), &q).await?;
        let mut groups = rows
            .iter()
            .map(|r| {
                Ok(OpenGroup {
                    currency: currency(r)?,
                    probability: u8::try_from(r.get::<i64>("probability")?).unwrap_or(0),
                    count: count(r.get("n")?),
                    total_minor: total(r)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        groups.sort();
        Ok(groups)
    }

    async fn funnel_totals(
        &self,
        scope: Scope,
        pipeline: PipelineId,
        stages: &[StageId],
        created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<FunnelTotals, StoreError> {
        crate::funnel::totals(self, scope, pipeline, stages, created).await
    }
}

/// The live deals of the scope.
fn live(scope: Scope) -> SelectStatement {
    let tenant = scope.tenant_id;
    let mut q = Query::select();
    q.from("opportunities")
        .and_where(Expr::col(("opportunities", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("opportunities", "deleted_at")).is_null())
        .and_where(owner_in_scope(tenant, scope.records, ("opportunities", "owner_id")));
    q
}

/// A won deal's sales cycle, microseconds.
const CYCLE: &str = "opportunities.closed_at - opportunities.created_at";

/// The live deals of the scope closed in each period, grouped by owner, outcome and
/// currency: one pass over the closings of the whole span, each row put in its period.
async fn closed_groups(tx: &mut Tx, scope: Scope, periods: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Vec<ClosedGroup>>, StoreError> {
    let mut out = vec![Vec::new(); periods.len()];
    let (Some(first), Some(last)) = (periods.iter().map(|p| p.0).min(), periods.iter().map(|p| p.1).max()) else {
        return Ok(out);
    };
    let closed_at = || Expr::col(("opportunities", "closed_at"));
    let mut bucket = Expr::case(closed_at().gte(ts(periods[0].0)).and(closed_at().lt(ts(periods[0].1))), 0i64);
    for (i, (from, to)) in periods.iter().enumerate().skip(1) {
        bucket = bucket.case(
            closed_at().gte(ts(*from)).and(closed_at().lt(ts(*to))),
            i64::try_from(i).unwrap_or(i64::MAX),
        );
    }
    let mut q = live(scope);
    q.expr_as(bucket, "bucket")
        .columns([
            ("opportunities", "owner_id"),
            ("opportunities", "status"),
            ("opportunities", "currency"),
        ])
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .expr_as(Expr::cust(SUM_HIGH), "high")
        .expr_as(Expr::cust(SUM_LOW), "low")
        .and_where(closed_at().gte(ts(first)))
        .and_where(closed_at().lt(ts(last)))
        .and_where(Expr::col(("opportunities", "status")).is_in(["won", "lost"]))
        .group_by_col("bucket")
        .group_by_col(("opportunities", "owner_id"))
        .group_by_col(("opportunities", "status"))
        .group_by_col(("opportunities", "currency"));
    for r in tx.fetch_all(&q).await? {
        let Some(list) = r
            .get::<Option<i64>>("bucket")?
            .and_then(|b| usize::try_from(b).ok())
            .and_then(|b| out.get_mut(b))
        else {
            continue;
        };
        list.push(ClosedGroup {
            owner_id: UserId::from_uuid(r.get("owner_id")?),
            won: r.get::<String>("status")? == "won",
            currency: currency(&r)?,
            count: count(r.get("n")?),
            total_minor: total(&r)?,
        });
    }
    for list in &mut out {
        list.sort();
    }
    Ok(out)
}

/// The sum of `value_minor` in two parts: SQLite's `SUM` fails past 2^63, which a
/// tenant's deals could reach (each up to `Money::MAX_MINOR`, 10^15); neither part can
/// (10^9 and 10^6 at most per deal), and they are joined exactly in `i128` ([`total`]).
const SUM_HIGH: &str = "CAST(SUM(opportunities.value_minor / 1000000) AS BIGINT)";
const SUM_LOW: &str = "CAST(SUM(opportunities.value_minor % 1000000) AS BIGINT)";

/// The total of a row's two-part sum.
fn total(r: &crate::db::Row) -> Result<i128, StoreError> {
    Ok(i128::from(r.get::<i64>("high")?) * 1_000_000 + i128::from(r.get::<i64>("low")?))
}

fn currency(r: &crate::db::Row) -> Result<Currency, StoreError> {
    let code: String = r.get("currency")?;
    Currency::parse(&code).map_err(|_| StoreError::Internal(format!("opportunities: bad currency {code}")))
}
