//! Teams' submitted forecasts: one row per submission, its lines kept as JSON exactly as
//! submitted.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts};
use crm_domain::event::NewEvent;
use crm_domain::report::submission::{Submission, SubmissionLine};
use crm_domain::report::{PeriodKind, ReportPeriod};
use crm_domain::{SubmissionId, TeamId, TenantId, UserId};
use crm_ports::store::{ForecastStore, MAX_SUBMISSIONS, SubmissionFilter};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

const COLUMNS: [&str; 10] = [
    "id",
    "tenant_id",
    "team_id",
    "period_kind",
    "period_first",
    "period_last",
    "submitted_by",
    "submitted_at",
    "comment",
    "lines",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("forecast_submissions: bad {what}"))
}

fn read(r: &crate::db::Row) -> Result<Submission, StoreError> {
    let kind = PeriodKind::parse(&r.get::<String>("period_kind")?).ok_or_else(|| bad("period_kind"))?;
    let lines: Vec<SubmissionLine> = serde_json::from_str(&r.get::<String>("lines")?).map_err(|_| bad("lines"))?;
    Ok(Submission {
        id: SubmissionId::from_uuid(r.get("id")?),
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        team_id: TeamId::from_uuid(r.get("team_id")?),
        period: ReportPeriod {
            kind,
            first: r.get("period_first")?,
            last: r.get("period_last")?,
        },
        submitted_by: UserId::from_uuid(r.get("submitted_by")?),
        submitted_at: from_ts(r.get("submitted_at")?)?,
        comment: r.get("comment")?,
        lines,
    })
}

fn select(tenant: TenantId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("forecast_submissions")
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .to_owned()
}

impl<C: Cipher> ForecastStore for SqlStore<C> {
    async fn submit_forecast(&self, s: &Submission, event: &NewEvent) -> Result<(), StoreError> {
        let lines = serde_json::to_string(&s.lines).map_err(|e| StoreError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin(On::Tenant(s.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("forecast_submissions")
                .columns(COLUMNS)
                .values([
                    s.id.as_uuid().into(),
                    s.tenant_id.as_uuid().into(),
                    s.team_id.as_uuid().into(),
                    s.period.kind.code().into(),
                    s.period.first.into(),
                    s.period.last.into(),
                    s.submitted_by.as_uuid().into(),
                    ts(s.submitted_at).into(),
                    s.comment.clone().into(),
                    lines.into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        self.finish(tx, s.tenant_id, std::slice::from_ref(event)).await
    }

    async fn forecast_submission(&self, tenant: TenantId, id: SubmissionId) -> Result<Submission, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(select(tenant).and_where(Expr::col("id").eq(id.as_uuid())))
            .await?;
        tx.commit().await?;
        row.as_ref().map(read).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn forecast_submissions(&self, tenant: TenantId, f: &SubmissionFilter) -> Result<Vec<Submission>, StoreError> {
        let mut q = select(tenant);
        if let Some(teams) = &f.team_ids {
            if teams.is_empty() {
                return Ok(Vec::new());
            }
            q.and_where(Expr::col("team_id").is_in(teams.iter().map(|t| t.as_uuid())));
        }
        if let Some(kind) = f.kind {
            q.and_where(Expr::col("period_kind").eq(kind.code()));
        }
        if let Some(d) = f.first_from {
            q.and_where(Expr::col("period_first").gte(d));
        }
        if let Some(d) = f.first_to {
            q.and_where(Expr::col("period_first").lte(d));
        }
        q.order_by("submitted_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(MAX_SUBMISSIONS);
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(read).collect()
    }
}
