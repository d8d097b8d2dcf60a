//! One method per API route, one file per area of the API (each an `impl Client` block).

mod accounts;
mod activities;
mod auth;
mod automations;
mod background;
mod campaigns;
mod email;
mod imports;
mod leads;
mod privacy;
mod records;
mod reports;
mod sales;
mod scoring;
mod search;
mod territories;
mod webhooks;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Filters, sort and page of the contact list.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// `prospect`, `client`, `partner`.
    pub kind: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Tag.
    pub tag: Option<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Member of this segment.
    pub segment_id: Option<Uuid>,
    /// Changed at or after this time (for synchronising a copy).
    pub updated_since: Option<DateTime<Utc>>,
    /// Leads in this status: `new`, `working`, `qualified`, `disqualified`.
    pub lead_status: Option<String>,
    /// `Some(true)`: the leads waiting in the pool; `Some(false)`: every other contact.
    pub pooled: Option<bool>,
    /// A lead score of at least this.
    pub min_score: Option<i32>,
    /// `name`, `created_at`, `updated_at`.
    pub sort: Option<String>,
    /// `asc`, `desc`.
    pub order: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Filters, sort and page of the opportunity list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityQuery {
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// `open`, `won`, `lost`.
    pub status: Option<String>,
    /// Expected close on or after.
    pub close_from: Option<NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<NaiveDate>,
    /// Sort.
    pub sort: Option<String>,
    /// Order.
    pub order: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Sort and page of the organization list.
#[derive(Debug, Clone, Default)]
pub struct OrganizationQuery {
    /// `name`, `created_at`, `updated_at`.
    pub sort: Option<String>,
    /// `asc`, `desc`.
    pub order: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Period, grouping and filters of the forecast.
#[derive(Debug, Clone, Default)]
pub struct ForecastQuery {
    /// `month` (the server's default) or `quarter`.
    pub period: Option<String>,
    /// `none` (the server's default), `owner`, `team` or `pipeline`.
    pub group_by: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Expected close on or after.
    pub close_from: Option<NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<NaiveDate>,
}

fn push(q: &mut Vec<(&'static str, String)>, k: &'static str, v: Option<impl ToString>) {
    if let Some(v) = v {
        q.push((k, v.to_string()));
    }
}

/// A path segment with the characters that would change the path percent-encoded.
fn urlencoding_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Which webhook deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    /// Of this subscription.
    pub webhook_id: Option<Uuid>,
    /// `pending`, `delivered` or `dead` (the dead letters).
    pub state: Option<String>,
    /// At most (100 by default, 500 at most).
    pub limit: Option<u32>,
}

/// The audit history's filters (`from` and `to` are required by the server).
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// To (exclusive).
    pub to: DateTime<Utc>,
    /// Only this user's changes.
    pub user_id: Option<Uuid>,
    /// Only this kind of record (`contact`, `opportunity`, `organization`…).
    pub entity_type: Option<String>,
    /// Only events before this sequence number (paging back).
    pub before: Option<i64>,
    /// At most this many events (1 to 1000, default 100).
    pub limit: Option<u32>,
}
