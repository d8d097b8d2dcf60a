//! Imports: a piece of an import (new organizations, new and changed contacts, their
//! events) written in the same transaction as the step of the job running it.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::jobs::update_held;
use crate::rows::ts;
use crm_domain::TenantId;
use crm_ports::store::{HeldStep, ImportPiece, ImportStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, UpdateStatement};

impl<C: Cipher> ImportStore for SqlStore<C> {
    async fn write_import_piece(&self, tenant: TenantId, piece: &ImportPiece<'_>, step: &HeldStep) -> Result<(), StoreError> {
        let foreign = piece.organizations.iter().any(|o| o.tenant_id != tenant)
            || piece.created.iter().any(|c| c.tenant_id != tenant)
            || piece.updated.iter().any(|(c, _)| c.tenant_id != tenant);
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
        for c in piece.created {
            self.insert_contact(&mut tx, c).await?;
        }
        for (c, expected) in piece.updated {
            self.rewrite_contact(&mut tx, c, *expected).await?;
        }
        self.finish(tx, tenant, piece.events).await
    }
}
