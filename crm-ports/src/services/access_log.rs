//! The access log: who opened or exported whose personal data, for the Admin. An access is
//! queued for a writer that runs beside the server and writes the queue in batches, so
//! that a read pays one non-blocking send, never a write; without a running writer, or
//! with its queue full, the access is written at once (never dropped). When the writer
//! stops, it writes what is queued first.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::runtime::Shutdown;
use crate::store::PrivacyStore;
use crm_domain::access_log::{AccessEntry, AccessKind};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, ContactId, UserId};
use tokio::sync::mpsc;

/// Accesses waiting for the writer.
const QUEUE: usize = 8_192;
/// Most accesses written at once.
const BATCH: usize = 1_000;
/// Tries of a batch's write before it is given up (logged).
const TRIES: u32 = 6;
/// Most accesses read at once.
pub const MAX_READ: u32 = 500;

impl<S: PrivacyStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Logs that a person's user opened or exported personal data (nothing for the
    /// platform operator or the system): queued for the writer when it runs, written now
    /// otherwise.
    ///
    /// # Errors
    /// Store failures of a write made now.
    pub async fn record_access(&self, actor: &Actor, kind: AccessKind, contact: Option<ContactId>, count: u32) -> Result<(), ServiceError> {
        self.log_accesses(actor, kind, vec![(contact, count)]).await
    }

    /// Logs that a person's user was shown these contacts in a list with their emails or
    /// phones, one access each, as [`Self::record_access`] does.
    ///
    /// # Errors
    /// Store failures of a write made now.
    pub async fn record_list_access(&self, actor: &Actor, contacts: &[ContactId]) -> Result<(), ServiceError> {
        let accesses: Vec<(Option<ContactId>, u32)> = contacts.iter().map(|c| (Some(*c), 1)).collect();
        self.log_accesses(actor, AccessKind::Listed, accesses).await
    }

    async fn log_accesses(&self, actor: &Actor, kind: AccessKind, accesses: Vec<(Option<ContactId>, u32)>) -> Result<(), ServiceError> {
        let (Some(tenant_id), Some(user_id)) = (actor.tenant_id(), actor.user_id()) else {
            return Ok(());
        };
        let at = self.clock.now();
        let mut missed = Vec::new();
        for (contact_id, count) in accesses {
            let entry = AccessEntry {
                id: self.ids.new_uuid(),
                tenant_id,
                at,
                user_id,
                kind,
                contact_id,
                count,
            };
            if let Err(entry) = self.access.offer(entry) {
                missed.push(entry);
            }
        }
        if !missed.is_empty() {
            self.store.record_accesses(&missed).await?;
        }
        Ok(())
    }

    /// The company's accesses, newest first (Admin): to one contact or by one user when
    /// given, after the access `before` (the last of the page before); at most `limit`
    /// (up to [`MAX_READ`]).
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn access_log(
        &self,
        actor: &Actor,
        contact: Option<ContactId>,
        user: Option<UserId>,
        before: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self
            .store
            .access_log(tenant, contact, user, before, limit.clamp(1, MAX_READ))
            .await?)
    }

    /// Runs the access log's writer until `shutdown`, then writes what is queued.
    pub async fn run_access_writer(&self, mut shutdown: Shutdown) {
        let (tx, mut rx) = mpsc::channel(QUEUE);
        self.access.set(Some(tx));
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            tokio::select! {
                () = shutdown.requested() => break,
                got = rx.recv() => match got {
                    Some(e) => batch.push(e),
                    None => break,
                },
            }
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            self.write_batch(&mut batch).await;
        }
        // Nothing more is queued (later accesses are written as they happen); what is
        // queued is written.
        self.access.set(None);
        rx.close();
        while let Ok(e) = rx.try_recv() {
            batch.push(e);
            if batch.len() >= BATCH {
                self.write_batch(&mut batch).await;
            }
        }
        self.write_batch(&mut batch).await;
    }

    async fn write_batch(&self, batch: &mut Vec<AccessEntry>) {
        if batch.is_empty() {
            return;
        }
        for attempt in 0..TRIES {
            match self.store.record_accesses(batch).await {
                Ok(()) => {
                    batch.clear();
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, entries = batch.len(), "cannot write the access log; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
            }
        }
        tracing::error!(entries = batch.len(), "access log entries could not be written");
        batch.clear();
    }
}
