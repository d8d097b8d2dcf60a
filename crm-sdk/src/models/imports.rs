//! Imports of contacts from an uploaded file: the request, the dry run, the import's state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How to import an uploaded file (`file_id` from [`crate::Client::upload_file`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    /// The uploaded file (CSV or XLSX).
    pub file_id: Uuid,
    /// The field of each column (`first_name`, `email`..., `None` to ignore it); guessed
    /// from the headers when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Vec<Option<String>>>,
    /// What finds the contact a row updates: `email` (default) or `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Create the rows that only look like an existing contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_possible_duplicates: Option<bool>,
    /// Import nothing when one row is at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_or_nothing: Option<bool>,
    /// Who gets the new contacts (default: the caller).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    /// Contacts: the new contacts a territory covers go to its team, in turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_territory: Option<bool>,
}

/// What the import says of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowNote {
    /// `invalid`, `repeated_in_file`, `ambiguous`, `not_visible`, `not_editable`,
    /// `possible_duplicate`, `unknown_organization`.
    pub code: String,
    /// In the language asked.
    pub text: String,
    /// The fields at fault (`invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// One row of a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// Its line in the file.
    pub line: i64,
    /// `create`, `update`, `unchanged` or `skip`.
    pub action: String,
    /// The contact it updates or matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    /// In an import of organizations: the organization it updates or matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// In an import of opportunities: the opportunity it matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    /// Why it is left out, or what to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<RowNote>,
    /// An import by territory: the territory whose team gets the new contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
    /// Its cells.
    pub cells: Vec<String>,
}

/// Rows of a dry run, counted by what they would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewCounts {
    /// New contacts.
    pub create: i64,
    /// Contacts updated.
    pub update: i64,
    /// Contacts already up to date.
    pub unchanged: i64,
    /// Rows left out.
    pub skip: i64,
}

/// The dry run of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// The header row.
    pub headers: Vec<String>,
    /// The field of each column.
    pub mapping: Vec<Option<String>>,
    /// When the mapping is that of an earlier import of a file with the same headers: when
    /// that import was started.
    #[serde(default)]
    pub mapping_from: Option<DateTime<Utc>>,
    /// Rows in the file.
    pub total: i64,
    /// The first rows (at most 5,000).
    pub rows: Vec<PreviewRow>,
    /// Those rows, counted.
    pub counts: PreviewCounts,
}

/// An import and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// Id.
    pub id: Uuid,
    /// `contacts`, `organizations` or `opportunities`.
    pub entity: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The file imported.
    pub file_id: Uuid,
    /// Who imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    /// Rows in the file.
    pub total: i64,
    /// Rows done.
    pub done: i64,
    /// Contacts created.
    pub created: i64,
    /// Contacts updated.
    pub updated: i64,
    /// Rows already up to date.
    pub unchanged: i64,
    /// Rows left out.
    pub skipped: i64,
    /// Organizations created.
    pub organizations: i64,
    /// All or nothing, and rows at fault: nothing written.
    pub refused: bool,
    /// Rows in the report.
    pub report_rows: i64,
    /// The job's last error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Asked at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An entry of the suppression list (the value itself is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Id.
    pub id: Uuid,
    /// `email` or `phone`.
    pub channel: String,
    /// `unsubscribed`, `erased`, `bounced` or `manual`.
    pub reason: String,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// The first characters of the value's keyed hash.
    pub fingerprint: String,
    /// Who put it there (none: the system).
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A value to put on the suppression list: an email or a phone (not both).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionWrite {
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `unsubscribed`, `erased`, `bounced` or `manual` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
