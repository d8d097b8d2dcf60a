//! Private calendar feeds: `/api/v1/calendar-feeds` to manage them, and the feed itself at
//! `/api/v1/calendar/{token}` (the secret is the credential: calendar clients cannot log in).

use super::ApiTags;
use super::common::NoContent;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_ports::TokenRecord;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A calendar feed (without its secret).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeedDto {
    /// Id.
    pub id: Uuid,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&TokenRecord> for FeedDto {
    fn from(t: &TokenRecord) -> Self {
        Self {
            id: t.id,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A feed just created: its private address, shown once.
#[derive(Debug, Clone, Object)]
pub struct NewFeedDto {
    /// The feed.
    pub feed: FeedDto,
    /// Path of the feed on this server (prefix it with the server's address); anyone with
    /// it reads your calendar, so revoke it if it leaks.
    pub path: String,
}

/// Created feed.
#[derive(ApiResponse)]
pub enum FeedCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<NewFeedDto>),
}

/// The iCalendar document.
#[derive(ApiResponse)]
pub enum IcsResponse {
    /// Meetings and open tasks.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(PlainText<String>),
}

pub struct CalendarApi {
    pub app: CrmApp,
    /// The prefix the API is mounted under (`""` at the root).
    pub base_path: String,
}

#[OpenApi(tag = "ApiTags::Activities")]
impl CalendarApi {
    /// Create a private calendar feed carrying your meetings and open tasks.
    #[oai(path = "/api/v1/calendar-feeds", method = "post", operation_id = "create_calendar_feed")]
    async fn create(&self, auth: Auth) -> ApiResult<FeedCreated> {
        let (rec, secret) = self.app.create_calendar_feed(&auth.actor()).await?;
        Ok(FeedCreated::Created(Json(NewFeedDto {
            feed: (&rec).into(),
            path: format!("{}/api/v1/calendar/{secret}", self.base_path),
        })))
    }

    /// Your calendar feeds.
    #[oai(path = "/api/v1/calendar-feeds", method = "get", operation_id = "list_calendar_feeds")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<FeedDto>>> {
        Ok(Json(
            self.app.calendar_feeds(&auth.actor()).await?.iter().map(FeedDto::from).collect(),
        ))
    }

    /// Revoke one of your calendar feeds.
    #[oai(path = "/api/v1/calendar-feeds/:id", method = "delete", operation_id = "revoke_calendar_feed")]
    async fn revoke(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.revoke_calendar_feed(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }

    /// The feed (iCalendar), read by calendar clients with its secret address.
    #[oai(path = "/api/v1/calendar/:token", method = "get", operation_id = "calendar_feed")]
    async fn feed(&self, token: Path<String>) -> ApiResult<IcsResponse> {
        let f = self.app.calendar_by_secret(&token.0).await?;
        Ok(IcsResponse::Ok(PlainText(crate::ical::render("CRM", &f.items, self.app.now()))))
    }
}
