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

/// Every configuration key, declared once: its type, default, environment variable,
/// flag, the default as the README shows it, and its meaning (the README's configuration
/// table is checked against this list by a test). A key is one entry here; the file
/// layer ([`FileConfig`]), the effective configuration ([`Config`]), the environment
/// layer ([`FileConfig::from_env`]) and the documented list ([`KEYS`]) come from it.
macro_rules! settings {
    ($( #[doc = $doc:literal] $name:ident : $ty:ty = $default:expr, env $env:literal, flag $flag:literal, shown $shown:literal; )+) => {
        /// The file layer (and any layer above it): every key optional.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct FileConfig {
            $( #[doc = $doc] pub $name: Option<$ty>, )+
        }

        /// The effective configuration.
        #[derive(Debug, Clone)]
        pub struct Config {
            $( #[doc = $doc] pub $name: $ty, )+
        }

        impl Config {
            /// Defaults overlaid with the file layer, then with the higher layers (`over`,
            /// environment and flags, merged by [`FileConfig::over`]).
            pub fn layered(file: FileConfig, over: FileConfig) -> Self {
                Self { $( $name: over.$name.or(file.$name).unwrap_or_else(|| $default), )+ }
            }
        }

        impl FileConfig {
            /// This layer over `lower`: each key from here when set, else from there.
            #[must_use]
            pub fn over(self, lower: FileConfig) -> Self {
                Self { $( $name: self.$name.or(lower.$name), )+ }
            }

            /// The environment layer, read through `var` (`CRM_*` variables).
            ///
            /// # Errors
            /// The variable and why its value is refused.
            pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
                Ok(Self {
                    $( $name: match var($env) {
                        Some(v) => Some(<$ty as FromEnv>::from_env(&v).map_err(|e| format!("{}: {e}", $env))?),
                        None => None,
                    }, )+
                })
            }
        }

        /// The keys, as documented.
        pub const KEYS: &[Key] = &[ $( Key { file: stringify!($name), env: $env, flag: $flag, default: $shown, meaning: $doc.trim_ascii() }, )+ ];
    };
}

/// A configuration key as documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Its name in `crm.toml`.
    pub file: &'static str,
    /// Its environment variable.
    pub env: &'static str,
    /// Its command-line flag, `—` when none.
    pub flag: &'static str,
    /// Its default, as shown to people.
    pub default: &'static str,
    /// What it is for.
    pub meaning: &'static str,
}

/// How an environment variable's text becomes a value.
pub trait FromEnv: Sized {
    /// Parses `text`.
    ///
    /// # Errors
    /// Why it is refused.
    fn from_env(text: &str) -> Result<Self, String>;
}

macro_rules! from_env_by_parse {
    ($($t:ty),+) => {$(
        impl FromEnv for $t {
            fn from_env(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|e| format!("{text:?}: {e}"))
            }
        }
    )+};
}
from_env_by_parse!(u32, u64, SocketAddr, PathBuf);

impl FromEnv for String {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromEnv for bool {
    fn from_env(text: &str) -> Result<Self, String> {
        match text.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(format!("{other:?} is neither true nor false")),
        }
    }
}

impl FromEnv for Option<String> {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(Some(text.to_owned()).filter(|t| !t.trim().is_empty()))
    }
}

impl FromEnv for Option<Secret> {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(Some(Secret::new(text)))
    }
}

impl FromEnv for Vec<std::net::IpAddr> {
    fn from_env(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| format!("{s:?} is not an IP address")))
            .collect()
    }
}

settings! {
    /// SQLite database, key file, search index (`search/`, one per server process), stored files (`files/`, sealed; shared storage when several servers share PostgreSQL)
    data_dir: PathBuf = PathBuf::from(Config::DEFAULT_DATA_DIR), env "CRM_DATA_DIR", flag "`--data-dir`", shown "`./crm-data`";
    /// PostgreSQL URL: application role for `serve`, owner role for `migrate`
    database_url: Option<Secret> = None, env "CRM_DATABASE_URL", flag "`--database-url`", shown "none (SQLite)";
    /// address to listen on
    listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)), env "CRM_LISTEN", flag "`serve --listen`", shown "`127.0.0.1:8080`";
    /// master keys, `ID:HEX[,ID:HEX]`; the highest id encrypts
    master_key: Option<Secret> = None, env "CRM_MASTER_KEY", flag "— (never a flag)", shown "`master.key` in the data directory (SQLite only; required with `database_url`)";
    /// PostgreSQL pool size; from 4 up, half of it may stay bound to one company for its reads of one statement, so connect directly or through a pooler in *session* mode, not *transaction* mode
    max_connections: u32 = 16, env "CRM_MAX_CONNECTIONS", flag "—", shown "16";
    /// `pretty` or `json`
    log_format: String = "pretty".to_owned(), env "CRM_LOG_FORMAT", flag "`--log-format`", shown "`pretty`";
    /// proxies whose `X-Forwarded-For`/`-Proto` are believed (comma-separated IPs)
    trusted_proxies: Vec<std::net::IpAddr> = Vec::new(), env "CRM_TRUSTED_PROXIES", flag "—", shown "none";
    /// mark the session cookie `Secure` (also automatic behind a trusted TLS proxy)
    secure_cookies: bool = false, env "CRM_SECURE_COOKIES", flag "—", shown "`false`";
    /// seconds between two reminder scans (0: off)
    reminder_interval_seconds: u64 = 60, env "CRM_REMINDER_INTERVAL_SECONDS", flag "—", shown "60";
    /// largest file upload (`POST /api/v1/files`); every other request body: 1 MiB
    max_upload_bytes: u64 = Config::DEFAULT_MAX_UPLOAD_BYTES, env "CRM_MAX_UPLOAD_BYTES", flag "—", shown "67108864 (64 MiB)";
    /// SMTP relay for outgoing email: `smtp://host:25`, `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://host:465`; DKIM signing is the relay's
    smtp_url: Option<Secret> = None, env "CRM_SMTP_URL", flag "—", shown "none: each message written as an `.eml` file under `mail/` in the data directory";
    /// the From address of every email (the sender's name beside it, their own address as Reply-To)
    mail_from: Option<String> = None, env "CRM_MAIL_FROM", flag "—", shown "none: the sender's own address";
    /// attempts at an email before it is given up (temporary failures, retried with backoff)
    mail_attempts: u32 = 8, env "CRM_MAIL_ATTEMPTS", flag "—", shown "8";
    /// the address people reach this server at (`https://crm.exemple.fr`): email links back to it (open pixel, tracked links, one-click unsubscribe)
    public_url: Option<String> = None, env "CRM_PUBLIC_URL", flag "—", shown "none: email carries no tracking nor unsubscribe link";
    /// seconds before the second attempt at an email; each wait doubles, up to 30 minutes
    mail_retry_seconds: u64 = 10, env "CRM_MAIL_RETRY_SECONDS", flag "—", shown "10";
    /// the pace of a company's campaigns, in messages per minute (all its sending campaigns together; single emails are not held by it)
    campaign_rate: u32 = 600, env "CRM_CAMPAIGN_RATE", flag "—", shown "600";
    /// messages handed to the relay at once (1 to 32; the relay's connections are pooled)
    mail_workers: u32 = 4, env "CRM_MAIL_WORKERS", flag "—", shown "4";
    /// deliver webhooks to private, loopback and link-local addresses too (a receiver on the company's own network; off: refused, against request forgery)
    webhook_allow_private: bool = false, env "CRM_WEBHOOK_ALLOW_PRIVATE", flag "—", shown "`false`";
    /// seconds a receiver has to answer one webhook delivery
    webhook_timeout_seconds: u64 = 10, env "CRM_WEBHOOK_TIMEOUT_SECONDS", flag "—", shown "10";
    /// attempts at a webhook delivery before it is dead (19: about three days with the waits below)
    webhook_attempts: u32 = 19, env "CRM_WEBHOOK_ATTEMPTS", flag "—", shown "19";
    /// seconds before the second attempt at a delivery; each wait doubles, up to 8 hours, each spread between half and all of it
    webhook_retry_seconds: u64 = 30, env "CRM_WEBHOOK_RETRY_SECONDS", flag "—", shown "30";
    /// deliveries sent at once (1 to 32: a slow receiver holds one of them)
    webhook_workers: u32 = 4, env "CRM_WEBHOOK_WORKERS", flag "—", shown "4";
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

impl Config {
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

    /// Where the embedded mailer writes messages (no SMTP relay configured).
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// The master key file.
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("master.key")
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

    #[test]
    fn the_environment_layer_reads_every_key_by_its_variable() {
        let vars = std::collections::HashMap::from([
            ("CRM_DATA_DIR", "/srv/crm"),
            ("CRM_DATABASE_URL", "postgres://app@db/crm"),
            ("CRM_LISTEN", "0.0.0.0:9090"),
            ("CRM_MASTER_KEY", "1:ab"),
            ("CRM_MAX_CONNECTIONS", "32"),
            ("CRM_LOG_FORMAT", "json"),
            ("CRM_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2"),
            ("CRM_SECURE_COOKIES", "1"),
            ("CRM_REMINDER_INTERVAL_SECONDS", "0"),
            ("CRM_MAX_UPLOAD_BYTES", "1024"),
            ("CRM_SMTP_URL", "smtp://relais:25"),
            ("CRM_MAIL_FROM", "ventes@exemple.com"),
            ("CRM_MAIL_ATTEMPTS", "3"),
            ("CRM_MAIL_RETRY_SECONDS", "2"),
            ("CRM_CAMPAIGN_RATE", "120"),
            ("CRM_MAIL_WORKERS", "2"),
            ("CRM_PUBLIC_URL", "https://crm.exemple.fr"),
            ("CRM_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("CRM_WEBHOOK_TIMEOUT_SECONDS", "3"),
            ("CRM_WEBHOOK_ATTEMPTS", "5"),
            ("CRM_WEBHOOK_RETRY_SECONDS", "7"),
            ("CRM_WEBHOOK_WORKERS", "6"),
        ]);
        assert_eq!(vars.len(), KEYS.len(), "one variable per key");
        let env = FileConfig::from_env(|k| vars.get(k).map(|v| (*v).to_owned())).unwrap();
        let c = Config::layered(FileConfig::default(), env);
        assert_eq!(c.data_dir, PathBuf::from("/srv/crm"));
        assert_eq!(c.database_url.as_ref().map(Secret::expose), Some("postgres://app@db/crm"));
        assert_eq!(c.listen.to_string(), "0.0.0.0:9090");
        assert_eq!(c.master_key.as_ref().map(Secret::expose), Some("1:ab"));
        assert_eq!((c.max_connections, c.log_format.as_str()), (32, "json"));
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.webhook_allow_private);
        assert_eq!(
            (
                c.webhook_timeout_seconds,
                c.webhook_attempts,
                c.webhook_retry_seconds,
                c.webhook_workers
            ),
            (3, 5, 7, 6)
        );
        assert!(c.secure_cookies);
        assert_eq!((c.reminder_interval_seconds, c.max_upload_bytes), (0, 1024));
        assert_eq!(c.smtp_url.as_ref().map(Secret::expose), Some("smtp://relais:25"));
        assert_eq!((c.mail_from.as_deref(), c.mail_attempts), (Some("ventes@exemple.com"), 3));
        assert_eq!(c.mail_retry_seconds, 2);
        assert_eq!((c.campaign_rate, c.mail_workers), (120, 2));
        assert_eq!(c.public_url.as_deref(), Some("https://crm.exemple.fr"));
        // A value that does not parse names its variable.
        let bad = FileConfig::from_env(|k| (k == "CRM_MAX_CONNECTIONS").then(|| "beaucoup".to_owned())).unwrap_err();
        assert!(bad.starts_with("CRM_MAX_CONNECTIONS:"), "{bad}");
        let bad = FileConfig::from_env(|k| (k == "CRM_TRUSTED_PROXIES").then(|| "10.0.0.1,proxy".to_owned())).unwrap_err();
        assert!(bad.contains("\"proxy\" is not an IP address"), "{bad}");
    }

    #[test]
    fn flags_win_over_the_environment_which_wins_over_the_file() {
        let file: FileConfig = toml::from_str("max_connections = 4\nlog_format = \"json\"\nsecure_cookies = true").unwrap();
        let env = FileConfig::from_env(|k| match k {
            "CRM_MAX_CONNECTIONS" => Some("8".into()),
            "CRM_LOG_FORMAT" => Some("pretty".into()),
            _ => None,
        })
        .unwrap();
        let flags = FileConfig {
            log_format: Some("json".into()),
            ..FileConfig::default()
        };
        let c = Config::layered(file, flags.over(env));
        assert_eq!((c.max_connections, c.log_format.as_str(), c.secure_cookies), (8, "json", true));
    }

    /// The README's configuration table and [`KEYS`] say the same, cell for cell.
    #[test]
    fn the_readme_documents_every_key_as_declared() {
        let readme = include_str!("../../README.md");
        let rows: Vec<Vec<String>> = readme
            .lines()
            .skip_while(|l| !l.starts_with("| key (`crm.toml`)"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
            .filter(|cells: &Vec<String>| cells[0] != "—")
            .collect();
        let documented: Vec<[String; 5]> = rows
            .iter()
            .map(|c| [c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone(), c[4..].join(" | ")])
            .collect();
        let declared: Vec<[String; 5]> = KEYS
            .iter()
            .map(|k| {
                [
                    format!("`{}`", k.file),
                    format!("`{}`", k.env),
                    k.flag.to_owned(),
                    k.default.to_owned(),
                    k.meaning.to_owned(),
                ]
            })
            .collect();
        assert_eq!(documented, declared, "README.md's configuration table and config.rs disagree");
    }
}
