//! Pieces shared by the resources: versions as ETags, `If-Match`, sorting and paging
//! parameters, timestamps.

use super::problem::{ApiError, ApiResult, Code};
use chrono::{DateTime, Utc};
use crm_ports::query::{PageRequest, SortKey};
use poem_openapi::{ApiResponse, Enum};

/// The ETag of a version: `"<version>"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`.
///
/// # Errors
/// 428 when absent, 412 when it names no version.
pub fn if_match(header: Option<&str>) -> ApiResult<i64> {
    let Some(raw) = header else {
        return Err(ApiError::new(Code::PreconditionRequired));
    };
    let v = raw.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.trim_matches('"')
        .parse::<i64>()
        .map_err(|_| ApiError::new(Code::PreconditionFailed))
}

/// Sort orders of lists.
#[derive(Debug, Clone, Copy, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum Sort {
    /// By folded name (accents and case ignored).
    #[default]
    Name,
    /// By creation time.
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

/// Direction.
#[derive(Debug, Clone, Copy, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum Order {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// A page request from query parameters.
pub fn page(sort: Option<Sort>, order: Option<Order>, cursor: Option<String>, limit: Option<u32>) -> PageRequest {
    PageRequest {
        sort: match sort.unwrap_or_default() {
            Sort::Name => SortKey::Name,
            Sort::CreatedAt => SortKey::CreatedAt,
            Sort::UpdatedAt => SortKey::UpdatedAt,
        },
        descending: matches!(order, Some(Order::Desc)),
        cursor,
        limit,
    }
}

/// A time for the API (RFC 3339, UTC).
pub fn time(t: DateTime<Utc>) -> DateTime<Utc> {
    t
}

/// Done, nothing to return.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// A lead status filter, its fault named `lead_status`.
///
/// # Errors
/// `lead_status: unknown`.
pub fn lead_status(raw: Option<&str>) -> ApiResult<Option<crm_domain::lead::LeadStatus>> {
    Ok(raw
        .map(|s| crm_domain::lead::LeadStatus::parse(s).map_err(|e| e.at("lead_status")))
        .transpose()?)
}

/// A contact kind from a query or body field (`kind: unknown` otherwise).
///
/// # Errors
/// 422 naming `kind`.
pub fn contact_kind(raw: Option<&str>) -> ApiResult<Option<crm_domain::contact::ContactKind>> {
    Ok(raw
        .map(|k| crm_domain::contact::ContactKind::parse(k).map_err(|e| e.at("kind")))
        .transpose()?)
}

/// A tag from a query or body field.
///
/// # Errors
/// 422 naming `tag`.
pub fn contact_tag(raw: Option<&str>) -> ApiResult<Option<crm_domain::text::Tag>> {
    Ok(raw.map(|t| crm_domain::text::Tag::parse(t).map_err(|e| e.at("tag"))).transpose()?)
}
