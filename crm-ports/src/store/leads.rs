//! Store port of leads: the company's disqualification reasons, the teams' round-robins,
//! and the funnel from lead to sale.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::lead::LeadSettings;
use crm_domain::{TeamId, TenantId, UserId};
use std::future::Future;

/// What became of one lead (for the funnel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadOutcome {
    /// When it came in (the contact's creation).
    pub came_in: DateTime<Utc>,
    /// Its source, as given.
    pub source: Option<String>,
    /// Qualified at some point.
    pub qualified: bool,
    /// With at least one opportunity.
    pub with_opportunity: bool,
    /// With at least one won opportunity.
    pub won: bool,
}

/// Leads' company settings and round-robins.
pub trait LeadStore: Send + Sync {
    /// The company's settings of the customer cycle (the defaults until set).
    fn lead_settings(&self, tenant: TenantId) -> impl Future<Output = StoreResult<LeadSettings>> + Send;

    /// Replaces the company's settings of the customer cycle, with its event.
    fn set_lead_settings(
        &self,
        tenant: TenantId,
        settings: &LeadSettings,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Clients (not deleted) that have been clients since before `cutoff`, with no open
    /// opportunity and none won at or after `cutoff`: at most `limit`, oldest first.
    fn stale_clients(
        &self,
        tenant: TenantId,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::ContactId>>> + Send;

    /// Moves a team's round-robin `turns` times, each to the rep after the last one among
    /// `reps` (see `crm_domain::lead::next_in_rotation`), and returns the reps of those
    /// turns in order; empty when `reps` is. Two callers at once never get the same turn.
    fn advance_lead_rotation(
        &self,
        tenant: TenantId,
        team: TeamId,
        reps: &[UserId],
        turns: u32,
    ) -> impl Future<Output = StoreResult<Vec<UserId>>> + Send;

    /// What became of the leads that came in from `from` (inclusive) to `to` (exclusive),
    /// deleted ones excluded, merged ones counted once (in the contact kept).
    fn lead_outcomes(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<LeadOutcome>>> + Send;
}
