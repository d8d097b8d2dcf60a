//! The store contract suite: every case runs against SQLite and against PostgreSQL.
//!
//! PostgreSQL cases need `CRM_TEST_POSTGRES_URL` (a superuser URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`): the suite creates its own roles and a
//! fresh database. Without it they are skipped with a message, except under `CI=true`,
//! where a missing or unreachable PostgreSQL fails the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Declares each listed `async fn(&Harness)` as one test per backend.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::harness::sqlite().await;
                    super::$name(&h).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(h) = crate::harness::postgres().await {
                        super::$name(&h).await;
                    }
                }
            )*
        }
    };
}

mod access;
mod access_log;
mod activities;
mod audit_screen;
mod auth;
mod automation;
mod backup;
mod campaigns;
mod consents;
mod constraints;
mod contacts;
mod dates;
mod drafts;
mod duplicates;
mod email;
mod erasure;
mod events;
mod harness;
mod import;
mod import_pieces;
mod import_plans;
mod job_wakeups;
mod kept_reads;
mod keys;
mod leads;
mod lost_connections;
mod many_ids;
mod opportunities;
mod paging;
mod password_policy;
mod pipelines;
mod plans;
mod postgres_walls;
mod privacy;
mod record_imports;
mod reminders;
mod report_totals;
mod reports;
mod reseal;
mod retention;
mod review;
mod rotation;
mod runtime;
mod scoring;
mod search;
mod second_factor;
mod segments;
mod statistics;
mod storage;
mod sweeps;
mod team_forecast;
mod team_view;
mod tenancy;
mod territories;
mod webhooks;
mod workers;
