//! Data migrations that need the master key, run by the program after the schema's
//! migrations: on SQLite at every open (until done), on PostgreSQL by `crm migrate` (the
//! owner role; the application role cannot rewrite the log and refuses to serve until
//! they are done).
//!
//! `person-events-sealed`: events of contacts written before person keys existed
//! (migration 0012) keep their values in clear (names) or sealed under the tenant key
//! (emails, phones, notes). Destroying a person's key would leave those readable, so they
//! are sealed anew under the person's key. The log is append-only: its guard is lifted
//! inside each rewriting transaction only, and put back before it commits.

use crate::SqlStore;
use crate::db::{Backend, Mode, On, Tx};
use crate::rows::ts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use crm_domain::TenantId;
use crm_domain::event::EntityType;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

/// The data migration that seals old contact events under person keys.
pub(crate) const PERSON_EVENTS_SEALED: &str = "person-events-sealed";

/// Events rewritten per transaction.
const BATCH: u64 = 500;

/// Whether a stored event value is already what the log keeps of a person now: nothing,
/// a value under their key, or the mark of an erased value.
fn is_sealed_for_person(v: &Value) -> bool {
    v.is_null() || v.get("pk").is_some() || v.get("erased").is_some_and(|e| e == &Value::Bool(true))
}

impl<C: Cipher> SqlStore<C> {
    /// Whether the named data migration has run.
    pub(crate) async fn data_migration_done(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .column("name")
                    .from("data_migrations")
                    .and_where(Expr::col("name").eq(name)),
            )
            .await?;
        tx.commit().await?;
        Ok(row.is_some())
    }

    async fn mark_data_migration_done(&self, name: &str, detail: String) -> Result<(), StoreError> {
        let now = ts(crm_ports::Clock::now(&crm_ports::SystemClock));
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("data_migrations")
                .columns(["name", "done_at", "detail"])
                .values([name.into(), now.into(), detail.into()])
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .on_conflict(OnConflict::column("name").do_nothing().to_owned()),
        )
        .await?;
        tx.commit().await
    }

    /// Seals under person keys what old contact events keep in clear or under the tenant
    /// key; returns how many events were rewritten (0 once done).
    ///
    /// # Errors
    /// Store failures; a value that cannot be opened (wrong keys) stops the migration
    /// before its transaction commits.
    pub(crate) async fn seal_old_person_events(&self) -> Result<u64, StoreError> {
        if self.data_migration_done(PERSON_EVENTS_SEALED).await? {
            return Ok(0);
        }
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let tenants = tx.fetch_all(Query::select().column("id").from("tenants")).await?;
        tx.commit().await?;
        let mut total = 0;
        for row in tenants {
            let tenant = TenantId::from_uuid(row.get::<Uuid>("id")?);
            let mut after = 0_i64;
            loop {
                let (last, rewritten) = self.seal_person_events_batch(tenant, after).await?;
                total += rewritten;
                match last {
                    Some(seq) => after = seq,
                    None => break,
                }
            }
        }
        self.mark_data_migration_done(PERSON_EVENTS_SEALED, format!("{total} events sealed"))
            .await?;
        Ok(total)
    }

    /// One batch of a tenant's contact events after `after`: the last sequence number
    /// read (`None`: no more) and how many were rewritten.
    async fn seal_person_events_batch(&self, tenant: TenantId, after: i64) -> Result<(Option<i64>, u64), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["seq", "at", "entity_id", "changes"])
                    .from("events")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("entity_type").eq(EntityType::Contact.code()))
                    .and_where(Expr::col("seq").gt(after))
                    .order_by("seq", Order::Asc)
                    .limit(BATCH),
            )
            .await?;
        let Some(last) = rows.last().map(|r| r.get::<i64>("seq")).transpose()? else {
            tx.commit().await?;
            return Ok((None, 0));
        };
        let mut rewrites = Vec::new();
        for r in &rows {
            let Json(changes): Json<Value> = r.get("changes")?;
            let Some(list) = changes.as_array() else { continue };
            let stale = |c: &Value| {
                ["before", "after"]
                    .iter()
                    .any(|side| !is_sealed_for_person(c.get(*side).unwrap_or(&Value::Null)))
            };
            if !list.iter().any(stale) {
                continue;
            }
            let person: Uuid = r.get("entity_id")?;
            let at = crate::rows::from_ts(r.get("at")?)?;
            let key = self.person_key_for_write(&mut tx, tenant, person, at, false).await?;
            let mut sealed = Vec::with_capacity(list.len());
            for c in list {
                let field = c.get("field").and_then(Value::as_str).unwrap_or_default();
                let side = |name: &str| -> Result<Value, StoreError> {
                    let v = c.get(name).unwrap_or(&Value::Null);
                    if is_sealed_for_person(v) {
                        return Ok(v.clone());
                    }
                    let clear = match v.get("enc").and_then(Value::as_str) {
                        Some(enc) => {
                            let bytes = B64.decode(enc).map_err(|e| StoreError::Internal(format!("event value: {e}")))?;
                            self.open::<Value>(tenant, "events", field, person, &bytes)?
                        }
                        None => v.clone(),
                    };
                    self.seal_personal_value(key.as_ref(), tenant, person, field, Some(&clear))
                };
                sealed.push(json!({ "field": field, "before": side("before")?, "after": side("after")? }));
            }
            rewrites.push((r.get::<i64>("seq")?, Value::Array(sealed)));
        }
        let rewritten = rewrites.len() as u64;
        if !rewrites.is_empty() {
            let guard = self.lift_log_guard(&mut tx).await?;
            for (seq, changes) in rewrites {
                tx.execute(
                    Query::update()
                        .table("events")
                        .value("changes", changes)
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("seq").eq(seq)),
                )
                .await?;
            }
            self.restore_log_guard(&mut tx, guard).await?;
        }
        tx.commit().await?;
        Ok((Some(last), rewritten))
    }

    /// Lifts the append-only guard of the log for the rest of this transaction; returns
    /// what puts it back (SQLite: the trigger's own definition).
    async fn lift_log_guard(&self, tx: &mut Tx) -> Result<Option<String>, StoreError> {
        match self.pool.backend() {
            Backend::Postgres => {
                tx.execute_schema_change("ALTER TABLE events DISABLE TRIGGER events_no_update".into())
                    .await?;
                Ok(None)
            }
            Backend::Sqlite => {
                let row = tx
                    .fetch_one(
                        Query::select()
                            .column("sql")
                            .from("sqlite_master")
                            .and_where(Expr::col("type").eq("trigger"))
                            .and_where(Expr::col("name").eq("events_no_update")),
                    )
                    .await?;
                let definition: String = row.get("sql")?;
                tx.execute_schema_change("DROP TRIGGER events_no_update".into()).await?;
                Ok(Some(definition))
            }
        }
    }

    async fn restore_log_guard(&self, tx: &mut Tx, guard: Option<String>) -> Result<(), StoreError> {
        match guard {
            Some(definition) => tx.execute_schema_change(definition).await,
            None => {
                tx.execute_schema_change("ALTER TABLE events ENABLE TRIGGER events_no_update".into())
                    .await
            }
        }
    }
}
