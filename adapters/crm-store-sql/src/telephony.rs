//! Telephony: contacts by phone through the blind index, and unmatched calls (numbers
//! sealed).

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts};
use crm_domain::event::NewEvent;
use crm_domain::phone::PhoneNumber;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::{TelephonyStore, UnmatchedCall};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, IntoTableRef, Order, Query};
use uuid::Uuid;

impl<C: Cipher> TelephonyStore for SqlStore<C> {
    async fn contacts_by_phone(&self, tenant: TenantId, phone: &PhoneNumber) -> Result<Vec<(ContactId, UserId)>, StoreError> {
        self.contacts_by_lookup(tenant, "phone", phone.as_str()).await
    }

    async fn add_unmatched_call(&self, tenant: TenantId, call: &UnmatchedCall, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("unmatched_calls")
                .columns([
                    "tenant_id",
                    "id",
                    "caller_ct",
                    "callee_ct",
                    "started_at",
                    "duration_seconds",
                    "direction",
                    "recording_url",
                    "created_at",
                ])
                .values([
                    tenant.as_uuid().into(),
                    call.id.into(),
                    self.seal(tenant, "unmatched_calls", "caller", call.id, call.caller.as_str())?
                        .into(),
                    self.seal(tenant, "unmatched_calls", "callee", call.id, call.callee.as_str())?
                        .into(),
                    ts(call.started_at).into(),
                    call.duration_seconds.into(),
                    call.direction.clone().into(),
                    call.recording_url.clone().into(),
                    ts(call.created_at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn unmatched_calls(&self, tenant: TenantId, limit: u32) -> Result<Vec<UnmatchedCall>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns([
                        "id",
                        "caller_ct",
                        "callee_ct",
                        "started_at",
                        "duration_seconds",
                        "direction",
                        "recording_url",
                        "created_at",
                    ])
                    .from("unmatched_calls")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Desc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id: Uuid = r.get("id")?;
                Ok(UnmatchedCall {
                    id,
                    caller: self.open(tenant, "unmatched_calls", "caller", id, &r.get::<Vec<u8>>("caller_ct")?)?,
                    callee: self.open(tenant, "unmatched_calls", "callee", id, &r.get::<Vec<u8>>("callee_ct")?)?,
                    started_at: from_ts(r.get("started_at")?)?,
                    duration_seconds: r.get("duration_seconds")?,
                    direction: r.get("direction")?,
                    recording_url: r.get("recording_url")?,
                    created_at: from_ts(r.get("created_at")?)?,
                })
            })
            .collect()
    }
}

impl<C: Cipher> SqlStore<C> {
    /// Live contacts of the whole tenant whose blind index of `field` (`email`, `phone`)
    /// holds `value` (its normal form), with their owners, the last changed first.
    pub(crate) async fn contacts_by_lookup(
        &self,
        tenant: TenantId,
        field: &'static str,
        value: &str,
    ) -> Result<Vec<(ContactId, UserId)>, StoreError> {
        let h = self.blind(tenant, field, value);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns([("c", "id"), ("c", "owner_id")])
                    .from_as("contact_lookups", "l")
                    .inner_join(
                        "contacts".into_table_ref().alias("c"),
                        Expr::col(("c", "tenant_id"))
                            .equals(("l", "tenant_id"))
                            .and(Expr::col(("c", "id")).equals(("l", "contact_id"))),
                    )
                    .and_where(Expr::col(("l", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("l", "field")).eq(field))
                    .and_where(Expr::col(("l", "hash")).eq(h))
                    .and_where(Expr::col(("c", "deleted_at")).is_null())
                    .order_by(("c", "updated_at"), Order::Desc),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| Ok((ContactId::from_uuid(r.get("id")?), UserId::from_uuid(r.get("owner_id")?))))
            .collect()
    }
}
