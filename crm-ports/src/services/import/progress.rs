//! What an import job keeps: what was asked (the file, the mapping, the options, what the
//! file holds) and where it stands (counts, the rows to report, the file's headers),
//! committed with each piece written.

use super::{ImportOptions, RowNote};
use crate::error::ServiceError;
use crate::store::Job;
use crm_domain::UserId;
use crm_domain::import::ImportField;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job kind of a contacts import.
pub const IMPORT_CONTACTS: &str = "import.contacts";
/// The job kind of an organizations import.
pub const IMPORT_ORGANIZATIONS: &str = "import.organizations";
/// The job kind of an opportunities import.
pub const IMPORT_OPPORTUNITIES: &str = "import.opportunities";
/// Rows written per transaction: large enough that a commit's pages (the random places of
/// a dozen indexes) are written for many rows at once — 500 cost a fifth more on a
/// 100,000-row import — and small enough to hold the write lock a fraction of a second.
pub(super) const PIECE: usize = 2_000;
/// Rows of the report kept with a job (the counts are always whole).
pub const MAX_REPORT_ROWS: usize = 10_000;
/// Largest file imported.
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// What an import job was asked (ids and settings, no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSpec {
    /// The uploaded file.
    pub file_id: Uuid,
    /// Who imports (the system when none).
    pub user_id: Option<UserId>,
    /// The field of each column.
    pub mapping: Vec<Option<ImportField>>,
    /// How.
    pub options: ImportOptions,
    /// What the file holds.
    #[serde(default)]
    pub entity: super::ImportEntity,
}

/// A row the report names: left out, or imported with something to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotedRow {
    /// Its line in the file.
    pub line: u64,
    /// Whether it was imported all the same.
    pub imported: bool,
    /// Why.
    pub note: RowNote,
}

/// Where an import stands (kept with its job, committed with each piece).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    /// Rows in the file.
    pub total: u64,
    /// Rows done.
    pub done: u64,
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Rows whose contact already had everything.
    pub unchanged: u64,
    /// Rows left out.
    pub skipped: u64,
    /// Organizations created.
    pub organizations: u64,
    /// All or nothing, and rows at fault: nothing was written.
    #[serde(default)]
    pub refused: bool,
    /// The rows to report (the first [`MAX_REPORT_ROWS`]).
    #[serde(default)]
    pub noted: Vec<NotedRow>,
    /// The file's headers (the next file with the same ones gets this import's mapping).
    #[serde(default)]
    pub headers: Vec<String>,
}

impl ImportProgress {
    pub(super) fn note(&mut self, line: u64, imported: bool, note: Option<&RowNote>) {
        if let Some(note) = note
            && self.noted.len() < MAX_REPORT_ROWS
        {
            self.noted.push(NotedRow {
                line,
                imported,
                note: note.clone(),
            });
        }
    }
}

/// An import job as its reader sees it.
#[derive(Debug, Clone)]
pub struct ImportJob {
    /// The job (state, error, dates).
    pub job: Job,
    /// What was asked.
    pub spec: ImportSpec,
    /// Where it stands.
    pub progress: ImportProgress,
}

impl ImportJob {
    pub(crate) fn of(job: Job) -> Result<Self, ServiceError> {
        let spec: ImportSpec =
            serde_json::from_value(job.payload.clone()).map_err(|e| ServiceError::Internal(format!("import job: {e}")))?;
        let progress: ImportProgress = if job.progress.is_null() {
            ImportProgress::default()
        } else {
            serde_json::from_value(job.progress.clone()).map_err(|e| ServiceError::Internal(format!("import progress: {e}")))?
        };
        Ok(Self { job, spec, progress })
    }
}

pub(super) fn to_json(p: &ImportProgress) -> Result<serde_json::Value, ServiceError> {
    serde_json::to_value(p).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The ports an opportunities import reads and writes (every full store has them).
pub trait OpportunityImportStore:
    crate::store::ContactStore
    + crate::store::OrganizationStore
    + crate::store::OpportunityStore
    + crate::store::PipelineStore
    + crate::store::TenantStore
    + crate::store::UserStore
    + crate::store::FileRecordStore
    + crate::store::JobStore
    + crate::store::ImportStore
    + crate::store::SuppressionStore
    + crate::store::TerritoryStore
{
}

impl<
    T: crate::store::ContactStore
        + crate::store::OrganizationStore
        + crate::store::OpportunityStore
        + crate::store::PipelineStore
        + crate::store::TenantStore
        + crate::store::UserStore
        + crate::store::FileRecordStore
        + crate::store::JobStore
        + crate::store::ImportStore
        + crate::store::SuppressionStore
        + crate::store::TerritoryStore,
> OpportunityImportStore for T
{
}
