//! The audit history: events by record (under each resource), by user and by period.

use super::ApiTags;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::UserId;
use crm_domain::ViolationKind;
use crm_ports::query::{EventRecord, HistoryQuery};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// One field's change.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChangeDto {
    /// Field.
    pub field: String,
    /// Value before (absent on creation).
    pub before: Option<serde_json::Value>,
    /// Value after.
    pub after: Option<serde_json::Value>,
    /// For a field holding an id (a stage, a user, an organization...): the name before.
    pub before_name: Option<String>,
    /// The name after.
    pub after_name: Option<String>,
}

/// One event of the log.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventDto {
    /// Per-tenant sequence number.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `operator` or `system`.
    pub actor_kind: String,
    /// The acting user.
    pub actor_id: Option<Uuid>,
    /// Their name.
    pub actor_name: Option<String>,
    /// `contact`, `opportunity`...
    pub entity_type: String,
    /// Which record.
    pub entity_id: Uuid,
    /// `created`, `updated`, `stage_moved`, `won`...
    pub kind: String,
    /// Field changes.
    pub changes: Vec<ChangeDto>,
}

impl From<&EventRecord> for EventDto {
    fn from(e: &EventRecord) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor_kind: e.actor_kind.clone(),
            actor_id: e.actor_id.map(|u| u.as_uuid()),
            actor_name: None,
            entity_type: e.entity_type.code().to_owned(),
            entity_id: e.entity_id,
            kind: e.kind.name().to_owned(),
            changes: e
                .changes
                .iter()
                .map(|c| ChangeDto {
                    field: c.field.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                    before_name: None,
                    after_name: None,
                })
                .collect(),
        }
    }
}

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
