//! Drafts (autosave): one row per person, form and record, the fields sealed and bound to
//! all four, replaced at every keep.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_ports::store::{Draft, DraftKey, DraftStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What is sealed of a draft.
#[derive(Serialize, Deserialize)]
struct Body {
    fields: BTreeMap<String, String>,
    base_version: Option<i64>,
}

fn key_cond(key: &DraftKey<'_>) -> [Expr; 4] {
    [
        Expr::col("tenant_id").eq(key.tenant_id.as_uuid()),
        Expr::col("user_id").eq(key.user_id.as_uuid()),
        Expr::col("form").eq(key.form),
        Expr::col("record_id").eq(key.record),
    ]
}

/// The column part of the seal's context: the person and the form (the row is the record).
fn context(key: &DraftKey<'_>) -> String {
    format!("body/{}/{}", key.user_id.as_uuid(), key.form)
}

impl<C: Cipher> DraftStore for SqlStore<C> {
    async fn put_draft(&self, key: &DraftKey<'_>, draft: &Draft) -> Result<(), StoreError> {
        let body = Body {
            fields: draft.fields.clone(),
            base_version: draft.base_version,
        };
        let sealed = self.seal(key.tenant_id, "drafts", &context(key), key.record, &body)?;
        let mut tx = self.pool.begin(On::Tenant(key.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("drafts")
                .columns(["tenant_id", "user_id", "form", "record_id", "body", "saved_at"])
                .values([
                    key.tenant_id.as_uuid().into(),
                    key.user_id.as_uuid().into(),
                    key.form.into(),
                    key.record.into(),
                    sealed.into(),
                    ts(draft.saved_at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "user_id", "form", "record_id"])
                        .update_columns(["body", "saved_at"])
                        .to_owned(),
                ),
        )
        .await?;
        tx.commit().await
    }

    async fn draft(&self, key: &DraftKey<'_>) -> Result<Option<Draft>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(key.tenant_id), Mode::Read).await?;
        let mut q = Query::select();
        q.columns(["body", "saved_at"]).from("drafts");
        for c in key_cond(key) {
            q.and_where(c);
        }
        let row = tx.fetch_optional(&q).await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Vec<u8> = row.get("body")?;
        let body: Body = self.open(key.tenant_id, "drafts", &context(key), key.record, &sealed)?;
        Ok(Some(Draft {
            fields: body.fields,
            base_version: body.base_version,
            saved_at: from_ts(row.get("saved_at")?)?,
        }))
    }

    async fn drop_draft(&self, key: &DraftKey<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(key.tenant_id), Mode::Write).await?;
        let mut d = Query::delete();
        d.from_table("drafts");
        for c in key_cond(key) {
            d.and_where(c);
        }
        tx.execute(&d).await?;
        tx.commit().await
    }

    async fn purge_drafts(&self, tenant: TenantId, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("drafts")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("saved_at").lt(ts(before))),
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
