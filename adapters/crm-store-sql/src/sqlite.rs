//! Opening the embedded SQLite store: one file, WAL, foreign keys on, a busy timeout so the
//! `crm` command line can write while the server runs; migrations applied on open.

use crate::db::Pool;
use crate::{OpenError, SqlStore};
use crm_ports::Cipher;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

pub(crate) fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "init".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0001_init.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "auth".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0002_auth.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "activities".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0003_activities.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "reminders".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0004_reminders.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            5,
            "telephony".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0005_telephony.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            6,
            "segments".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0006_segments.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            7,
            "duplicates".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0007_duplicates.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            8,
            "logins".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0008_logins.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            9,
            "runtime".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0009_runtime.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            10,
            "files".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0010_files.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            11,
            "constraint_names".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0011_constraint_names.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            12,
            "person_keys".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0012_person_keys.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            13,
            "notification_links".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0013_notification_links.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            14,
            "installation".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0014_installation.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            15,
            "leads".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0015_leads.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            16,
            "drafts".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0016_drafts.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            17,
            "user_language".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0017_user_language.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            18,
            "external_ids".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0018_external_ids.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            19,
            "suppressions".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0019_suppressions.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            20,
            "organization_external_ids".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0020_organization_external_ids.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            21,
            "email".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0021_email.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            22,
            "email_tracking".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0022_email_tracking.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            23,
            "email_replies".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0023_email_replies.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            24,
            "campaigns".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0024_campaigns.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            25,
            "contact_opt_outs".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0025_contact_opt_outs.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            26,
            "mail_relays".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0026_mail_relays.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            27,
            "forecast_submissions".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0027_forecast_submissions.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            28,
            "opportunity_stays".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0028_opportunity_stays.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            29,
            "webhooks".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0029_webhooks.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            30,
            "scoring".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0030_scoring.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            31,
            "scoring_models".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0031_scoring_models.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            32,
            "automation".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0032_automation.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            33,
            "user deactivation".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0033_user_deactivation.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            34,
            "stage archive".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0034_stage_archive.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            35,
            "tenant suspension".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0035_tenant_suspension.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            36,
            "territories".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0036_territories.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            37,
            "privacy requests".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0037_privacy_requests.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            38,
            "second factors".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0038_second_factors.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            39,
            "contact consents".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0039_contact_consents.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            40,
            "tenant keys".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0040_tenant_keys.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            41,
            "access log".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0041_access_log.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            42,
            "event person".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0042_event_person.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            43,
            "contact anonymised".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0043_contact_anonymised.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            44,
            "access log lists".into(),
            MigrationType::Simple,
            include_str!("../migrations/sqlite/0044_access_log_lists.sql").into_sql_str(),
            false,
        ),
    ])
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
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        migrator().run(&pool).await.map_err(|e| OpenError::Migrate(e.to_string()))?;
        let store = Self::from_pool(Pool::Sqlite(pool), cipher);
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
        let Pool::Sqlite(pool) = &self.pool else {
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
