//! CRM application services (use cases) and the port traits they need.
//!
//! Every service call takes an authenticated [`Actor`](crm_domain::Actor); no method accepts
//! a tenant id from outside. A use case loads what it needs through the store ports, lets
//! `crm-domain` decide, then makes one store write that carries the expected version. Each
//! store write method is one transaction (rows, blind indexes, event, wake-up); no
//! transaction type crosses the port.
#![forbid(unsafe_code)]

pub mod access_queue;
pub mod app;
pub mod auth;
pub mod auth_cache;
pub mod cipher;
pub mod env;
pub mod error;
pub mod files;
pub mod mail;
pub mod query;
pub mod runtime;
pub mod search;
pub mod services;
pub mod store;
pub mod tables;
pub mod webhook;

pub use app::App;
pub use auth::{AuthStore, CredentialError, Credentials, Principal, TokenKind, TokenRecord};
pub use cipher::{Cipher, CipherError, DataKey};
pub use env::{Clock, FixedClock, IdGenerator, SystemClock, UuidV7};
pub use error::{ServiceError, StoreError, Ticket};
