//! Importing contacts: the dry run (what each row of a file would do — create a contact,
//! update or leave unchanged the one its key, email or phone, finds, or be left out and
//! why) and the import itself, a background job (`run.rs`) writing piece by piece with its
//! step. The same checks and duplicate rules as a contact created by hand (`plan.rs`). The
//! file is read by an adapter (the [`crate::tables::TableReader`] port); its columns are
//! mapped to fields by the person (guessed by `crm_domain::import`).

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, OrganizationStore, TenantStore, UserStore};
use crm_domain::duplicates::MatchReason;
use crm_domain::import::ImportField;
use crm_domain::{Actor, UserId, ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};

mod ahead;
mod file;
mod opportunities;
mod organizations;
mod plan;
mod progress;
mod run;

pub use progress::*;
pub use run::*;

/// Who may import: those who write contacts, and those who bring leads in (Marketing),
/// whose new contacts are prospects in the pool.
pub(crate) fn require_import(actor: &Actor) -> Result<(), ServiceError> {
    use crm_domain::visibility::{Capability, allows};
    if allows(actor, Capability::WriteContacts) {
        Ok(())
    } else {
        crate::app::require(actor, Capability::QualifyLeads)
    }
}

/// Most rows one dry run looks at.
pub const MAX_PLAN_ROWS: usize = 5_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportEntity {
    /// Contacts (and the organizations they name).
    #[default]
    Contacts,
    /// Organizations.
    Organizations,
    /// Opportunities.
    Opportunities,
}

impl ImportEntity {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Organizations => "organizations",
            Self::Opportunities => "opportunities",
        }
    }

    /// The entity of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Contacts, Self::Organizations, Self::Opportunities]
            .into_iter()
            .find(|e| e.code() == code)
    }

    /// The kind of its jobs.
    pub const fn job_kind(self) -> &'static str {
        match self {
            Self::Contacts => progress::IMPORT_CONTACTS,
            Self::Organizations => progress::IMPORT_ORGANIZATIONS,
            Self::Opportunities => progress::IMPORT_OPPORTUNITIES,
        }
    }
}

/// What finds the record a row updates (an organization: its external id, else its web
/// domain then its name, whatever the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertKey {
    /// The first email of the row.
    Email,
    /// The first phone of the row.
    Phone,
    /// The row's external id (the contact's id in the file's system).
    ExternalId,
}

impl UpsertKey {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::ExternalId => "external_id",
        }
    }

    /// The key of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Email, Self::Phone, Self::ExternalId].into_iter().find(|k| k.code() == code)
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// What finds the contact a row updates.
    pub key: UpsertKey,
    /// Whether a row that only looks like an existing contact (a close name) is created
    /// anyway (else it is left out, as the creation form warns).
    pub create_possible_duplicates: bool,
    /// Whether one row left out stops the whole import before anything is written (else
    /// the rows left out are reported and the others imported).
    #[serde(default)]
    pub all_or_nothing: bool,
    /// The owner of the new contacts (default: the importer; Marketing's are in the pool).
    #[serde(default)]
    pub owner: Option<UserId>,
    /// Whether the new contacts a territory covers (by postcode, or their organization's
    /// industry) go to that territory's team, in turn (Admin, Manager, Marketing); the
    /// others go to `owner` (or, for Marketing, to the leads' pool).
    #[serde(default)]
    pub by_territory: bool,
}

impl ImportOptions {
    /// Upsert by `key`, leave possible duplicates out, skip bad rows, own what is created.
    pub const fn by(key: UpsertKey) -> Self {
        Self {
            key,
            create_possible_duplicates: false,
            all_or_nothing: false,
            owner: None,
            by_territory: false,
        }
    }
}

/// What a row would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// A new record.
    Create,
    /// This record (a contact, or an organization), updated.
    Update(uuid::Uuid),
    /// This record, which already has everything the row says.
    Unchanged(uuid::Uuid),
    /// Nothing (see the note).
    Skip,
}

/// Why a row is left out, or what to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredNote", try_from = "StoredNote")]
pub enum RowNote {
    /// Its values are refused: the fields at fault.
    Invalid(ValidationError),
    /// An earlier row of the file has the same key (its line).
    RepeatedInFile(u64),
    /// Its key finds several contacts.
    Ambiguous,
    /// Its key finds a contact the importer may not see.
    NotVisible,
    /// Its key finds a contact the importer may not change (Marketing: one out of the pool).
    NotEditable,
    /// It looks like existing contacts for these reasons (a close name...).
    PossibleDuplicate(Vec<MatchReason>),
    /// (Imported) the organization it names is unknown and the importer may not create it,
    /// or its name is not valid: the contact has none.
    UnknownOrganization,
    /// One of its emails or phones is on the suppression list (the person unsubscribed or
    /// was erased): never brought back as reachable.
    Suppressed,
}

/// A note as kept with a job's progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
enum StoredNote {
    Invalid { fields: Vec<(String, String)> },
    RepeatedInFile { line: u64 },
    Ambiguous,
    NotVisible,
    NotEditable,
    PossibleDuplicate { reasons: Vec<MatchReason> },
    UnknownOrganization,
    Suppressed,
}

impl From<RowNote> for StoredNote {
    fn from(n: RowNote) -> Self {
        match n {
            RowNote::Invalid(v) => Self::Invalid {
                fields: v.errors().iter().map(|e| (e.field.clone(), e.kind.code().to_owned())).collect(),
            },
            RowNote::RepeatedInFile(line) => Self::RepeatedInFile { line },
            RowNote::Ambiguous => Self::Ambiguous,
            RowNote::NotVisible => Self::NotVisible,
            RowNote::NotEditable => Self::NotEditable,
            RowNote::PossibleDuplicate(reasons) => Self::PossibleDuplicate { reasons },
            RowNote::UnknownOrganization => Self::UnknownOrganization,
            RowNote::Suppressed => Self::Suppressed,
        }
    }
}

impl TryFrom<StoredNote> for RowNote {
    type Error = String;

    fn try_from(n: StoredNote) -> Result<Self, String> {
        Ok(match n {
            StoredNote::Invalid { fields } => {
                let mut v = crm_domain::error::Validator::new();
                for (field, code) in fields {
                    v.push(
                        field,
                        ViolationKind::parse(&code).ok_or_else(|| format!("unknown violation {code}"))?,
                    );
                }
                match v.finish() {
                    Err(e) => Self::Invalid(e),
                    Ok(()) => Self::Invalid(ValidationError::field("", ViolationKind::Malformed)),
                }
            }
            StoredNote::RepeatedInFile { line } => Self::RepeatedInFile(line),
            StoredNote::Ambiguous => Self::Ambiguous,
            StoredNote::NotVisible => Self::NotVisible,
            StoredNote::NotEditable => Self::NotEditable,
            StoredNote::PossibleDuplicate { reasons } => Self::PossibleDuplicate(reasons),
            StoredNote::UnknownOrganization => Self::UnknownOrganization,
            StoredNote::Suppressed => Self::Suppressed,
        })
    }
}

/// The dry run of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    /// Its line in the file.
    pub line: u64,
    /// What it would do.
    pub action: RowAction,
    /// Why, when it is left out (or what to know about it).
    pub note: Option<RowNote>,
    /// The territory whose team gets the new contact (an import by territory).
    pub territory: Option<String>,
}

impl RowPlan {
    fn skip(line: u64, note: RowNote) -> Self {
        Self {
            line,
            action: RowAction::Skip,
            note: Some(note),
            territory: None,
        }
    }
}

impl<
    S: ContactStore + OrganizationStore + TenantStore + UserStore + crate::store::SuppressionStore + crate::store::TerritoryStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// The dry run of a contacts import: for each row (its line and cells, mapped column by
    /// column), what it would do. Nothing is written.
    ///
    /// # Errors
    /// `Forbidden` (a role that may neither write contacts nor bring leads in), `Invalid`
    /// (more than [`MAX_PLAN_ROWS`] rows, an owner the actor may not give contacts to),
    /// store failures.
    pub async fn plan_contact_import(
        &self,
        actor: &Actor,
        rows: &[(u64, Vec<String>)],
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<Vec<RowPlan>, ServiceError> {
        require_import(actor)?;
        if rows.len() > MAX_PLAN_ROWS {
            return Err(ValidationError::field("rows", ViolationKind::TooLarge).into());
        }
        let mut planner = self.planner(actor, mapping, options).await?;
        Ok(self.plan_rows(&mut planner, rows).await?.into_iter().map(|p| p.plan).collect())
    }
}

/// The dry run of an uploaded file: its headers, the mapping used, and the plan of its
/// first [`MAX_PLAN_ROWS`] rows with their cells.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// The header row.
    pub headers: Vec<String>,
    /// The field of each column (the one asked, else that of the company's last import of
    /// a file with the same headers, else guessed from the headers).
    pub mapping: Vec<Option<ImportField>>,
    /// When the mapping is an earlier import's: when that import was started.
    pub mapping_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Rows in the file.
    pub total: u64,
    /// The first rows, each with its plan.
    pub rows: Vec<(Vec<String>, RowPlan)>,
}

impl<
    S: ContactStore
        + OrganizationStore
        + TenantStore
        + UserStore
        + crate::store::SuppressionStore
        + crate::store::TerritoryStore
        + crate::store::FileRecordStore
        + crate::store::JobStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// One of the actor's uploaded files read as a table, to import (its headers give the
    /// mapping to propose).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (the file), `Invalid` (`file`: too large, or not a table we
    /// can read).
    pub async fn import_table<F: crate::files::FileStorage + ?Sized, T: crate::tables::TableReader + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        tables: &T,
        file_id: uuid::Uuid,
    ) -> Result<crate::tables::TableRows, ServiceError> {
        require_import(actor)?;
        let file = self.file(actor, file_id).await?;
        file::read_table(files, tables, &file).await
    }

    /// The dry run of one of the actor's uploaded files, with `mapping` (guessed from the
    /// headers when `None`). Nothing is written.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (the file), `Invalid` (`file`: not a table we can read).
    pub async fn preview_contact_import<F: crate::files::FileStorage + ?Sized, T: crate::tables::TableReader + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        tables: &T,
        file_id: uuid::Uuid,
        mapping: Option<&[Option<ImportField>]>,
        options: &ImportOptions,
    ) -> Result<ImportPreview, ServiceError> {
        let table = self.import_table(actor, files, tables, file_id).await?;
        let (mapping, mapping_from) = match mapping {
            Some(m) => {
                let mut m = m.to_vec();
                m.resize(table.headers.len(), None);
                (m, None)
            }
            None => self.mapping_for(actor, &table.headers).await?,
        };
        let first = &table.rows[..table.rows.len().min(MAX_PLAN_ROWS)];
        let plans = self.plan_contact_import(actor, first, &mapping, options).await?;
        Ok(ImportPreview {
            total: table.rows.len() as u64,
            rows: first.iter().map(|(_, cells)| cells.clone()).zip(plans).collect(),
            headers: table.headers,
            mapping,
            mapping_from,
        })
    }

    /// The mapping to propose for a file of contacts with these headers: that of the
    /// company's last import of a file with the same headers (their case and accents
    /// aside), with when it was started; else the one guessed from the headers.
    ///
    /// # Errors
    /// `Forbidden`; store failures.
    pub async fn mapping_for(
        &self,
        actor: &Actor,
        headers: &[String],
    ) -> Result<(Vec<Option<ImportField>>, Option<chrono::DateTime<chrono::Utc>>), ServiceError> {
        self.mapping_for_entity(actor, ImportEntity::Contacts, headers).await
    }

    /// The mapping to propose for a file of `entity` with these headers (as
    /// [`App::mapping_for`]).
    ///
    /// # Errors
    /// `Forbidden`; store failures.
    pub async fn mapping_for_entity(
        &self,
        actor: &Actor,
        entity: ImportEntity,
        headers: &[String],
    ) -> Result<(Vec<Option<ImportField>>, Option<chrono::DateTime<chrono::Utc>>), ServiceError> {
        require_import(actor)?;
        let tenant = crate::app::tenant_of(actor)?;
        let folded: Vec<String> = headers.iter().map(|h| crm_domain::text::fold(h.trim())).collect();
        for job in self.store.jobs(tenant, Some(entity.job_kind()), 500).await? {
            let Ok(import) = ImportJob::of(job) else { continue };
            let same = import.progress.headers.len() == folded.len()
                && import
                    .progress
                    .headers
                    .iter()
                    .zip(&folded)
                    .all(|(h, f)| crm_domain::text::fold(h.trim()) == *f);
            if same && import.spec.mapping.len() == headers.len() {
                return Ok((import.spec.mapping, Some(import.job.created_at)));
            }
        }
        let guessed = match entity {
            ImportEntity::Contacts => crm_domain::import::guess_mapping(headers),
            ImportEntity::Organizations => crm_domain::import::guess_organization_mapping(headers),
            ImportEntity::Opportunities => crm_domain::import::guess_opportunity_mapping(headers),
        };
        Ok((guessed, None))
    }
}
