//! Typed, layered configuration: defaults < `crm.toml` < `CRM_*` environment < flags.
//! The layering of environment and flags is done by the binary (clap); this module holds
//! the typed result, the file layer and the defaults. Secrets never print.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A value that must never appear in logs or debug output.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("invalid configuration file {path}: {message}")]
    Parse {
        /// File.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The file layer: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Data directory (SQLite database and key file).
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL of the application role; SQLite in the data directory when absent.
    pub database_url: Option<Secret>,
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Master keys (`ID:HEX,...`); the key file of the data directory when absent.
    pub master_key: Option<Secret>,
    /// Connections to PostgreSQL.
    pub max_connections: Option<u32>,
    /// Log format: `pretty` or `json`.
    pub log_format: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Mark the session cookie `Secure` (the server is reached over TLS).
    pub secure_cookies: Option<bool>,
    /// Seconds between two reminder scans; 0 turns the scheduler off.
    pub reminder_interval_seconds: Option<u64>,
    /// Largest file upload, bytes.
    pub max_upload_bytes: Option<u64>,
}

impl FileConfig {
    /// Reads a TOML file; a missing file is an empty layer only when `optional`.
    ///
    /// # Errors
    /// `Read` or `Parse`.
    pub fn load(path: &Path, optional: bool) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; `None` for the embedded SQLite.
    pub database_url: Option<Secret>,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Master keys; `None` to use (and create) `master.key` in the data directory.
    pub master_key: Option<Secret>,
    /// Connections to PostgreSQL.
    pub max_connections: u32,
    /// `pretty` or `json`.
    pub log_format: String,
    /// Trusted reverse proxies.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Session cookie marked `Secure`.
    pub secure_cookies: bool,
    /// Seconds between two reminder scans; 0: no scheduler.
    pub reminder_interval_seconds: u64,
    /// Largest file upload, bytes.
    pub max_upload_bytes: u64,
}

impl Config {
    /// The HTTP settings of the API.
    pub fn http(&self) -> crate::api::auth::HttpSettings {
        crate::api::auth::HttpSettings {
            trusted_proxies: self.trusted_proxies.clone(),
            secure_cookies: self.secure_cookies,
            base_path: String::new(),
            max_upload_bytes: self.max_upload_bytes,
        }
    }

    /// Default data directory.
    pub const DEFAULT_DATA_DIR: &'static str = "./crm-data";
    /// Default listen address.
    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:8080";
    /// Default largest upload: 64 MiB (a spreadsheet of several hundred thousand rows).
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

    /// Where stored files live (sealed).
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// The SQLite database file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("crm.db")
    }

    /// The master key file.
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }

    /// Defaults overlaid with the file layer, then with the higher layers (`over`, from
    /// environment and flags, already merged by the caller).
    pub fn layered(file: FileConfig, over: FileConfig) -> Self {
        let default_listen = SocketAddr::from(([127, 0, 0, 1], 8080));
        Self {
            data_dir: over
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(Self::DEFAULT_DATA_DIR)),
            database_url: over.database_url.or(file.database_url),
            listen: over.listen.or(file.listen).unwrap_or(default_listen),
            master_key: over.master_key.or(file.master_key),
            max_connections: over.max_connections.or(file.max_connections).unwrap_or(16),
            log_format: over.log_format.or(file.log_format).unwrap_or_else(|| "pretty".into()),
            trusted_proxies: over.trusted_proxies.or(file.trusted_proxies).unwrap_or_default(),
            secure_cookies: over.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            reminder_interval_seconds: over.reminder_interval_seconds.or(file.reminder_interval_seconds).unwrap_or(60),
            max_upload_bytes: over
                .max_upload_bytes
                .or(file.max_upload_bytes)
                .unwrap_or(Self::DEFAULT_MAX_UPLOAD_BYTES),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn layers_override_in_order() {
        let file: FileConfig = toml::from_str("listen = \"0.0.0.0:9000\"\ndata_dir = \"/var/lib/crm\"\nmaster_key = \"1:00\"").unwrap();
        let over = FileConfig {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..FileConfig::default()
        };
        let c = Config::layered(file, over);
        assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/crm"));
        assert_eq!(c.max_connections, 16);
        assert!(!format!("{c:?}").contains("1:00"), "secrets never print");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }
}
