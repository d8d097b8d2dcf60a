//! Store port of drafts: what a person typed in a form and has not saved yet, kept per
//! person, form and record, sealed at rest, forgotten on save, after 30 days and with the
//! person the record is about.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::{TenantId, UserId};
use std::collections::BTreeMap;
use std::future::Future;
use uuid::Uuid;

/// Which draft: a person's form about a record (`record` nil for a form creating one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftKey<'a> {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Whose draft.
    pub user_id: UserId,
    /// The form (`contact`, `contact_new`, `contact_activity`...).
    pub form: &'a str,
    /// The record the form is about (nil when it creates one).
    pub record: Uuid,
}

/// A draft as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The form's fields, by name, as typed.
    pub fields: BTreeMap<String, String>,
    /// The record's version the form was opened at (edits only).
    pub base_version: Option<i64>,
    /// When it was last kept.
    pub saved_at: DateTime<Utc>,
}

/// Drafts.
pub trait DraftStore: Send + Sync {
    /// Keeps a draft, replacing the person's previous one for the same form and record
    /// (its fields sealed).
    fn put_draft(&self, key: &DraftKey<'_>, draft: &Draft) -> impl Future<Output = StoreResult<()>> + Send;
    /// The draft, if one is kept.
    fn draft(&self, key: &DraftKey<'_>) -> impl Future<Output = StoreResult<Option<Draft>>> + Send;
    /// Forgets the draft (nothing happens when there is none).
    fn drop_draft(&self, key: &DraftKey<'_>) -> impl Future<Output = StoreResult<()>> + Send;
    /// Forgets the tenant's drafts kept before `before`; how many.
    fn purge_drafts(&self, tenant: TenantId, before: DateTime<Utc>) -> impl Future<Output = StoreResult<u64>> + Send;
}
