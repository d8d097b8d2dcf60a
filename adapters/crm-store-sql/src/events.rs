//! The event log: appended in the writing transaction with a per-tenant sequence number
//! taken from the tenant's counter row; read by cursor or as audit history.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::event_values::personal_aad;
use crate::person_keys::PersonKeys;
use crate::rows::{from_ts, ts, valid};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use crm_domain::event::{EntityType, EventKind, NewEvent, Sensitivity};
use crm_domain::{TenantId, UserId};
use crm_ports::query::{EventRecord, HistoryQuery, RecordedChange};
use crm_ports::store::EventLog;
use crm_ports::{Cipher, DataKey, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::{Value, json};
use sqlx::types::Json;
use std::collections::HashMap;
use uuid::Uuid;

/// Whose key seals an event's values (crypto-shredding): a contact's own events, theirs;
/// an activity's, the contact it concerned when written (`person_id`); `None`: no one's.
fn person_of(entity: EntityType, entity_id: Uuid, person_id: Option<Uuid>) -> Option<Uuid> {
    match entity {
        EntityType::Contact => Some(entity_id),
        _ => person_id,
    }
}

const EVENT_COLUMNS: [&str; 13] = [
    "tenant_id",
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "entity_type",
    "entity_id",
    "kind",
    "owner_id",
    "changes",
    "cause_rule",
    "cause_depth",
    "person_id",
];

/// Events a multi-row insert (13 values each: within SQLite's 32,766 and PostgreSQL's
/// 65,535 parameters).
const EVENTS_A_STATEMENT: usize = 2_000;

impl<C: Cipher> SqlStore<C> {
    fn seal_change_value(&self, tenant: TenantId, entity: Uuid, field: &str, v: Option<&Value>) -> Result<Value, StoreError> {
        match v {
            None => Ok(Value::Null),
            Some(v) => {
                let sealed = self.seal(tenant, "events", field, entity, v)?;
                Ok(json!({ "enc": B64.encode(sealed) }))
            }
        }
    }

    /// Seals a contact's value under their data key (`None`: they were erased, nothing
    /// of the value is kept).
    pub(crate) fn seal_personal_value(
        &self,
        key: Option<&DataKey>,
        tenant: TenantId,
        entity: Uuid,
        field: &str,
        v: Option<&Value>,
    ) -> Result<Value, StoreError> {
        match (v, key) {
            (None, _) => Ok(Value::Null),
            (Some(_), None) => Ok(json!({ "erased": true })),
            (Some(v), Some(key)) => {
                let plain = serde_json::to_vec(v).map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
                let sealed = self
                    .cipher
                    .encrypt_with(key, &personal_aad(tenant, entity, field), &plain)
                    .map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
                Ok(json!({ "pk": B64.encode(sealed) }))
            }
        }
    }

    /// A stored value, opened: the outer `None` when it was a person's and their key is
    /// gone (erased); `Some(None)` when there was no value.
    fn open_change_value(
        &self,
        keys: &PersonKeys,
        person: Option<Uuid>,
        tenant: TenantId,
        entity: Uuid,
        field: &str,
        v: &Value,
    ) -> Result<Option<Option<Value>>, StoreError> {
        if v.is_null() {
            return Ok(Some(None));
        }
        if v.get("erased").is_some_and(|e| e == &Value::Bool(true)) && v.as_object().is_some_and(|o| o.len() == 1) {
            return Ok(None);
        }
        if let Some(pk) = v.get("pk").and_then(Value::as_str) {
            let Some(Some(key)) = person.and_then(|p| keys.get(&p)) else {
                return Ok(None);
            };
            let bytes = B64.decode(pk).map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
            let plain = self
                .cipher
                .decrypt_with(key, &personal_aad(tenant, entity, field), &bytes)
                .map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
            return serde_json::from_slice(&plain)
                .map(|v| Some(Some(v)))
                .map_err(|e| StoreError::Internal(format!("event value: {e}")));
        }
        if let Some(enc) = v.get("enc").and_then(Value::as_str) {
            let bytes = B64.decode(enc).map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
            return self.open(tenant, "events", field, entity, &bytes).map(|v| Some(Some(v)));
        }
        Ok(Some(Some(v.clone())))
    }

    /// Appends events with consecutive sequence numbers; returns the last one.
    pub(crate) async fn append(&self, tx: &mut Tx, tenant: TenantId, events: &[NewEvent]) -> Result<i64, StoreError> {
        let n = i64::try_from(events.len()).map_err(|_| StoreError::Internal("too many events".into()))?;
        let row = tx
            .fetch_one(
                Query::update()
                    .table("event_counters")
                    .value("last_seq", Expr::col("last_seq").add(n))
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .returning_col("last_seq"),
            )
            .await?;
        let last: i64 = row.get("last_seq")?;
        // What the log keeps of a contact, or of an activity about one, is sealed under
        // their own key.
        let concerned = self.activity_people(tx, tenant, events).await?;
        // What an erasure or an anonymisation says of itself (the rule applied, from when it
        // counted) stays readable: it is the proof that it was done, not the person's data.
        let person = |ev: &NewEvent| match ev.kind {
            EventKind::Erased | EventKind::Anonymised => None,
            _ => person_of(ev.entity_type, ev.entity_id, concerned.get(&ev.entity_id).copied()),
        };
        let mut people: Vec<(Uuid, bool)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for ev in events.iter().filter(|e| !e.changes.is_empty()) {
            if let Some(p) = person(ev)
                && seen.insert(p)
            {
                let fresh = ev.entity_type == EntityType::Contact && ev.kind == EventKind::Created;
                people.push((p, fresh));
            }
        }
        let at = events.first().map_or_else(chrono::Utc::now, |e| e.at);
        let keys = match people.as_slice() {
            [] => PersonKeys::new(),
            [(person, fresh)] => {
                let mut one = PersonKeys::new();
                one.insert(*person, self.person_key_for_write(tx, tenant, *person, at, *fresh).await?);
                one
            }
            many => self.person_keys_for_write(tx, tenant, many, at).await?,
        };
        let mut insert = Query::insert();
        insert.into_table("events").columns(EVENT_COLUMNS);
        let mut rows = 0;
        for (i, ev) in events.iter().enumerate() {
            if rows == EVENTS_A_STATEMENT {
                tx.execute(&insert).await?;
                insert = Query::insert();
                insert.into_table("events").columns(EVENT_COLUMNS);
                rows = 0;
            }
            rows += 1;
            let seq = last - n + 1 + i as i64;
            let whole = match person(ev) {
                Some(p) if !ev.changes.is_empty() => keys.get(&p).and_then(Option::as_ref),
                _ => None,
            };
            let changes = match whole {
                // A person's values, while they have a key: sealed together, once.
                Some(key) => self.seal_whole(key, tenant, ev.entity_id, &ev.changes)?,
                None => self.changes_value_by_value(ev, person(ev), &keys, tenant)?,
            };
            insert
                .values([
                    tenant.as_uuid().into(),
                    seq.into(),
                    ts(ev.at).into(),
                    ev.actor.kind_code().into(),
                    ev.actor.user_id().map(|u| u.as_uuid()).into(),
                    ev.entity_type.code().into(),
                    ev.entity_id.into(),
                    ev.kind.name().into(),
                    ev.owner_id.into(),
                    changes.into(),
                    ev.actor.cause().map(|c| c.rule_id).into(),
                    ev.actor.cause().map_or(0, |c| i64::from(c.depth)).into(),
                    concerned.get(&ev.entity_id).copied().into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?;
        }
        if rows > 0 {
            tx.execute(&insert).await?;
        }
        Ok(last)
    }

    /// An event's changes, each value on its own: in clear, sealed under the company's key
    /// (sensitive values of no one in particular), or marked erased (a person without key).
    fn changes_value_by_value(
        &self,
        ev: &NewEvent,
        person: Option<Uuid>,
        keys: &PersonKeys,
        tenant: TenantId,
    ) -> Result<Value, StoreError> {
        let mut changes = Vec::with_capacity(ev.changes.len());
        for c in &ev.changes {
            let (before, after) = match (person, c.sensitivity) {
                (Some(p), _) => {
                    let key = keys.get(&p).and_then(Option::as_ref);
                    (
                        self.seal_personal_value(key, tenant, ev.entity_id, c.field, c.before.as_ref())?,
                        self.seal_personal_value(key, tenant, ev.entity_id, c.field, c.after.as_ref())?,
                    )
                }
                (None, Sensitivity::Clear) => (c.before.clone().unwrap_or(Value::Null), c.after.clone().unwrap_or(Value::Null)),
                (None, Sensitivity::Sensitive) => (
                    self.seal_change_value(tenant, ev.entity_id, c.field, c.before.as_ref())?,
                    self.seal_change_value(tenant, ev.entity_id, c.field, c.after.as_ref())?,
                ),
            };
            changes.push(json!({ "field": c.field, "before": before, "after": after }));
        }
        Ok(Value::Array(changes))
    }

    /// Appends the events, asks for a wake-up, commits, wakes in-process listeners.
    pub(crate) async fn finish(&self, mut tx: Tx, tenant: TenantId, events: &[NewEvent]) -> Result<(), StoreError> {
        let seq = self.append(&mut tx, tenant, events).await?;
        tx.notify(tenant, seq).await?;
        tx.commit().await?;
        self.woke(tenant, seq);
        Ok(())
    }

    /// The keys of the people whose events are among `rows`.
    async fn keys_for_rows(&self, tx: &mut Tx, tenant: TenantId, rows: &[Row]) -> Result<PersonKeys, StoreError> {
        let mut people = Vec::new();
        for r in rows {
            people.extend(Self::row_person(r)?);
        }
        people.sort_unstable();
        people.dedup();
        self.person_keys(tx, tenant, &people).await
    }

    /// Whose key seals a stored event's values.
    fn row_person(row: &Row) -> Result<Option<Uuid>, StoreError> {
        let code: String = row.get("entity_type")?;
        Ok(match EntityType::parse(&code) {
            Some(entity) => person_of(entity, row.get("entity_id")?, row.get("person_id")?),
            None => None,
        })
    }

    /// The contact each activity among `events` concerns (the first of its contacts, by
    /// id), read from its links as this transaction wrote them.
    async fn activity_people(&self, tx: &mut Tx, tenant: TenantId, events: &[NewEvent]) -> Result<HashMap<Uuid, Uuid>, StoreError> {
        let ids: Vec<Uuid> = events
            .iter()
            .filter(|e| e.entity_type == EntityType::Activity && !e.changes.is_empty())
            .map(|e| e.entity_id)
            .collect();
        let mut out: HashMap<Uuid, Uuid> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        // Each activity sought by index, a few hundred a statement: events about many of
        // them at once would pass the backends' limit of values in one statement.
        let links = Query::select()
            .columns([("activity_links", "activity_id"), ("activity_links", "entity_id")])
            .from("activity_links")
            .and_where(Expr::col(("activity_links", "tenant_id")).eq(tenant.as_uuid()))
            .and_where(Expr::col(("activity_links", "entity_type")).eq(EntityType::Contact.code()))
            .to_owned();
        for r in tx.fetch_matching(&links, ("activity_links", "activity_id"), &ids).await? {
            let (activity, contact): (Uuid, Uuid) = (r.get("activity_id")?, r.get("entity_id")?);
            let first = out.entry(activity).or_insert(contact);
            *first = Ord::min(*first, contact);
        }
        Ok(out)
    }

    fn event_from_row(&self, tenant: TenantId, row: &Row, keys: &PersonKeys) -> Result<EventRecord, StoreError> {
        let entity_id: Uuid = row.get("entity_id")?;
        let entity_code: String = row.get("entity_type")?;
        let person = Self::row_person(row)?;
        let Json(changes): Json<Value> = row.get("changes")?;
        let (mut out, mut erased) = if crate::event_values::is_sealed_whole(&changes) {
            self.open_whole(keys, person, tenant, entity_id, &changes)?
        } else {
            (Vec::new(), false)
        };
        for c in changes.as_array().map(Vec::as_slice).unwrap_or_default() {
            let field = c.get("field").and_then(Value::as_str).unwrap_or_default().to_owned();
            let before = self.open_change_value(keys, person, tenant, entity_id, &field, c.get("before").unwrap_or(&Value::Null))?;
            let after = self.open_change_value(keys, person, tenant, entity_id, &field, c.get("after").unwrap_or(&Value::Null))?;
            erased |= before.is_none() || after.is_none();
            let sealed =
                |v: Option<&Value>| v.is_some_and(|v| v.get("enc").is_some() || v.get("pk").is_some() || v.get("erased").is_some());
            out.push(RecordedChange {
                sealed: sealed(c.get("before")) || sealed(c.get("after")),
                field,
                before: before.flatten(),
                after: after.flatten(),
            });
        }
        Ok(EventRecord {
            seq: row.get("seq")?,
            at: from_ts(row.get("at")?)?,
            actor_kind: row.get("actor_kind")?,
            actor_id: row.get::<Option<Uuid>>("actor_id")?.map(UserId::from_uuid),
            entity_type: valid("entity_type", EntityType::parse(&entity_code).ok_or(entity_code))?,
            entity_id,
            kind: {
                let kind: String = row.get("kind")?;
                valid("kind", crm_domain::event::EventKind::parse(&kind).ok_or(kind))?
            },
            owner_id: row.get("owner_id")?,
            changes: out,
            erased,
            cause: match row.get::<Option<Uuid>>("cause_rule")? {
                Some(rule_id) => Some(crm_domain::actor::Cause {
                    rule_id,
                    depth: u8::try_from(row.get::<i64>("cause_depth")?).unwrap_or(u8::MAX),
                }),
                None => None,
            },
        })
    }

    /// Ids whose history is part of `id`'s: itself and every contact merged into it,
    /// transitively.
    async fn merged_family(&self, tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let mut all = vec![id];
        let mut frontier = vec![id];
        let merged = Query::select()
            .column(("contacts", "id"))
            .from("contacts")
            .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
            .to_owned();
        while !frontier.is_empty() && all.len() < 1000 {
            let rows = tx.fetch_matching(&merged, ("contacts", "merged_into"), &frontier).await?;
            frontier = rows.iter().map(|r| r.get::<Uuid>("id")).collect::<Result<_, _>>()?;
            frontier.retain(|f| !all.contains(f));
            all.extend(frontier.iter().copied());
        }
        Ok(all)
    }
}

impl<C: Cipher> EventLog for SqlStore<C> {
    async fn events_after(&self, tenant: TenantId, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(EVENT_COLUMNS)
                    .from("events")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("seq").gt(after))
                    .order_by("seq", Order::Asc)
                    .limit(u64::from(limit)),
            )
            .await?;
        let keys = self.keys_for_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        rows.iter().map(|r| self.event_from_row(tenant, r, &keys)).collect()
    }

    async fn history(&self, tenant: TenantId, query: &HistoryQuery, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let mut q = Query::select();
        q.columns(EVENT_COLUMNS)
            .from("events")
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()));
        match query {
            HistoryQuery::Entity {
                entity_type,
                entity_id,
                before,
            } => {
                if let Some(b) = before {
                    q.and_where(Expr::col("at").lt(ts(*b)));
                }
                let ids = if *entity_type == EntityType::Contact {
                    self.merged_family(&mut tx, tenant, *entity_id).await?
                } else {
                    vec![*entity_id]
                };
                q.and_where(Expr::col("entity_type").eq(entity_type.code()))
                    .and_where(Expr::col("entity_id").is_in(ids));
            }
            HistoryQuery::Actor { user_id, from, to } => {
                q.and_where(Expr::col("actor_id").eq(user_id.as_uuid()))
                    .and_where(Expr::col("at").gte(ts(*from)))
                    .and_where(Expr::col("at").lt(ts(*to)));
            }
            HistoryQuery::Period { from, to } => {
                q.and_where(Expr::col("at").gte(ts(*from))).and_where(Expr::col("at").lt(ts(*to)));
            }
            HistoryQuery::Filtered(f) => {
                q.and_where(Expr::col("at").gte(ts(f.from))).and_where(Expr::col("at").lt(ts(f.to)));
                if let Some(u) = f.user_id {
                    q.and_where(Expr::col("actor_id").eq(u.as_uuid()));
                }
                if !f.entity_types.is_empty() {
                    q.and_where(Expr::col("entity_type").is_in(f.entity_types.iter().map(|t| t.code())));
                }
                if let Some(owners) = &f.owners {
                    q.and_where(Expr::col("owner_id").is_in(owners.iter().copied()));
                }
                if let Some(b) = f.before_seq {
                    q.and_where(Expr::col("seq").lt(b));
                }
            }
        }
        q.order_by("seq", Order::Desc).limit(u64::from(limit));
        let rows = tx.fetch_all(&q).await?;
        let keys = self.keys_for_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        rows.iter().map(|r| self.event_from_row(tenant, r, &keys)).collect()
    }
}
