//! The CRM server as a library: configuration, assembly of the adapters, the HTTP endpoint
//! and serving it on a given listener. The `crm` binary (`main.rs`) is a thin shell over
//! this; a host application can mount [`http::endpoint`] itself.
#![forbid(unsafe_code)]

pub mod api;
pub mod assemble;
pub mod cli;
pub mod config;
pub mod http;
pub mod i18n;
pub mod ical;
pub mod scheduler;
pub mod search;
pub mod wire;

pub use assemble::{CrmApp, OpenStoreError, open_app};
pub use config::{Config, ConfigError, Secret};
