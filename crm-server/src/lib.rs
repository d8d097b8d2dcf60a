//! The CRM server as a library: configuration, assembly of the adapters, the HTTP endpoint
//! and the background workers. [`runtime::Crm`] is the assembled application a host
//! program mounts (at its root or under a path prefix) and whose workers it runs; the `crm`
//! binary (`main.rs`) only parses its command line and calls it.
#![forbid(unsafe_code)]

pub mod api;
pub mod assemble;
pub mod backup;
pub mod cli;
pub mod cli_export;
pub mod cli_import;
pub mod company;
pub mod config;
pub mod export;
pub mod http;
pub mod i18n;
pub mod ical;
pub mod import_text;
pub mod keys;
pub mod launch;
pub mod mail;
pub mod report_mail;
pub mod runtime;
pub mod search;
pub mod webhooks;
pub mod wire;

pub use assemble::{CrmApp, OpenStoreError, open_app};
pub use config::{Config, ConfigError, Secret};
pub use runtime::{Crm, Workers};
