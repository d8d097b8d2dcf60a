//! The composition root: builds the cipher and the store chosen by configuration, and keeps
//! the data directory private to the server's user (directories 0700, files 0600).

use crate::config::Config;
use crm_crypto::{Argon2Credentials, KeyError, Keyring, RingCipher};
use crm_ports::App;
use crm_store_sql::{OpenError, PostgresSetup, SqlStore};
use std::path::{Path, PathBuf};

/// The application as the server runs it.
pub type CrmApp = App<SqlStore<RingCipher>, Argon2Credentials>;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    /// Keys unusable.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// Database unusable.
    #[error(transparent)]
    Store(#[from] OpenError),
    /// Password hashing unusable.
    #[error(transparent)]
    Credentials(#[from] crm_ports::CredentialError),
    /// A database URL without a master key given explicitly.
    #[error(
        "avec --database-url, la clé maîtresse doit être donnée explicitement : exportez CRM_MASTER_KEY=1:<64 chiffres hexadécimaux> \
         (la même pour chaque réplique et pour les commandes `crm tenant`, `crm user`...) ou mettez `master_key` dans crm.toml ; \
         aucun fichier master.key n'est créé dans ce cas"
    )]
    KeyRequired,
    /// The data directory cannot be created.
    #[error("répertoire de données {0} impossible à créer / data directory cannot be created: {1}")]
    DataDir(PathBuf, std::io::Error),
}

/// Creates `dir` (and missing parents) readable by this user only (0700 on Unix), and
/// takes group and other permissions away from it when it already exists. A directory that
/// cannot be changed (another owner, a file system without Unix modes) is logged, not
/// refused.
///
/// # Errors
/// When the directory cannot be created.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        restrict(dir, 0o700);
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Sets the mode of an existing `path` to `mode` when it grants group or other anything;
/// a missing path is fine, a failure is logged.
pub(crate) fn restrict(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = match std::fs::metadata(path) {
            Ok(m) => m.permissions().mode(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the permissions of a data file");
                return;
            }
        };
        if current & 0o077 != 0
            && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot make a data file private to this user");
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Makes the SQLite database of `db` private: created empty with mode 0600 before SQLite
/// first opens it (SQLite gives its `-wal` and `-shm` files the database's mode), and every
/// one of the three narrowed to 0600 (databases made by earlier versions).
fn private_sqlite(db: &Path, opened: bool) {
    if !opened {
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // An empty file is an empty database to SQLite; an existing one stays as it is.
            let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(db);
        }
        return;
    }
    restrict(db, 0o600);
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        restrict(Path::new(&side), 0o600);
    }
}

/// Loads the master keys: from configuration, else (SQLite only) from the data
/// directory's key file, created on first use. With a database URL the key must be given:
/// a key file made in whatever directory the command ran in would write records that the
/// correctly keyed servers cannot read.
///
/// # Errors
/// `Keys`, `KeyRequired`.
pub fn keyring(config: &Config) -> Result<Keyring, OpenStoreError> {
    Ok(match (&config.master_key, &config.database_url) {
        (Some(k), _) => Keyring::from_spec(k.expose())?,
        (None, Some(_)) => return Err(OpenStoreError::KeyRequired),
        (None, None) => Keyring::load_or_create(&config.key_path())?,
    })
}

/// Opens the configured store: PostgreSQL (as the application role, schema already
/// migrated) when a database URL is set, else the embedded SQLite (migrated on open).
///
/// # Errors
/// `Keys` or `Store`.
pub async fn open_app(config: &Config) -> Result<CrmApp, OpenStoreError> {
    if config.database_url.is_none() {
        // The key file goes in the data directory: private before it is written.
        private_dir(&config.data_dir).map_err(|e| OpenStoreError::DataDir(config.data_dir.clone(), e))?;
    }
    open_app_with(config, keyring(config)?).await
}

/// [`open_app`] with these master keys (a rotation's, a retirement's).
///
/// # Errors
/// `Store`.
pub async fn open_app_with(config: &Config, keys: Keyring) -> Result<CrmApp, OpenStoreError> {
    if config.database_url.is_none() {
        // The key file and the database go there: private before either is written.
        private_dir(&config.data_dir).map_err(|e| OpenStoreError::DataDir(config.data_dir.clone(), e))?;
        private_sqlite(&config.sqlite_path(), false);
    }
    let cipher = RingCipher::new(keys);
    let store = match &config.database_url {
        Some(url) => {
            SqlStore::connect_postgres(
                &PostgresSetup {
                    url: url.expose().to_owned(),
                    max_connections: config.max_connections,
                },
                cipher,
            )
            .await?
        }
        None => {
            let store = SqlStore::open_sqlite(&config.sqlite_path(), cipher).await?;
            private_sqlite(&config.sqlite_path(), true);
            store
        }
    };
    // Several server processes may share PostgreSQL: wake this one's readers on others' writes.
    let _listener = store.spawn_listener();
    let hashers = std::thread::available_parallelism().map_or(2, usize::from);
    Ok(App::new(store, Argon2Credentials::new(hashers)?))
}
