//! Reports: the live deals of a scope as lean facts — a projection of the opportunity rows
//! (no title, no contact), filtered by the owner's visibility in SQL.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::from_ts;
use crate::rows::ts;
use crate::scope::owner_in_scope;
use chrono::{DateTime, Utc};
use crm_domain::PipelineId;
use crm_domain::money::Currency;
use crm_domain::opportunity::StageChange;
use crm_domain::report::{DealFact, DealState};
use crm_ports::query::Scope;
use crm_ports::store::{ActivityFacts, FunnelFact, ReportStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::types::Json;

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
                    .column(("activities", "kind"))
                    .expr_as(within(s0, e0), "done_now")
                    .expr_as(within(s1, e1), "done_before")
                    .expr_as(overdue(now), "overdue_now")
                    .expr_as(overdue(Ord::min(e1, now)), "overdue_before")
                    .from("activities")
                    .and_where(Expr::col(("activities", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("activities", "deleted_at")).is_null())
                    .and_where(owner_in_scope(tenant, scope.records, ("activities", "assignee_id")))
                    .group_by_col(("activities", "kind")),
            )
            .await?;
        let leads = |s: i64, e: i64| {
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN created_at >= {s} AND created_at < {e} THEN 1 ELSE 0 END), 0)"
            ))
        };
        let row = tx
            .fetch_one(
                Query::select()
                    .expr_as(leads(s0, e0), "leads_now")
                    .expr_as(leads(s1, e1), "leads_before")
                    .from("contacts")
                    .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null())
                    .and_where(Expr::col(("contacts", "kind")).eq("prospect"))
                    .and_where(owner_in_scope(tenant, scope.records, ("contacts", "owner_id"))),
            )
            .await?;
        tx.commit().await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut facts = ActivityFacts {
            new_leads: [n(row.get("leads_now")?), n(row.get("leads_before")?)],
            ..ActivityFacts::default()
        };
        for r in &rows {
            facts.overdue_tasks[0] += n(r.get("overdue_now")?);
            facts.overdue_tasks[1] += n(r.get("overdue_before")?);
            let done = [n(r.get("done_now")?), n(r.get("done_before")?)];
            if done != [0, 0] {
                facts.done.push((r.get("kind")?, done));
            }
        }
        facts.done.sort();
        Ok(facts)
    }

    async fn deal_facts(&self, scope: Scope) -> Result<Vec<DealFact>, StoreError> {
        let tenant = scope.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns([
                        ("opportunities", "status"),
                        ("opportunities", "value_minor"),
                        ("opportunities", "currency"),
                        ("opportunities", "probability"),
                        ("opportunities", "created_at"),
                        ("opportunities", "closed_at"),
                        ("opportunities", "owner_id"),
                    ])
                    .from("opportunities")
                    .and_where(Expr::col(("opportunities", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("opportunities", "deleted_at")).is_null())
                    .and_where(owner_in_scope(tenant, scope.records, ("opportunities", "owner_id"))),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let state = match r.get::<String>("status")?.as_str() {
                    "won" => DealState::Won,
                    "lost" => DealState::Lost,
                    _ => DealState::Open,
                };
                let currency: String = r.get("currency")?;
                Ok(DealFact {
                    state,
                    value_minor: r.get("value_minor")?,
                    currency: Currency::parse(&currency)
                        .map_err(|_| StoreError::Internal(format!("opportunities: bad currency {currency}")))?,
                    probability: u8::try_from(r.get::<i64>("probability")?).unwrap_or(0),
                    created_at: from_ts(r.get("created_at")?)?,
                    closed_at: r.get::<Option<i64>>("closed_at")?.map(from_ts).transpose()?,
                    owner_id: crm_domain::UserId::from_uuid(r.get("owner_id")?),
                })
            })
            .collect()
    }

    async fn funnel_facts(
        &self,
        scope: Scope,
        pipeline: PipelineId,
        created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<FunnelFact>, StoreError> {
        let tenant = scope.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let mut q = Query::select();
        q.columns([
            ("opportunities", "status"),
            ("opportunities", "closed_at"),
            ("opportunities", "stage_history"),
        ])
        .from("opportunities")
        .and_where(Expr::col(("opportunities", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("opportunities", "pipeline_id")).eq(pipeline.as_uuid()))
        .and_where(Expr::col(("opportunities", "deleted_at")).is_null())
        .and_where(owner_in_scope(tenant, scope.records, ("opportunities", "owner_id")));
        if let Some((from, to)) = created {
            q.and_where(Expr::col(("opportunities", "created_at")).gte(ts(from)))
                .and_where(Expr::col(("opportunities", "created_at")).lt(ts(to)));
        }
        let rows = tx.fetch_all(&q).await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let Json(history): Json<Vec<StageChange>> = r.get("stage_history")?;
                Ok(FunnelFact {
                    history,
                    won: r.get::<String>("status")? == "won",
                    closed_at: r.get::<Option<i64>>("closed_at")?.map(from_ts).transpose()?,
                })
            })
            .collect()
    }
}
