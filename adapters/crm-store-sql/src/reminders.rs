//! Reminder rules, the records they watch, and notifications (unique per reminder key).

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::activity::{Activity, ActivityKind};
use crm_domain::event::NewEvent;
use crm_domain::reminder::{ReminderRule, RuleKind};
use crm_domain::{ActivityId, ContactId, OpportunityId, TenantId, UserId};
use crm_ports::store::{Notification, OverdueDeal, QuietProspect, ReminderStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Func, IntoTableRef, Order, Query};
use sqlx::types::Json;
use uuid::Uuid;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn rule_from_row(r: &Row) -> Result<ReminderRule, StoreError> {
    let Json(kind): Json<RuleKind> = r.get("kind")?;
    Ok(ReminderRule {
        id: r.get("id")?,
        kind,
        enabled: r.get("enabled")?,
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

/// The columns of a notification a writer gives (the tenant aside; `read_at` comes later).
const NOTIFICATION_FIELDS: [&str; 9] = [
    "id",
    "user_id",
    "kind",
    "subject",
    "activity_id",
    "entity_type",
    "entity_id",
    "reminder_key",
    "created_at",
];

/// Inserts a notification inside an open transaction: what `create_notification` writes.
/// A reminder key already used in the tenant is a `Duplicate { field: "reminder_key" }`.
pub(crate) async fn insert_notification(tx: &mut Tx, tenant: TenantId, n: &Notification) -> Result<(), StoreError> {
    tx.execute(
        Query::insert()
            .into_table("notifications")
            .columns(std::iter::once("tenant_id").chain(NOTIFICATION_FIELDS))
            .values([
                tenant.as_uuid().into(),
                n.id.into(),
                n.user_id.as_uuid().into(),
                n.kind.clone().into(),
                n.subject.clone().into(),
                n.activity_id.map(|a| a.as_uuid()).into(),
                n.link.map(|l| l.entity_type.code().to_owned()).into(),
                n.link.map(|l| l.entity_id).into(),
                n.reminder_key.clone().into(),
                ts(n.created_at).into(),
            ])
            .map_err(ie)?,
    )
    .await
    .map(drop)
}

fn notification_from_row(r: &Row) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: r.get("id")?,
        user_id: UserId::from_uuid(r.get("user_id")?),
        kind: r.get("kind")?,
        subject: r.get("subject")?,
        activity_id: r.get::<Option<Uuid>>("activity_id")?.map(ActivityId::from_uuid),
        link: match (r.get::<Option<String>>("entity_type")?, r.get::<Option<Uuid>>("entity_id")?) {
            (Some(t), Some(id)) => Some(crm_domain::activity::Link {
                entity_type: crate::rows::valid("entity_type", crm_domain::event::EntityType::parse(&t).ok_or(t))?,
                entity_id: id,
            }),
            _ => None,
        },
        reminder_key: r.get("reminder_key")?,
        created_at: from_ts(r.get("created_at")?)?,
        read_at: r.get::<Option<i64>>("read_at")?.map(from_ts).transpose()?,
    })
}

fn kind_json(k: &RuleKind) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(k).map_err(|e| StoreError::Internal(e.to_string()))
}

impl<C: Cipher> ReminderStore for SqlStore<C> {
    async fn rules(&self, tenant: TenantId) -> Result<Vec<ReminderRule>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["id", "kind", "enabled", "version", "created_at", "updated_at"])
                    .from("reminder_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(rule_from_row).collect()
    }

    async fn create_rule(&self, tenant: TenantId, rule: &ReminderRule, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("reminder_rules")
                .columns(["tenant_id", "id", "kind", "enabled", "version", "created_at", "updated_at"])
                .values([
                    tenant.as_uuid().into(),
                    rule.id.into(),
                    kind_json(&rule.kind)?.into(),
                    rule.enabled.into(),
                    rule.version.into(),
                    ts(rule.created_at).into(),
                    ts(rule.updated_at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn update_rule(&self, tenant: TenantId, rule: &ReminderRule, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("reminder_rules")
                    .values([
                        ("kind", Expr::from(kind_json(&rule.kind)?)),
                        ("enabled", Expr::from(rule.enabled)),
                        ("version", Expr::from(expected_version + 1)),
                        ("updated_at", Expr::from(ts(rule.updated_at))),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(rule.id))
                    .and_where(Expr::col("version").eq(expected_version)),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn delete_rule(&self, tenant: TenantId, id: Uuid, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("reminder_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("version").eq(expected_version)),
            )
            .await?;
        if n != 1 {
            let exists = tx
                .fetch_optional(
                    Query::select()
                        .column("id")
                        .from("reminder_rules")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(id)),
                )
                .await?;
            return Err(if exists.is_some() {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            });
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn quiet_prospects(&self, tenant: TenantId, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<QuietProspect>, StoreError> {
        let t = tenant.as_uuid();
        let quiet = Func::coalesce([Expr::col(("a", "occurred_at")).max(), Expr::col(("c", "created_at"))]);
        let q = Query::select()
            .columns([("c", "id"), ("c", "owner_id"), ("c", "first_name"), ("c", "last_name")])
            .expr_as(quiet.clone(), "quiet_since")
            .from_as("contacts", "c")
            .left_join(
                "activity_links".into_table_ref().alias("l"),
                Expr::col(("l", "tenant_id"))
                    .equals(("c", "tenant_id"))
                    .and(Expr::col(("l", "entity_type")).eq("contact"))
                    .and(Expr::col(("l", "entity_id")).equals(("c", "id"))),
            )
            .left_join(
                "activities".into_table_ref().alias("a"),
                Expr::col(("a", "tenant_id"))
                    .equals(("l", "tenant_id"))
                    .and(Expr::col(("a", "id")).equals(("l", "activity_id")))
                    .and(Expr::col(("a", "deleted_at")).is_null())
                    .and(Expr::col(("a", "system")).eq(false)),
            )
            .and_where(Expr::col(("c", "tenant_id")).eq(t))
            .and_where(Expr::col(("c", "deleted_at")).is_null())
            .and_where(Expr::col(("c", "kind")).eq("prospect"))
            .group_by_columns([
                ("c", "id"),
                ("c", "owner_id"),
                ("c", "first_name"),
                ("c", "last_name"),
                ("c", "created_at"),
            ])
            .and_having(Expr::from(quiet).lt(ts(cutoff)))
            .order_by(("c", "id"), Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter()
            .map(|r| {
                Ok(QuietProspect {
                    contact_id: ContactId::from_uuid(r.get("id")?),
                    owner_id: UserId::from_uuid(r.get("owner_id")?),
                    display_name: format!("{} {}", r.get::<String>("first_name")?, r.get::<String>("last_name")?),
                    quiet_since: from_ts(r.get("quiet_since")?)?,
                })
            })
            .collect()
    }

    async fn overdue_deals(&self, tenant: TenantId, day: NaiveDate, limit: u32) -> Result<Vec<OverdueDeal>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["id", "owner_id", "title", "expected_close"])
                    .from("opportunities")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("deleted_at").is_null())
                    .and_where(Expr::col("status").eq("open"))
                    .and_where(Expr::col("expected_close").lt(day))
                    .order_by("id", Order::Asc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(OverdueDeal {
                    opportunity_id: OpportunityId::from_uuid(r.get("id")?),
                    owner_id: UserId::from_uuid(r.get("owner_id")?),
                    title: r.get("title")?,
                    expected_close: r.get("expected_close")?,
                })
            })
            .collect()
    }

    async fn activities_timed(
        &self,
        tenant: TenantId,
        kind: ActivityKind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError> {
        self.timed_activities(tenant, kind, from, to, limit).await
    }

    async fn create_notification(&self, tenant: TenantId, n: &Notification) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        insert_notification(&mut tx, tenant, n).await?;
        tx.commit().await
    }

    async fn notifications(&self, tenant: TenantId, user: UserId, unread_only: bool, limit: u32) -> Result<Vec<Notification>, StoreError> {
        let mut q = Query::select();
        q.columns(NOTIFICATION_FIELDS.into_iter().chain(std::iter::once("read_at")))
            .from("notifications")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("user_id").eq(user.as_uuid()))
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit));
        if unread_only {
            q.and_where(Expr::col("read_at").is_null());
        }
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn mark_read(&self, tenant: TenantId, user: UserId, id: Option<Uuid>, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        if let Some(id) = id {
            let mine = tx
                .fetch_optional(
                    Query::select()
                        .column("id")
                        .from("notifications")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("user_id").eq(user.as_uuid()))
                        .and_where(Expr::col("id").eq(id)),
                )
                .await?;
            if mine.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        let mut q = Query::update();
        q.table("notifications")
            .value("read_at", ts(at))
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("user_id").eq(user.as_uuid()))
            .and_where(Expr::col("read_at").is_null());
        if let Some(id) = id {
            q.and_where(Expr::col("id").eq(id));
        }
        let n = tx.execute(&q).await?;
        tx.commit().await?;
        Ok(n)
    }
}
