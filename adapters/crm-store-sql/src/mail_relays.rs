//! A company's own SMTP relay: one row, the URL (user and password included) sealed under
//! the company's key.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{from_ts, ts};
use crm_domain::event::NewEvent;
use crm_domain::{TenantId, UserId};
use crm_ports::store::{MailRelay, MailRelayStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use uuid::Uuid;

impl<C: Cipher> MailRelayStore for SqlStore<C> {
    async fn set_mail_relay(&self, tenant: TenantId, relay: Option<&MailRelay>, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        match relay {
            Some(r) => {
                let sealed = self.seal(tenant, "mail_relays", "url", tenant.as_uuid(), &r.url)?;
                tx.execute(
                    Query::insert()
                        .into_table("mail_relays")
                        .columns(["tenant_id", "url_sealed", "from_address", "updated_by", "updated_at"])
                        .values([
                            tenant.as_uuid().into(),
                            sealed.into(),
                            r.from.clone().into(),
                            r.updated_by.map(|u| u.as_uuid()).into(),
                            ts(r.updated_at).into(),
                        ])
                        .map_err(|e| StoreError::Internal(e.to_string()))?
                        .on_conflict(
                            OnConflict::column("tenant_id")
                                .update_columns(["url_sealed", "from_address", "updated_by", "updated_at"])
                                .to_owned(),
                        ),
                )
                .await?;
            }
            None => {
                tx.execute(
                    Query::delete()
                        .from_table("mail_relays")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid())),
                )
                .await?;
            }
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn mail_relay(&self, tenant: TenantId) -> Result<Option<MailRelay>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(["url_sealed", "from_address", "updated_by", "updated_at"])
                    .from("mail_relays")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let sealed: Vec<u8> = r.get("url_sealed")?;
        Ok(Some(MailRelay {
            url: self.open(tenant, "mail_relays", "url", tenant.as_uuid(), &sealed)?,
            from: r.get("from_address")?,
            updated_by: r.get::<Option<Uuid>>("updated_by")?.map(UserId::from_uuid),
            updated_at: from_ts(r.get("updated_at")?)?,
        }))
    }
}
