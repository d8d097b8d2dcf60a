//! The composition root: builds the cipher and the store chosen by configuration.

use crate::config::Config;
use crm_crypto::{Argon2Credentials, KeyError, Keyring, RingCipher};
use crm_ports::App;
use crm_store_sql::{OpenError, PostgresSetup, SqlStore};

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
    let cipher = RingCipher::new(keyring(config)?);
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
        None => SqlStore::open_sqlite(&config.sqlite_path(), cipher).await?,
    };
    // Several server processes may share PostgreSQL: wake this one's readers on others' writes.
    let _listener = store.spawn_listener();
    let hashers = std::thread::available_parallelism().map_or(2, usize::from);
    Ok(App::new(store, Argon2Credentials::new(hashers)?))
}
