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
/// How long the writer gathers accesses after the first of a batch.
const WINDOW: std::time::Duration = std::time::Duration::from_millis(200);
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
        self.log_access(actor, kind, contact, count, Vec::new()).await
    }

    /// Logs that a person's user was shown these contacts in a list with their emails or
    /// phones: one access naming them all (nothing for an empty list), as
    /// [`Self::record_access`] does.
    ///
    /// # Errors
    /// Store failures of a write made now.
    pub async fn record_list_access(&self, actor: &Actor, contacts: &[ContactId]) -> Result<(), ServiceError> {
        if contacts.is_empty() {
            return Ok(());
        }
        let n = u32::try_from(contacts.len()).unwrap_or(u32::MAX);
        self.log_access(actor, AccessKind::Listed, None, n, contacts.to_vec()).await
    }

    async fn log_access(
        &self,
        actor: &Actor,
        kind: AccessKind,
        contact_id: Option<ContactId>,
        count: u32,
        listed: Vec<ContactId>,
    ) -> Result<(), ServiceError> {
        let (Some(tenant_id), Some(user_id)) = (actor.tenant_id(), actor.user_id()) else {
            return Ok(());
        };
        let entry = AccessEntry {
            id: self.ids.new_uuid(),
            tenant_id,
            at: self.clock.now(),
            user_id,
            kind,
            contact_id,
            count,
            listed,
        };
        if let Err(entry) = self.access.offer(entry) {
            // Boxed: the store's write (a transaction's future, about 9 KiB) would otherwise
            // be part of every reading route's future, moved whole into poem's box on every
            // request, though it runs only when no writer takes the access.
            Box::pin(self.store.record_accesses(std::slice::from_ref(&entry))).await?;
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
            // Then whatever comes within the window, so that a busy server writes a few
            // large batches a second rather than one small one per request.
            let until = tokio::time::Instant::now() + WINDOW;
            while batch.len() < BATCH {
                match tokio::time::timeout_at(until, rx.recv()).await {
                    Ok(Some(e)) => batch.push(e),
                    Ok(None) | Err(_) => break,
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
