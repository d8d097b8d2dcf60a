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

/// The page cache of a reader and of the writer (SQLite's `cache_size`: negative, KiB).
/// The writer's pages stay from one write to the next (large imports); a reader's are
/// what the mapped part of the file does not cover.
const READER_CACHE: &str = "-4096";
/// See [`READER_CACHE`].
const WRITER_CACHE: &str = "-16384";

/// How much of the file a connection reads through the system's page cache (mapped).
const MMAP_SIZE: &str = "268435456";

/// How long a connection serves before it is closed and, when needed, opened again (and
/// how long one may sit idle). What a connection holds grows with what it has read: its
/// page cache (up to `cache_size`, for the part of the file beyond the mapped part), the
/// file's pages it mapped, its prepared statements. A large read (the catch-up of the
/// log's readers after a restart, an export, a report over a large company) left all of it
/// held for as long as the connection lived (half an hour, sqlx's default, or for ever on
/// a server never idle); opening a connection again costs a millisecond or so, and its
/// statements prepared anew.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);

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
            // Each reader keeps 4 MiB of pages (2 MiB by default; the writer 16, below),
            // and reads the file's first 256 MiB through the system's page cache (mapped)
            // rather than a copy per read: lists stop paying a system call a page. The
            // pages beyond are copied into the connection's cache, which fills up and
            // stays full: at 16 MiB each, nine connections over a large file (2.9 GB at a
            // million contacts) could hold 144 MiB (docs/performance.md).
            .pragma("cache_size", READER_CACHE)
            .pragma("mmap_size", MMAP_SIZE)
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
            .max_lifetime(CONNECTION_LIFETIME)
            .idle_timeout(CONNECTION_LIFETIME)
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
            .max_lifetime(CONNECTION_LIFETIME)
            .idle_timeout(CONNECTION_LIFETIME)
            .acquire_timeout(BUSY_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.pragma("cache_size", WRITER_CACHE))
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let here = crate::here::Here::new(path.to_path_buf(), CONNECTION_LIFETIME, READER_CACHE, MMAP_SIZE);
        let store = Self::from_pool(
            Pool::Sqlite {
                readers: pool,
                writer,
                here,
            },
            cipher,
        );
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
    use super::{CONNECTION_LIFETIME, Pool};
    use sqlx::Connection;

    /// What a reader and the writer may hold: their page caches, and their lifetimes (a
    /// connection is opened again after it, giving back its cache, mapped pages and
    /// prepared statements).
    #[tokio::test]
    async fn readers_keep_small_caches_and_every_connection_is_opened_again_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let keys = crm_crypto::Keyring::from_spec("1:0101010101010101010101010101010101010101010101010101010101010101").unwrap();
        let store = crate::SqlStore::open_sqlite(&dir.path().join("crm.db"), crm_crypto::RingCipher::new(keys))
            .await
            .unwrap();
        let Pool::Sqlite { readers, writer, .. } = &store.pool else {
            panic!("a SQLite store")
        };
        let cache = |pool: &sqlx::SqlitePool| {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>("PRAGMA cache_size").fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(cache(readers).await, -4096, "KiB");
        assert_eq!(cache(writer).await, -16384, "KiB");
        for pool in [readers, writer] {
            assert_eq!(pool.options().get_max_lifetime(), Some(CONNECTION_LIFETIME));
            assert_eq!(pool.options().get_idle_timeout(), Some(CONNECTION_LIFETIME));
        }
    }

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
