//! The rows of lead scoring shared by the store's methods and the readers of the log that
//! write in their own transactions: the facts a score is made of, and the scores kept.

use crate::db::Tx;
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::organization::OrganizationSize;
use crm_domain::scoring::{ContactFacts, Engagement};
use crm_domain::{ContactId, TenantId};
use crm_ports::StoreError;
use crm_ports::store::ContactScore;
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::types::Json;
use std::collections::HashMap;
use uuid::Uuid;

/// Most scores in one multi-row insert (5 values each: 5,000 values, within SQLite's
/// 32,766 and PostgreSQL's 65,535).
const ROWS_A_STATEMENT: usize = 1_000;

fn ie(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// What the scores of `contacts` are made of, read in `tx` (live contacts only): their
/// profile and company, the first opens, clicks and replies of their emails, their calls
/// and meetings that took place up to `now`.
pub(crate) async fn facts(
    tx: &mut Tx,
    tenant: TenantId,
    contacts: &[ContactId],
    now: DateTime<Utc>,
) -> Result<Vec<(ContactId, ContactFacts)>, StoreError> {
    if contacts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = contacts.iter().map(ContactId::as_uuid).collect();
    // Each contact once and sought by index, a few hundred a statement: a whole company
    // rescored at once (its industry changed) would pass the backends' limit of values in
    // one statement (see `Tx::fetch_matching`).
    let people = Query::select()
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
        .and_where(Expr::col(("contacts", "deleted_at")).is_null())
        .to_owned();
    let people = tx.fetch_matching(&people, ("contacts", "id"), &ids).await?;
    let emails = Query::select()
        .columns([
            ("email_messages", "contact_id"),
            ("email_messages", "opened_at"),
            ("email_messages", "clicked_at"),
            ("email_messages", "replied_at"),
        ])
        .from("email_messages")
        .and_where(Expr::col(("email_messages", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(
            Expr::col(("email_messages", "opened_at"))
                .is_not_null()
                .or(Expr::col(("email_messages", "clicked_at")).is_not_null())
                .or(Expr::col(("email_messages", "replied_at")).is_not_null()),
        )
        .to_owned();
    let emails = tx.fetch_matching(&emails, ("email_messages", "contact_id"), &ids).await?;
    let met = Query::select()
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
        .and_where(Expr::col(("activities", "kind")).is_in(["meeting", "call"]))
        .and_where(Expr::col(("activities", "deleted_at")).is_null())
        .and_where(Expr::col(("activities", "occurred_at")).lte(ts(now)))
        .to_owned();
    let met = tx.fetch_matching(&met, ("activity_links", "entity_id"), &ids).await?;
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

/// Keeps scores inside an open transaction (the scoring reader's, with its cursor): each
/// upserted, a history point where the score changed. Returns the changes (contact, score
/// before, score after).
pub(crate) async fn write_scores(tx: &mut Tx, tenant: TenantId, scores: &[ContactScore]) -> Result<Vec<(Uuid, i64, i64)>, StoreError> {
    if scores.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = scores.iter().map(|s| s.contact_id.as_uuid()).collect();
    let mut before: HashMap<Uuid, i64> = HashMap::new();
    let current = Query::select()
        .columns([("contact_scores", "contact_id"), ("contact_scores", "score")])
        .from("contact_scores")
        .and_where(Expr::col(("contact_scores", "tenant_id")).eq(tenant.as_uuid()))
        .to_owned();
    for r in tx.fetch_matching(&current, ("contact_scores", "contact_id"), &ids).await? {
        before.insert(r.get("contact_id")?, r.get("score")?);
    }
    let mut changed = Vec::new();
    // A thousand scores a statement: a whole company's would pass the backends' limit of
    // values in one statement.
    for chunk in scores.chunks(ROWS_A_STATEMENT) {
        let mut upsert = Query::insert();
        upsert
            .into_table("contact_scores")
            .columns(["tenant_id", "contact_id", "score", "breakdown", "computed_at"]);
        let mut history = Query::insert();
        history
            .into_table("score_history")
            .columns(["tenant_id", "contact_id", "at", "score"]);
        let mut points = 0;
        for s in chunk {
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
                changed.push((s.contact_id.as_uuid(), was.unwrap_or(0), score));
                points += 1;
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
        if points > 0 {
            history.on_conflict(OnConflict::columns(["tenant_id", "contact_id", "at"]).do_nothing().to_owned());
            tx.execute(&history).await?;
        }
    }
    copy_onto_rows(tx, tenant, &changed).await?;
    Ok(changed)
}

/// The changed scores copied onto their contacts' rows (`contacts.score`, what the reads
/// of contacts take; see `contact_sql::current_score`), a statement for a thousand, the
/// contacts' versions and times untouched. Those whose score did not change already hold
/// it: the row starts at 0, as a contact without a score counts.
async fn copy_onto_rows(tx: &mut Tx, tenant: TenantId, changed: &[(Uuid, i64, i64)]) -> Result<(), StoreError> {
    for chunk in changed.chunks(ROWS_A_STATEMENT) {
        let Some(((first_id, _, first), rest)) = chunk.split_first() else {
            continue;
        };
        let mut score = Expr::case(Expr::col("id").eq(*first_id), *first);
        for (id, _, s) in rest {
            score = score.case(Expr::col("id").eq(*id), *s);
        }
        let update = Query::update()
            .table("contacts")
            .value("score", score.finally(Expr::col("score")))
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("id").is_in(chunk.iter().map(|c| c.0)))
            .to_owned();
        tx.execute(&update).await?;
    }
    Ok(())
}

impl<C: crm_ports::Cipher> crate::SqlStore<C> {
    /// Keeps scores ([`write_scores`]) and logs each change as the contact's
    /// `score_changed` event, by the system, in the same transaction; the last event's
    /// sequence number, if any.
    pub(crate) async fn keep_scores(&self, tx: &mut Tx, tenant: TenantId, scores: &[ContactScore]) -> Result<Option<i64>, StoreError> {
        let changed = write_scores(tx, tenant, scores).await?;
        let Some(at) = scores.first().map(|s| s.computed_at) else {
            return Ok(None);
        };
        if changed.is_empty() {
            return Ok(None);
        }
        let ids: Vec<Uuid> = changed.iter().map(|c| c.0).collect();
        let mut owners: HashMap<Uuid, Uuid> = HashMap::new();
        let of = Query::select()
            .columns([("contacts", "id"), ("contacts", "owner_id")])
            .from("contacts")
            .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
            .to_owned();
        for r in tx.fetch_matching(&of, ("contacts", "id"), &ids).await? {
            owners.insert(r.get("id")?, r.get("owner_id")?);
        }
        let events: Vec<crm_domain::event::NewEvent> = changed
            .iter()
            .filter(|c| owners.contains_key(&c.0))
            .map(|(id, before, after)| crm_domain::event::NewEvent {
                at,
                actor: crm_domain::Actor::System { tenant_id: tenant },
                entity_type: crm_domain::event::EntityType::Contact,
                entity_id: *id,
                kind: crm_domain::event::EventKind::ScoreChanged,
                owner_id: owners.get(id).copied(),
                changes: vec![crm_domain::event::FieldChange {
                    field: "score",
                    before: Some(serde_json::Value::from(*before)),
                    after: Some(serde_json::Value::from(*after)),
                    sensitivity: crm_domain::event::Sensitivity::Clear,
                }],
            })
            .collect();
        if events.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.append(tx, tenant, &events).await?))
    }
}
