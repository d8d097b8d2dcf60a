//! Lead scoring: the rules (their signal as JSON), the facts a score is made of (the
//! contact's profile and company, first opens, clicks and replies of their emails, their
//! calls and meetings that took place), and the scores with their history.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts, versioned_update};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::scoring::learned::Training;
use crm_domain::scoring::{Breakdown, ContactFacts, RuleSpec, ScoringRule, Signal};
use crm_domain::text::Label;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::{ContactScore, ScoringStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: [&str; 11] = [
    "tenant_id",
    "id",
    "name",
    "signal",
    "points",
    "half_life_days",
    "active",
    "updated_by",
    "version",
    "created_at",
    "updated_at",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("scoring: bad {what}"))
}

fn ie(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn read_rule(r: &Row) -> Result<ScoringRule, StoreError> {
    let signal: Signal = serde_json::from_str(&r.get::<String>("signal")?).map_err(|_| bad("signal"))?;
    Ok(ScoringRule {
        id: r.get("id")?,
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        spec: RuleSpec {
            name: Label::parse(&r.get::<String>("name")?).map_err(|_| bad("name"))?,
            signal,
            points: i32::try_from(r.get::<i64>("points")?).map_err(|_| bad("points"))?,
            half_life_days: r.get::<Option<i64>>("half_life_days")?.and_then(|d| u32::try_from(d).ok()),
            active: r.get("active")?,
        },
        updated_by: r.get::<Option<Uuid>>("updated_by")?.map(UserId::from_uuid),
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn rule_values(rule: &ScoringRule) -> Result<Vec<sea_query::Expr>, StoreError> {
    Ok(vec![
        rule.tenant_id.as_uuid().into(),
        rule.id.into(),
        rule.spec.name.as_str().into(),
        serde_json::to_string(&rule.spec.signal).map_err(ie)?.into(),
        i64::from(rule.spec.points).into(),
        rule.spec.half_life_days.map(i64::from).into(),
        rule.spec.active.into(),
        rule.updated_by.map(|u| u.as_uuid()).into(),
        rule.version.into(),
        ts(rule.created_at).into(),
        ts(rule.updated_at).into(),
    ])
}

impl<C: Cipher> ScoringStore for SqlStore<C> {
    async fn create_scoring_rule(&self, rule: &ScoringRule, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(rule.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("scoring_rules")
                .columns(COLUMNS)
                .values(rule_values(rule)?)
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, rule.tenant_id, std::slice::from_ref(event)).await
    }

    async fn update_scoring_rule(&self, rule: &ScoringRule, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let tenant = rule.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut q = Query::update();
        q.value("name", rule.spec.name.as_str())
            .value("signal", serde_json::to_string(&rule.spec.signal).map_err(ie)?)
            .value("points", i64::from(rule.spec.points))
            .value("half_life_days", rule.spec.half_life_days.map(i64::from))
            .value("active", rule.spec.active)
            .value("updated_by", rule.updated_by.map(|u| u.as_uuid()))
            .value("version", rule.version)
            .value("updated_at", ts(rule.updated_at));
        versioned_update(&mut tx, "scoring_rules", tenant, rule.id, expected_version, false, q).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn delete_scoring_rule(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        crate::rows::delete_row(&mut tx, "scoring_rules", tenant, id).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn scoring_rules(&self, tenant: TenantId) -> Result<Vec<ScoringRule>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from("scoring_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(read_rule).collect()
    }

    async fn scoring_facts(
        &self,
        tenant: TenantId,
        contacts: &[ContactId],
        now: DateTime<Utc>,
    ) -> Result<Vec<(ContactId, ContactFacts)>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let out = crate::scoring_rows::facts(&mut tx, tenant, contacts, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn save_scores(&self, tenant: TenantId, scores: &[ContactScore]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let seq = self.keep_scores(&mut tx, tenant, scores).await?;
        if let Some(seq) = seq {
            tx.notify(tenant, seq).await?;
        }
        tx.commit().await?;
        if let Some(seq) = seq {
            self.woke(tenant, seq);
        }
        Ok(())
    }

    async fn contact_score(&self, tenant: TenantId, contact: ContactId) -> Result<Option<ContactScore>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(["breakdown", "computed_at"])
                    .from("contact_scores")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(contact.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let breakdown: Breakdown = serde_json::from_str(&r.get::<String>("breakdown")?).map_err(|_| bad("breakdown"))?;
        Ok(Some(ContactScore {
            contact_id: contact,
            breakdown,
            computed_at: from_ts(r.get("computed_at")?)?,
        }))
    }

    async fn score_history(&self, tenant: TenantId, contact: ContactId, limit: u32) -> Result<Vec<(DateTime<Utc>, i32)>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["at", "score"])
                    .from("score_history")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(contact.as_uuid()))
                    .order_by("at", Order::Desc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| Ok((from_ts(r.get("at")?)?, i32::try_from(r.get::<i64>("score")?).unwrap_or(0))))
            .collect()
    }

    async fn scoring_examples(&self, tenant: TenantId) -> Result<Vec<(ContactId, bool, DateTime<Utc>)>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .column(("opportunity_contacts", "contact_id"))
                    .columns([("opportunities", "status"), ("opportunities", "closed_at")])
                    .from("opportunity_contacts")
                    .inner_join(
                        "opportunities",
                        Expr::col(("opportunities", "tenant_id"))
                            .equals(("opportunity_contacts", "tenant_id"))
                            .and(Expr::col(("opportunities", "id")).equals(("opportunity_contacts", "opportunity_id"))),
                    )
                    .inner_join(
                        "contacts",
                        Expr::col(("contacts", "tenant_id"))
                            .equals(("opportunity_contacts", "tenant_id"))
                            .and(Expr::col(("contacts", "id")).equals(("opportunity_contacts", "contact_id"))),
                    )
                    .and_where(Expr::col(("opportunity_contacts", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("opportunities", "status")).is_in(["won", "lost"]))
                    .and_where(Expr::col(("opportunities", "deleted_at")).is_null())
                    .and_where(Expr::col(("opportunities", "closed_at")).is_not_null())
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null()),
            )
            .await?;
        tx.commit().await?;
        // Per contact: (won, when) — the first win, else the last loss.
        let mut out: std::collections::BTreeMap<Uuid, (bool, DateTime<Utc>)> = std::collections::BTreeMap::new();
        for r in &rows {
            let id: Uuid = r.get("contact_id")?;
            let won = r.get::<String>("status")? == "won";
            let at = from_ts(r.get("closed_at")?)?;
            let e = out.entry(id).or_insert((won, at));
            *e = match (*e, won) {
                ((true, t), true) => (true, Ord::min(t, at)),
                ((true, t), false) => (true, t),
                ((false, _), true) => (true, at),
                ((false, t), false) => (false, Ord::max(t, at)),
            };
        }
        Ok(out.into_iter().map(|(id, (won, at))| (ContactId::from_uuid(id), won, at)).collect())
    }

    async fn save_scoring_model(&self, tenant: TenantId, trained_at: DateTime<Utc>, training: &Training) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("scoring_models")
                .columns(["tenant_id", "trained_at", "training"])
                .values([
                    tenant.as_uuid().into(),
                    ts(trained_at).into(),
                    serde_json::to_string(training).map_err(ie)?.into(),
                ])
                .map_err(ie)?
                .on_conflict(
                    OnConflict::column("tenant_id")
                        .update_columns(["trained_at", "training"])
                        .to_owned(),
                ),
        )
        .await?;
        tx.commit().await
    }

    async fn scoring_model(&self, tenant: TenantId) -> Result<Option<(DateTime<Utc>, Training)>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(["trained_at", "training"])
                    .from("scoring_models")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let training: Training = serde_json::from_str(&r.get::<String>("training")?).map_err(|_| bad("training"))?;
        Ok(Some((from_ts(r.get("trained_at")?)?, training)))
    }

    async fn scores_of(&self, tenant: TenantId, contacts: &[ContactId]) -> Result<Vec<(ContactId, i32)>, StoreError> {
        if contacts.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["contact_id", "score"])
                    .from("contact_scores")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").is_in(contacts.iter().map(ContactId::as_uuid))),
            )
            .await?;
        tx.commit().await?;
        let found: HashMap<Uuid, i32> = rows
            .iter()
            .map(|r| Ok((r.get::<Uuid>("contact_id")?, i32::try_from(r.get::<i64>("score")?).unwrap_or(0))))
            .collect::<Result<_, StoreError>>()?;
        Ok(contacts
            .iter()
            .map(|c| (*c, found.get(&c.as_uuid()).copied().unwrap_or(0)))
            .collect())
    }

    async fn contact_ids_after(&self, tenant: TenantId, after: Option<ContactId>, limit: u32) -> Result<Vec<ContactId>, StoreError> {
        let mut q = Query::select();
        q.column("id")
            .from("contacts")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("deleted_at").is_null())
            .order_by("id", Order::Asc)
            .limit(u64::from(limit));
        if let Some(a) = after {
            q.and_where(Expr::col("id").gt(a.as_uuid()));
        }
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get("id")?))).collect()
    }
}
