//! Automation rules (trigger, conditions and actions as JSON) and their runs (each action's
//! outcome as JSON), one run per rule and trigger key.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::jobs::insert_job;
use crate::rows::{from_ts, ts, versioned_update};
use chrono::{DateTime, Utc};
use crm_domain::automation::{AutomationRule, AutomationSpec, RunState};
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::segment::Rule;
use crm_domain::text::Name;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::{AutomationRun, AutomationStore, RunCount, RunStart};
use crm_ports::{Cipher, StoreError};
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

const COLUMNS: [&str; 11] = [
    "tenant_id",
    "id",
    "name",
    "active",
    "trigger_spec",
    "conditions",
    "actions",
    "created_by",
    "version",
    "created_at",
    "updated_at",
];

const RUN_COLUMNS: [&str; 16] = [
    "tenant_id",
    "id",
    "rule_id",
    "trigger_key",
    "event_seq",
    "entity_type",
    "entity_id",
    "contact_id",
    "depth",
    "state",
    "reason",
    "steps",
    "next_step",
    "resume_at",
    "created_at",
    "updated_at",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("automation: bad {what}"))
}

fn ie(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(ie)
}

fn read(r: &Row) -> Result<AutomationRule, StoreError> {
    let conditions: Option<String> = r.get("conditions")?;
    let conditions = match conditions {
        Some(c) => {
            let v: serde_json::Value = serde_json::from_str(&c).map_err(|_| bad("conditions"))?;
            Some(Rule::parse(&v, "conditions").map_err(|_| bad("conditions"))?)
        }
        None => None,
    };
    Ok(AutomationRule {
        id: r.get("id")?,
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        spec: AutomationSpec {
            name: Name::parse(&r.get::<String>("name")?).map_err(|_| bad("name"))?,
            active: r.get("active")?,
            trigger: serde_json::from_str(&r.get::<String>("trigger_spec")?).map_err(|_| bad("trigger"))?,
            conditions,
            actions: serde_json::from_str(&r.get::<String>("actions")?).map_err(|_| bad("actions"))?,
        },
        created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn read_run(r: &Row) -> Result<AutomationRun, StoreError> {
    let entity: String = r.get("entity_type")?;
    Ok(AutomationRun {
        id: r.get("id")?,
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        rule_id: r.get("rule_id")?,
        trigger_key: r.get("trigger_key")?,
        event_seq: r.get("event_seq")?,
        entity_type: EntityType::parse(&entity).ok_or_else(|| bad("entity_type"))?,
        entity_id: r.get("entity_id")?,
        contact_id: r.get::<Option<Uuid>>("contact_id")?.map(ContactId::from_uuid),
        depth: u8::try_from(r.get::<i64>("depth")?).map_err(|_| bad("depth"))?,
        state: RunState::parse(&r.get::<String>("state")?).ok_or_else(|| bad("state"))?,
        reason: r.get("reason")?,
        steps: serde_json::from_str(&r.get::<String>("steps")?).map_err(|_| bad("steps"))?,
        next_step: u32::try_from(r.get::<i64>("next_step")?).map_err(|_| bad("next_step"))?,
        resume_at: r.get::<Option<i64>>("resume_at")?.map(from_ts).transpose()?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn conditions_json(spec: &AutomationSpec) -> Result<Option<String>, StoreError> {
    spec.conditions.as_ref().map(|c| json(&c.to_json())).transpose()
}

/// Starts runs inside an open transaction: each run not known yet (rule and trigger key)
/// is inserted with its job; a known one is left alone. How many were new.
pub(crate) async fn start_runs(tx: &mut Tx, tenant: TenantId, starts: &[RunStart], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut started = 0;
    for s in starts {
        let r = &s.run;
        if r.tenant_id != tenant || s.job.as_ref().is_some_and(|j| j.tenant_id != tenant) {
            return Err(StoreError::Internal("automation run of another tenant".into()));
        }
        let mut q = Query::insert();
        q.into_table("automation_runs")
            .columns(RUN_COLUMNS)
            .values([
                tenant.as_uuid().into(),
                r.id.into(),
                r.rule_id.into(),
                r.trigger_key.clone().into(),
                r.event_seq.into(),
                r.entity_type.code().into(),
                r.entity_id.into(),
                r.contact_id.map(|c| c.as_uuid()).into(),
                i64::from(r.depth).into(),
                r.state.name().into(),
                r.reason.clone().into(),
                json(&r.steps)?.into(),
                i64::from(r.next_step).into(),
                r.resume_at.map(ts).into(),
                ts(r.created_at).into(),
                ts(r.updated_at).into(),
            ])
            .map_err(ie)?
            .on_conflict(OnConflict::columns(["tenant_id", "rule_id", "trigger_key"]).do_nothing().to_owned());
        if tx.execute(&q).await? == 0 {
            continue;
        }
        started += 1;
        if let Some(job) = &s.job {
            insert_job(tx, job, now).await?;
        }
    }
    Ok(started)
}

impl<C: Cipher> AutomationStore for SqlStore<C> {
    async fn create_automation(&self, rule: &AutomationRule, event: &NewEvent) -> Result<(), StoreError> {
        let tenant = rule.tenant_id;
        let s = &rule.spec;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("automation_rules")
                .columns(COLUMNS)
                .values([
                    tenant.as_uuid().into(),
                    rule.id.into(),
                    s.name.as_str().into(),
                    s.active.into(),
                    json(&s.trigger)?.into(),
                    conditions_json(s)?.into(),
                    json(&s.actions)?.into(),
                    rule.created_by.map(|u| u.as_uuid()).into(),
                    rule.version.into(),
                    ts(rule.created_at).into(),
                    ts(rule.updated_at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn update_automation(&self, rule: &AutomationRule, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let tenant = rule.tenant_id;
        let s = &rule.spec;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut q = Query::update();
        q.value("name", s.name.as_str())
            .value("active", s.active)
            .value("trigger_spec", json(&s.trigger)?)
            .value("conditions", conditions_json(s)?)
            .value("actions", json(&s.actions)?)
            .value("version", rule.version)
            .value("updated_at", ts(rule.updated_at));
        versioned_update(&mut tx, "automation_rules", tenant, rule.id, expected_version, false, q).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn delete_automation(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        crate::rows::delete_row(&mut tx, "automation_rules", tenant, id).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn automation(&self, tenant: TenantId, id: Uuid) -> Result<AutomationRule, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(COLUMNS)
                    .from("automation_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        tx.commit().await?;
        read(&row.ok_or(StoreError::NotFound)?)
    }

    async fn automations(&self, tenant: TenantId) -> Result<Vec<AutomationRule>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from("automation_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(read).collect()
    }

    async fn start_automation_runs(&self, tenant: TenantId, starts: &[RunStart]) -> Result<u64, StoreError> {
        let Some(now) = starts.first().map(|s| s.run.created_at) else {
            return Ok(0);
        };
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = start_runs(&mut tx, tenant, starts, now).await?;
        tx.commit().await?;
        if n > 0 {
            self.queued_jobs();
        }
        Ok(n)
    }

    async fn automation_run(&self, tenant: TenantId, id: Uuid) -> Result<AutomationRun, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(RUN_COLUMNS)
                    .from("automation_runs")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        tx.commit().await?;
        read_run(&row.ok_or(StoreError::NotFound)?)
    }

    async fn save_automation_run(&self, run: &AutomationRun) -> Result<(), StoreError> {
        let tenant = run.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("automation_runs")
                    .value("state", run.state.name())
                    .value("reason", run.reason.clone())
                    .value("steps", json(&run.steps)?)
                    .value("next_step", i64::from(run.next_step))
                    .value("resume_at", run.resume_at.map(ts))
                    .value("updated_at", ts(run.updated_at))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(run.id)),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await
    }

    async fn automation_runs(
        &self,
        tenant: TenantId,
        rule: Uuid,
        state: Option<RunState>,
        limit: u32,
    ) -> Result<Vec<AutomationRun>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let mut q = Query::select();
        q.columns(RUN_COLUMNS)
            .from("automation_runs")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("rule_id").eq(rule))
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit));
        if let Some(s) = state {
            q.and_where(Expr::col("state").eq(s.name()));
        }
        let rows = tx.fetch_all(&q).await?;
        tx.commit().await?;
        rows.iter().map(read_run).collect()
    }

    async fn automation_run_counts(&self, tenant: TenantId) -> Result<Vec<RunCount>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["rule_id", "state"])
                    .expr_as(Expr::col("id").count(), Alias::new("n"))
                    .expr_as(Expr::col("created_at").max(), Alias::new("last_at"))
                    .from("automation_runs")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .group_by_col("rule_id")
                    .group_by_col("state"),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(RunCount {
                    rule_id: r.get("rule_id")?,
                    state: RunState::parse(&r.get::<String>("state")?).ok_or_else(|| bad("state"))?,
                    count: crate::rows::count(r.get("n")?),
                    last_at: from_ts(r.get("last_at")?)?,
                })
            })
            .collect()
    }
}
