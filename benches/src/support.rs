//! Shared by the benchmark programs: the cipher and a throwaway PostgreSQL database (roles,
//! database, migrations, a store connected as the application role).

use crm_crypto::{Keyring, RingCipher};
use crm_store_sql::{PostgresSetup, SqlStore, migrate_postgres};
use std::error::Error;

/// The allocator of the `crm` binary, so the in-process servers measured here are the
/// served ones.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The benchmarks' master key (fixed: nothing here is secret).
pub const BENCH_MASTER_KEY: &str = "1:4242424242424242424242424242424242424242424242424242424242424242";

/// The benchmarks' cipher.
pub fn cipher() -> Result<RingCipher, Box<dyn Error>> {
    Ok(RingCipher::new(Keyring::from_spec(BENCH_MASTER_KEY)?))
}

/// What the endpoint serves besides the application, with no readers of the log (the
/// benchmarks measure requests) and files under `dir`.
#[allow(dead_code)] // not every bench serves HTTP
pub fn extras(search: crm_server::search::SearchHandle, dir: &std::path::Path) -> Result<crm_server::api::Extras, Box<dyn Error>> {
    let files = crm_files_disk::DiskFiles::open(&dir.join("files"), std::sync::Arc::new(cipher()?))?;
    Ok(crm_server::api::Extras {
        search,
        consumers: std::sync::Arc::from(Vec::new()),
        files: std::sync::Arc::new(files),
        mail: crm_ports::services::email::MailSettings::default(),
        webhooks: crm_server::webhooks::Webhooks::from_config(&crm_server::config::Config::layered(
            crm_server::config::FileConfig::default(),
            crm_server::config::FileConfig::default(),
        ))
        .transport,
    })
}

/// A database created for one run, dropped by [`BenchDb::drop_now`].
#[allow(dead_code)] // not every bench runs on PostgreSQL
pub struct BenchDb {
    admin_url: String,
    name: String,
}

#[allow(dead_code)] // not every bench runs on PostgreSQL
impl BenchDb {
    /// Creates the roles and a fresh database from a superuser URL, migrates it and opens a
    /// store as the application role (with its NOTIFY listener).
    pub async fn create(admin_url: &str, prefix: &str) -> Result<(Self, SqlStore<RingCipher>), Box<dyn Error>> {
        let name = format!("{prefix}_{}", chrono::Utc::now().timestamp_micros());
        let (db, store, _) = Self::open(admin_url, &name).await?;
        Ok((db, store))
    }

    /// Opens the database `name`, creating it when absent (`true` when it was), migrates
    /// it and opens a store as the application role: a data set kept between runs.
    pub async fn open(admin_url: &str, name: &str) -> Result<(Self, SqlStore<RingCipher>, bool), Box<dyn Error>> {
        let name = name.to_owned();
        let host = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(b, _)| b)
            .split_once('@')
            .map_or("127.0.0.1:5432", |(_, h)| h)
            .to_owned();
        let db = Self {
            admin_url: admin_url.to_owned(),
            name,
        };
        db.psql("DO $$ BEGIN CREATE ROLE crm_bench_owner LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")?;
        db.psql("DO $$ BEGIN CREATE ROLE crm_bench_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")?;
        let exists = std::process::Command::new("psql")
            .arg(admin_url)
            .arg("-tAc")
            .arg(format!("SELECT 1 FROM pg_database WHERE datname = '{}'", db.name))
            .output()?
            .stdout
            .starts_with(b"1");
        if !exists {
            db.psql(&format!("CREATE DATABASE {} OWNER crm_bench_owner", db.name))?;
        }
        let created = !exists;
        migrate_postgres(
            &format!("postgres://crm_bench_owner@{host}/{}", db.name),
            "crm_bench_app",
            cipher()?,
        )
        .await?;
        let store = SqlStore::connect_postgres(
            &PostgresSetup {
                url: format!("postgres://crm_bench_app@{host}/{}", db.name),
                max_connections: 16,
            },
            cipher()?,
        )
        .await?;
        let _listener = store.spawn_listener();
        Ok((db, store, created))
    }

    fn psql(&self, sql: &str) -> Result<(), Box<dyn Error>> {
        let ok = std::process::Command::new("psql")
            .arg(&self.admin_url)
            .arg("-qc")
            .arg(sql)
            .status()?
            .success();
        if ok { Ok(()) } else { Err(format!("psql failed: {sql}").into()) }
    }

    /// The database's URL as the superuser (row security does not apply): for the raw
    /// reads that give a floor.
    pub fn superuser_url(&self) -> String {
        let base = self.admin_url.rsplit_once('/').map_or(self.admin_url.as_str(), |(b, _)| b);
        format!("{base}/{}", self.name)
    }

    /// Gathers the database's statistics (`ANALYZE`, as the superuser): what autovacuum
    /// would have done by then.
    pub fn analyze(&self) -> Result<(), Box<dyn Error>> {
        let ok = std::process::Command::new("psql")
            .arg(self.superuser_url())
            .arg("-qc")
            .arg("ANALYZE")
            .status()?
            .success();
        if ok { Ok(()) } else { Err("psql ANALYZE failed".into()) }
    }

    /// Drops the database.
    pub fn drop_now(self) -> Result<(), Box<dyn Error>> {
        self.psql(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
    }
}
