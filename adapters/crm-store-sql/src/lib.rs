//! SQL store adapter (sqlx + sea-query) for SQLite and PostgreSQL.
//!
//! One code path builds every query with sea-query and runs it on either backend. It
//! scopes every query by the tenant (and by visibility for owned records), encrypts
//! personal fields through the [`Cipher`] port before they reach SQL, keeps blind indexes
//! for equality lookups, checks versions on every update and appends the event of each
//! change in the same transaction. On PostgreSQL, row-level security bound to
//! `app.tenant_id` (set for each transaction, or for a connection kept for one company's
//! reads, see `kept.rs`) is the second wall.
#![forbid(unsafe_code)]

mod access_log;
mod activities;
mod auth;
mod automation;
mod bound;
mod campaigns;
mod candidates;
mod consents;
pub mod constraints;
mod consumers;
mod contact_rows;
mod contact_sql;
mod contacts;
mod crypt;
mod db;
mod deletion;
mod drafts;
mod duplicates;
mod email;
mod email_rows;
mod erasure;
mod error;
mod event_values;
mod events;
mod files;
mod forecasts;
mod funnel;
mod here;
mod idempotency;
mod imports;
mod jobs;
mod kept;
mod keys;
mod leads;
mod mail_relays;
mod migrations;
mod opportunities;
mod organizations;
mod paging;
mod person_keys;
mod pipelines;
mod plans;
mod postgres;
mod privacy;
#[cfg(feature = "test-sql")]
mod raw_sql;
mod reminders;
mod reports;
mod reseal;
mod retention;
mod rows;
mod scope;
mod scoring;
mod scoring_rows;
mod second_factors;
mod segments;
mod shapes;
mod sqlite;
mod suppressions;
mod telephony;
mod tenant_keys;
mod tenants;
mod territories;
mod users;
mod webhooks;

pub use db::Backend;
pub use plans::PlannedRead;
pub use postgres::{PostgresSetup, migrate_postgres};
pub use tenant_keys::{KeyRotation, Retirement};

use crm_domain::TenantId;
use crm_ports::Cipher;
use crm_ports::StoreError;
use crm_ports::store::{Health, Wakeups};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The database cannot be reached or opened.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(String),
    /// The configured role may bypass row-level security; refusing to serve with it.
    #[error("refusing to serve as database role {role:?}: {reason}")]
    Privileged {
        /// Role name.
        role: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The master keys given are not those the database was written with.
    #[error("{0}")]
    KeyMismatch(String),
}

/// A committed event: tenant and sequence number, sent to in-process listeners.
pub use crm_ports::store::Committed;

/// The SQL store, generic over the cipher that protects personal fields.
pub struct SqlStore<C> {
    pool: db::Pool,
    cipher: Arc<C>,
    wake: broadcast::Sender<Committed>,
    /// Moved once a transaction that queued jobs has committed: this process's workers wait
    /// on it rather than polling the queue.
    jobs: Arc<tokio::sync::watch::Sender<u64>>,
    /// A checkpoint of SQLite's log runs in the background (`sqlite.rs`).
    checkpointing: Arc<std::sync::atomic::AtomicBool>,
}

impl<C> std::fmt::Debug for SqlStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.pool.backend())
            .finish_non_exhaustive()
    }
}

impl<C> Clone for SqlStore<C> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            cipher: Arc::clone(&self.cipher),
            wake: self.wake.clone(),
            jobs: Arc::clone(&self.jobs),
            checkpointing: Arc::clone(&self.checkpointing),
        }
    }
}

impl<C: Cipher> SqlStore<C> {
    /// The cipher this store seals with, holding the tenant keys it adopted: the one to
    /// give the file storage, so that files sealed under a retired master key open too.
    pub fn cipher(&self) -> Arc<C> {
        Arc::clone(&self.cipher)
    }

    fn from_pool(pool: db::Pool, cipher: C) -> Self {
        let (wake, _) = broadcast::channel(1024);
        Self {
            pool,
            cipher: Arc::new(cipher),
            wake,
            jobs: Arc::new(tokio::sync::watch::Sender::new(0)),
            checkpointing: Arc::default(),
        }
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Listens to commits made through this store (in-process wake-ups; readers always
    /// catch up from their cursor in the log).
    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.wake.subscribe()
    }

    /// Tells this process's job workers that a job was queued (call once committed).
    pub(crate) fn queued_jobs(&self) {
        self.jobs.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn woke(&self, tenant_id: TenantId, seq: i64) {
        // No listener is fine: readers catch up from the log.
        let _ = self.wake.send(Committed { tenant_id, seq });
    }
}

impl<C: Cipher> Wakeups for SqlStore<C> {
    fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.wake.subscribe()
    }

    fn wake(&self, tenant: TenantId, seq: i64) {
        self.woke(tenant, seq);
    }
}

impl<C: Cipher> crm_ports::store::SearchHasher for SqlStore<C> {
    fn search_hash(&self, tenant: TenantId, domain: &str, token: &str) -> [u8; 32] {
        self.cipher.blind_index(tenant, &format!("search-{domain}"), token.as_bytes())
    }
}

impl<C: Cipher> Health for SqlStore<C> {
    async fn ping(&self) -> Result<(), StoreError> {
        let tx = self.pool.begin(db::On::Platform, db::Mode::Read).await?;
        drop(tx);
        Ok(())
    }
}
