//! `/api/v1/telephony`: call records pushed by a telephony system (authenticated with an
//! Admin's API token), matched to contacts by phone and added to their timelines; calls
//! matching nobody are listed for triage.

use super::ApiTags;
use super::dto::activities::ActivityDto;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_ports::services::telephony::{CallOutcome, CallRecordInput};
use crm_ports::store::UnmatchedCall;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A call record.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CallBody {
    /// Calling number, as the telephony system writes it.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Start of the call.
    pub started_at: DateTime<Utc>,
    /// Length in seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Link to the recording.
    pub recording_url: Option<String>,
}

/// A call that matched nobody.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UnmatchedCallDto {
    /// Id.
    pub id: Uuid,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Length, seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Recording.
    pub recording_url: Option<String>,
    /// Received.
    pub created_at: DateTime<Utc>,
}

impl From<&UnmatchedCall> for UnmatchedCallDto {
    fn from(c: &UnmatchedCall) -> Self {
        Self {
            id: c.id,
            caller: c.caller.clone(),
            callee: c.callee.clone(),
            started_at: c.started_at,
            duration_seconds: c.duration_seconds,
            direction: c.direction.clone(),
            recording_url: c.recording_url.clone(),
            created_at: c.created_at,
        }
    }
}

/// Where the call went.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallLoggedDto {
    /// Whether a contact matched.
    pub matched: bool,
    /// The call added to the matching contacts' timelines.
    pub activity: Option<ActivityDto>,
    /// The call kept for triage.
    pub unmatched: Option<UnmatchedCallDto>,
}

/// Logged.
#[derive(ApiResponse)]
pub enum CallLogged {
    /// Logged.
    #[oai(status = 201)]
    Created(Json<CallLoggedDto>),
}

pub struct TelephonyApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Activities")]
impl TelephonyApi {
    /// Push a call record (Admin token). The contact is found by the number on the other
    /// side of the call; the call joins its timeline, or the triage list.
    #[oai(path = "/api/v1/telephony/calls", method = "post", operation_id = "log_call")]
    async fn log(&self, auth: Auth, body: Json<CallBody>) -> ApiResult<CallLogged> {
        let b = body.0;
        let input = CallRecordInput {
            caller: b.caller,
            callee: b.callee,
            started_at: b.started_at,
            duration_seconds: b.duration_seconds,
            direction: b.direction,
            recording_url: b.recording_url,
        };
        let dto = match self.app.log_call(&auth.actor(), &input).await? {
            CallOutcome::Matched(a) => CallLoggedDto {
                matched: true,
                activity: Some(a.as_ref().into()),
                unmatched: None,
            },
            CallOutcome::Unmatched(c) => CallLoggedDto {
                matched: false,
                activity: None,
                unmatched: Some((&c).into()),
            },
        };
        Ok(CallLogged::Created(Json(dto)))
    }

    /// Calls that matched no contact, newest first (Admin).
    #[oai(path = "/api/v1/telephony/unmatched", method = "get", operation_id = "unmatched_calls")]
    async fn unmatched(
        &self,
        auth: Auth,
        /// At most this many (1 to 500, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<UnmatchedCallDto>>> {
        let calls = self.app.unmatched_calls(&auth.actor(), limit.0.unwrap_or(100)).await?;
        Ok(Json(calls.iter().map(UnmatchedCallDto::from).collect()))
    }
}
