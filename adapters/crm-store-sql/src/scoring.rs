//! Lead scoring: the rules (their signal as JSON), the facts a score is made of (the
//! contact's profile and company, first opens, clicks and replies of their emails, their
//! calls and meetings that took place), and the scores with their history.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::organization::OrganizationSize;
use crm_domain::scoring::{Breakdown, ContactFacts, Engagement, RuleSpec, ScoringRule, Signal};
use crm_domain::text::Label;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::{ContactScore, ScoringStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sqlx::types::Json;
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

/// Keeps scores inside an open transaction (the scoring reader's, with its cursor): each
/// upserted, a history point where the score changed.
pub(crate) async fn write_scores(tx: &mut Tx, tenant: TenantId, scores: &[ContactScore]) -> Result<(), StoreError> {
    if scores.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = scores.iter().map(|s| s.contact_id.as_uuid()).collect();
    let before: HashMap<Uuid, i64> = tx
        .fetch_all(
            Query::select()
                .columns(["contact_id", "score"])
                .from("contact_scores")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("contact_id").is_in(ids)),
        )
        .await?
        .iter()
        .map(|r| Ok((r.get::<Uuid>("contact_id")?, r.get::<i64>("score")?)))
        .collect::<Result<_, StoreError>>()?;
    let mut upsert = Query::insert();
    upsert
        .into_table("contact_scores")
        .columns(["tenant_id", "contact_id", "score", "breakdown", "computed_at"]);
    let mut history = Query::insert();
    history
        .into_table("score_history")
        .columns(["tenant_id", "contact_id", "at", "score"]);
    let mut changed = 0;
    for s in scores {
        let score = i64::from(s.breakdown.score);
        upsert
            .values([
                tenant.as_uuid().into(),
                s.contact_id.as_uuid().into(),
                score.into(),
                serde_json::to_string(&s.breakdown).map_err(ie)?.into(),
                ts(s.computed_at).into(),
            ])
            .map_err(ie)?;
        let was = before.get(&s.contact_id.as_uuid()).copied();
        // A first score of 0 is no change worth a point in the history.
        if was.unwrap_or(0) != score {
            changed += 1;
            history
                .values([
                    tenant.as_uuid().into(),
                    s.contact_id.as_uuid().into(),
                    ts(s.computed_at).into(),
                    score.into(),
                ])
                .map_err(ie)?;
        }
    }
    upsert.on_conflict(
        OnConflict::columns(["tenant_id", "contact_id"])
            .update_columns(["score", "breakdown", "computed_at"])
            .to_owned(),
    );
    tx.execute(&upsert).await?;
    if changed > 0 {
        history.on_conflict(OnConflict::columns(["tenant_id", "contact_id", "at"]).do_nothing().to_owned());
        tx.execute(&history).await?;
    }
    Ok(())
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
        let n = tx
            .execute(
                Query::update()
                    .table("scoring_rules")
                    .value("name", rule.spec.name.as_str())
                    .value("signal", serde_json::to_string(&rule.spec.signal).map_err(ie)?)
                    .value("points", i64::from(rule.spec.points))
                    .value("half_life_days", rule.spec.half_life_days.map(i64::from))
                    .value("active", rule.spec.active)
                    .value("updated_by", rule.updated_by.map(|u| u.as_uuid()))
                    .value("version", rule.version)
                    .value("updated_at", ts(rule.updated_at))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(rule.id))
                    .and_where(Expr::col("version").eq(expected_version)),
            )
            .await?;
        if n == 0 {
            let exists = tx
                .fetch_optional(
                    Query::select()
                        .column("id")
                        .from("scoring_rules")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(rule.id)),
                )
                .await?
                .is_some();
            return Err(if exists { StoreError::Conflict } else { StoreError::NotFound });
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn delete_scoring_rule(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("scoring_rules")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
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
        if contacts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = contacts.iter().map(ContactId::as_uuid).collect();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let people = tx
            .fetch_all(
                Query::select()
                    .columns([
                        ("contacts", "id"),
                        ("contacts", "job_title"),
                        ("contacts", "source"),
                        ("contacts", "tags"),
                    ])
                    .columns([("organizations", "industry"), ("organizations", "size")])
                    .from("contacts")
                    .left_join(
                        "organizations",
                        Expr::col(("organizations", "tenant_id"))
                            .equals(("contacts", "tenant_id"))
                            .and(Expr::col(("organizations", "id")).equals(("contacts", "organization_id"))),
                    )
                    .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("contacts", "id")).is_in(ids.clone()))
                    .and_where(Expr::col(("contacts", "deleted_at")).is_null()),
            )
            .await?;
        let emails = tx
            .fetch_all(
                Query::select()
                    .columns(["contact_id", "opened_at", "clicked_at", "replied_at"])
                    .from("email_messages")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").is_in(ids.clone()))
                    .and_where(
                        Expr::col("opened_at")
                            .is_not_null()
                            .or(Expr::col("clicked_at").is_not_null())
                            .or(Expr::col("replied_at").is_not_null()),
                    ),
            )
            .await?;
        let met = tx
            .fetch_all(
                Query::select()
                    .column(("activity_links", "entity_id"))
                    .columns([("activities", "kind"), ("activities", "occurred_at")])
                    .from("activity_links")
                    .inner_join(
                        "activities",
                        Expr::col(("activities", "tenant_id"))
                            .equals(("activity_links", "tenant_id"))
                            .and(Expr::col(("activities", "id")).equals(("activity_links", "activity_id"))),
                    )
                    .and_where(Expr::col(("activity_links", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("activity_links", "entity_type")).eq("contact"))
                    .and_where(Expr::col(("activity_links", "entity_id")).is_in(ids))
                    .and_where(Expr::col(("activities", "kind")).is_in(["meeting", "call"]))
                    .and_where(Expr::col(("activities", "deleted_at")).is_null())
                    .and_where(Expr::col(("activities", "occurred_at")).lte(ts(now))),
            )
            .await?;
        tx.commit().await?;
        let mut out: HashMap<Uuid, ContactFacts> = HashMap::new();
        for r in &people {
            let Json(tags): Json<Vec<String>> = r.get("tags")?;
            out.insert(
                r.get("id")?,
                ContactFacts {
                    job_title: r.get("job_title")?,
                    source: r.get("source")?,
                    tags,
                    industry: r.get("industry")?,
                    size: r.get::<Option<String>>("size")?.and_then(|s| OrganizationSize::parse(&s).ok()),
                    engagements: Vec::new(),
                },
            );
        }
        for r in &emails {
            let Some(f) = out.get_mut(&r.get::<Uuid>("contact_id")?) else {
                continue;
            };
            for (col, e) in [
                ("opened_at", Engagement::EmailOpened),
                ("clicked_at", Engagement::EmailClicked),
                ("replied_at", Engagement::EmailReplied),
            ] {
                if let Some(at) = r.get::<Option<i64>>(col)? {
                    let at = from_ts(at)?;
                    if at <= now {
                        f.engagements.push((e, at));
                    }
                }
            }
        }
        for r in &met {
            let Some(f) = out.get_mut(&r.get::<Uuid>("entity_id")?) else {
                continue;
            };
            let e = if r.get::<String>("kind")? == "meeting" {
                Engagement::MeetingHeld
            } else {
                Engagement::CallMade
            };
            f.engagements.push((e, from_ts(r.get("occurred_at")?)?));
        }
        let mut list: Vec<(ContactId, ContactFacts)> = out
            .into_iter()
            .map(|(id, mut f)| {
                f.engagements.sort();
                (ContactId::from_uuid(id), f)
            })
            .collect();
        list.sort_by_key(|(id, _)| *id);
        Ok(list)
    }

    async fn save_scores(&self, tenant: TenantId, scores: &[ContactScore]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        write_scores(&mut tx, tenant, scores).await?;
        tx.commit().await
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
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get("id")?))).collect()
    }
}
