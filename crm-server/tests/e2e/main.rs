//! End-to-end tests: a real server on a random loopback port over a fresh data directory,
//! driven through the SDK.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_log;
mod automation;
mod backup;
mod calendar;
mod campaign_crash;
mod campaigns;
mod cli;
mod company;
mod consents;
mod crash;
mod crash_support;
mod docs;
mod email;
mod exports;
mod files;
mod health;
mod input;
mod isolation;
mod keys;
mod leads;
mod org_imports;
mod privacy;
pub mod realtime;
mod record_exports;
mod register;
mod report_files;
mod reports;
mod roles;
mod scenarios;
mod scoring;
mod sdk_drift;
mod search;
mod second_factor;
mod segments;
mod sessions;
mod support;
mod web;
mod webhooks;
