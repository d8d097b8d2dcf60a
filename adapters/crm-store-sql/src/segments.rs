//! Segments: rows of `segments` (a dynamic segment keeps its rule as JSON) and members of
//! static ones in `segment_members`; a segment's contacts are listed and counted through
//! the contact filter of `contact_sql.rs`, which turns its rule into SQL.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, insert_row, ts, update_row, valid};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::segment::{Definition, Rule, Segment};
use crm_domain::text::{Name, fold};
use crm_domain::{ContactId, SegmentId, TenantId, UserId};
use crm_ports::query::{ContactFilter, Scope};
use crm_ports::store::SegmentStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use sqlx::types::Json;
use uuid::Uuid;

const COLUMNS: [&str; 10] = [
    "id",
    "tenant_id",
    "name",
    "kind",
    "rule",
    "created_by",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
];

fn segment_from_row(row: &Row) -> Result<Segment, StoreError> {
    let kind: String = row.get("kind")?;
    let rule: Option<Json<serde_json::Value>> = row.get("rule")?;
    let definition = match (kind.as_str(), rule) {
        ("dynamic", Some(Json(r))) => Definition::Dynamic(valid("rule", Rule::parse(&r, "rule"))?),
        ("static", None) => Definition::Static,
        _ => return Err(StoreError::Internal(format!("segment of kind {kind} with a wrong rule"))),
    };
    Ok(Segment {
        id: SegmentId::from_uuid(row.get("id")?),
        tenant_id: TenantId::from_uuid(row.get("tenant_id")?),
        name: valid("name", Name::parse(&row.get::<String>("name")?))?,
        definition,
        created_by: row.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

fn values(s: &Segment) -> Vec<(&'static str, sea_query::Value)> {
    let rule = match &s.definition {
        Definition::Dynamic(r) => Some(r.to_json()),
        Definition::Static => None,
    };
    vec![
        ("name", s.name.as_str().into()),
        ("name_sort", fold(s.name.as_str()).into()),
        ("kind", s.definition.code().into()),
        ("rule", rule.into()),
    ]
}

fn select_segments(t: TenantId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("segments")
        .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
        .and_where(Expr::col("deleted_at").is_null())
        .to_owned()
}

impl<C: Cipher> SegmentStore for SqlStore<C> {
    async fn create_segment(&self, s: &Segment, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(s.tenant_id), Mode::Write).await?;
        let mut fields = values(s);
        fields.push(("created_by", s.created_by.map(|u| u.as_uuid()).into()));
        insert_row(
            &mut tx,
            "segments",
            s.tenant_id,
            s.id.as_uuid(),
            fields,
            s.version,
            s.created_at,
            s.updated_at,
        )
        .await?;
        self.finish(tx, s.tenant_id, std::slice::from_ref(event)).await
    }

    async fn segment(&self, tenant: TenantId, id: SegmentId) -> Result<Segment, StoreError> {
        let mut q = select_segments(tenant);
        q.and_where(Expr::col("id").eq(id.as_uuid()));
        let row = self.pool.read_one(On::Tenant(tenant), &q).await?;
        segment_from_row(&row)
    }

    async fn list_segments(&self, tenant: TenantId) -> Result<Vec<Segment>, StoreError> {
        let mut q = select_segments(tenant);
        q.order_by("name_sort", Order::Asc).order_by("id", Order::Asc);
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(segment_from_row).collect()
    }

    async fn update_segment(&self, s: &Segment, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(s.tenant_id), Mode::Write).await?;
        update_row(
            &mut tx,
            "segments",
            s.tenant_id,
            s.id.as_uuid(),
            expected_version,
            values(s),
            s.updated_at,
        )
        .await?;
        self.finish(tx, s.tenant_id, std::slice::from_ref(event)).await
    }

    async fn add_members(
        &self,
        tenant: TenantId,
        segment: SegmentId,
        contacts: &[ContactId],
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<u64, StoreError> {
        if contacts.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut added = 0;
        for chunk in contacts.chunks(500) {
            let mut q = Query::insert();
            q.into_table("segment_members")
                .columns(["tenant_id", "segment_id", "contact_id", "added_at"])
                .on_conflict(
                    OnConflict::columns(["tenant_id", "segment_id", "contact_id"])
                        .do_nothing()
                        .to_owned(),
                );
            for c in chunk {
                q.values([tenant.as_uuid().into(), segment.as_uuid().into(), c.as_uuid().into(), ts(at).into()])
                    .map_err(|e| StoreError::Internal(e.to_string()))?;
            }
            added += tx.execute(&q).await?;
        }
        if added == 0 {
            tx.commit().await?;
            return Ok(0);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await?;
        Ok(added)
    }

    async fn remove_members(
        &self,
        tenant: TenantId,
        segment: SegmentId,
        contacts: &[ContactId],
        event: &NewEvent,
    ) -> Result<u64, StoreError> {
        if contacts.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut removed = 0;
        for chunk in contacts.chunks(500) {
            removed += tx
                .execute(
                    Query::delete()
                        .from_table("segment_members")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("segment_id").eq(segment.as_uuid()))
                        .and_where(Expr::col("contact_id").is_in(chunk.iter().map(|c| c.as_uuid()))),
                )
                .await?;
        }
        if removed == 0 {
            tx.commit().await?;
            return Ok(0);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await?;
        Ok(removed)
    }

    async fn count_contacts(&self, scope: Scope, filter: &ContactFilter) -> Result<u64, StoreError> {
        let row = self.pool.read_one(On::Tenant(scope.tenant_id), &count_query(scope, filter)).await?;
        let n: i64 = row.get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn matching_contact_ids(&self, scope: Scope, filter: &ContactFilter, limit: u32) -> Result<Vec<ContactId>, StoreError> {
        let mut q = matching_contacts(scope, filter);
        q.column(("contacts", "id")).limit(u64::from(limit));
        let rows = self.pool.read_all(On::Tenant(scope.tenant_id), &q).await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get("id")?))).collect()
    }
}

/// The live contacts in `scope` matching `filter`, nothing selected yet.
fn matching_contacts(scope: Scope, filter: &ContactFilter) -> SelectStatement {
    let mut q = Query::select();
    q.from("contacts")
        .and_where(Expr::col(("contacts", "tenant_id")).eq(scope.tenant_id.as_uuid()))
        .and_where(Expr::col(("contacts", "deleted_at")).is_null());
    crate::contact_sql::filter_contacts(&mut q, scope, filter);
    q
}

/// The number of contacts in `scope` matching `filter`, as `n`. `COUNT(*)`, not of a
/// column: the count can then be read from an index holding the filter's columns alone
/// (`contacts_new` for a kind and an owner), without visiting each contact's row.
pub(crate) fn count_query(scope: Scope, filter: &ContactFilter) -> SelectStatement {
    let mut q = matching_contacts(scope, filter);
    q.expr_as(Expr::cust("COUNT(*)"), "n");
    q
}
