//! Opening the embedded SQLite store: one file, WAL, foreign keys on, a busy timeout so the
//! `crm` command line can write while the server runs; migrations applied on open.

use crate::db::Pool;
use crate::{OpenError, SqlStore};
use crm_ports::Cipher;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for the file (a write of another process: the `crm` command
/// beside a server) or for its turn at the writer connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections that read (a write begun on one of them still works: SQLite takes the
/// file's lock).
const READERS: u32 = 8;

pub(crate) fn migrator() -> Migrator {
    crate::migrations::migrator!("sqlite")
}

impl<C: Cipher> SqlStore<C> {
    /// Opens (creating if needed) the SQLite database at `path` and applies migrations.
    ///
    /// # Errors
    /// `Connect`, `Migrate`, or `KeyMismatch` when the cipher's keys are not those the
    /// database was written with.
    pub async fn open_sqlite(path: &Path, cipher: C) -> Result<Self, OpenError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| OpenError::Connect(format!("{}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // What is deleted or rewritten is overwritten on disk, not left in free pages
            // (an erased person must not survive in the file).
            .pragma("secure_delete", "ON")
            // Each connection keeps 16 MiB of pages (2 MiB by default), and reads the file
            // through the system's page cache (mapped) rather than a copy per read: large
            // imports and lists stop paying a system call a page.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", "268435456")
            // The log is copied into the file every 8,192 pages (32 MiB) rather than every
            // 1,000: a large write (a piece of an import) no longer pays a checkpoint each.
            .pragma("wal_autocheckpoint", "8192")
            // A connection's thread hands its rows over a channel of this many: sqlx's 50
            // made a page of 50 (read with one row more, to know if another page follows)
            // wait for the request's task to take rows before it could finish; 256 covers
            // the largest page (200 and one).
            .row_buffer_size(256)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            // No check before a connection is handed out: sqlx sends one to the
            // connection's thread and waits for its answer, a trip per read; a file
            // connection does not drop as a network one can, and the pool still checks
            // each connection as it comes back.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        migrator().run(&pool).await.map_err(|e| OpenError::Migrate(e.to_string()))?;
        // Every write transaction of the process takes this one connection in turn. SQLite
        // lets one transaction write at a time anyway; on a connection of their own, the
        // writers queue in the pool in the order they came (instead of sleeping in SQLite's
        // busy handler, 1, 2, 5, 10… ms, while the file is taken), and the pages they read
        // stay in that connection's cache from one write to the next (a connection's cache
        // is dropped whenever another connection wrote: spread over the readers, each
        // write began by reading its pages again).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(BUSY_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let store = Self::from_pool(Pool::Sqlite { readers: pool, writer }, cipher);
        store.verify_keys().await?;
        store.load_index_root().await?;
        store.load_tenant_keys().await?;
        let sealed = store
            .seal_old_person_events()
            .await
            .map_err(|e| OpenError::Migrate(format!("{}: {e}", crate::reseal::PERSON_EVENTS_SEALED)))?;
        if sealed > 0 {
            tracing::info!(events = sealed, "old contact events sealed under their person's key");
        }
        Ok(store)
    }
}

impl<C> SqlStore<C> {
    /// After a large write (a piece of an import), copies SQLite's log into the database
    /// file in the background, on a connection of its own, one copy at a time: the next
    /// large commit then finds the log copied already instead of copying it itself while
    /// the import waits. A passive checkpoint waits for no reader or writer; SQLite's own,
    /// every 8,192 pages at a commit, stays as the backstop. Nothing to do on PostgreSQL.
    pub(crate) fn checkpoint_behind(&self) {
        use std::sync::atomic::Ordering;
        let crate::db::Pool::Sqlite { readers: pool, .. } = &self.pool else {
            return;
        };
        if self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, running) = (pool.clone(), std::sync::Arc::clone(&self.checkpointing));
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::debug!(error = %e, "background checkpoint of the log");
            }
            running.store(false, Ordering::Release);
        });
    }
}

impl<C: Cipher> SqlStore<C> {
    /// Writes a consistent copy of the SQLite database to `dest` (a new file) while the
    /// store keeps serving: `VACUUM INTO` reads one snapshot, so the copy holds every
    /// write committed before it started and nothing half-written. The copy is compact
    /// (no free pages, no log).
    ///
    /// # Errors
    /// `Internal` on PostgreSQL (its backups are `pg_dump`'s), when `dest` exists or cannot
    /// be written.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<(), crm_ports::StoreError> {
        let Pool::Sqlite { readers: pool, .. } = &self.pool else {
            return Err(crm_ports::StoreError::Internal(
                "a PostgreSQL database is backed up with pg_dump".into(),
            ));
        };
        if dest.exists() {
            return Err(crm_ports::StoreError::Internal(format!("{} exists already", dest.display())));
        }
        let path = dest
            .to_str()
            .ok_or_else(|| crm_ports::StoreError::Internal(format!("{} is not UTF-8", dest.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(path)
            .execute(pool)
            .await
            .map_err(crate::error::map_db)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sqlx::Connection;

    /// The bundled SQLite is built with the workspace's flags (`.cargo/config.toml`):
    /// without them the statement journals of an import go to temporary files again.
    #[tokio::test]
    async fn sqlite_is_built_with_the_workspace_flags() {
        let mut c = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&mut c).await.unwrap();
        assert!(options.iter().any(|o| o == "STMTJRNL_SPILL=16777216"), "{options:?}");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(!options.iter().any(|o| o.starts_with("ENABLE_STAT")), "{options:?}");
    }
}
