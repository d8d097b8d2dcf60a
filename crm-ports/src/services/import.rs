//! Importing contacts, the dry run: what each row of a file would do — create a contact,
//! update the one its key (email or phone) finds, or be left out and why — with the same
//! checks and duplicate rules as a contact created by hand, and nothing written. The file
//! is read by an adapter (`crm-tabular`); its columns are mapped to fields by the person
//! (guessed by `crm_domain::import`).

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, OrganizationStore, TenantStore, UserStore};
use crm_domain::duplicates::MatchReason;
use crm_domain::import::{ImportField, contact_row};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, ContactId, UserId, ValidationError, ViolationKind};
use std::collections::HashMap;

/// Most rows one dry run looks at.
pub const MAX_PLAN_ROWS: usize = 5_000;

/// What finds the contact a row updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertKey {
    /// The first email of the row.
    Email,
    /// The first phone of the row.
    Phone,
}

impl UpsertKey {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// The key of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Email, Self::Phone].into_iter().find(|k| k.code() == code)
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// What finds the contact a row updates.
    pub key: UpsertKey,
    /// Whether a row that only looks like an existing contact (a close name) is created
    /// anyway (else it is left out, as the creation form warns).
    pub create_possible_duplicates: bool,
}

/// What a row would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// A new contact.
    Create,
    /// This contact, updated.
    Update(ContactId),
    /// Nothing (see the note).
    Skip,
}

/// Why a row is left out, or what to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowNote {
    /// Its values are refused: the fields at fault.
    Invalid(ValidationError),
    /// An earlier row of the file has the same key (its line).
    RepeatedInFile(u64),
    /// Its key finds several contacts.
    Ambiguous,
    /// Its key finds a contact the importer may not see.
    NotVisible,
    /// It looks like existing contacts for these reasons (a close name...).
    PossibleDuplicate(Vec<MatchReason>),
}

/// The dry run of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    /// Its line in the file.
    pub line: u64,
    /// What it would do.
    pub action: RowAction,
    /// Why, when it is left out.
    pub note: Option<RowNote>,
}

impl RowPlan {
    fn skip(line: u64, note: RowNote) -> Self {
        Self {
            line,
            action: RowAction::Skip,
            note: Some(note),
        }
    }
}

impl<S: ContactStore + OrganizationStore + TenantStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The dry run of a contacts import: for each row (its line and cells, mapped column by
    /// column), what it would do. Nothing is written.
    ///
    /// # Errors
    /// `Forbidden` (a role that may not write contacts), `Invalid` (more than
    /// [`MAX_PLAN_ROWS`] rows), store failures.
    pub async fn plan_contact_import(
        &self,
        actor: &Actor,
        rows: &[(u64, Vec<String>)],
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<Vec<RowPlan>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteContacts)?;
        if rows.len() > MAX_PLAN_ROWS {
            return Err(ValidationError::field("rows", ViolationKind::TooLarge).into());
        }
        let country = self.store.tenant(tenant_id).await?.settings.country;
        let owner = actor.user_id().unwrap_or_else(|| UserId::from_uuid(uuid::Uuid::nil()));
        let wanted = match options.key {
            UpsertKey::Email => MatchReason::SameEmail,
            UpsertKey::Phone => MatchReason::SamePhone,
        };
        let mut first_line_of: HashMap<String, u64> = HashMap::new();
        let mut plans = Vec::with_capacity(rows.len());
        for (line, cells) in rows {
            let line = *line;
            let row = contact_row(cells, mapping);
            let (kind, fields) = match row.input.parse(country) {
                Ok(x) => x,
                Err(v) => {
                    plans.push(RowPlan::skip(line, RowNote::Invalid(v)));
                    continue;
                }
            };
            let key = match options.key {
                UpsertKey::Email => fields.emails.first().map(|e| e.as_str().to_owned()),
                UpsertKey::Phone => fields.phones.first().map(|p| p.as_str().to_owned()),
            };
            if let Some(k) = &key {
                if let Some(first) = first_line_of.get(k) {
                    plans.push(RowPlan::skip(line, RowNote::RepeatedInFile(*first)));
                    continue;
                }
                first_line_of.insert(k.clone(), line);
            }
            let probe = self.new_contact(tenant_id, kind, owner, fields);
            let found = self.find_duplicates(actor, &probe).await?;
            let by_key: Vec<_> = found.iter().filter(|d| key.is_some() && d.reasons.contains(&wanted)).collect();
            let plan = if by_key.iter().any(|d| d.contact_id.is_none()) {
                RowPlan::skip(line, RowNote::NotVisible)
            } else if by_key.len() > 1 {
                RowPlan::skip(line, RowNote::Ambiguous)
            } else if let Some(id) = by_key.first().and_then(|d| d.contact_id) {
                RowPlan {
                    line,
                    action: RowAction::Update(id),
                    note: None,
                }
            } else if !found.is_empty() && !options.create_possible_duplicates {
                let mut reasons: Vec<MatchReason> = found.iter().flat_map(|d| d.reasons.iter().copied()).collect();
                reasons.sort();
                reasons.dedup();
                RowPlan::skip(line, RowNote::PossibleDuplicate(reasons))
            } else {
                RowPlan {
                    line,
                    action: RowAction::Create,
                    note: None,
                }
            };
            plans.push(plan);
        }
        Ok(plans)
    }
}
