//! Leads: the company's disqualification reasons (a column of the tenant), the teams'
//! round-robins (a column of the team, moved by compare-and-set), and what became of the
//! leads that came in over a period.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts, valid};
use chrono::{DateTime, Utc};
use crm_domain::contact::ContactKind;
use crm_domain::event::NewEvent;
use crm_domain::lead::{LeadReason, LeadSettings, next_in_rotation};
use crm_domain::opportunity::Status;
use crm_domain::{ContactId, TeamId, TenantId, UserId};
use crm_ports::store::{LeadOutcome, LeadStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sqlx::types::Json;
use uuid::Uuid;

/// Attempts at moving a round-robin before giving up (each lost only to another mover).
const ROTATION_ATTEMPTS: usize = 20;

/// Whether the contact of the outer select (`contacts`) has an opportunity (not deleted)
/// of `status` (any when `None`), closed at or after `closed_since` when given.
pub(crate) fn has_deal(tenant: Uuid, status: Option<Status>, closed_since: Option<DateTime<Utc>>) -> Expr {
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from("opportunity_contacts")
        .inner_join(
            "opportunities",
            Expr::col(("opportunities", "tenant_id"))
                .equals(("opportunity_contacts", "tenant_id"))
                .and(Expr::col(("opportunities", "id")).equals(("opportunity_contacts", "opportunity_id"))),
        )
        .and_where(Expr::col(("opportunity_contacts", "tenant_id")).eq(tenant))
        .and_where(Expr::col(("opportunity_contacts", "contact_id")).equals(("contacts", "id")))
        .and_where(Expr::col(("opportunities", "deleted_at")).is_null());
    if let Some(s) = status {
        q.and_where(Expr::col(("opportunities", "status")).eq(s.code()));
    }
    if let Some(since) = closed_since {
        q.and_where(Expr::col(("opportunities", "closed_at")).gte(ts(since)));
    }
    Expr::exists(q.to_owned())
}

impl<C: Cipher> LeadStore for SqlStore<C> {
    async fn lead_settings(&self, tenant: TenantId) -> Result<LeadSettings, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(["lead_reasons", "former_client_after_months"])
                    .from("tenants")
                    .and_where(Expr::col("id").eq(tenant.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        let reasons = row
            .get::<Option<Json<Vec<LeadReason>>>>("lead_reasons")?
            .map_or_else(LeadReason::built_in, |Json(list)| list);
        let months = row
            .get::<Option<i64>>("former_client_after_months")?
            .map(|m| valid("former_client_after_months", u16::try_from(m)))
            .transpose()?;
        Ok(LeadSettings {
            reasons,
            former_client_after_months: months,
        })
    }

    async fn set_lead_settings(&self, tenant: TenantId, settings: &LeadSettings, event: &NewEvent) -> Result<(), StoreError> {
        let json = serde_json::to_value(&settings.reasons).map_err(|e| StoreError::Internal(format!("lead reasons: {e}")))?;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("tenants")
                    .value("lead_reasons", json)
                    .value("former_client_after_months", settings.former_client_after_months.map(i64::from))
                    .and_where(Expr::col("id").eq(tenant.as_uuid())),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn stale_clients(&self, tenant: TenantId, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<ContactId>, StoreError> {
        let t = tenant.as_uuid();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .column(("contacts", "id"))
                    .from("contacts")
                    .and_where(Expr::col(("contacts", "tenant_id")).eq(t))
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null())
                    .and_where(Expr::col(("contacts", "kind")).eq(ContactKind::Client.code()))
                    .and_where(Expr::col(("contacts", "client_since")).lt(ts(cutoff)))
                    .and_where(has_deal(t, Some(Status::Open), None).not())
                    .and_where(has_deal(t, Some(Status::Won), Some(cutoff)).not())
                    .order_by(("contacts", "client_since"), Order::Asc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get("id")?))).collect()
    }

    async fn advance_lead_rotation(&self, tenant: TenantId, team: TeamId, reps: &[UserId], turns: u32) -> Result<Vec<UserId>, StoreError> {
        for _ in 0..ROTATION_ATTEMPTS {
            let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
            let row = tx
                .fetch_one(
                    Query::select()
                        .column("lead_rotation_last")
                        .from("teams")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(team.as_uuid())),
                )
                .await?;
            let last = row.get::<Option<Uuid>>("lead_rotation_last")?.map(UserId::from_uuid);
            let mut given = Vec::with_capacity(turns as usize);
            let mut at = last;
            for _ in 0..turns {
                match next_in_rotation(reps, at) {
                    Some(next) => {
                        given.push(next);
                        at = Some(next);
                    }
                    None => break,
                }
            }
            let Some(next) = given.last().copied() else {
                tx.commit().await?;
                return Ok(given);
            };
            let unchanged = match last {
                Some(l) => Expr::col("lead_rotation_last").eq(l.as_uuid()),
                None => Expr::col("lead_rotation_last").is_null(),
            };
            let n = tx
                .execute(
                    Query::update()
                        .table("teams")
                        .value("lead_rotation_last", next.as_uuid())
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(team.as_uuid()))
                        .and_where(unchanged),
                )
                .await?;
            tx.commit().await?;
            if n == 1 {
                return Ok(given);
            }
        }
        Err(StoreError::Conflict)
    }

    async fn lead_outcomes(&self, tenant: TenantId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<LeadOutcome>, StoreError> {
        let t = tenant.as_uuid();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns([
                        ("contacts", "created_at"),
                        ("contacts", "source"),
                        ("contacts", "lead_qualified_at"),
                    ])
                    .expr_as(has_deal(t, None, None), Alias::new("with_opportunity"))
                    .expr_as(has_deal(t, Some(Status::Won), None), Alias::new("won"))
                    .from("contacts")
                    .and_where(Expr::col(("contacts", "tenant_id")).eq(t))
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null())
                    .and_where(Expr::col(("contacts", "merged_into")).is_null())
                    .and_where(Expr::col(("contacts", "lead_status")).is_not_null())
                    .and_where(Expr::col(("contacts", "created_at")).gte(ts(from)))
                    .and_where(Expr::col(("contacts", "created_at")).lt(ts(to)))
                    .order_by(("contacts", "created_at"), Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(LeadOutcome {
                    came_in: from_ts(r.get("created_at")?)?,
                    source: r.get("source")?,
                    qualified: r.get::<Option<i64>>("lead_qualified_at")?.is_some(),
                    with_opportunity: r.get("with_opportunity")?,
                    won: r.get("won")?,
                })
            })
            .collect()
    }
}
