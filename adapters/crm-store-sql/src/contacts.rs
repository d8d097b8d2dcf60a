//! Contacts: personal fields sealed per row, blind indexes of emails and phones, tags in a
//! side table for filtering, visibility as a query filter.

use crate::SqlStore;
use crate::db::{Mode, On, Tx};
use crate::paging;
use crate::rows::{insert_row, ts, update_row, versioned_update};
use crate::scope::contact_in_scope;
use crm_domain::contact::Contact;
use crm_domain::duplicates::name_keys;
use crm_domain::email::EmailAddress;
use crm_domain::event::NewEvent;
use crm_domain::phone::PhoneNumber;
use crm_domain::text::{Label, LongText, Tag};
use crm_domain::visibility::RecordScope;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::query::{ContactFilter, Page, PageRequest, Scope};
use crm_ports::store::{CandidateRow, ContactStore, ProbeCandidates};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query, UpdateStatement, Value};
use uuid::Uuid;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn label(l: Option<&Label>) -> Value {
    l.map(|x| x.as_str().to_owned()).into()
}

/// The score a new contact's row starts with: it has none in `contact_scores` yet. Only
/// [`crate::scoring_rows::write_scores`] changes it afterwards, never a contact's own
/// writes (a contact's columns do not hold it), so a write of the contact made from a
/// read taken before a new score cannot put the old one back.
pub(crate) const NEW_SCORE: (&str, Value) = ("score", Value::BigInt(Some(0)));

impl<C: Cipher> SqlStore<C> {
    /// The stored values of every column but `tenant_id`, `id`, versions, times and the
    /// score (see [`NEW_SCORE`]).
    pub(crate) fn contact_values(&self, c: &Contact) -> Result<Vec<(&'static str, Value)>, StoreError> {
        self.contact_columns(c, true)
    }

    /// The stored values of the columns `after` changes from `before` (the sealed ones
    /// compared by what they hold, not by their ciphertexts, which differ every time).
    pub(crate) fn changed_contact_values(&self, before: &Contact, after: &Contact) -> Result<Vec<(&'static str, Value)>, StoreError> {
        let (was, is) = (self.contact_columns(before, false)?, self.contact_columns(after, false)?);
        let changed: Vec<&str> = is.iter().zip(&was).filter(|(a, b)| a != b).map(|(a, _)| a.0).collect();
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .contact_values(after)?
            .into_iter()
            .filter(|(column, _)| changed.contains(column))
            .collect())
    }

    /// Every column's value as stored (`sealed`), or with what the sealed columns hold in
    /// clear instead (to compare two versions of a contact).
    fn contact_columns(&self, c: &Contact, sealed: bool) -> Result<Vec<(&'static str, Value)>, StoreError> {
        let (t, id, f) = (c.tenant_id, c.id.as_uuid(), &c.fields);
        let seal = |column: &str, value: &dyn erased::Plain| -> Result<Value, StoreError> {
            let json = value
                .json()
                .map_err(|e| StoreError::Internal(format!("serialize contacts.{column}: {e}")))?;
            match (sealed, json) {
                (_, None) => Ok(Value::Bytes(None)),
                (false, Some(json)) => Ok(Value::from(json)),
                (true, Some(json)) => self.seal_json(t, "contacts", column, id, json.as_bytes()).map(Value::from),
            }
        };
        let (first_fold, last_fold) = name_keys(f.first_name.as_str(), f.last_name.as_str());
        let emails: Vec<&str> = f.emails.iter().map(EmailAddress::as_str).collect();
        let phones: Vec<&str> = f.phones.iter().map(PhoneNumber::as_str).collect();
        let tags: Vec<&str> = f.tags.iter().map(Tag::as_str).collect();
        Ok(vec![
            ("kind", c.kind.code().into()),
            ("first_name", f.first_name.as_str().into()),
            ("last_name", f.last_name.as_str().into()),
            ("first_fold", first_fold.into()),
            ("last_fold", last_fold.into()),
            ("name_sort", c.sort_key().into()),
            ("emails_ct", seal("emails", &Some(&emails))?),
            ("phones_ct", seal("phones", &Some(&phones))?),
            ("organization_id", f.organization_id.map(|o| o.as_uuid()).into()),
            ("job_title", label(f.job_title.as_ref())),
            ("street_ct", seal("street", &f.address.street.as_ref().map(LongText::as_str))?),
            ("postal_code", label(f.address.postal_code.as_ref())),
            ("city", label(f.address.city.as_ref())),
            ("country", f.address.country.map(|c| c.as_str().to_owned()).into()),
            ("tags", serde_json::json!(tags).into()),
            ("owner_id", c.owner_id.as_uuid().into()),
            ("source", label(f.source.as_ref())),
            ("notes_ct", seal("notes", &f.notes.as_ref().map(LongText::as_str))?),
            ("external_id", f.external_id.as_ref().map(|x| x.as_str().to_owned()).into()),
            ("email_opt_out", f.email_opt_out.into()),
            ("phone_opt_out", f.phone_opt_out.into()),
            ("lead_status", c.lead.as_ref().map(|l| l.status.code()).into()),
            ("lead_reason", c.lead.as_ref().and_then(|l| l.reason.clone()).into()),
            ("lead_pooled", c.lead.as_ref().is_some_and(|l| l.pooled).into()),
            (
                "lead_changed_by",
                c.lead.as_ref().and_then(|l| l.changed_by).map(|u| u.as_uuid()).into(),
            ),
            ("lead_changed_at", c.lead.as_ref().map(|l| ts(l.changed_at)).into()),
            ("lead_qualified_at", c.lead.as_ref().and_then(|l| l.qualified_at).map(ts).into()),
            ("client_since", c.client_since.map(ts).into()),
        ])
    }

    /// Rewrites the tag rows and blind indexes of a contact.
    /// Inserts a contact's row, tags and blind indexes.
    pub(crate) async fn insert_contact(&self, tx: &mut Tx, c: &Contact) -> Result<(), StoreError> {
        let mut fields = self.contact_values(c)?;
        fields.push(NEW_SCORE);
        insert_row(
            tx,
            "contacts",
            c.tenant_id,
            c.id.as_uuid(),
            fields,
            c.version,
            c.created_at,
            c.updated_at,
        )
        .await?;
        self.write_contact_side(tx, c).await
    }

    async fn write_contact_side(&self, tx: &mut Tx, c: &Contact) -> Result<(), StoreError> {
        let (t, id) = (c.tenant_id.as_uuid(), c.id.as_uuid());
        for table in ["contact_tags", "contact_lookups"] {
            tx.execute(
                Query::delete()
                    .from_table(table)
                    .and_where(Expr::col("tenant_id").eq(t))
                    .and_where(Expr::col("contact_id").eq(id)),
            )
            .await?;
        }
        if !c.fields.tags.is_empty() {
            let mut q = Query::insert();
            q.into_table("contact_tags").columns(["tenant_id", "contact_id", "tag"]);
            for tag in &c.fields.tags {
                q.values([t.into(), id.into(), tag.as_str().into()]).map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        let mut hashes: Vec<(&str, Vec<u8>)> = Vec::new();
        for e in &c.fields.emails {
            hashes.push(("email", self.blind(c.tenant_id, "email", e.as_str())));
        }
        for p in &c.fields.phones {
            hashes.push(("phone", self.blind(c.tenant_id, "phone", p.as_str())));
        }
        if !hashes.is_empty() {
            let mut q = Query::insert();
            q.into_table("contact_lookups")
                .columns(["tenant_id", "field", "hash", "contact_id"]);
            for (field, h) in hashes {
                q.values([t.into(), field.into(), h.into(), id.into()]).map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        Ok(())
    }

    /// Writes the whole contact over its stored row (guarded by version).
    pub(crate) async fn rewrite_contact(&self, tx: &mut Tx, c: &Contact, expected_version: i64) -> Result<(), StoreError> {
        let fields = self.contact_values(c)?;
        update_row(tx, "contacts", c.tenant_id, c.id.as_uuid(), expected_version, fields, c.updated_at).await?;
        self.write_contact_side(tx, c).await
    }
}

impl<C: Cipher> ContactStore for SqlStore<C> {
    async fn create_contact(&self, c: &Contact, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(c.tenant_id), Mode::Write).await?;
        self.insert_contact(&mut tx, c).await?;
        self.finish(tx, c.tenant_id, std::slice::from_ref(event)).await
    }

    async fn create_contacts(&self, contacts: &[Contact], events: &[NewEvent]) -> Result<(), StoreError> {
        let Some(tenant) = contacts.first().map(|c| c.tenant_id) else {
            return Ok(());
        };
        if contacts.iter().any(|c| c.tenant_id != tenant) {
            return Err(StoreError::Internal("contacts of several tenants in one import".into()));
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        for c in contacts {
            self.insert_contact(&mut tx, c).await?;
        }
        self.finish(tx, tenant, events).await
    }

    async fn contact(&self, scope: Scope, id: ContactId) -> Result<Contact, StoreError> {
        let shape = crate::contact_sql::CONTACT_BY_ID.get(self.pool.backend(), scope.records);
        let values = shape.values(scope.tenant_id, id.as_uuid(), scope.records);
        let row = self
            .pool
            .read_by_key(On::Tenant(scope.tenant_id), shape.sql(), values)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.contact_from_row(scope.tenant_id, &row)
    }

    async fn contacts_by_ids(&self, scope: Scope, ids: &[ContactId]) -> Result<Vec<Contact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        if ids.len() > crm_ports::store::MAX_CONTACTS_BY_IDS {
            return Err(StoreError::Internal(format!("{} contacts read by id at once", ids.len())));
        }
        let q = crate::contact_sql::contacts_by_ids(scope, ids);
        let rows = self.pool.read_all(On::Tenant(scope.tenant_id), &q).await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in &rows {
            if r.at::<bool>(crate::contact_sql::BY_IDS_VISIBLE, "visible")? {
                found.push(self.contact_from_row(scope.tenant_id, r)?);
            }
        }
        Ok(found)
    }

    async fn list_contacts(&self, scope: Scope, filter: &ContactFilter, page: &PageRequest) -> Result<Page<Contact>, StoreError> {
        let t = scope.tenant_id;
        let (mut rows, sort_col, size) = if page.cursor.is_none() && crate::contact_sql::keeps_all(filter) {
            // The first page with no filter, the most frequent: its statement is shaped.
            let (sort_col, size) = (paging::sort_column(page.sort, "name_sort"), paging::page_size(page));
            let shape = crate::contact_sql::FIRST_CONTACT_PAGES.get(self.pool.backend(), scope.records, sort_col, page.descending, size);
            let values = shape.values(t, Uuid::nil(), scope.records);
            (self.pool.read_shaped(On::Tenant(t), shape.sql(), values).await?, sort_col, size)
        } else {
            let (q, sort_col, size) = crate::contact_sql::contacts_page(scope, filter, page)?;
            (self.pool.read_all(On::Tenant(t), &q).await?, sort_col, size)
        };
        let next_cursor = paging::next_cursor(&mut rows, size, sort_col)?;
        let items = rows.iter().map(|r| self.contact_from_row(t, r)).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn update_contact(&self, c: &Contact, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(c.tenant_id), Mode::Write).await?;
        self.rewrite_contact(&mut tx, c, expected_version).await?;
        self.finish(tx, c.tenant_id, std::slice::from_ref(event)).await
    }

    async fn contacts_by_email(&self, tenant: TenantId, email: &EmailAddress) -> Result<Vec<(ContactId, UserId)>, StoreError> {
        self.contacts_by_lookup(tenant, "email", email.as_str()).await
    }

    async fn duplicate_candidates(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probe: &Contact,
    ) -> Result<Vec<CandidateRow>, StoreError> {
        let found = self
            .candidates_of(tenant, visibility, &[probe], crate::candidates::Names::Decrypted)
            .await?;
        Ok(found.into_iter().next().map(|c| c.rows).unwrap_or_default())
    }

    async fn duplicate_candidates_many(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probes: &[&Contact],
        names: bool,
    ) -> Result<Vec<ProbeCandidates>, StoreError> {
        let names = if names {
            crate::candidates::Names::IdsOnly
        } else {
            crate::candidates::Names::Skip
        };
        self.candidates_of(tenant, visibility, probes, names).await
    }

    async fn merge_contacts(
        &self,
        kept: &Contact,
        kept_version: i64,
        merged: ContactId,
        merged_version: i64,
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let t = kept.tenant_id;
        let mut tx = self.pool.begin(On::Tenant(t), Mode::Write).await?;
        self.rewrite_contact(&mut tx, kept, kept_version).await?;
        // Opportunities already linked to both keep one link; the others move to `kept`.
        let both = Query::select()
            .column("opportunity_id")
            .from("opportunity_contacts")
            .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
            .and_where(Expr::col("contact_id").eq(kept.id.as_uuid()))
            .to_owned();
        tx.execute(
            Query::delete()
                .from_table("opportunity_contacts")
                .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
                .and_where(Expr::col("contact_id").eq(merged.as_uuid()))
                .and_where(Expr::col("opportunity_id").in_subquery(both)),
        )
        .await?;
        tx.execute(
            Query::update()
                .table("opportunity_contacts")
                .value("contact_id", kept.id.as_uuid())
                .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
                .and_where(Expr::col("contact_id").eq(merged.as_uuid())),
        )
        .await?;
        // Activities, static segments and review groups: the same, keyed by contact.
        for (table, contact_col, other_cols, kind_filter) in [
            (
                "activity_links",
                "entity_id",
                &["activity_id", "entity_type"][..],
                Some(("entity_type", "contact")),
            ),
            ("segment_members", "contact_id", &["segment_id"][..], None),
            ("duplicate_group_members", "contact_id", &["group_id"][..], None),
        ] {
            crate::duplicates::move_rows(
                &mut tx,
                t,
                table,
                contact_col,
                other_cols,
                kind_filter,
                merged.as_uuid(),
                kept.id.as_uuid(),
            )
            .await?;
        }
        // The person's consents and rights requests follow them (a consent's proof is
        // sealed against its own row, not the contact).
        for table in ["contact_consents", "privacy_requests"] {
            tx.execute(
                Query::update()
                    .table(table)
                    .value("contact_id", kept.id.as_uuid())
                    .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(merged.as_uuid())),
            )
            .await?;
        }
        // The merge happens when its events say (the application's clock).
        let at = events
            .first()
            .map(|e| e.at)
            .ok_or_else(|| StoreError::Internal("a merge without its events".into()))?;
        crate::duplicates::close_settled_groups(&mut tx, t, at).await?;
        let mut stmt = UpdateStatement::new();
        stmt.values([
            ("deleted_at", Expr::from(ts(at))),
            ("merged_into", Expr::from(kept.id.as_uuid())),
            ("version", Expr::from(merged_version + 1)),
        ]);
        versioned_update(&mut tx, "contacts", t, merged.as_uuid(), merged_version, true, stmt).await?;
        self.finish(tx, t, events).await
    }
}

impl<C: Cipher> SqlStore<C> {
    /// The naive search a CRM without an index runs: contacts of the scope whose folded
    /// first or last name contains every word (`LIKE '%word%'`), by name. Emails and phones
    /// cannot be searched this way (they are sealed). The baseline of the search benchmark.
    ///
    /// # Errors
    /// Store failures.
    pub async fn contacts_name_like(&self, scope: Scope, words: &[String], limit: u32) -> Result<Vec<ContactId>, StoreError> {
        let t = scope.tenant_id;
        let mut q = Query::select();
        q.column(("contacts", "id"))
            .from("contacts")
            .and_where(Expr::col(("contacts", "tenant_id")).eq(t.as_uuid()))
            .and_where(Expr::col(("contacts", "deleted_at")).is_null())
            .and_where(contact_in_scope(t, scope.records));
        for w in words {
            let pattern = format!("%{}%", w.replace(['%', '_', '\\'], ""));
            q.and_where(
                Expr::col(("contacts", "first_fold"))
                    .like(pattern.as_str())
                    .or(Expr::col(("contacts", "last_fold")).like(pattern.as_str())),
            );
        }
        q.order_by(("contacts", "name_sort"), sea_query::Order::Asc).limit(u64::from(limit));
        let rows = self.pool.read_all(On::Tenant(t), &q).await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get::<Uuid>("id")?))).collect()
    }
}

/// A value to seal, seen without its type (serialized to JSON when sealed or compared).
mod erased {
    /// `None`: no value (a column left empty).
    pub(super) trait Plain {
        fn json(&self) -> Result<Option<String>, serde_json::Error>;
    }

    impl<T: serde::Serialize> Plain for Option<T> {
        fn json(&self) -> Result<Option<String>, serde_json::Error> {
            self.as_ref().map(serde_json::to_string).transpose()
        }
    }
}
