//! The suppression list: one row a value, its keyed hash (the contacts' blind index of
//! the same channel) in place of the value.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts};
use crm_domain::event::NewEvent;
use crm_domain::suppression::{Channel, Suppression, SuppressionReason};
use crm_domain::text::Label;
use crm_domain::{TenantId, UserId};
use crm_ports::store::SuppressionStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use std::collections::HashSet;
use uuid::Uuid;

/// Hexadecimal characters of the hash shown as an entry's fingerprint.
const FINGERPRINT: usize = 12;

fn entry_from_row(tenant: TenantId, r: &Row) -> Result<Suppression, StoreError> {
    let bad = |what: &str| StoreError::Internal(format!("suppressions: bad {what}"));
    let hash: Vec<u8> = r.get("hash")?;
    Ok(Suppression {
        id: r.get("id")?,
        tenant_id: tenant,
        channel: Channel::parse(&r.get::<String>("channel")?).ok_or_else(|| bad("channel"))?,
        reason: SuppressionReason::parse(&r.get::<String>("reason")?).ok_or_else(|| bad("reason"))?,
        note: Label::parse_optional(r.get::<Option<String>>("note")?.as_deref()).map_err(|_| bad("note"))?,
        fingerprint: hash
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .chars()
            .take(FINGERPRINT)
            .collect(),
        created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        created_at: from_ts(r.get("created_at")?)?,
    })
}

impl<C: Cipher> SuppressionStore for SqlStore<C> {
    async fn add_suppression(&self, entry: &Suppression, value: &str, event: &NewEvent) -> Result<(), StoreError> {
        let t = entry.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(t), Mode::Write).await?;
        let insert = Query::insert()
            .into_table("suppressions")
            .columns(["tenant_id", "id", "channel", "hash", "reason", "note", "created_by", "created_at"])
            .values([
                t.as_uuid().into(),
                entry.id.into(),
                entry.channel.code().into(),
                self.blind(t, entry.channel.code(), value).into(),
                entry.reason.code().into(),
                entry.note.as_ref().map(|n| n.as_str().to_owned()).into(),
                entry.created_by.map(|u| u.as_uuid()).into(),
                ts(entry.created_at).into(),
            ])
            .map_err(|e| StoreError::Internal(e.to_string()))?
            .to_owned();
        match tx.execute(&insert).await {
            Err(StoreError::Duplicate { .. }) => {
                return Err(StoreError::Duplicate {
                    field: entry.channel.code(),
                });
            }
            other => other?,
        };
        self.finish(tx, t, std::slice::from_ref(event)).await
    }

    async fn suppressions(&self, tenant: TenantId, value: Option<(Channel, &str)>, limit: u32) -> Result<Vec<Suppression>, StoreError> {
        let mut q = Query::select();
        q.from("suppressions")
            .columns(["id", "channel", "hash", "reason", "note", "created_by", "created_at"])
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit.clamp(1, 1_000)));
        if let Some((channel, v)) = value {
            q.and_where(Expr::col("channel").eq(channel.code()))
                .and_where(Expr::col("hash").eq(self.blind(tenant, channel.code(), v)));
        }
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(|r| entry_from_row(tenant, r)).collect()
    }

    async fn remove_suppression(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let gone = tx
            .execute(
                Query::delete()
                    .from_table("suppressions")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn suppressed(&self, tenant: TenantId, values: &[(Channel, &str)]) -> Result<Vec<bool>, StoreError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let hashes: Vec<Vec<u8>> = values.iter().map(|(c, v)| self.blind(tenant, c.code(), v)).collect();
        let mut found: HashSet<(String, Vec<u8>)> = HashSet::new();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        for channel in [Channel::Email, Channel::Phone] {
            // By channel and hash: the list's key, so each is one seek.
            let of_channel: Vec<Vec<u8>> = values
                .iter()
                .zip(&hashes)
                .filter(|((c, _), _)| *c == channel)
                .map(|(_, h)| h.clone())
                .collect();
            let q = Query::select()
                .columns([("suppressions", "channel"), ("suppressions", "hash")])
                .from("suppressions")
                .and_where(Expr::col(("suppressions", "tenant_id")).eq(tenant.as_uuid()))
                .and_where(Expr::col(("suppressions", "channel")).eq(channel.code()))
                .to_owned();
            for r in tx.fetch_matching(&q, ("suppressions", "hash"), &of_channel).await? {
                found.insert((r.get("channel")?, r.get("hash")?));
            }
        }
        tx.commit().await?;
        Ok(values
            .iter()
            .zip(hashes)
            .map(|((c, _), h)| found.contains(&(c.code().to_owned(), h)))
            .collect())
    }
}
