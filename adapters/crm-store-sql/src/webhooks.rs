//! Webhook subscriptions (the secret sealed under the company's key, the event patterns as
//! JSON), the delivery log and its attempts.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::jobs::insert_job;
use crate::rows::{from_ts, ts, versioned_update};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::webhook::{DeliveryState, EventPattern, Webhook, WebhookSpec, WebhookUrl};
use crm_domain::{TenantId, UserId};
use crm_ports::store::{AttemptRecord, Delivery, DeliveryAttempt, DeliveryFilter, NewJob, WebhookStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

const COLUMNS: [&str; 11] = [
    "tenant_id",
    "id",
    "url",
    "description",
    "events",
    "include_personal",
    "active",
    "created_by",
    "version",
    "created_at",
    "updated_at",
];

const DELIVERY_COLUMNS: [&str; 12] = [
    "id",
    "webhook_id",
    "event_seq",
    "event_type",
    "state",
    "attempts",
    "last_status",
    "last_error",
    "last_attempt_at",
    "next_at",
    "delivered_at",
    "created_at",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("webhooks: bad {what}"))
}

fn ie(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn read(r: &Row) -> Result<Webhook, StoreError> {
    let events: Vec<String> = serde_json::from_str(&r.get::<String>("events")?).map_err(|_| bad("events"))?;
    let events = events
        .iter()
        .map(|e| EventPattern::parse(e).map_err(|_| bad("events")))
        .collect::<Result<Vec<_>, _>>()?;
    let description: Option<String> = r.get("description")?;
    Ok(Webhook {
        id: r.get("id")?,
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        spec: WebhookSpec {
            url: WebhookUrl::parse(&r.get::<String>("url")?).map_err(|_| bad("url"))?,
            description: crm_domain::text::Label::parse_optional(description.as_deref()).map_err(|_| bad("description"))?,
            events,
            include_personal: r.get("include_personal")?,
            active: r.get("active")?,
        },
        created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn read_delivery(r: &Row) -> Result<Delivery, StoreError> {
    let at = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> { r.get::<Option<i64>>(c)?.map(from_ts).transpose() };
    Ok(Delivery {
        id: r.get("id")?,
        webhook_id: r.get("webhook_id")?,
        event_seq: r.get("event_seq")?,
        event_type: r.get("event_type")?,
        state: DeliveryState::parse(&r.get::<String>("state")?).ok_or_else(|| bad("state"))?,
        attempts: u32::try_from(r.get::<i64>("attempts")?).unwrap_or(u32::MAX),
        last_status: r.get::<Option<i64>>("last_status")?.and_then(|s| u16::try_from(s).ok()),
        last_error: r.get("last_error")?,
        last_attempt_at: at("last_attempt_at")?,
        next_at: at("next_at")?,
        delivered_at: at("delivered_at")?,
        created_at: from_ts(r.get("created_at")?)?,
    })
}

/// Whether the company has a row of that id in `table`.
async fn has_row(tx: &mut Tx, table: &'static str, tenant: TenantId, id: Uuid) -> Result<bool, StoreError> {
    Ok(tx
        .fetch_optional(
            Query::select()
                .column("id")
                .from(table)
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id)),
        )
        .await?
        .is_some())
}

fn events_json(spec: &WebhookSpec) -> Result<String, StoreError> {
    serde_json::to_string(&spec.events.iter().map(EventPattern::as_str).collect::<Vec<_>>()).map_err(ie)
}

impl<C: Cipher> WebhookStore for SqlStore<C> {
    async fn create_webhook(&self, w: &Webhook, secret: &str, event: &NewEvent) -> Result<(), StoreError> {
        let tenant = w.tenant_id;
        let sealed = self.seal(tenant, "webhooks", "secret", w.id, secret)?;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("webhooks")
                .columns(COLUMNS.into_iter().chain(["secret_sealed"]))
                .values([
                    tenant.as_uuid().into(),
                    w.id.into(),
                    w.spec.url.as_str().into(),
                    w.spec.description.as_ref().map(|d| d.as_str().to_owned()).into(),
                    events_json(&w.spec)?.into(),
                    w.spec.include_personal.into(),
                    w.spec.active.into(),
                    w.created_by.map(|u| u.as_uuid()).into(),
                    w.version.into(),
                    ts(w.created_at).into(),
                    ts(w.updated_at).into(),
                    sealed.into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn update_webhook(&self, w: &Webhook, expected_version: i64, secret: Option<&str>, event: &NewEvent) -> Result<(), StoreError> {
        let tenant = w.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut q = Query::update();
        q.value("url", w.spec.url.as_str())
            .value("description", w.spec.description.as_ref().map(|d| d.as_str().to_owned()))
            .value("events", events_json(&w.spec)?)
            .value("include_personal", w.spec.include_personal)
            .value("active", w.spec.active)
            .value("version", w.version)
            .value("updated_at", ts(w.updated_at));
        if let Some(s) = secret {
            q.value("secret_sealed", self.seal(tenant, "webhooks", "secret", w.id, s)?);
        }
        versioned_update(&mut tx, "webhooks", tenant, w.id, expected_version, false, q).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn delete_webhook(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        crate::rows::delete_row(&mut tx, "webhooks", tenant, id).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn webhook(&self, tenant: TenantId, id: Uuid) -> Result<Webhook, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(COLUMNS)
                    .from("webhooks")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        tx.commit().await?;
        read(&row.ok_or(StoreError::NotFound)?)
    }

    async fn webhooks(&self, tenant: TenantId) -> Result<Vec<Webhook>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from("webhooks")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(read).collect()
    }

    async fn webhook_secret(&self, tenant: TenantId, id: Uuid) -> Result<String, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .column("secret_sealed")
                    .from("webhooks")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        tx.commit().await?;
        let sealed: Vec<u8> = row.ok_or(StoreError::NotFound)?.get("secret_sealed")?;
        self.open(tenant, "webhooks", "secret", id, &sealed)
    }

    async fn record_attempt(&self, tenant: TenantId, r: &AttemptRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let a = &r.attempt;
        let delivered_at = (r.state == DeliveryState::Delivered).then_some(ts(a.at));
        let existing = tx
            .fetch_optional(
                Query::select()
                    .column("attempts")
                    .from("webhook_deliveries")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(r.delivery_id)),
            )
            .await?;
        let number = match existing {
            Some(row) => {
                let n: i64 = row.get("attempts")?;
                tx.execute(
                    Query::update()
                        .table("webhook_deliveries")
                        .value("state", r.state.code())
                        .value("attempts", n + 1)
                        .value("last_status", a.status.map(i64::from))
                        .value("last_error", a.error.clone())
                        .value("last_attempt_at", ts(a.at))
                        .value("next_at", r.next_at.map(ts))
                        .value("delivered_at", delivered_at)
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(r.delivery_id)),
                )
                .await?;
                n + 1
            }
            None => {
                let inserted = tx
                    .execute(
                        Query::insert()
                            .into_table("webhook_deliveries")
                            .columns(["tenant_id"].into_iter().chain(DELIVERY_COLUMNS))
                            .values([
                                tenant.as_uuid().into(),
                                r.delivery_id.into(),
                                r.webhook_id.into(),
                                r.event_seq.into(),
                                r.event_type.clone().into(),
                                r.state.code().into(),
                                1i64.into(),
                                a.status.map(i64::from).into(),
                                a.error.clone().into(),
                                ts(a.at).into(),
                                r.next_at.map(ts).into(),
                                delivered_at.into(),
                                ts(a.at).into(),
                            ])
                            .map_err(ie)?,
                    )
                    .await;
                match inserted {
                    // The subscription was deleted meanwhile.
                    Err(StoreError::UnknownReference { .. }) => return Err(StoreError::NotFound),
                    other => other?,
                };
                1
            }
        };
        tx.execute(
            Query::insert()
                .into_table("webhook_attempts")
                .columns(["tenant_id", "delivery_id", "number", "at", "status", "millis", "error"])
                .values([
                    tenant.as_uuid().into(),
                    r.delivery_id.into(),
                    number.into(),
                    ts(a.at).into(),
                    a.status.map(i64::from).into(),
                    i64::try_from(a.millis).unwrap_or(i64::MAX).into(),
                    a.error.clone().into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        tx.commit().await
    }

    async fn deliveries(&self, tenant: TenantId, filter: DeliveryFilter, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let mut q = Query::select();
        q.columns(DELIVERY_COLUMNS)
            .from("webhook_deliveries")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit));
        if let Some(w) = filter.webhook_id {
            q.and_where(Expr::col("webhook_id").eq(w));
        }
        if let Some(s) = filter.state {
            q.and_where(Expr::col("state").eq(s.code()));
        }
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(read_delivery).collect()
    }

    async fn delivery(&self, tenant: TenantId, id: Uuid) -> Result<Delivery, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(DELIVERY_COLUMNS)
                    .from("webhook_deliveries")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        tx.commit().await?;
        read_delivery(&row.ok_or(StoreError::NotFound)?)
    }

    async fn delivery_attempts(&self, tenant: TenantId, id: Uuid) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        if !has_row(&mut tx, "webhook_deliveries", tenant, id).await? {
            return Err(StoreError::NotFound);
        }
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["number", "at", "status", "millis", "error"])
                    .from("webhook_attempts")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("delivery_id").eq(id))
                    .order_by("number", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    number: u32::try_from(r.get::<i64>("number")?).unwrap_or(u32::MAX),
                    at: from_ts(r.get("at")?)?,
                    status: r.get::<Option<i64>>("status")?.and_then(|s| u16::try_from(s).ok()),
                    millis: u64::try_from(r.get::<i64>("millis")?).unwrap_or(0),
                    error: r.get("error")?,
                })
            })
            .collect()
    }

    async fn replay_delivery(&self, tenant: TenantId, id: Uuid, job: &NewJob, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("webhook_deliveries")
                    .value("state", DeliveryState::Pending.code())
                    .value("next_at", ts(now))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("state").eq(DeliveryState::Dead.code())),
            )
            .await?;
        if n == 0 {
            let exists = has_row(&mut tx, "webhook_deliveries", tenant, id).await?;
            return Err(if exists { StoreError::Conflict } else { StoreError::NotFound });
        }
        if !insert_job(&mut tx, job, now).await? {
            return Err(StoreError::Conflict);
        }
        tx.commit().await?;
        self.queued_jobs();
        Ok(())
    }
}
