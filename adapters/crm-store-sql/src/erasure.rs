//! Erasure and anonymisation of a person: their data key destroyed (every value of theirs
//! the log keeps, sealed under it, becomes unreadable), their row rewritten, what is kept
//! about them elsewhere (lookups, consents, drafts, queued emails, activities about them
//! alone) removed or emptied, in one transaction with the caller's events.

use crate::SqlStore;
use crate::db::{IN_A_STATEMENT, Mode, On, Row, Tx};
use crate::rows::ts;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::contact::Contact;
use crm_domain::event::{EntityType, EventKind, NewEvent};
use crm_domain::text::Label;
use crm_ports::store::{EmailState, PersonKeyStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query};
use std::collections::HashSet;
use uuid::Uuid;

fn ids(rows: &[Row], col: &str) -> Result<Vec<Uuid>, StoreError> {
    rows.iter().map(|r| r.get::<Uuid>(col)).collect()
}

impl<C: Cipher> SqlStore<C> {
    /// The activities linked to `person`, and those of them about no other contact.
    async fn activities_about(&self, tx: &mut Tx, tenant: TenantId, person: Uuid) -> Result<(Vec<Uuid>, Vec<Uuid>), StoreError> {
        let t = tenant.as_uuid();
        let contact = EntityType::Contact.code();
        let about = ids(
            &tx.fetch_all(
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
            return Ok((about, Vec::new()));
        }
        let mut shared: HashSet<Uuid> = HashSet::new();
        for chunk in about.chunks(IN_A_STATEMENT) {
            shared.extend(ids(
                &tx.fetch_all(
                    Query::select()
                        .distinct()
                        .column("activity_id")
                        .from("activity_links")
                        .and_where(Expr::col("tenant_id").eq(t))
                        .and_where(Expr::col("entity_type").eq(contact))
                        .and_where(Expr::col("entity_id").ne(person))
                        .and_where(Expr::col("activity_id").is_in(chunk.iter().copied())),
                )
                .await?,
                "activity_id",
            )?);
        }
        let only = about.iter().copied().filter(|a| !shared.contains(a)).collect();
        Ok((about, only))
    }

    /// Deletes rows of `tables` (each with the column naming the activity) for `activities`,
    /// a few hundred activities a statement.
    async fn delete_for(
        tx: &mut Tx,
        tenant: TenantId,
        tables: &[(&'static str, &'static str)],
        activities: &[Uuid],
    ) -> Result<(), StoreError> {
        for (table, col) in tables {
            for chunk in activities.chunks(IN_A_STATEMENT) {
                tx.execute(
                    Query::delete()
                        .from_table(*table)
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col(*col).is_in(chunk.iter().copied())),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The activities about `person`: those about no other contact are deleted for good,
    /// with their links, attendees, notifications and drafts (their subject, body, place
    /// and outcome are the team's words about them); the others only lose their link to
    /// them. The deleted ones, with their assignees.
    async fn erase_activities_of(&self, tx: &mut Tx, tenant: TenantId, person: Uuid) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let (about, only) = self.activities_about(tx, tenant, person).await?;
        if about.is_empty() {
            return Ok(Vec::new());
        }
        tx.execute(
            Query::delete()
                .from_table("activity_links")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("entity_type").eq(EntityType::Contact.code()))
                .and_where(Expr::col("entity_id").eq(person)),
        )
        .await?;
        if only.is_empty() {
            return Ok(Vec::new());
        }
        let mut gone = Vec::with_capacity(only.len());
        for chunk in only.chunks(IN_A_STATEMENT) {
            for r in tx
                .fetch_all(
                    Query::select()
                        .columns(["id", "assignee_id"])
                        .from("activities")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").is_in(chunk.iter().copied())),
                )
                .await?
            {
                gone.push((r.get::<Uuid>("id")?, r.get::<Uuid>("assignee_id")?));
            }
        }
        let tables = [
            ("notifications", "activity_id"),
            ("activity_attendees", "activity_id"),
            ("activity_links", "activity_id"),
            ("drafts", "record_id"),
            ("activities", "id"),
        ];
        Self::delete_for(tx, tenant, &tables, &only).await?;
        Ok(gone)
    }

    /// The activities about `person` and no other contact keep what they were (kind,
    /// dates, direction, duration, assignee, links) without their words: `subject`, no
    /// body, place nor outcome; their notifications say `subject` too, their drafts go.
    async fn empty_activities_of(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        person: Uuid,
        subject: &Label,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (_, only) = self.activities_about(tx, tenant, person).await?;
        if only.is_empty() {
            return Ok(());
        }
        let t = tenant.as_uuid();
        for chunk in only.chunks(IN_A_STATEMENT) {
            tx.execute(
                Query::update()
                    .table("activities")
                    .values([
                        ("subject", Expr::val(subject.as_str())),
                        ("body_ct", Expr::val(Option::<Vec<u8>>::None)),
                        ("place", Expr::val(Option::<String>::None)),
                        ("outcome", Expr::val(Option::<String>::None)),
                        ("version", Expr::col("version").add(1)),
                        ("updated_at", Expr::val(ts(at))),
                    ])
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("id").is_in(chunk.iter().copied())),
            )
            .await?;
            tx.execute(
                Query::update()
                    .table("notifications")
                    .value("subject", subject.as_str())
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("activity_id").is_in(chunk.iter().copied())),
            )
            .await?;
        }
        Self::delete_for(tx, tenant, &[("drafts", "record_id")], &only).await
    }

    /// What goes with a person erased or anonymised: their lookups (blind indexes of
    /// their emails and phones), their consents (the proofs may name them), the drafts of
    /// forms about them whoever typed them, the emails still waiting to go to them (never
    /// sent); their key, last.
    async fn forget_person(&self, tx: &mut Tx, tenant: TenantId, person: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let t = tenant.as_uuid();
        tx.execute(
            Query::delete()
                .from_table("contact_lookups")
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("contact_id").eq(person)),
        )
        .await?;
        Self::delete_consents(tx, tenant, person).await?;
        tx.execute(
            Query::delete()
                .from_table("drafts")
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("record_id").eq(person)),
        )
        .await?;
        tx.execute(
            Query::update()
                .table("email_messages")
                .values([
                    ("state", Expr::val(EmailState::Cancelled.code())),
                    ("updated_at", Expr::val(ts(at))),
                ])
                .and_where(Expr::col("tenant_id").eq(t))
                .and_where(Expr::col("contact_id").eq(person))
                .and_where(Expr::col("state").eq(EmailState::Queued.code())),
        )
        .await?;
        self.destroy_person_key(tx, tenant, person, at).await
    }

    /// SQLite: copies the write-ahead log into the database and truncates it, so pages
    /// written before an erasure stay nowhere (with `secure_delete`, freed space in the
    /// database is overwritten). PostgreSQL: nothing to do here.
    async fn truncate_wal(&self) -> Result<(), StoreError> {
        if let crate::db::Pool::Sqlite { readers: pool, .. } = &self.pool {
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
                        ("external_id", Expr::val(Option::<String>::None)),
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
        tx.execute(
            Query::delete()
                .from_table("contact_tags")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("contact_id").eq(person)),
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
        self.forget_person(&mut tx, tenant, person, at).await?;
        self.finish(tx, tenant, &all).await?;
        self.truncate_wal().await
    }

    async fn anonymise_person(
        &self,
        anonymised: &Contact,
        expected_version: i64,
        activity_subject: &Label,
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let (tenant, person, at) = (anonymised.tenant_id, anonymised.id.as_uuid(), anonymised.updated_at);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.rewrite_contact(&mut tx, anonymised, expected_version).await?;
        tx.execute(
            Query::update()
                .table("contacts")
                .value("anonymised_at", ts(at))
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(person)),
        )
        .await?;
        self.empty_activities_of(&mut tx, tenant, person, activity_subject, at).await?;
        self.forget_person(&mut tx, tenant, person, at).await?;
        self.finish(tx, tenant, events).await?;
        self.truncate_wal().await
    }
}
