//! The audit history: events by record (under each resource), by user and by period.

use super::ApiTags;
use super::dto::events::EventDto;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::UserId;
use crm_domain::ViolationKind;
use crm_domain::event::EntityType;
use crm_ports::query::AuditFilter;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use uuid::Uuid;

pub struct AuditApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/audit", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Audit history of the tenant, newest first: every change in a period, optionally by
    /// one user, about one kind of record, before a sequence number (paging back). The
    /// Admin reads every change; a Manager the changes of the contacts and opportunities
    /// of the teams they lead (owned by a member or by themselves after the change); every
    /// other role gets 403.
    #[oai(path = "/", method = "get", operation_id = "audit_history")]
    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        auth: Auth,
        /// From (inclusive).
        from: Query<DateTime<Utc>>,
        /// To (exclusive).
        to: Query<DateTime<Utc>>,
        /// Only this user's changes.
        user_id: Query<Option<Uuid>>,
        /// Only changes of this kind of record (`contact`, `opportunity`, `organization`,
        /// `activity`, `pipeline`, `user`, `team`, `tenant`, `segment`…).
        entity_type: Query<Option<String>>,
        /// Only events before this sequence number (the `seq` of the last one read).
        before: Query<Option<i64>>,
        /// At most this many events (1 to 1000, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<EventDto>>> {
        if to.0 <= from.0 {
            return Err(ApiError::field("to", ViolationKind::TooSmall));
        }
        let entity_types = match entity_type.0.as_deref() {
            None | Some("") => Vec::new(),
            Some(code) => vec![EntityType::parse(code).ok_or_else(|| ApiError::field("entity_type", ViolationKind::Unknown))?],
        };
        let f = AuditFilter {
            from: from.0,
            to: to.0,
            user_id: user_id.0.map(UserId::from_uuid),
            entity_types,
            owners: None,
            before_seq: before.0,
        };
        let events = self.app.audit(&auth.actor(), &f, limit.0.unwrap_or(100)).await?;
        Ok(Json(super::naming::named_events(&self.app, &auth.actor(), &events).await?))
    }
}
