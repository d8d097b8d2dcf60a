//! Activities with their links and attendees; visibility through the records they concern
//! (or the assignee), in SQL.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, insert_row, ts, update_row, valid};
use crate::scope::{contact_in_scope, owner_in_scope};
use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityFields, ActivityKind, Direction, Link, Priority};
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::text::{Label, LongText};
use crm_domain::visibility::RecordScope;
use crm_domain::{ActivityId, TenantId, UserId};
use crm_ports::query::{ActivityScope, AssigneeScope, Page, PageRequest};
use crm_ports::store::ActivityStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, IntoTableRef, Order, Query, SelectStatement, Value};
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: [&str; 23] = [
    "tenant_id",
    "id",
    "kind",
    "subject",
    "body_ct",
    "assignee_id",
    "created_by",
    "due_at",
    "priority",
    "starts_at",
    "ends_at",
    "place",
    "direction",
    "duration_seconds",
    "outcome",
    "done_at",
    "system",
    "reminder_key",
    "occurred_at",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
];

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn select(tenant: TenantId) -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("activities", c)))
        .from("activities")
        .and_where(Expr::col(("activities", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("activities", "deleted_at")).is_null());
    q
}

/// The link `vl` names a live record of `table` in `scope` (a lookup by primary key).
fn linked_record_in_scope(table: &'static str, tenant: TenantId, scope: RecordScope) -> Expr {
    let q = Query::select()
        .expr(Expr::val(1))
        .from(table)
        .and_where(Expr::col((table, "tenant_id")).equals(("vl", "tenant_id")))
        .and_where(Expr::col((table, "id")).equals(("vl", "entity_id")))
        .and_where(Expr::col((table, "deleted_at")).is_null())
        .and_where(if table == "contacts" {
            contact_in_scope(tenant, scope)
        } else {
            owner_in_scope(tenant, scope, (table, "owner_id"))
        })
        .to_owned();
    Expr::exists(q)
}

fn visible(scope: ActivityScope) -> Expr {
    if scope.contacts == RecordScope::Tenant && scope.opportunities == RecordScope::Tenant {
        return crate::scope::always();
    }
    let t = scope.tenant_id;
    let linked = Query::select()
        .expr(Expr::val(1))
        .from_as("activity_links", "vl")
        .and_where(Expr::col(("vl", "tenant_id")).equals(("activities", "tenant_id")))
        .and_where(Expr::col(("vl", "activity_id")).equals(("activities", "id")))
        .and_where(
            Expr::col(("vl", "entity_type"))
                .eq("organization")
                .or(Expr::col(("vl", "entity_type"))
                    .eq("contact")
                    .and(linked_record_in_scope("contacts", t, scope.contacts)))
                .or(Expr::col(("vl", "entity_type")).eq("opportunity").and(linked_record_in_scope(
                    "opportunities",
                    t,
                    scope.opportunities,
                ))),
        )
        .limit(1)
        .to_owned();
    // A scalar lookup rather than `EXISTS`: PostgreSQL may turn an `EXISTS` into a hash of
    // every visible link, built before the first row (a whole read of the links); this one
    // is looked up by primary key for each activity the page walks, in the list's order.
    let mut cond = Expr::SubQuery(None, Box::new(linked.into())).is_not_null();
    if let Some(u) = scope.user {
        cond = cond.or(Expr::col(("activities", "assignee_id")).eq(u.as_uuid()));
    }
    cond
}

impl<C: Cipher> SqlStore<C> {
    fn activity_values(&self, a: &Activity) -> Result<Vec<(&'static str, Value)>, StoreError> {
        let f = &a.fields;
        let text = |l: Option<&Label>| -> Value { l.map(|x| x.as_str().to_owned()).into() };
        Ok(vec![
            ("kind", a.kind.code().into()),
            ("subject", f.subject.as_str().into()),
            (
                "body_ct",
                self.seal_opt(
                    a.tenant_id,
                    "activities",
                    "body",
                    a.id.as_uuid(),
                    f.body.as_ref().map(LongText::as_str),
                )?
                .into(),
            ),
            ("assignee_id", f.assignee_id.as_uuid().into()),
            ("created_by", a.created_by.map(|u| u.as_uuid()).into()),
            ("due_at", f.due_at.map(ts).into()),
            ("priority", f.priority.code().into()),
            ("starts_at", f.starts_at.map(ts).into()),
            ("ends_at", f.ends_at.map(ts).into()),
            ("place", text(f.place.as_ref())),
            ("direction", f.direction.map(|d| d.code().to_owned()).into()),
            ("duration_seconds", f.duration_seconds.into()),
            ("outcome", text(f.outcome.as_ref())),
            ("done_at", a.done_at.map(ts).into()),
            ("system", a.system.into()),
            ("reminder_key", a.reminder_key.clone().into()),
            ("occurred_at", ts(a.occurred_at()).into()),
        ])
    }

    /// Inserts an activity with its links and attendees (in the caller's transaction).
    pub(crate) async fn insert_activity(&self, tx: &mut Tx, a: &Activity) -> Result<(), StoreError> {
        let fields = self.activity_values(a)?;
        insert_row(
            tx,
            "activities",
            a.tenant_id,
            a.id.as_uuid(),
            fields,
            a.version,
            a.created_at,
            a.updated_at,
        )
        .await?;
        self.write_activity_side(tx, a).await
    }

    async fn write_activity_side(&self, tx: &mut Tx, a: &Activity) -> Result<(), StoreError> {
        let (t, id) = (a.tenant_id.as_uuid(), a.id.as_uuid());
        for table in ["activity_links", "activity_attendees"] {
            tx.execute(
                Query::delete()
                    .from_table(table)
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("activity_id").eq(id)),
            )
            .await?;
        }
        if !a.fields.links.is_empty() {
            let mut q = Query::insert();
            q.into_table("activity_links")
                .columns(["tenant_id", "activity_id", "entity_type", "entity_id"]);
            for l in &a.fields.links {
                q.values([t.into(), id.into(), l.entity_type.code().into(), l.entity_id.into()])
                    .map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        if !a.fields.attendees.is_empty() {
            let mut q = Query::insert();
            q.into_table("activity_attendees").columns(["tenant_id", "activity_id", "user_id"]);
            for u in &a.fields.attendees {
                q.values([t.into(), id.into(), u.as_uuid().into()]).map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        Ok(())
    }

    /// Rows to activities, with links and attendees loaded in two queries.
    async fn activities_from_rows(&self, tx: &mut Tx, tenant: TenantId, rows: &[Row]) -> Result<Vec<Activity>, StoreError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get("id")).collect::<Result<_, _>>()?;
        let mut links: HashMap<Uuid, Vec<Link>> = HashMap::new();
        let mut attendees: HashMap<Uuid, Vec<UserId>> = HashMap::new();
        if !ids.is_empty() {
            for r in tx
                .fetch_all(
                    Query::select()
                        .columns(["activity_id", "entity_type", "entity_id"])
                        .from("activity_links")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("activity_id").is_in(ids.clone())),
                )
                .await?
            {
                let code: String = r.get("entity_type")?;
                let entity_type =
                    EntityType::parse(&code).ok_or_else(|| StoreError::Internal(format!("stored link type is invalid: {code}")))?;
                links.entry(r.get("activity_id")?).or_default().push(Link {
                    entity_type,
                    entity_id: r.get("entity_id")?,
                });
            }
            for r in tx
                .fetch_all(
                    Query::select()
                        .columns(["activity_id", "user_id"])
                        .from("activity_attendees")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("activity_id").is_in(ids)),
                )
                .await?
            {
                attendees
                    .entry(r.get("activity_id")?)
                    .or_default()
                    .push(UserId::from_uuid(r.get("user_id")?));
            }
        }
        // Sorted here, not by the queries: an `ORDER BY` on these columns made SQLite read
        // every link of the company in that order rather than those of the ids.
        for l in links.values_mut() {
            l.sort_by(|a, b| (a.entity_type.code(), a.entity_id).cmp(&(b.entity_type.code(), b.entity_id)));
        }
        for u in attendees.values_mut() {
            u.sort_by_key(|u| u.as_uuid());
        }
        rows.iter().map(|r| self.activity_from_row(r, &mut links, &mut attendees)).collect()
    }

    fn activity_from_row(
        &self,
        row: &Row,
        links: &mut HashMap<Uuid, Vec<Link>>,
        attendees: &mut HashMap<Uuid, Vec<UserId>>,
    ) -> Result<Activity, StoreError> {
        let tenant_id = TenantId::from_uuid(row.get("tenant_id")?);
        let id: Uuid = row.get("id")?;
        let body: Option<String> = self.open_opt(
            tenant_id,
            "activities",
            "body",
            id,
            row.get::<Option<Vec<u8>>>("body_ct")?.as_deref(),
        )?;
        let opt_ts = |col: &str| -> Result<Option<DateTime<Utc>>, StoreError> { row.get::<Option<i64>>(col)?.map(from_ts).transpose() };
        let opt_label = |col: &str| -> Result<Option<Label>, StoreError> {
            valid(col, Label::parse_optional(row.get::<Option<String>>(col)?.as_deref()))
        };
        let mut link_list = links.remove(&id).unwrap_or_default();
        link_list.sort();
        Ok(Activity {
            id: ActivityId::from_uuid(id),
            tenant_id,
            kind: valid("kind", ActivityKind::parse(&row.get::<String>("kind")?))?,
            created_by: row.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
            fields: ActivityFields {
                subject: valid("subject", Label::parse(&row.get::<String>("subject")?))?,
                body: valid("body", LongText::parse_optional(body.as_deref()))?,
                links: link_list,
                assignee_id: UserId::from_uuid(row.get("assignee_id")?),
                due_at: opt_ts("due_at")?,
                priority: valid("priority", Priority::parse(&row.get::<String>("priority")?))?,
                starts_at: opt_ts("starts_at")?,
                ends_at: opt_ts("ends_at")?,
                place: opt_label("place")?,
                attendees: attendees.remove(&id).unwrap_or_default(),
                direction: row
                    .get::<Option<String>>("direction")?
                    .map(|d| valid("direction", Direction::parse(&d)))
                    .transpose()?,
                duration_seconds: row.get("duration_seconds")?,
                outcome: opt_label("outcome")?,
            },
            done_at: opt_ts("done_at")?,
            system: row.get("system")?,
            reminder_key: row.get("reminder_key")?,
            version: row.get("version")?,
            created_at: from_ts(row.get("created_at")?)?,
            updated_at: from_ts(row.get("updated_at")?)?,
        })
    }
}

impl<C: Cipher> ActivityStore for SqlStore<C> {
    async fn create_activity(&self, a: &Activity, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(a.tenant_id), Mode::Write).await?;
        self.insert_activity(&mut tx, a).await?;
        self.finish(tx, a.tenant_id, std::slice::from_ref(event)).await
    }

    async fn activity(&self, scope: ActivityScope, id: ActivityId) -> Result<Activity, StoreError> {
        let mut q = select(scope.tenant_id);
        q.and_where(Expr::col(("activities", "id")).eq(id.as_uuid()))
            .and_where(visible(scope));
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let row = tx.fetch_one(&q).await?;
        let mut all = self
            .activities_from_rows(&mut tx, scope.tenant_id, std::slice::from_ref(&row))
            .await?;
        tx.commit().await?;
        all.pop().ok_or(StoreError::NotFound)
    }

    async fn update_activity(&self, a: &Activity, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(a.tenant_id), Mode::Write).await?;
        let fields = self.activity_values(a)?;
        update_row(
            &mut tx,
            "activities",
            a.tenant_id,
            a.id.as_uuid(),
            expected_version,
            fields,
            a.updated_at,
        )
        .await?;
        self.write_activity_side(&mut tx, a).await?;
        self.finish(tx, a.tenant_id, std::slice::from_ref(event)).await
    }

    async fn activities_for(
        &self,
        tenant: TenantId,
        link: Link,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError> {
        let q = timeline_query(tenant, link, before, limit);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        let all = self.activities_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(all)
    }

    async fn list_activities(&self, scope: ActivityScope, page: &PageRequest) -> Result<Page<Activity>, StoreError> {
        let (q, sort_col, size) = activities_page(scope, page)?;
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let mut rows = tx.fetch_all(&q).await?;
        let next_cursor = crate::paging::next_cursor(&mut rows, size, sort_col)?;
        let items = self.activities_from_rows(&mut tx, scope.tenant_id, &rows).await?;
        tx.commit().await?;
        Ok(Page { items, next_cursor })
    }

    async fn open_tasks(&self, tenant: TenantId, assignees: AssigneeScope, limit: u32) -> Result<Vec<Activity>, StoreError> {
        let q = open_tasks_query(tenant, assignees, limit);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        let all = self.activities_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(all)
    }
}

/// The timeline of a record: its live activities, newest first, before `before`.
pub(crate) fn timeline_query(tenant: TenantId, link: Link, before: Option<DateTime<Utc>>, limit: u32) -> SelectStatement {
    let mut q = select(tenant);
    q.inner_join(
        "activity_links".into_table_ref().alias("fl"),
        Expr::col(("fl", "tenant_id"))
            .equals(("activities", "tenant_id"))
            .and(Expr::col(("fl", "activity_id")).equals(("activities", "id"))),
    )
    .and_where(Expr::col(("fl", "entity_type")).eq(link.entity_type.code()))
    .and_where(Expr::col(("fl", "entity_id")).eq(link.entity_id))
    .order_by(("activities", "occurred_at"), Order::Desc)
    .order_by(("activities", "id"), Order::Desc)
    .limit(u64::from(limit));
    if let Some(b) = before {
        q.and_where(Expr::col(("activities", "occurred_at")).lt(ts(b)));
    }
    q
}

/// A page of the activities list, its sort column and page size.
pub(crate) fn activities_page(scope: ActivityScope, page: &PageRequest) -> Result<(SelectStatement, &'static str, u64), StoreError> {
    let mut q = select(scope.tenant_id);
    q.and_where(visible(scope));
    let sort_col = crate::paging::sort_column(page.sort, "created_at");
    let size = crate::paging::apply(&mut q, "activities", sort_col, page)?;
    Ok((q, sort_col, size))
}

/// The to-do list: open tasks of the assignees, soonest due first.
pub(crate) fn open_tasks_query(tenant: TenantId, assignees: AssigneeScope, limit: u32) -> SelectStatement {
    let mut q = select(tenant);
    q.and_where(Expr::col(("activities", "kind")).eq(ActivityKind::Task.code()))
        .and_where(Expr::col(("activities", "done_at")).is_null());
    let scope = match assignees {
        AssigneeScope::User(u) => RecordScope::OwnedBy(u),
        AssigneeScope::TeamsLedBy(m) => RecordScope::TeamsLedBy(m),
        AssigneeScope::Tenant => RecordScope::Tenant,
    };
    q.and_where(owner_in_scope(tenant, scope, ("activities", "assignee_id")))
        .order_by(("activities", "due_at"), Order::Asc)
        .limit(u64::from(limit));
    q
}

impl<C: Cipher> SqlStore<C> {
    /// Live activities of a kind starting (meetings) or due (open tasks) in `[from, to)`.
    pub(crate) async fn timed_activities(
        &self,
        tenant: TenantId,
        kind: ActivityKind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError> {
        let col = if kind == ActivityKind::Task { "due_at" } else { "starts_at" };
        let mut q = select(tenant);
        q.and_where(Expr::col(("activities", "kind")).eq(kind.code()))
            .and_where(Expr::col(("activities", col)).gte(ts(from)))
            .and_where(Expr::col(("activities", col)).lt(ts(to)))
            .order_by(("activities", col), Order::Asc)
            .limit(u64::from(limit));
        if kind == ActivityKind::Task {
            q.and_where(Expr::col(("activities", "done_at")).is_null());
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        let all = self.activities_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(all)
    }
}

impl<C: Cipher> crm_ports::store::CalendarStore for SqlStore<C> {
    async fn calendar_items(
        &self,
        tenant: TenantId,
        user: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError> {
        let attending = Query::select()
            .column("activity_id")
            .from("activity_attendees")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("user_id").eq(user.as_uuid()))
            .to_owned();
        let a = |c: &'static str| Expr::col(("activities", c));
        let meetings = a("kind")
            .eq(ActivityKind::Meeting.code())
            .and(a("starts_at").gte(ts(from)))
            .and(a("starts_at").lt(ts(to)))
            .and(a("assignee_id").eq(user.as_uuid()).or(a("id").in_subquery(attending)));
        let tasks = a("kind")
            .eq(ActivityKind::Task.code())
            .and(a("done_at").is_null())
            .and(a("due_at").is_not_null())
            .and(a("assignee_id").eq(user.as_uuid()));
        let mut q = select(tenant);
        q.and_where(meetings.or(tasks))
            .order_by(("activities", "occurred_at"), Order::Asc)
            .limit(u64::from(limit));
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        let all = self.activities_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(all)
    }
}
