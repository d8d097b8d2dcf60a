//! Segments: rows of `segments` (a dynamic segment keeps its rule as JSON), members of
//! static ones in `segment_members`, and the translation of a rule into SQL — every
//! condition a plain comparison on `contacts` or a sub-select (tags, activities,
//! organizations, members), so that one statement lists or counts a segment on both
//! backends.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, insert_row, ts, update_row, valid};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::segment::{Definition, Op, Operand, Rule, Segment, SegmentField};
use crm_domain::text::{Name, fold};
use crm_domain::{ContactId, SegmentId, TenantId, UserId};
use crm_ports::query::{ContactFilter, Scope, SegmentMembership};
use crm_ports::store::SegmentStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Cond, Condition, Expr, ExprTrait, Func, LikeExpr, OnConflict, Order, Query, SelectStatement};
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

/// Contacts carrying (or not) a tag.
pub(crate) fn tagged(t: TenantId, tag: &str, has: bool) -> Expr {
    let sub = Query::select()
        .column("contact_id")
        .from("contact_tags")
        .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
        .and_where(Expr::col("tag").eq(tag))
        .to_owned();
    if has {
        Expr::col(("contacts", "id")).in_subquery(sub)
    } else {
        Expr::col(("contacts", "id")).not_in_subquery(sub)
    }
}

/// Contacts in a segment: listed in a static one, or matching a rule.
pub(crate) fn membership(t: TenantId, m: &SegmentMembership) -> Condition {
    match m {
        SegmentMembership::Members(s) => {
            let sub = Query::select()
                .column("contact_id")
                .from("segment_members")
                .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
                .and_where(Expr::col("segment_id").eq(s.as_uuid()))
                .to_owned();
            Cond::all().add(Expr::col(("contacts", "id")).in_subquery(sub))
        }
        SegmentMembership::Rule { rule, now } => rule_condition(t, rule, *now),
    }
}

fn rule_condition(t: TenantId, rule: &Rule, now: DateTime<Utc>) -> Condition {
    match rule {
        Rule::All(rules) => rules.iter().fold(Cond::all(), |c, r| c.add(rule_condition(t, r, now))),
        Rule::Any(rules) => {
            if rules.is_empty() {
                // An empty `any` holds for nobody.
                Cond::all().add(Expr::val(1).eq(0))
            } else {
                rules.iter().fold(Cond::any(), |c, r| c.add(rule_condition(t, r, now)))
            }
        }
        Rule::Not(r) => rule_condition(t, r, now).not(),
        Rule::Condition(c) => Cond::all().add(leaf(t, c.field, c.op, &c.value, now)),
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn texts(v: &Operand) -> Vec<String> {
    match v {
        Operand::Texts(t) => t.clone(),
        _ => Vec::new(),
    }
}

fn first_text(v: &Operand) -> String {
    texts(v).into_iter().next().unwrap_or_default()
}

fn ids(v: &Operand) -> Vec<Uuid> {
    match v {
        Operand::Ids(i) => i.clone(),
        _ => Vec::new(),
    }
}

/// A comparison on one text column; `folded` columns hold folded text already (and the
/// value was folded by the domain), others are compared without case for `contains` and
/// `starts_with`.
fn text_expr(col: (&'static str, &'static str), folded: bool, op: Op, v: &Operand) -> Expr {
    let c = || Expr::col(col);
    let lowered = || if folded { c() } else { Expr::from(Func::lower(c())) };
    match op {
        Op::Eq => c().eq(first_text(v)),
        Op::Ne => c().is_null().or(c().ne(first_text(v))),
        Op::In => c().is_in(texts(v)),
        Op::Contains => lowered().like(LikeExpr::new(format!("%{}%", escape_like(&first_text(v).to_lowercase()))).escape('\\')),
        Op::StartsWith => lowered().like(LikeExpr::new(format!("{}%", escape_like(&first_text(v).to_lowercase()))).escape('\\')),
        Op::IsEmpty => c().is_null().or(c().eq("")),
        Op::IsNotEmpty => c().is_not_null().and(c().ne("")),
        _ => Expr::val(1).eq(0),
    }
}

fn id_expr(col: (&'static str, &'static str), op: Op, v: &Operand) -> Expr {
    let c = || Expr::col(col);
    let first = ids(v).first().copied().unwrap_or_else(Uuid::nil);
    match op {
        Op::Eq => c().eq(first),
        Op::Ne => c().is_null().or(c().ne(first)),
        Op::In => c().is_in(ids(v)),
        Op::IsEmpty => c().is_null(),
        Op::IsNotEmpty => c().is_not_null(),
        _ => Expr::val(1).eq(0),
    }
}

fn time_expr(col: (&'static str, &'static str), op: Op, v: &Operand, now: DateTime<Utc>) -> Expr {
    let Operand::Time(w) = v else { return Expr::val(1).eq(0) };
    let at = ts(w.at(now));
    match op {
        Op::Before => Expr::col(col).lt(at),
        _ => Expr::col(col).gte(at),
    }
}

fn leaf(t: TenantId, field: SegmentField, op: Op, v: &Operand, now: DateTime<Utc>) -> Expr {
    use SegmentField as F;
    let contact_text = |col: &'static str| text_expr(("contacts", col), field.folded(), op, v);
    match field {
        F::FirstName => contact_text("first_fold"),
        F::LastName => contact_text("last_fold"),
        F::JobTitle => contact_text("job_title"),
        F::Source => contact_text("source"),
        F::City => contact_text("city"),
        F::PostalCode => contact_text("postal_code"),
        F::Country => contact_text("country"),
        F::Kind => text_expr(("contacts", "kind"), false, op, v),
        F::Tag => tagged(t, &first_text(v), op == Op::Has),
        F::OwnerId => id_expr(("contacts", "owner_id"), op, v),
        F::OrganizationId => id_expr(("contacts", "organization_id"), op, v),
        F::Score => {
            let n = match v {
                Operand::Int(n) => *n,
                _ => 0,
            };
            let c = Expr::col(("contacts", "score"));
            match op {
                Op::Gte => c.gte(n),
                Op::Lte => c.lte(n),
                _ => c.eq(n),
            }
        }
        F::CreatedAt => time_expr(("contacts", "created_at"), op, v, now),
        F::UpdatedAt => time_expr(("contacts", "updated_at"), op, v, now),
        F::LastActivity => {
            let Operand::Time(w) = v else { return Expr::val(1).eq(0) };
            let since = Query::select()
                .column(("l", "entity_id"))
                .from_as("activity_links", "l")
                .inner_join(
                    sea_query::IntoTableRef::into_table_ref("activities").alias("a"),
                    Expr::col(("a", "tenant_id"))
                        .equals(("l", "tenant_id"))
                        .and(Expr::col(("a", "id")).equals(("l", "activity_id"))),
                )
                .and_where(Expr::col(("l", "tenant_id")).eq(t.as_uuid()))
                .and_where(Expr::col(("l", "entity_type")).eq("contact"))
                .and_where(Expr::col(("a", "deleted_at")).is_null())
                .and_where(Expr::col(("a", "system")).eq(false))
                .and_where(Expr::col(("a", "occurred_at")).gte(ts(w.at(now))))
                .to_owned();
            if op == Op::Before {
                Expr::col(("contacts", "id")).not_in_subquery(since)
            } else {
                Expr::col(("contacts", "id")).in_subquery(since)
            }
        }
        F::OrganizationName | F::OrganizationIndustry | F::OrganizationDomain | F::OrganizationCity | F::OrganizationSize => {
            let col = match field {
                F::OrganizationName => "name_sort",
                F::OrganizationIndustry => "industry",
                F::OrganizationDomain => "domain",
                F::OrganizationCity => "city",
                _ => "size",
            };
            let orgs = Query::select()
                .column(("o", "id"))
                .from_as("organizations", "o")
                .and_where(Expr::col(("o", "tenant_id")).eq(t.as_uuid()))
                .and_where(Expr::col(("o", "deleted_at")).is_null())
                .and_where(text_expr(("o", col), field.folded(), op, v))
                .to_owned();
            Expr::col(("contacts", "organization_id")).in_subquery(orgs)
        }
    }
}

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
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx.fetch_one(&q).await?;
        tx.commit().await?;
        segment_from_row(&row)
    }

    async fn list_segments(&self, tenant: TenantId) -> Result<Vec<Segment>, StoreError> {
        let mut q = select_segments(tenant);
        q.order_by("name_sort", Order::Asc).order_by("id", Order::Asc);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        tx.commit().await?;
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
        let mut q = Query::select();
        q.expr_as(Expr::col(("contacts", "id")).count(), "n")
            .from("contacts")
            .and_where(Expr::col(("contacts", "tenant_id")).eq(scope.tenant_id.as_uuid()))
            .and_where(Expr::col(("contacts", "deleted_at")).is_null());
        crate::contacts::filter_contacts(&mut q, scope, filter);
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let row = tx.fetch_one(&q).await?;
        tx.commit().await?;
        let n: i64 = row.get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
