//! Imports: a piece of an import (new organizations, new and changed contacts, their
//! events) written in the same transaction as the step of the job running it.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::jobs::update_held;
use crate::rows::ts;
use crm_domain::TenantId;
use crm_domain::contact::Contact;
use crm_ports::store::{HeldStep, ImportPiece, ImportStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, InsertStatement, Query, UpdateStatement};

/// Rows of one multi-row insert (contacts have 34 columns: 6,800 values, within every
/// backend's limit).
const ROWS_A_STATEMENT: usize = 200;

impl<C: Cipher> ImportStore for SqlStore<C> {
    async fn write_import_piece(&self, tenant: TenantId, piece: &ImportPiece<'_>, step: &HeldStep) -> Result<(), StoreError> {
        let foreign = piece.organizations.iter().any(|o| o.tenant_id != tenant)
            || piece.created.iter().any(|c| c.tenant_id != tenant)
            || piece
                .updated
                .iter()
                .any(|(c, b)| c.tenant_id != tenant || b.tenant_id != tenant || b.id != c.id)
            || piece.updated_organizations.iter().any(|(o, _)| o.tenant_id != tenant)
            || piece.opportunities.iter().any(|o| o.tenant_id != tenant);
        if foreign {
            return Err(StoreError::Internal("records of another tenant in an import".into()));
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut held = UpdateStatement::new();
        held.values([
            ("step", Expr::from(step.step)),
            ("progress", Expr::from(step.progress.clone())),
            ("lease_until", Expr::from(ts(step.lease_until))),
            ("updated_at", Expr::from(ts(step.now))),
        ]);
        // The job first: a piece for a job no longer held writes nothing.
        update_held(&mut tx, tenant, step.job, step.worker, held).await?;
        for o in piece.organizations {
            self.insert_organization(&mut tx, o).await?;
        }
        for (o, version) in piece.updated_organizations {
            self.rewrite_organization(&mut tx, o, *version).await?;
        }
        self.insert_new_contacts(&mut tx, piece.created).await?;
        for o in piece.opportunities {
            crate::opportunities::insert_opportunity(&mut tx, o).await?;
        }
        self.rewrite_contacts(&mut tx, piece.updated).await?;
        self.finish(tx, tenant, piece.events).await?;
        self.checkpoint_behind();
        Ok(())
    }
}

impl<C: Cipher> SqlStore<C> {
    /// Inserts contacts that are new (no tag or lookup rows to clear first) with a few
    /// multi-row statements instead of several a contact: the rows, their tags, their
    /// blind indexes. Each statement of rows is built (their values sealed) while the one
    /// before it runs.
    async fn insert_new_contacts(&self, tx: &mut crate::db::Tx, contacts: &[Contact]) -> Result<(), StoreError> {
        let mut chunks = contacts.chunks(ROWS_A_STATEMENT);
        let mut next = chunks.next().map(|c| self.insert_contacts_statement(c)).transpose()?;
        while let Some(q) = next.take() {
            let (done, built) = tokio::join!(tx.execute(&q), async {
                chunks.next().map(|c| self.insert_contacts_statement(c)).transpose()
            });
            done?;
            next = built?;
        }
        self.insert_sides(tx, &contacts.iter().collect::<Vec<_>>()).await
    }

    /// One multi-row insert of new contacts (`contacts` is not empty).
    fn insert_contacts_statement(&self, contacts: &[Contact]) -> Result<InsertStatement, StoreError> {
        let ie = |e: sea_query::error::Error| StoreError::Internal(e.to_string());
        let mut insert: Option<InsertStatement> = None;
        for c in contacts {
            let mut values = vec![
                ("tenant_id", sea_query::Value::from(c.tenant_id.as_uuid())),
                ("id", c.id.as_uuid().into()),
            ];
            values.extend(self.contact_values(c)?);
            values.push(crate::contacts::NEW_SCORE);
            values.extend([
                ("version", c.version.into()),
                ("created_at", ts(c.created_at).into()),
                ("updated_at", ts(c.updated_at).into()),
            ]);
            let (cols, vals): (Vec<_>, Vec<_>) = values.into_iter().unzip();
            let q = insert.get_or_insert_with(|| {
                let mut q = Query::insert();
                q.into_table("contacts").columns(cols);
                q
            });
            q.values(vals.into_iter().map(Expr::from)).map_err(ie)?;
        }
        insert.ok_or_else(|| StoreError::Internal("an insert of no contacts".into()))
    }

    /// Rewrites changed contacts (each guarded by the version it was read at): only the
    /// columns that differ, and the tags and blind indexes only of those whose tags,
    /// emails or phones changed.
    async fn rewrite_contacts(&self, tx: &mut crate::db::Tx, updated: &[(Contact, Contact)]) -> Result<(), StoreError> {
        for (c, before) in updated {
            let fields = self.changed_contact_values(before, c)?;
            crate::rows::update_row(tx, "contacts", c.tenant_id, c.id.as_uuid(), before.version, fields, c.updated_at).await?;
        }
        let sides: Vec<&Contact> = updated
            .iter()
            .filter(|(c, b)| c.fields.tags != b.fields.tags || c.fields.emails != b.fields.emails || c.fields.phones != b.fields.phones)
            .map(|(c, _)| c)
            .collect();
        let ids: Vec<uuid::Uuid> = sides.iter().map(|c| c.id.as_uuid()).collect();
        if let Some(first) = sides.first() {
            for table in ["contact_tags", "contact_lookups"] {
                for chunk in ids.chunks(1_000) {
                    tx.execute(
                        Query::delete()
                            .from_table(table)
                            .and_where(Expr::col("tenant_id").eq(first.tenant_id.as_uuid()))
                            .and_where(Expr::col("contact_id").is_in(chunk.iter().copied())),
                    )
                    .await?;
                }
            }
        }
        self.insert_sides(tx, &sides).await
    }

    /// The tags and blind indexes of contacts whose rows have none.
    async fn insert_sides(&self, tx: &mut crate::db::Tx, contacts: &[&Contact]) -> Result<(), StoreError> {
        let ie = |e: sea_query::error::Error| StoreError::Internal(e.to_string());
        let mut tags: Vec<[sea_query::Value; 3]> = Vec::new();
        let mut lookups: Vec<[sea_query::Value; 4]> = Vec::new();
        for c in contacts {
            let (t, id) = (c.tenant_id.as_uuid(), c.id.as_uuid());
            tags.extend(c.fields.tags.iter().map(|tag| [t.into(), id.into(), tag.as_str().into()]));
            for e in &c.fields.emails {
                lookups.push([
                    t.into(),
                    "email".into(),
                    self.blind(c.tenant_id, "email", e.as_str()).into(),
                    id.into(),
                ]);
            }
            for p in &c.fields.phones {
                lookups.push([
                    t.into(),
                    "phone".into(),
                    self.blind(c.tenant_id, "phone", p.as_str()).into(),
                    id.into(),
                ]);
            }
        }
        for chunk in tags.chunks(1_000) {
            let mut q = Query::insert();
            q.into_table("contact_tags").columns(["tenant_id", "contact_id", "tag"]);
            for row in chunk {
                q.values(row.clone().map(Expr::from)).map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        for chunk in lookups.chunks(1_000) {
            let mut q = Query::insert();
            q.into_table("contact_lookups")
                .columns(["tenant_id", "field", "hash", "contact_id"]);
            for row in chunk {
                q.values(row.clone().map(Expr::from)).map_err(ie)?;
            }
            tx.execute(&q).await?;
        }
        Ok(())
    }
}
