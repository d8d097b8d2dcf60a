//! The access log: who opened or exported whose personal data. Rows come in batches (the
//! writer off the request path); each company's in one multi-row insert.

use crate::SqlStore;
use crate::db::{Backend, Mode, On};
use crate::rows::{from_ts, ts};
use crm_domain::access_log::{AccessEntry, AccessKind};
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

const COLUMNS: [&str; 8] = ["tenant_id", "id", "at", "user_id", "kind", "contact_id", "count", "contacts"];

/// The ids of a list's people, 16 bytes each, one after the other.
fn packed(ids: &[ContactId]) -> Option<Vec<u8>> {
    (!ids.is_empty()).then(|| ids.iter().flat_map(|c| *c.as_uuid().as_bytes()).collect())
}

fn unpacked(bytes: Option<Vec<u8>>) -> Vec<ContactId> {
    bytes
        .unwrap_or_default()
        .chunks_exact(16)
        .filter_map(|b| Uuid::from_slice(b).ok().map(ContactId::from_uuid))
        .collect()
}

/// Rows written per statement (well under both backends' limits on bound values).
const PER_STATEMENT: usize = 500;

/// See [`crm_ports::store::PrivacyStore::record_accesses`].
pub(crate) async fn record<C: Cipher>(store: &SqlStore<C>, entries: &[AccessEntry]) -> Result<(), StoreError> {
    let mut tenants: Vec<TenantId> = entries.iter().map(|e| e.tenant_id).collect();
    tenants.sort_by_key(|t| t.as_uuid());
    tenants.dedup();
    for tenant in tenants {
        let mine: Vec<&AccessEntry> = entries.iter().filter(|e| e.tenant_id == tenant).collect();
        let mut tx = store.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        for chunk in mine.chunks(PER_STATEMENT) {
            let mut q = Query::insert();
            q.into_table("access_log").columns(COLUMNS);
            for e in chunk {
                q.values([
                    e.tenant_id.as_uuid().into(),
                    e.id.into(),
                    ts(e.at).into(),
                    e.user_id.as_uuid().into(),
                    e.kind.code().into(),
                    e.contact_id.map(|c| c.as_uuid()).into(),
                    i64::from(e.count).into(),
                    packed(&e.listed).into(),
                ])
                .map_err(|e| StoreError::Internal(format!("access_log: {e}")))?;
            }
            tx.execute(&q).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A page of the company's accesses, newest first: to one contact or by one user when
/// given, after the access `after` (its time and id); at most `limit`. Read backwards along
/// `access_log_by_time`, or `access_log_by_user` for one user: no sort (migration 0050).
pub(crate) fn page(
    backend: Backend,
    tenant: TenantId,
    contact: Option<ContactId>,
    user: Option<UserId>,
    after: Option<(i64, Uuid)>,
    limit: u32,
) -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from("access_log")
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .order_by("at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(u64::from(limit));
    if let Some(c) = contact {
        // Their record, or a list that showed them (its ids packed: a byte search, checked
        // on 16-byte boundaries by the reader).
        let id = c.as_uuid().as_bytes().to_vec();
        let in_list = match backend {
            Backend::Sqlite => Expr::cust_with_values("instr(contacts, ?) > 0", [id]),
            Backend::Postgres => Expr::cust_with_values("position($1 in contacts) > 0", [id]),
        };
        q.and_where(
            Expr::col("contact_id")
                .eq(c.as_uuid())
                .or(Expr::col("kind").eq(AccessKind::Listed.code()).and(in_list)),
        );
    }
    if let Some(u) = user {
        q.and_where(Expr::col("user_id").eq(u.as_uuid()));
    }
    if let Some((at, id)) = after {
        // `at <= a AND (at < a OR id < b)`: the first half bounds the index range (see
        // `paging::apply`).
        q.and_where(Expr::col("at").lte(at).and(Expr::col("at").lt(at).or(Expr::col("id").lt(id))));
    }
    q
}

/// See [`crm_ports::store::PrivacyStore::access_log`].
pub(crate) async fn read<C: Cipher>(
    store: &SqlStore<C>,
    tenant: TenantId,
    contact: Option<ContactId>,
    user: Option<UserId>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<AccessEntry>, StoreError> {
    let mut tx = store.pool.begin(On::Tenant(tenant), Mode::Read).await?;
    let after = match before {
        None => None,
        Some(b) => {
            // After the cursor in (at, id) order: several accesses may share an instant.
            let Some(row) = tx
                .fetch_optional(
                    Query::select()
                        .column("at")
                        .from("access_log")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(b)),
                )
                .await?
            else {
                tx.commit().await?;
                return Ok(Vec::new());
            };
            Some((row.get::<i64>("at")?, b))
        }
    };
    let q = page(store.pool.backend(), tenant, contact, user, after, limit);
    let rows = tx.fetch_all(&q).await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.get("kind")?;
            Ok(AccessEntry {
                id: r.get("id")?,
                tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
                at: from_ts(r.get("at")?)?,
                user_id: UserId::from_uuid(r.get("user_id")?),
                kind: AccessKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("access_log: bad kind {kind}")))?,
                contact_id: r.get::<Option<Uuid>>("contact_id")?.map(ContactId::from_uuid),
                count: u32::try_from(r.get::<i64>("count")?).unwrap_or(u32::MAX),
                listed: unpacked(r.get::<Option<Vec<u8>>>("contacts")?),
            })
        })
        .filter(|e: &Result<AccessEntry, StoreError>| match (e, contact) {
            (Ok(e), Some(c)) => e.contact_id == Some(c) || e.listed.contains(&c),
            _ => true,
        })
        .collect()
}
