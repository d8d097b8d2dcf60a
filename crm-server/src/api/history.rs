//! The audit history: events by record (under each resource), by user and by period.

use super::ApiTags;
use super::dto::events::EventDto;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::UserId;
use crm_domain::ViolationKind;
use crm_ports::query::HistoryQuery;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use uuid::Uuid;

pub struct AuditApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/audit", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Audit history of the tenant (Admin only; every other role gets 403), newest first:
    /// every change in a period, optionally by one user.
    #[oai(path = "/", method = "get", operation_id = "audit_history")]
    async fn history(
        &self,
        auth: Auth,
        /// From (inclusive).
        from: Query<DateTime<Utc>>,
        /// To (exclusive).
        to: Query<DateTime<Utc>>,
        /// Only this user's changes.
        user_id: Query<Option<Uuid>>,
        /// At most this many events (1 to 1000, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<EventDto>>> {
        if to.0 <= from.0 {
            return Err(ApiError::field("to", ViolationKind::TooSmall));
        }
        let q = match user_id.0 {
            Some(u) => HistoryQuery::Actor {
                user_id: UserId::from_uuid(u),
                from: from.0,
                to: to.0,
            },
            None => HistoryQuery::Period { from: from.0, to: to.0 },
        };
        let events = self.app.history(&auth.actor(), &q, limit.0.unwrap_or(100)).await?;
        Ok(Json(super::naming::named_events(&self.app, &auth.actor(), &events).await?))
    }
}
