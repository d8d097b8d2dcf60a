//! Store port of lead scoring: a company's rules, what a contact's score is made of (read
//! from the contact, their company, their emails and activities), and the scores — kept in
//! a table of their own with their explanation and history, never in the contact's row (a
//! new score never changes the contact's version).

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::scoring::learned::Training;
use crm_domain::scoring::{Breakdown, ContactFacts, ScoringRule};
use crm_domain::{ContactId, TenantId};
use std::future::Future;
use uuid::Uuid;

/// A contact's score as computed at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactScore {
    /// The contact.
    pub contact_id: ContactId,
    /// The score and its lines.
    pub breakdown: Breakdown,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

/// Scoring rules, facts and scores.
pub trait ScoringStore: Send + Sync {
    /// Keeps a new rule, with its event.
    fn create_scoring_rule(&self, rule: &ScoringRule, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a rule still at `expected_version`. `NotFound`, `Conflict`.
    fn update_scoring_rule(
        &self,
        rule: &ScoringRule,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a rule. `NotFound`.
    fn delete_scoring_rule(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// A company's rules, oldest first.
    fn scoring_rules(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<ScoringRule>>> + Send;
    /// What the scores of these contacts are made of (live contacts only; the others are
    /// left out): their profile, their company's, and their engagements up to `now`.
    fn scoring_facts(
        &self,
        tenant: TenantId,
        contacts: &[ContactId],
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<(ContactId, ContactFacts)>>> + Send;
    /// Keeps scores (a history point where one changed).
    fn save_scores(&self, tenant: TenantId, scores: &[ContactScore]) -> impl Future<Output = StoreResult<()>> + Send;
    /// A contact's score, if one was computed.
    fn contact_score(&self, tenant: TenantId, contact: ContactId) -> impl Future<Output = StoreResult<Option<ContactScore>>> + Send;
    /// A contact's score over time (each change), newest first, at most `limit`.
    fn score_history(
        &self,
        tenant: TenantId,
        contact: ContactId,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<(DateTime<Utc>, i32)>>> + Send;
    /// The history a model learns from: each live contact linked to a live deal won or lost,
    /// whether one was won, and when (the first win, else the last loss).
    fn scoring_examples(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<(ContactId, bool, DateTime<Utc>)>>> + Send;
    /// Keeps a company's latest training.
    fn save_scoring_model(
        &self,
        tenant: TenantId,
        trained_at: DateTime<Utc>,
        training: &Training,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A company's latest training, if any.
    fn scoring_model(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Option<(DateTime<Utc>, Training)>>> + Send;
    /// The scores of these contacts (0 for those never scored).
    fn scores_of(&self, tenant: TenantId, contacts: &[ContactId]) -> impl Future<Output = StoreResult<Vec<(ContactId, i32)>>> + Send;
    /// The live contacts of a company after `after` in id order, at most `limit` (to score
    /// them all again, page by page).
    fn contact_ids_after(
        &self,
        tenant: TenantId,
        after: Option<ContactId>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<ContactId>>> + Send;
}
