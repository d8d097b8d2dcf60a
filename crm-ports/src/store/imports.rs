//! Store port of imports: one piece of an import written in one transaction together with
//! the step of the job that runs it, so a job resumed after a crash starts exactly after
//! the last piece written — every row exactly once.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::contact::Contact;
use crm_domain::event::NewEvent;
use crm_domain::organization::Organization;
use std::future::Future;
use uuid::Uuid;

/// What one piece of an import writes.
#[derive(Debug, Clone, Copy)]
pub struct ImportPiece<'a> {
    /// New organizations (named by rows and not found).
    pub organizations: &'a [Organization],
    /// Changed organizations (an import of organizations), each with the version it was
    /// read at.
    pub updated_organizations: &'a [(Organization, i64)],
    /// New opportunities (an import of opportunities), with their links.
    pub opportunities: &'a [crm_domain::opportunity::Opportunity],
    /// New contacts.
    pub created: &'a [Contact],
    /// Changed contacts: each as it becomes, and as it was read (its version guards the
    /// write; only what differs is rewritten).
    pub updated: &'a [(Contact, Contact)],
    /// The events of all of it.
    pub events: &'a [NewEvent],
}

/// The step of a held job committed with a piece (see `JobStore::checkpoint_job`).
#[derive(Debug, Clone)]
pub struct HeldStep {
    /// The job.
    pub job: Uuid,
    /// The worker holding it.
    pub worker: Uuid,
    /// The step reached.
    pub step: i64,
    /// What to show of it.
    pub progress: serde_json::Value,
    /// The lease, extended to.
    pub lease_until: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Imports.
pub trait ImportStore: Send + Sync {
    /// Writes `piece` and moves the job to `step`, in one transaction: all of it or
    /// nothing.
    ///
    /// # Errors
    /// `Conflict` (nothing written) when a contact changed since it was read or the job is
    /// no longer held by the worker (cancelled, or its lease taken over).
    fn write_import_piece(
        &self,
        tenant: TenantId,
        piece: &ImportPiece<'_>,
        step: &HeldStep,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
