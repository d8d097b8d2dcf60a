//! Leads and the customer cycle: a contact's qualification, the company's settings, the
//! funnel from lead to sale.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A prospect's qualification as a lead (in [`Contact::lead`](super::Contact::lead)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    /// `new`, `working`, `qualified` or `disqualified`.
    pub status: String,
    /// Why it was disqualified: a code of the company's list.
    pub reason: Option<String>,
    /// Waiting in the pool for a sales rep (its owner is who brought it in).
    pub pooled: bool,
    /// Who set the status last (`None`: the system).
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// When it was first qualified.
    pub qualified_at: Option<DateTime<Utc>>,
}

/// Leads to bring in at once (at most 1,000; all or nothing).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewLeads {
    /// The leads (prospects).
    pub leads: Vec<super::ContactWrite>,
}

/// A lead's new qualification.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LeadStatusWrite {
    /// `new`, `working`, `qualified` or `disqualified`.
    pub status: String,
    /// To disqualify: a code of the company's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// To whom a lead of the pool goes: a user, or the next sales rep of a team, in turn
/// (give exactly one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HandOver {
    /// This sales rep (or manager).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    /// The next sales rep of this team's round-robin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// `Some(true)`: the next sales rep of the team of the territory covering the lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_territory: Option<bool>,
}

/// Why a prospect becomes a client by hand.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Conversion {
    /// The reason, kept in the history.
    pub reason: String,
}

/// The first opportunity of a qualified lead.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LeadOpportunity {
    /// Pipeline (the opportunity starts at its first stage).
    pub pipeline_id: Uuid,
    /// Title.
    pub title: String,
    /// Amount in minor units (cents).
    pub value_minor: i64,
    /// ISO 4217 currency (default: the company's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Expected close date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<NaiveDate>,
    /// Organization (default: the lead's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
}

/// A disqualification reason of the company's list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadReason {
    /// Stable code: built in (`no_budget`, `no_need`, `unreachable`, `competitor`,
    /// `not_a_fit`) or the company's own.
    pub code: String,
    /// What people read; required for a code that is not built in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The company's settings of the customer cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSettings {
    /// The disqualification reasons, in the order offered.
    pub reasons: Vec<LeadReason>,
    /// After how many months (1 to 120) without an open or won deal a client becomes a
    /// former client (`None`: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_client_after_months: Option<u16>,
}

/// One line of the funnel from lead to sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelLine {
    /// The month the leads came in (`YYYY-MM`, company time zone).
    pub period: String,
    /// Their source.
    pub source: Option<String>,
    /// Leads that came in.
    pub leads: u64,
    /// Of them, qualified at some point.
    pub qualified: u64,
    /// Of them, with an opportunity.
    pub with_opportunity: u64,
    /// Of them, with a won opportunity.
    pub won: u64,
    /// Leads to qualified, between 0 and 1 (`None`: no lead).
    pub qualified_rate: Option<f64>,
    /// Qualified to opportunity.
    pub opportunity_rate: Option<f64>,
    /// Opportunity to won.
    pub won_rate: Option<f64>,
}
