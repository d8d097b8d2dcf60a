//! `/api/v1/dashboard`: your day at a glance.

use super::ApiTags;
use super::dto::activities::ActivityDto;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// One part of the dashboard.
#[derive(Debug, Clone, Object)]
pub struct DashboardSectionDto {
    /// `overdue`, `today`, `meetings` or `upcoming`.
    pub name: String,
    /// Its activities, in order.
    pub items: Vec<ActivityDto>,
}

/// Your day at a glance.
#[derive(Debug, Clone, Object)]
pub struct DashboardDto {
    /// In display order, overdue work first.
    pub sections: Vec<DashboardSectionDto>,
    /// Unread notifications.
    pub unread_notifications: i64,
}

pub struct DashboardApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Activities")]
impl DashboardApi {
    /// Your day at a glance: overdue tasks first (oldest first), today's tasks, the next
    /// seven days' meetings, later tasks, and the number of unread notifications.
    #[oai(path = "/api/v1/dashboard", method = "get", operation_id = "dashboard")]
    async fn dashboard(&self, auth: Auth) -> ApiResult<Json<DashboardDto>> {
        let actor = auth.actor();
        let d = self.app.dashboard(&actor).await?;
        let mut sections = Vec::with_capacity(d.sections.len());
        for s in &d.sections {
            sections.push(DashboardSectionDto {
                name: s.name.into(),
                items: super::naming::named_activities(&self.app, &actor, &s.items).await?,
            });
        }
        Ok(Json(DashboardDto {
            sections,
            unread_notifications: i64::try_from(d.unread_notifications).unwrap_or(i64::MAX),
        }))
    }
}
