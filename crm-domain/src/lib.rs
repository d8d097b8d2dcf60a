//! Pure CRM business rules: entities, value objects and the decisions made on them.
//!
//! This crate does no IO and depends on no runtime, database, HTTP or search crate (a tidy
//! test in `tests/tidy.rs` enforces it). Everything a rule decides is unit-testable in
//! microseconds: stage progression, closed-deal locking, forecast arithmetic, duplicate
//! matching, visibility and permissions, value validation.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod activity;
pub mod actor;
pub mod automation;
pub mod campaign;
pub mod consent;
pub mod contact;
pub mod device;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod event;
pub mod forecast;
pub mod ids;
pub mod import;
pub mod lead;
pub mod money;
pub mod opportunity;
pub mod organization;
pub mod password;
pub mod phone;
pub mod pipeline;
pub mod privacy;
pub mod register;
pub mod reminder;
pub mod report;
pub mod retention;
pub mod scoring;
pub mod search;
pub mod second_factor;
pub mod segment;
pub mod suppression;
pub mod template;
pub mod tenant;
pub mod tenant_security;
pub mod territory;
pub mod text;
pub mod time;
pub mod tracking;
pub mod user;
pub mod visibility;
pub mod webhook;

pub use actor::Actor;
pub use error::{FieldError, ValidationError, ViolationKind};
pub use ids::*;
