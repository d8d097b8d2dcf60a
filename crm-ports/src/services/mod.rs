//! Use cases, one file per area. Each is a method of [`App`](crate::App).

pub mod activities;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod board;
pub mod calendar;
pub mod contacts;
pub mod conversions;
pub mod drafts;
pub mod duplicates;
pub mod files;
pub mod forecast;
pub mod former_clients;
pub mod import;
pub mod leads;
pub mod live;
pub mod names;
pub mod opportunities;
pub mod organizations;
pub mod pipelines;
pub mod reminders;
pub mod search;
pub mod segments;
pub mod telephony;
pub mod tenants;
pub mod users;
