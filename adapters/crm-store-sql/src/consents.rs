//! People's consents per channel: rows never changed, the latest of a channel being its
//! state; the proof sealed under the tenant key. An erasure deletes the person's rows.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts};
use crm_domain::consent::{ConsentRecord, ConsentState, Medium};
use crm_domain::contact::Contact;
use crm_domain::event::NewEvent;
use crm_domain::text::{Label, LongText};
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::store::ConsentStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};

const TABLE: &str = "contact_consents";

const COLUMNS: [&str; 11] = [
    "tenant_id",
    "id",
    "contact_id",
    "medium",
    "state",
    "basis",
    "source",
    "proof_ct",
    "given_at",
    "recorded_by",
    "recorded_at",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("contact_consents: bad {what}"))
}

impl<C: Cipher> SqlStore<C> {
    fn read_consent(&self, r: &Row) -> Result<ConsentRecord, StoreError> {
        let tenant = TenantId::from_uuid(r.get("tenant_id")?);
        let id: uuid::Uuid = r.get("id")?;
        let sealed: Option<Vec<u8>> = r.get("proof_ct")?;
        let proof: Option<String> = self.open_opt(tenant, TABLE, "proof_ct", id, sealed.as_deref())?;
        let state: String = r.get("state")?;
        let basis: Option<String> = r.get("basis")?;
        Ok(ConsentRecord {
            id,
            tenant_id: tenant,
            contact_id: ContactId::from_uuid(r.get("contact_id")?),
            medium: Medium::parse(&r.get::<String>("medium")?).ok_or_else(|| bad("medium"))?,
            state: ConsentState::parse(&state, basis.as_deref()).ok_or_else(|| bad("state"))?,
            source: Label::parse(&r.get::<String>("source")?).map_err(|_| bad("source"))?,
            proof: proof.map(|p| LongText::parse(&p).map_err(|_| bad("proof"))).transpose()?,
            given_at: from_ts(r.get("given_at")?)?,
            recorded_by: r.get::<Option<uuid::Uuid>>("recorded_by")?.map(UserId::from_uuid),
            recorded_at: from_ts(r.get("recorded_at")?)?,
        })
    }

    /// Deletes a person's consents (their erasure), in `tx`.
    pub(crate) async fn delete_consents(tx: &mut Tx, tenant: TenantId, person: uuid::Uuid) -> Result<(), StoreError> {
        tx.execute(
            Query::delete()
                .from_table(TABLE)
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("contact_id").eq(person)),
        )
        .await?;
        Ok(())
    }
}

impl<C: Cipher> ConsentStore for SqlStore<C> {
    async fn consents(&self, tenant: TenantId, contact: ContactId, limit: u32) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(contact.as_uuid()))
                    .order_by("recorded_at", Order::Desc)
                    .order_by("id", Order::Desc)
                    .limit(u64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| self.read_consent(r)).collect()
    }

    async fn latest_consents(&self, tenant: TenantId, contacts: &[ContactId]) -> Result<Vec<ConsentRecord>, StoreError> {
        if contacts.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let ids: Vec<uuid::Uuid> = contacts.iter().map(ContactId::as_uuid).collect();
        let of = Query::select()
            .columns(COLUMNS.map(|c| (TABLE, c)))
            .from(TABLE)
            .and_where(Expr::col((TABLE, "tenant_id")).eq(tenant.as_uuid()))
            .to_owned();
        let rows = tx.fetch_matching(&of, (TABLE, "contact_id"), &ids).await?;
        tx.commit().await?;
        let mut by_contact: std::collections::BTreeMap<ContactId, Vec<ConsentRecord>> = std::collections::BTreeMap::new();
        for r in &rows {
            let r = self.read_consent(r)?;
            by_contact.entry(r.contact_id).or_default().push(r);
        }
        Ok(by_contact
            .values()
            .flat_map(|records| crm_domain::consent::latest_by_medium(records).into_iter().flatten().cloned())
            .collect())
    }

    async fn record_consents(
        &self,
        records: &[ConsentRecord],
        contact: Option<(&Contact, i64)>,
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let Some(tenant) = records.first().map(|r| r.tenant_id).or(contact.map(|(c, _)| c.tenant_id)) else {
            return Ok(());
        };
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        for r in records {
            let proof = self.seal_opt(r.tenant_id, TABLE, "proof_ct", r.id, r.proof.as_ref().map(LongText::as_str))?;
            tx.execute(
                Query::insert()
                    .into_table(TABLE)
                    .columns(COLUMNS)
                    .values([
                        r.tenant_id.as_uuid().into(),
                        r.id.into(),
                        r.contact_id.as_uuid().into(),
                        r.medium.code().into(),
                        r.state.code().into(),
                        r.state.basis().map(|b| b.code()).into(),
                        r.source.as_str().into(),
                        proof.into(),
                        ts(r.given_at).into(),
                        r.recorded_by.map(|u| u.as_uuid()).into(),
                        ts(r.recorded_at).into(),
                    ])
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            )
            .await?;
        }
        if let Some((c, expected)) = contact {
            self.rewrite_contact(&mut tx, c, expected).await?;
        }
        self.finish(tx, tenant, events).await
    }
}
