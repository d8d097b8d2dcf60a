//! The former-client rule: a client with no open deal and no deal won for the company's
//! set number of months becomes a former client ("ancien client"), with an event naming
//! the rule. Run daily per tenant as a timer job, or at once by an Admin.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::Scope;
use crate::store::{ContactStore, JobStore, LeadStore, TenantStore};
use crm_domain::contact::ContactKind;
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::visibility::{Capability, RecordScope};
use crm_domain::{Actor, TenantId};

/// The job kind (and key) of the daily scan.
pub const FORMER_CLIENT_SCAN: &str = "former_client_scan";

/// Clients looked at per batch.
const BATCH: u32 = 200;

/// How often the scan runs.
const EVERY: chrono::Duration = chrono::Duration::days(1);

impl<S: ContactStore + LeadStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Applies the former-client rule to a tenant now; how many clients became former
    /// clients (0 when the company has no rule).
    ///
    /// # Errors
    /// Store failures.
    pub async fn apply_former_client_rule(&self, tenant: TenantId) -> Result<u64, ServiceError> {
        let settings = self.store.lead_settings(tenant).await?;
        let Some(months) = settings.former_client_after_months else {
            return Ok(0);
        };
        let now = self.clock.now();
        let cutoff = now.checked_sub_months(chrono::Months::new(u32::from(months))).unwrap_or(now);
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let actor = Actor::System { tenant_id: tenant };
        let mut done = 0;
        loop {
            let ids = self.store.stale_clients(tenant, cutoff, BATCH).await?;
            let mut changed = 0;
            for id in &ids {
                let before = match self.store.contact(scope, *id).await {
                    Ok(c) => c,
                    Err(StoreError::NotFound) => continue,
                    Err(e) => return Err(e.into()),
                };
                let mut after = before.clone();
                after.set_kind(ContactKind::FormerClient, now);
                after.version = before.version + 1;
                after.updated_at = now;
                let mut changes = crm_domain::contact::Contact::changes(Some(&before), &after);
                changes.push(FieldChange {
                    field: "former_client_after_months",
                    before: None,
                    after: Some(serde_json::Value::from(months)),
                    sensitivity: Sensitivity::Clear,
                });
                let ev = self.event(
                    &actor,
                    EntityType::Contact,
                    id.as_uuid(),
                    EventKind::Converted,
                    Some(after.owner_id.as_uuid()),
                    changes,
                );
                match self.store.update_contact(&after, before.version, &ev).await {
                    Ok(()) => changed += 1,
                    // Edited meanwhile: tomorrow's scan looks again.
                    Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            done += changed;
            if ids.len() < BATCH as usize || changed == 0 {
                return Ok(done);
            }
        }
    }

    /// Applies the former-client rule now (Admin); how many clients became former clients.
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn run_former_client_rule(&self, actor: &Actor) -> Result<u64, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        self.apply_former_client_rule(tenant).await
    }
}

/// The daily scan of every tenant, as a timer job.
pub struct FormerClientScan<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> Clone for FormerClientScan<S, K, C, I> {
    fn clone(&self) -> Self {
        Self { app: self.app.clone() }
    }
}

impl<S, K, C: Clone, I: Clone> FormerClientScan<S, K, C, I> {
    /// The scan over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<S: JobStore + TenantStore, K, C: Clock + Clone, I: IdGenerator + Clone> FormerClientScan<S, K, C, I> {
    /// Queues the scan of every tenant that has none queued or running, due a day from
    /// now; how many were queued.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        self.app.ensure_timers(FORMER_CLIENT_SCAN, EVERY).await
    }
}

impl<
    S: ContactStore + LeadStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> crate::runtime::jobs::JobHandler for FormerClientScan<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        FORMER_CLIENT_SCAN
    }

    fn run<'a>(
        &'a self,
        ctx: &'a crate::runtime::jobs::JobContext,
    ) -> crate::runtime::BoxFuture<'a, Result<crate::runtime::jobs::JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let n = self.app.apply_former_client_rule(job.tenant_id).await?;
            if n > 0 {
                tracing::info!(tenant = %job.tenant_id, clients = n, "clients became former clients");
            }
            Ok(self.app.next_timer(job, EVERY))
        })
    }
}
