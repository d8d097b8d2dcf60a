//! People's data keys (crypto-shredding): a contact's key is made, wrapped by the tenant
//! key, with the first event that carries their values; everything the log keeps of them
//! is sealed under it; erasing them empties the wrapped copy, and every sealed value of
//! theirs, in every event, can no longer be opened; the drafts about them are deleted, and
//! so are the activities about no one else.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::rows::ts;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::event::{EntityType, EventKind, NewEvent};
use crm_ports::store::{EmailState, PersonKeyStore};
use crm_ports::{Cipher, DataKey, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use std::collections::HashMap;
use uuid::Uuid;

/// Keys by person: `None` when erased.
pub(crate) type PersonKeys = HashMap<Uuid, Option<DataKey>>;

fn aad(tenant: TenantId, person: Uuid) -> Vec<u8> {
    format!("crm/{}/person_keys/key/{person}", tenant.as_uuid()).into_bytes()
}

impl<C: Cipher> SqlStore<C> {
    fn unwrap_key(&self, tenant: TenantId, person: Uuid, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        let bytes = self
            .cipher
            .decrypt(tenant, &aad(tenant, person), wrapped)
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Internal("person key of the wrong length".into()))?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// The keys of these people, as stored (absent: never made; `None`: erased).
    pub(crate) async fn person_keys(&self, tx: &mut Tx, tenant: TenantId, people: &[Uuid]) -> Result<PersonKeys, StoreError> {
        let mut out = PersonKeys::new();
        if people.is_empty() {
            return Ok(out);
        }
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["person_id", "wrapped"])
                    .from("person_keys")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("person_id").is_in(people.iter().copied())),
            )
            .await?;
        for r in rows {
            let person: Uuid = r.get("person_id")?;
            let key = match r.get::<Option<Vec<u8>>>("wrapped")? {
                Some(w) => Some(self.unwrap_key(tenant, person, &w)?),
                None => None,
            };
            out.insert(person, key);
        }
        Ok(out)
    }

    /// The keys to seal the values of several people with, as [`Self::person_key_for_write`]
    /// gives them one by one, in three statements at most whatever their number: those
    /// being created (`fresh`) get new keys at once, the others' are read and the missing
    /// made.
    pub(crate) async fn person_keys_for_write(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        people: &[(Uuid, bool)],
        at: DateTime<Utc>,
    ) -> Result<PersonKeys, StoreError> {
        let known: Vec<Uuid> = people.iter().filter(|(_, fresh)| !fresh).map(|(p, _)| *p).collect();
        let mut out = self.person_keys(tx, tenant, &known).await?;
        let missing: Vec<Uuid> = people.iter().map(|(p, _)| *p).filter(|p| !out.contains_key(p)).collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let mut insert = Query::insert();
        insert
            .into_table("person_keys")
            .columns(["tenant_id", "person_id", "wrapped", "created_at"]);
        let mut made = PersonKeys::new();
        for person in &missing {
            let key = self
                .cipher
                .new_data_key()
                .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
            let wrapped = self
                .cipher
                .encrypt(tenant, &aad(tenant, *person), key.as_bytes())
                .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
            insert
                .values([tenant.as_uuid().into(), (*person).into(), wrapped.into(), ts(at).into()])
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            made.insert(*person, Some(key));
        }
        insert.on_conflict(OnConflict::columns(["tenant_id", "person_id"]).do_nothing().to_owned());
        let inserted = tx.execute(&insert).await?;
        if usize::try_from(inserted).ok() == Some(missing.len()) {
            out.extend(made);
        } else {
            // Other transactions made some first: theirs count.
            out.extend(self.person_keys(tx, tenant, &missing).await?);
        }
        Ok(out)
    }

    /// The key to seal a person's values with, made (and stored, wrapped) if they have
    /// none yet; `None` when they were erased. `fresh`: the person is being created.
    pub(crate) async fn person_key_for_write(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        person: Uuid,
        at: DateTime<Utc>,
        fresh: bool,
    ) -> Result<Option<DataKey>, StoreError> {
        // A person met for the first time (their creation) has no key yet: no need to look.
        if !fresh && let Some(k) = self.person_keys(tx, tenant, &[person]).await?.remove(&person) {
            return Ok(k);
        }
        let key = self
            .cipher
            .new_data_key()
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        let wrapped = self
            .cipher
            .encrypt(tenant, &aad(tenant, person), key.as_bytes())
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        let inserted = tx
            .execute(
                Query::insert()
                    .into_table("person_keys")
                    .columns(["tenant_id", "person_id", "wrapped", "created_at"])
                    .values([tenant.as_uuid().into(), person.into(), wrapped.into(), ts(at).into()])
                    .map_err(|e| StoreError::Internal(e.to_string()))?
                    .on_conflict(OnConflict::columns(["tenant_id", "person_id"]).do_nothing().to_owned()),
            )
            .await?;
        if inserted == 1 {
            return Ok(Some(key));
        }
        // Another transaction made one first: that one counts.
        Ok(self.person_keys(tx, tenant, &[person]).await?.remove(&person).flatten())
    }

    async fn destroy_person_key(&self, tx: &mut Tx, tenant: TenantId, person: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        tx.execute(
            Query::insert()
                .into_table("person_keys")
                .columns(["tenant_id", "person_id", "wrapped", "created_at", "destroyed_at"])
                .values([
                    tenant.as_uuid().into(),
                    person.into(),
                    Option::<Vec<u8>>::None.into(),
                    ts(at).into(),
                    ts(at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "person_id"])
                        .value("wrapped", Option::<Vec<u8>>::None)
                        .value("destroyed_at", ts(at))
                        .to_owned(),
                ),
        )
        .await?;
        Ok(())
    }

    /// The activities about `person`: those about no other contact are deleted for good,
    /// with their links, attendees, notifications and drafts (their subject, body, place
    /// and outcome are the team's words about them); the others only lose their link to
    /// them. The deleted ones, with their assignees.
    async fn erase_activities_of(&self, tx: &mut Tx, tenant: TenantId, person: Uuid) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let t = tenant.as_uuid();
        let contact = EntityType::Contact.code();
        let ids =
            |rows: Vec<crate::db::Row>, col: &str| -> Result<Vec<Uuid>, StoreError> { rows.iter().map(|r| r.get::<Uuid>(col)).collect() };
        let about = ids(
            tx.fetch_all(
                Query::select()
                    .column("activity_id")
                    .from("activity_links")
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("entity_type").eq(contact))
                    .and_where(Expr::col("entity_id").eq(person)),
            )
            .await?,
            "activity_id",
        )?;
        if about.is_empty() {
            return Ok(Vec::new());
        }
        let shared = ids(
            tx.fetch_all(
                Query::select()
                    .distinct()
                    .column("activity_id")
                    .from("activity_links")
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("entity_type").eq(contact))
                    .and_where(Expr::col("entity_id").ne(person))
                    .and_where(Expr::col("activity_id").is_in(about.iter().copied())),
            )
            .await?,
            "activity_id",
        )?;
        tx.execute(
            Query::delete()
                .from_table("activity_links")
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("entity_type").eq(contact))
                .and_where(Expr::col("entity_id").eq(person)),
        )
        .await?;
        let only: Vec<Uuid> = about.into_iter().filter(|a| !shared.contains(a)).collect();
        if only.is_empty() {
            return Ok(Vec::new());
        }
        let mut gone = Vec::with_capacity(only.len());
        for r in tx
            .fetch_all(
                Query::select()
                    .columns(["id", "assignee_id"])
                    .from("activities")
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("id").is_in(only.iter().copied())),
            )
            .await?
        {
            gone.push((r.get::<Uuid>("id")?, r.get::<Uuid>("assignee_id")?));
        }
        for (table, col) in [
            ("notifications", "activity_id"),
            ("activity_attendees", "activity_id"),
            ("activity_links", "activity_id"),
            ("drafts", "record_id"),
            ("activities", "id"),
        ] {
            tx.execute(
                Query::delete()
                    .from_table(table)
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col(col).is_in(only.iter().copied())),
            )
            .await?;
        }
        Ok(gone)
    }

    /// SQLite: copies the write-ahead log into the database and truncates it, so pages
    /// written before an erasure stay nowhere (with `secure_delete`, freed space in the
    /// database is overwritten). PostgreSQL: nothing to do here.
    async fn truncate_wal(&self) -> Result<(), StoreError> {
        if let crate::db::Pool::Sqlite(pool) = &self.pool {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await
                .map_err(crate::error::map_db)?;
        }
        Ok(())
    }
}

impl<C: Cipher> PersonKeyStore for SqlStore<C> {
    async fn erase_person_key(&self, tenant: TenantId, person: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.destroy_person_key(&mut tx, tenant, person, at).await?;
        tx.commit().await
    }

    async fn erase_person(&self, tenant: TenantId, person: Uuid, at: DateTime<Utc>, events: &[NewEvent]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let empty = self.seal(tenant, "contacts", "emails", person, &Vec::<String>::new())?;
        let no_phones = self.seal(tenant, "contacts", "phones", person, &Vec::<String>::new())?;
        let n = tx
            .execute(
                Query::update()
                    .table("contacts")
                    .values([
                        ("first_name", Expr::val("")),
                        ("last_name", Expr::val("")),
                        ("first_fold", Expr::val("")),
                        ("last_fold", Expr::val("")),
                        ("name_sort", Expr::val("")),
                        ("emails_ct", Expr::val(empty)),
                        ("phones_ct", Expr::val(no_phones)),
                        ("job_title", Expr::val(Option::<String>::None)),
                        ("street_ct", Expr::val(Option::<Vec<u8>>::None)),
                        ("postal_code", Expr::val(Option::<String>::None)),
                        ("city", Expr::val(Option::<String>::None)),
                        ("source", Expr::val(Option::<String>::None)),
                        ("notes_ct", Expr::val(Option::<Vec<u8>>::None)),
                        ("tags", Expr::val(serde_json::json!([]))),
                        ("deleted_at", Expr::val(ts(at))),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(person)),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        for table in ["contact_tags", "contact_lookups"] {
            tx.execute(
                Query::delete()
                    .from_table(table)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(person)),
            )
            .await?;
        }
        // Their consents (the proofs may name them).
        Self::delete_consents(&mut tx, tenant, person).await?;
        // Drafts of forms about them, whoever typed them.
        tx.execute(
            Query::delete()
                .from_table("drafts")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("record_id").eq(person)),
        )
        .await?;
        // Emails still waiting to go to them: never sent.
        tx.execute(
            Query::update()
                .table("email_messages")
                .values([
                    ("state", Expr::val(EmailState::Cancelled.code())),
                    ("updated_at", Expr::val(ts(at))),
                ])
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("contact_id").eq(person))
                .and_where(Expr::col("state").eq(EmailState::Queued.code())),
        )
        .await?;
        let gone = self.erase_activities_of(&mut tx, tenant, person).await?;
        let mut all = events.to_vec();
        if let Some(first) = events.first() {
            all.extend(gone.into_iter().map(|(id, assignee)| NewEvent {
                at,
                actor: first.actor,
                entity_type: EntityType::Activity,
                entity_id: id,
                kind: EventKind::Deleted,
                owner_id: Some(assignee),
                changes: Vec::new(),
            }));
        }
        self.destroy_person_key(&mut tx, tenant, person, at).await?;
        self.finish(tx, tenant, &all).await?;
        self.truncate_wal().await
    }
}
