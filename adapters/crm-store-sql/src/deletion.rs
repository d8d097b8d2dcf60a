//! Soft deletion and restore: a deleted row keeps everything, gets `deleted_at`, and
//! disappears from every read; restoring clears it.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::rows::{ts, versioned_update};
use crm_domain::TenantId;
use crm_domain::event::NewEvent;
use crm_ports::store::{Deletable, DeletionStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query, UpdateStatement};
use uuid::Uuid;

fn table(kind: Deletable) -> &'static str {
    match kind {
        Deletable::Contact => "contacts",
        Deletable::Organization => "organizations",
        Deletable::Opportunity => "opportunities",
        Deletable::Pipeline => "pipelines",
        Deletable::Activity => "activities",
        Deletable::Segment => "segments",
    }
}

impl<C: Cipher> DeletionStore for SqlStore<C> {
    async fn soft_delete(
        &self,
        tenant: TenantId,
        kind: Deletable,
        id: Uuid,
        expected_version: i64,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut stmt = UpdateStatement::new();
        stmt.values([
            ("deleted_at", Expr::from(ts(event.at))),
            ("version", Expr::from(expected_version + 1)),
        ]);
        versioned_update(&mut tx, table(kind), tenant, id, expected_version, true, stmt).await?;
        if kind == Deletable::Opportunity {
            crate::funnel::set_live(&mut tx, tenant, id, false).await?;
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn restore(&self, tenant: TenantId, kind: Deletable, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.table(table(kind))
            .values([
                ("deleted_at", Expr::from(Option::<i64>::None)),
                ("version", Expr::col("version").add(1)),
            ])
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("deleted_at").is_not_null());
        if kind == Deletable::Contact {
            // A merged contact lives on in the one it was merged into; an erased person's
            // row (its names emptied, which no contact written through the domain has)
            // stays gone.
            stmt.and_where(Expr::col("merged_into").is_null())
                .and_where(Expr::col("first_name").ne(""));
        }
        if tx.execute(&stmt).await? != 1 {
            return Err(StoreError::NotFound);
        }
        if kind == Deletable::Opportunity {
            crate::funnel::set_live(&mut tx, tenant, id, true).await?;
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }
}
