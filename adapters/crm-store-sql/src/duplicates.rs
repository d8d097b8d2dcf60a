//! The duplicate review queue: what a scan compares (folded names, organization key,
//! blind indexes), the open groups it leaves, their dismissal, and the moves a merge makes
//! on rows keyed by contact.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::duplicates::{FoundGroup, MatchReason, ScanEntry};
use crm_domain::event::NewEvent;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::{DuplicateGroupRow, DuplicateStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sqlx::types::Json;
use std::collections::HashMap;
use uuid::Uuid;

/// Moves the rows of `table` keyed by contact `from` to contact `to`; a row that `to`
/// already has (same `other_cols`) is dropped instead.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn move_rows(
    tx: &mut Tx,
    t: TenantId,
    table: &'static str,
    contact_col: &'static str,
    other_cols: &[&'static str],
    kind_filter: Option<(&'static str, &'static str)>,
    from: Uuid,
    to: Uuid,
) -> Result<(), StoreError> {
    let mut already = Query::select();
    already
        .expr(Expr::val(1))
        .from_as(table, Alias::new("x"))
        .and_where(Expr::col(("x", "tenant_id")).equals((table, "tenant_id")))
        .and_where(Expr::col(("x", contact_col)).eq(to));
    for c in other_cols {
        already.and_where(Expr::col(("x", *c)).equals((table, *c)));
    }
    let mut del = Query::delete();
    del.from_table(table)
        .and_where(Expr::col((table, "tenant_id")).eq(t.as_uuid()))
        .and_where(Expr::col((table, contact_col)).eq(from))
        .and_where(Expr::exists(already));
    if let Some((col, val)) = kind_filter {
        del.and_where(Expr::col((table, col)).eq(val));
    }
    tx.execute(&del).await?;
    let mut upd = Query::update();
    upd.table(table)
        .value(contact_col, to)
        .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
        .and_where(Expr::col(contact_col).eq(from));
    if let Some((col, val)) = kind_filter {
        upd.and_where(Expr::col(col).eq(val));
    }
    tx.execute(&upd).await?;
    Ok(())
}

/// Closes, as merged, the open groups left with fewer than two members.
pub(crate) async fn close_settled_groups(tx: &mut Tx, t: TenantId, at: DateTime<Utc>) -> Result<(), StoreError> {
    let members = Query::select()
        .expr(Expr::col(("m", "contact_id")).count())
        .from_as("duplicate_group_members", Alias::new("m"))
        .and_where(Expr::col(("m", "tenant_id")).equals(("duplicate_groups", "tenant_id")))
        .and_where(Expr::col(("m", "group_id")).equals(("duplicate_groups", "id")))
        .to_owned();
    tx.execute(
        Query::update()
            .table("duplicate_groups")
            .values([("status", Expr::val("merged")), ("resolved_at", Expr::val(ts(at)))])
            .and_where(Expr::col(("duplicate_groups", "tenant_id")).eq(t.as_uuid()))
            .and_where(Expr::col(("duplicate_groups", "status")).eq("open"))
            .and_where(Expr::expr(Expr::SubQuery(None, Box::new(members.into()))).lt(2)),
    )
    .await?;
    Ok(())
}

fn reason_of(field: &str) -> Option<MatchReason> {
    match field {
        "email" => Some(MatchReason::SameEmail),
        "phone" => Some(MatchReason::SamePhone),
        _ => None,
    }
}

impl<C: Cipher> DuplicateStore for SqlStore<C> {
    async fn scan_entries(&self, tenant: TenantId) -> Result<Vec<ScanEntry>, StoreError> {
        let t = tenant.as_uuid();
        let contacts = Query::select()
            .columns([("c", "id"), ("c", "first_fold"), ("c", "last_fold"), ("c", "organization_id")])
            .expr_as(Expr::col(("o", "domain")), Alias::new("org_domain"))
            .from_as("contacts", Alias::new("c"))
            .left_join(
                sea_query::IntoTableRef::into_table_ref("organizations").alias("o"),
                Expr::col(("o", "tenant_id"))
                    .equals(("c", "tenant_id"))
                    .and(Expr::col(("o", "id")).equals(("c", "organization_id")))
                    .and(Expr::col(("o", "deleted_at")).is_null()),
            )
            .and_where(Expr::col(("c", "tenant_id")).eq(t))
            .and_where(Expr::col(("c", "deleted_at")).is_null())
            .order_by(("c", "id"), Order::Asc)
            .to_owned();
        let lookups = Query::select()
            .columns([("l", "contact_id"), ("l", "field"), ("l", "hash")])
            .from_as("contact_lookups", Alias::new("l"))
            .inner_join(
                sea_query::IntoTableRef::into_table_ref("contacts").alias("c"),
                Expr::col(("c", "tenant_id"))
                    .equals(("l", "tenant_id"))
                    .and(Expr::col(("c", "id")).equals(("l", "contact_id")))
                    .and(Expr::col(("c", "deleted_at")).is_null()),
            )
            .and_where(Expr::col(("l", "tenant_id")).eq(t))
            .to_owned();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&contacts).await?;
        let hash_rows = tx.fetch_all(&lookups).await?;
        tx.commit().await?;
        let mut hashes: HashMap<Uuid, Vec<(MatchReason, Vec<u8>)>> = HashMap::new();
        for r in &hash_rows {
            let field: String = r.get("field")?;
            if let Some(reason) = reason_of(&field) {
                hashes.entry(r.get("contact_id")?).or_default().push((reason, r.get("hash")?));
            }
        }
        rows.iter()
            .map(|r| {
                let id: Uuid = r.get("id")?;
                Ok(ScanEntry {
                    id,
                    first_name: r.get("first_fold")?,
                    last_name: r.get("last_fold")?,
                    organization_id: r.get("organization_id")?,
                    organization_domain: r.get("org_domain")?,
                    hashes: hashes.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn replace_duplicate_groups(
        &self,
        tenant: TenantId,
        found: &[(Uuid, FoundGroup)],
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<u64, StoreError> {
        let t = tenant.as_uuid();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let open = Query::select()
            .column("id")
            .from("duplicate_groups")
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        tx.execute(
            Query::delete()
                .from_table("duplicate_group_members")
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("group_id").in_subquery(open)),
        )
        .await?;
        tx.execute(
            Query::delete()
                .from_table("duplicate_groups")
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("status").eq("open")),
        )
        .await?;
        let dismissed: std::collections::HashSet<String> = tx
            .fetch_all(
                Query::select()
                    .column("member_key")
                    .from("duplicate_groups")
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("status").eq("dismissed")),
            )
            .await?
            .iter()
            .map(|r| r.get::<String>("member_key"))
            .collect::<Result<_, _>>()?;
        let mut kept = 0;
        for (id, g) in found {
            if dismissed.contains(&g.key()) {
                continue;
            }
            let reasons: Vec<&str> = g.reasons.iter().map(|r| r.code()).collect();
            tx.execute(
                Query::insert()
                    .into_table("duplicate_groups")
                    .columns(["tenant_id", "id", "member_key", "reasons", "status", "created_at"])
                    .values_panic([
                        t.into(),
                        (*id).into(),
                        g.key().into(),
                        serde_json::json!(reasons).into(),
                        "open".into(),
                        ts(at).into(),
                    ]),
            )
            .await?;
            for chunk in g.members.chunks(500) {
                let mut q = Query::insert();
                q.into_table("duplicate_group_members")
                    .columns(["tenant_id", "group_id", "contact_id"]);
                for m in chunk {
                    q.values([t.into(), (*id).into(), (*m).into()])
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                }
                tx.execute(&q).await?;
            }
            kept += 1;
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await?;
        Ok(kept)
    }

    async fn open_duplicate_groups(&self, tenant: TenantId, limit: u32) -> Result<Vec<DuplicateGroupRow>, StoreError> {
        let t = tenant.as_uuid();
        let groups = Query::select()
            .columns(["id", "reasons", "created_at"])
            .from("duplicate_groups")
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("status").eq("open"))
            .order_by("created_at", Order::Asc)
            .order_by("id", Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&groups).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get::<Uuid>("id")).collect::<Result<_, _>>()?;
        let mut members: HashMap<Uuid, Vec<ContactId>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let q = Query::select()
                .columns([("m", "group_id"), ("m", "contact_id")])
                .from_as("duplicate_group_members", Alias::new("m"))
                .inner_join(
                    sea_query::IntoTableRef::into_table_ref("contacts").alias("c"),
                    Expr::col(("c", "tenant_id"))
                        .equals(("m", "tenant_id"))
                        .and(Expr::col(("c", "id")).equals(("m", "contact_id")))
                        .and(Expr::col(("c", "deleted_at")).is_null()),
                )
                .and_where(Expr::col(("m", "tenant_id")).eq(t))
                .and_where(Expr::col(("m", "group_id")).is_in(chunk.iter().copied()))
                .order_by(("m", "contact_id"), Order::Asc)
                .to_owned();
            for r in tx.fetch_all(&q).await? {
                members
                    .entry(r.get("group_id")?)
                    .or_default()
                    .push(ContactId::from_uuid(r.get("contact_id")?));
            }
        }
        tx.commit().await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: Uuid = r.get("id")?;
            let m = members.remove(&id).unwrap_or_default();
            if m.len() < 2 {
                continue;
            }
            let Json(reasons): Json<Vec<String>> = r.get("reasons")?;
            out.push(DuplicateGroupRow {
                id,
                members: m,
                reasons: reasons.iter().filter_map(|c| MatchReason::parse(c)).collect(),
                created_at: from_ts(r.get("created_at")?)?,
            });
        }
        Ok(out)
    }

    async fn dismiss_duplicate_group(
        &self,
        tenant: TenantId,
        id: Uuid,
        by: Option<UserId>,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("duplicate_groups")
                    .values([
                        ("status", Expr::val("dismissed")),
                        ("resolved_at", Expr::val(ts(at))),
                        ("resolved_by", Expr::val(by.map(|u| u.as_uuid()))),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("status").eq("open")),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }
}
