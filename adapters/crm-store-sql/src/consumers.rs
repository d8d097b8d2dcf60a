//! Readers of the event log: their cursors (moved by compare-and-set in the transaction
//! that writes what they derived) and the events they parked, replayable on request.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::jobs::insert_job;
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_ports::store::{Advance, ConsumerStore, ConsumerWrite, LogMark, ParkedEvent};
use crm_ports::{Cipher, StoreError};
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

const PARKED_COLUMNS: [&str; 7] = [
    "consumer",
    "seq",
    "error",
    "attempts",
    "parked_at",
    "replay_requested_at",
    "replayed_at",
];

fn parked_from_row(r: &Row) -> Result<ParkedEvent, StoreError> {
    Ok(ParkedEvent {
        consumer: r.get("consumer")?,
        seq: r.get("seq")?,
        error: r.get("error")?,
        attempts: u32::try_from(r.get::<i64>("attempts")?).map_err(|e| StoreError::Internal(format!("stored attempts: {e}")))?,
        parked_at: from_ts(r.get("parked_at")?)?,
        replay_requested_at: r.get::<Option<i64>>("replay_requested_at")?.map(from_ts).transpose()?,
        replayed_at: r.get::<Option<i64>>("replayed_at")?.map(from_ts).transpose()?,
    })
}

/// Moves a cursor from `from` to `to`, or fails with `Conflict` (nothing written) when it
/// is elsewhere. An absent cursor is at 0. Race-safe on PostgreSQL: the update (or the
/// upsert's conflicting row) is locked and the guard re-checked on its latest version.
async fn move_cursor(tx: &mut Tx, tenant: TenantId, consumer: &str, from: i64, to: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let n = if from == 0 {
        tx.execute(
            Query::insert()
                .into_table("consumer_cursors")
                .columns(["tenant_id", "consumer", "cursor", "updated_at"])
                .values([tenant.as_uuid().into(), consumer.into(), to.into(), ts(now).into()])
                .map_err(ie)?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "consumer"])
                        .update_columns(["cursor", "updated_at"])
                        .action_and_where(Expr::col(("consumer_cursors", "cursor")).eq(0i64))
                        .to_owned(),
                ),
        )
        .await?
    } else {
        tx.execute(
            Query::update()
                .table("consumer_cursors")
                .values([("cursor", Expr::from(to)), ("updated_at", Expr::from(ts(now)))])
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("consumer").eq(consumer))
                .and_where(Expr::col("cursor").eq(from)),
        )
        .await?
    };
    if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

impl<C: Cipher> ConsumerStore for SqlStore<C> {
    async fn consumer_cursor(&self, tenant: TenantId, consumer: &str) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .column("cursor")
                    .from("consumer_cursors")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("consumer").eq(consumer)),
            )
            .await?;
        tx.commit().await?;
        row.map_or(Ok(0), |r| r.get("cursor"))
    }

    async fn consumer_cursors(&self, tenant: TenantId) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["consumer", "cursor"])
                    .from("consumer_cursors")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("consumer", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok((r.get("consumer")?, r.get("cursor")?))).collect()
    }

    async fn consumer_commit(
        &self,
        tenant: TenantId,
        consumer: &str,
        advance: Advance,
        writes: &[ConsumerWrite],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        match advance {
            Advance::To { from, to } => move_cursor(&mut tx, tenant, consumer, from, to, now).await?,
            Advance::Replay { seq } => {
                let n = tx
                    .execute(
                        Query::update()
                            .table("parked_events")
                            .value("replayed_at", ts(now))
                            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                            .and_where(Expr::col("consumer").eq(consumer))
                            .and_where(Expr::col("seq").eq(seq))
                            .and_where(Expr::col("replay_requested_at").is_not_null())
                            .and_where(Expr::col("replayed_at").is_null()),
                    )
                    .await?;
                if n != 1 {
                    return Err(StoreError::Conflict);
                }
            }
        }
        let mut logged = None;
        for w in writes {
            match w {
                ConsumerWrite::Notify(n) => crate::reminders::insert_notification(&mut tx, tenant, n).await?,
                ConsumerWrite::Enqueue(job) => {
                    if job.tenant_id != tenant {
                        return Err(StoreError::Internal("job of another tenant".into()));
                    }
                    insert_job(&mut tx, job, now).await?;
                }
                ConsumerWrite::Scores(scores) => {
                    if let Some(seq) = self.keep_scores(&mut tx, tenant, scores).await? {
                        logged = Some(seq);
                    }
                }
                ConsumerWrite::Runs(starts) => {
                    crate::automation::start_runs(&mut tx, tenant, starts, now).await?;
                }
            }
        }
        if let Some(seq) = logged {
            tx.notify(tenant, seq).await?;
        }
        tx.commit().await?;
        if let Some(seq) = logged {
            self.woke(tenant, seq);
        }
        // Automation runs go through jobs too (`automation.rs`).
        if writes
            .iter()
            .any(|w| matches!(w, ConsumerWrite::Enqueue(_) | ConsumerWrite::Runs(_)))
        {
            self.queued_jobs();
        }
        Ok(())
    }

    async fn park_event(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
        error: &str,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("parked_events")
                .columns([
                    "tenant_id",
                    "consumer",
                    "seq",
                    "error",
                    "attempts",
                    "parked_at",
                    "replay_requested_at",
                    "replayed_at",
                ])
                .values([
                    tenant.as_uuid().into(),
                    consumer.into(),
                    seq.into(),
                    error.into(),
                    i64::from(attempts).into(),
                    ts(now).into(),
                    Option::<i64>::None.into(),
                    Option::<i64>::None.into(),
                ])
                .map_err(ie)?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "consumer", "seq"])
                        .update_columns(["error", "attempts", "parked_at", "replay_requested_at", "replayed_at"])
                        .to_owned(),
                ),
        )
        .await?;
        tx.commit().await
    }

    async fn parked_events(&self, tenant: TenantId, limit: u32) -> Result<Vec<ParkedEvent>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(PARKED_COLUMNS)
                    .from("parked_events")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("parked_at", Order::Desc)
                    .order_by("seq", Order::Desc)
                    .order_by("consumer", Order::Asc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(parked_from_row).collect()
    }

    async fn request_replay(&self, tenant: TenantId, consumer: &str, seq: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("parked_events")
                    .value("replay_requested_at", ts(now))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("consumer").eq(consumer))
                    .and_where(Expr::col("seq").eq(seq))
                    .and_where(Expr::col("replayed_at").is_null()),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        // Other processes' runners hear of it too (PostgreSQL); this one's at once.
        tx.notify(tenant, seq).await?;
        tx.commit().await?;
        self.woke(tenant, seq);
        Ok(())
    }

    async fn replays_requested(&self, tenant: TenantId, consumer: &str) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .column("seq")
                    .from("parked_events")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("consumer").eq(consumer))
                    .and_where(Expr::col("replay_requested_at").is_not_null())
                    .and_where(Expr::col("replayed_at").is_null())
                    .order_by("seq", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| r.get("seq")).collect()
    }

    async fn log_marks(&self, consumer: &str) -> Result<Vec<LogMark>, StoreError> {
        // One statement for every tenant: three lookups by primary key (or its prefix) each.
        let of_tenant = |table: &str, column: &str| -> SelectStatement {
            Query::select()
                .column((Alias::new(table), Alias::new(column)))
                .from(Alias::new(table))
                .and_where(Expr::col((Alias::new(table), Alias::new("tenant_id"))).equals(("tenants", "id")))
                .limit(1)
                .to_owned()
        };
        let head = of_tenant("event_counters", "last_seq");
        let mut cursor = of_tenant("consumer_cursors", "cursor");
        cursor.and_where(Expr::col(("consumer_cursors", "consumer")).eq(consumer));
        let mut waiting = of_tenant("parked_events", "seq");
        waiting
            .and_where(Expr::col(("parked_events", "consumer")).eq(consumer))
            .and_where(Expr::col(("parked_events", "replay_requested_at")).is_not_null())
            .and_where(Expr::col(("parked_events", "replayed_at")).is_null());
        let sub = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into()));
        let q = Query::select()
            .column(("tenants", "id"))
            .expr_as(sub(head), Alias::new("head"))
            .expr_as(sub(cursor), Alias::new("cursor"))
            .expr_as(sub(waiting), Alias::new("waiting"))
            .from("tenants")
            .order_by(("tenants", "created_at"), Order::Asc)
            .to_owned();
        let rows = self.pool.read_all(On::Platform, &q).await?;
        rows.iter()
            .map(|r| {
                Ok(LogMark {
                    tenant: TenantId::from_uuid(r.get("id")?),
                    head: r.get::<Option<i64>>("head")?.unwrap_or(0),
                    cursor: r.get::<Option<i64>>("cursor")?.unwrap_or(0),
                    replay_waiting: r.get::<Option<i64>>("waiting")?.is_some(),
                })
            })
            .collect()
    }
}
