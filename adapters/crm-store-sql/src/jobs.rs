//! The durable queue of jobs and timers. Outside row-level security (workers claim across
//! tenants), so every read or write made for a tenant filters by `tenant_id` in SQL. A
//! claim locks its row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock taken at
//! `BEGIN IMMEDIATE` on SQLite); a partial unique index keeps one live job per tenant and key.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts, valid};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_ports::store::{Job, JobOutcome, JobState, JobStore, NewJob};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query, UpdateStatement};
use sqlx::types::Json;
use std::collections::HashSet;
use uuid::Uuid;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

const JOB_COLUMNS: [&str; 15] = [
    "id",
    "tenant_id",
    "kind",
    "payload",
    "key",
    "state",
    "step",
    "progress",
    "attempts",
    "due_at",
    "lease_owner",
    "lease_until",
    "error",
    "created_at",
    "updated_at",
];

/// States of a live job: at most one per tenant and key.
const LIVE: [&str; 2] = ["queued", "running"];

fn job_from_row(r: &Row) -> Result<Job, StoreError> {
    let Json(payload): Json<serde_json::Value> = r.get("payload")?;
    let Json(progress): Json<serde_json::Value> = r.get("progress")?;
    let state: String = r.get("state")?;
    Ok(Job {
        id: r.get("id")?,
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        kind: r.get("kind")?,
        payload,
        key: r.get("key")?,
        state: valid("state", JobState::parse(&state).ok_or(state))?,
        step: r.get("step")?,
        progress,
        attempts: valid("attempts", u32::try_from(r.get::<i64>("attempts")?))?,
        due_at: from_ts(r.get("due_at")?)?,
        lease_owner: r.get("lease_owner")?,
        lease_until: r.get::<Option<i64>>("lease_until")?.map(from_ts).transpose()?,
        error: r.get("error")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

/// Queues a job inside an open transaction; `false` (nothing written) when a live job of
/// the tenant has its key. Race-safe: the partial unique index decides, and the conflict
/// is skipped in SQL, so the surrounding transaction stays usable.
pub(crate) async fn insert_job(tx: &mut Tx, job: &NewJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            Query::insert()
                .into_table("jobs")
                .columns(JOB_COLUMNS)
                .values([
                    job.id.into(),
                    job.tenant_id.as_uuid().into(),
                    job.kind.clone().into(),
                    job.payload.clone().into(),
                    job.key.clone().into(),
                    JobState::Queued.name().into(),
                    0i64.into(),
                    serde_json::Value::Null.into(),
                    0i64.into(),
                    ts(job.due_at).into(),
                    Option::<Uuid>::None.into(),
                    Option::<i64>::None.into(),
                    Option::<String>::None.into(),
                    ts(now).into(),
                    ts(now).into(),
                ])
                .map_err(ie)?
                .on_conflict(
                    // The index predicate inlined (not bound), so both backends infer the index.
                    OnConflict::columns(["tenant_id", "key"])
                        .target_and_where(
                            Expr::col("key")
                                .is_not_null()
                                .and(Expr::col("state").is_in(LIVE.map(|s| Expr::Constant(s.into())))),
                        )
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    Ok(n == 1)
}

/// Updates of held jobs.
impl<C: Cipher> SqlStore<C> {
    /// Sets the values of `stmt` on a job the worker holds, in a transaction of its own.
    async fn update_held_job(&self, tenant: TenantId, id: Uuid, worker: Uuid, stmt: UpdateStatement) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        update_held(&mut tx, tenant, id, worker, stmt).await?;
        tx.commit().await
    }
}

/// An update of a job the worker holds (running, leased to it); `Conflict` when it no
/// longer does.
pub(crate) async fn update_held(
    tx: &mut Tx,
    tenant: TenantId,
    id: Uuid,
    worker: Uuid,
    mut stmt: UpdateStatement,
) -> Result<(), StoreError> {
    stmt.table("jobs")
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("lease_owner").eq(worker))
        .and_where(Expr::col("state").eq(JobState::Running.name()));
    if tx.execute(&stmt).await? == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

async fn fetch_job(tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Job, StoreError> {
    let row = tx
        .fetch_one(
            Query::select()
                .columns(JOB_COLUMNS)
                .from("jobs")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id)),
        )
        .await?;
    job_from_row(&row)
}

impl<C: Cipher> JobStore for SqlStore<C> {
    async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        let queued = insert_job(&mut tx, job, now).await?;
        tx.commit().await?;
        if queued {
            self.queued_jobs();
        }
        Ok(queued)
    }

    async fn next_job_due(&self, kinds: &[&str]) -> Result<Option<DateTime<Utc>>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let earliest = |state: JobState, column: &'static str| {
            let q = Query::select()
                .expr(Expr::col(column).min())
                .from("jobs")
                .and_where(Expr::col("state").eq(state.name()))
                .and_where(Expr::col("kind").is_in(kinds.iter().copied()))
                .to_owned();
            Expr::SubQuery(None, Box::new(q.into()))
        };
        let mut q = Query::select();
        q.expr_as(earliest(JobState::Queued, "due_at"), sea_query::Alias::new("due"))
            .expr_as(earliest(JobState::Running, "lease_until"), sea_query::Alias::new("lease"));
        let rows = self.pool.read_all(On::Platform, &q).await?;
        let Some(row) = rows.first() else { return Ok(None) };
        let due: Option<i64> = row.get("due")?;
        let lease: Option<i64> = row.get("lease")?;
        due.into_iter().chain(lease).min().map(from_ts).transpose()
    }

    fn jobs_queued(&self) -> tokio::sync::watch::Receiver<u64> {
        self.jobs.subscribe()
    }

    async fn tenants_with_live_job(&self, key: &str) -> Result<HashSet<TenantId>, StoreError> {
        let mut q = Query::select();
        q.column("tenant_id")
            .from("jobs")
            .and_where(Expr::col("key").eq(key))
            .and_where(Expr::col("state").is_in(LIVE));
        let rows = self.pool.read_all(On::Platform, &q).await?;
        rows.iter().map(|r| r.get::<Uuid>("tenant_id").map(TenantId::from_uuid)).collect()
    }

    async fn claim_job(
        &self,
        tenant: Option<TenantId>,
        kinds: &[&str],
        worker: Uuid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        let due = Expr::col("state")
            .eq(JobState::Queued.name())
            .and(Expr::col("due_at").lte(ts(now)))
            .or(Expr::col("state")
                .eq(JobState::Running.name())
                .and(Expr::col("lease_until").lt(ts(now))));
        let picked = tx
            .fetch_optional(
                Query::select()
                    .column("id")
                    .from("jobs")
                    .and_where(Expr::col("kind").is_in(kinds.iter().copied()))
                    .and_where(due)
                    .and_where_option(tenant.map(|t| Expr::col("tenant_id").eq(t.as_uuid())))
                    .order_by("due_at", Order::Asc)
                    .order_by("id", Order::Asc)
                    .limit(1)
                    // PostgreSQL only; SQLite's write lock already serialises claims.
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
            )
            .await?;
        let Some(picked) = picked else {
            tx.commit().await?;
            return Ok(None);
        };
        let id: Uuid = picked.get("id")?;
        let row = tx
            .fetch_one(
                Query::update()
                    .table("jobs")
                    .values([
                        ("state", Expr::from(JobState::Running.name())),
                        ("lease_owner", Expr::from(worker)),
                        ("lease_until", Expr::from(ts(lease_until))),
                        ("attempts", Expr::col("attempts").add(1)),
                        ("updated_at", Expr::from(ts(now))),
                    ])
                    .and_where(Expr::col("id").eq(id))
                    .returning(Query::returning().columns(JOB_COLUMNS)),
            )
            .await?;
        let job = job_from_row(&row)?;
        tx.commit().await?;
        Ok(Some(job))
    }

    async fn checkpoint_job(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        step: i64,
        progress: &serde_json::Value,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut stmt = UpdateStatement::new();
        stmt.values([
            ("step", Expr::from(step)),
            ("progress", Expr::from(progress.clone())),
            ("lease_until", Expr::from(ts(lease_until))),
            ("updated_at", Expr::from(ts(now))),
        ]);
        self.update_held_job(tenant, id, worker, stmt).await
    }

    async fn renew_job_lease(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut stmt = UpdateStatement::new();
        stmt.values([("lease_until", Expr::from(ts(lease_until))), ("updated_at", Expr::from(ts(now)))]);
        self.update_held_job(tenant, id, worker, stmt).await
    }

    async fn finish_job(
        &self,
        tenant: TenantId,
        id: Uuid,
        worker: Uuid,
        outcome: &JobOutcome,
        next: Option<&NewJob>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if next.is_some_and(|n| n.tenant_id != tenant) {
            return Err(StoreError::Internal("next job of another tenant".into()));
        }
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        let mut stmt = UpdateStatement::new();
        stmt.values([
            ("lease_owner", Expr::from(Option::<Uuid>::None)),
            ("lease_until", Expr::from(Option::<i64>::None)),
            ("updated_at", Expr::from(ts(now))),
        ]);
        match outcome {
            JobOutcome::Done => {
                stmt.value("state", JobState::Done.name());
            }
            JobOutcome::Retry { at, error } => {
                stmt.values([
                    ("state", Expr::from(JobState::Queued.name())),
                    ("due_at", Expr::from(ts(*at))),
                    ("error", Expr::from(error.as_str())),
                ]);
            }
            JobOutcome::Failed(error) => {
                stmt.values([
                    ("state", Expr::from(JobState::Failed.name())),
                    ("error", Expr::from(error.as_str())),
                ]);
            }
        }
        update_held(&mut tx, tenant, id, worker, stmt).await?;
        if let Some(next) = next {
            insert_job(&mut tx, next, now).await?;
        }
        tx.commit().await
    }

    async fn cancel_job(&self, tenant: TenantId, id: Uuid, now: DateTime<Utc>) -> Result<Job, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        tx.execute(
            Query::update()
                .table("jobs")
                .values([
                    ("state", Expr::from(JobState::Cancelled.name())),
                    ("lease_owner", Expr::from(Option::<Uuid>::None)),
                    ("lease_until", Expr::from(Option::<i64>::None)),
                    ("updated_at", Expr::from(ts(now))),
                ])
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("state").is_in(LIVE)),
        )
        .await?;
        let job = fetch_job(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn job(&self, tenant: TenantId, id: Uuid) -> Result<Job, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let job = fetch_job(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn jobs(&self, tenant: TenantId, kind: Option<&str>, limit: u32) -> Result<Vec<Job>, StoreError> {
        let mut q = Query::select();
        q.columns(JOB_COLUMNS)
            .from("jobs")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit));
        if let Some(kind) = kind {
            q.and_where(Expr::col("kind").eq(kind));
        }
        let rows = self.pool.read_all(On::Platform, &q).await?;
        rows.iter().map(job_from_row).collect()
    }

    async fn purge_jobs(&self, finished_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("jobs")
                    .and_where(Expr::col("state").is_in(["done", "failed", "cancelled"]))
                    .and_where(Expr::col("updated_at").lt(ts(finished_before))),
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
