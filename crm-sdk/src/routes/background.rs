//! Routes of background work (Admin): readers of the event log, parked events, jobs and
//! stored files.

use super::{push, urlencoding_segment};
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    // --- background work (Admin) ---

    /// The readers of the event log: cursor, lag, parked events.
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn consumers(&self) -> Result<Vec<ConsumerStatus>> {
        self.send::<(), _>(Method::GET, "/api/v1/admin/consumers", &[], None, None).await
    }

    /// Events parked by a reader after its retries, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn parked_events(&self) -> Result<Vec<ParkedEvent>> {
        self.send::<(), _>(Method::GET, "/api/v1/admin/parked-events", &[], None, None)
            .await
    }

    /// Asks a reader to apply a parked event again.
    ///
    /// # Errors
    /// `NotFound` (no such parked event waiting), `Forbidden`.
    pub async fn replay_parked_event(&self, consumer: &str, seq: i64) -> Result<()> {
        self.send_empty::<()>(
            Method::POST,
            &format!("/api/v1/admin/parked-events/{}/{seq}/replay", urlencoding_segment(consumer)),
            None,
            None,
        )
        .await
    }

    /// Background jobs and timers, newest first (only those of `kind` when given).
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn jobs(&self, kind: Option<&str>) -> Result<Vec<Job>> {
        self.jobs_with(kind, None).await
    }

    /// Background jobs and timers, newest first, at most `limit` (1 to 500, default 100).
    ///
    /// # Errors
    /// `Forbidden` unless Admin, `ValidationFailed` (`limit`).
    pub async fn jobs_with(&self, kind: Option<&str>, limit: Option<u32>) -> Result<Vec<Job>> {
        let mut query = Vec::new();
        push(&mut query, "kind", kind);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/jobs", &query, None, None).await
    }

    /// One job: state and progress.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn job(&self, id: Uuid) -> Result<Job> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/jobs/{id}"), &[], None, None)
            .await
    }

    /// Cancels a queued or running job.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn cancel_job(&self, id: Uuid) -> Result<Job> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/jobs/{id}/cancel"), &[], None, None)
            .await
    }

    /// Your stored files, newest first (an Admin: the company's).
    ///
    /// # Errors
    /// `Forbidden` (Observer).
    pub async fn files(&self) -> Result<Vec<StoredFile>> {
        self.files_with(None).await
    }

    /// Your stored files, newest first, at most `limit` (1 to 500, default 100).
    ///
    /// # Errors
    /// `Forbidden` (Observer), `ValidationFailed` (`limit`).
    pub async fn files_with(&self, limit: Option<u32>) -> Result<Vec<StoredFile>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/files", &query, None, None).await
    }

    /// One stored file.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn file(&self, id: Uuid) -> Result<StoredFile> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/files/{id}"), &[], None, None)
            .await
    }

    /// Deletes a stored file.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_file(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/files/{id}"), None, None)
            .await
    }
}
