//! `/api/v1/activities` (tasks, meetings, calls, emails, notes), `/api/v1/todo` and the
//! timelines of contacts, organizations and opportunities.

mod bodies;

pub use super::dashboard::{DashboardApi, DashboardDto, DashboardSectionDto};
pub use bodies::{ActivityResponse, ActivityWrite, LinkDto, NewActivityBody, TimelineEntryDto, TodoDto};

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::naming::{Namer, name_activity, name_event};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::ActivityId;
use crm_domain::activity::{Activity, Link};
use crm_domain::event::EntityType;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

pub struct ActivitiesApi {
    pub app: CrmApp,
}

impl ActivitiesApi {
    async fn timeline_of(
        &self,
        auth: &Auth,
        entity_type: EntityType,
        id: Uuid,
        before: Option<DateTime<Utc>>,
        limit: Option<u32>,
    ) -> ApiResult<Json<Vec<TimelineEntryDto>>> {
        let t = self
            .app
            .timeline(
                &auth.actor(),
                Link {
                    entity_type,
                    entity_id: id,
                },
                before,
                limit.unwrap_or(50),
            )
            .await?;
        let mut entries: Vec<TimelineEntryDto> = t.iter().map(TimelineEntryDto::from).collect();
        let mut namer = Namer::default();
        for e in &entries {
            if let Some(a) = &e.activity {
                namer.activity(a);
            }
            if let Some(ev) = &e.event {
                namer.event(ev);
            }
        }
        let names = namer.lookup(&self.app, &auth.actor()).await?;
        for e in &mut entries {
            if let Some(a) = &mut e.activity {
                name_activity(a, &names);
            }
            if let Some(ev) = &mut e.event {
                name_event(ev, &names);
            }
        }
        Ok(Json(entries))
    }
}

impl ActivitiesApi {
    /// The answer for one record, with its names.
    async fn respond(&self, auth: &Auth, x: Activity) -> ApiResult<ActivityResponse> {
        let named = super::naming::named_activities(&self.app, &auth.actor(), std::slice::from_ref(&x)).await?;
        let body = named.into_iter().next().unwrap_or_else(|| (&x).into());
        Ok(ActivityResponse::Ok(Json(body), etag(x.version)))
    }
}

#[OpenApi(tag = "ApiTags::Activities")]
impl ActivitiesApi {
    /// Log an activity concerning records you may see.
    #[oai(path = "/api/v1/activities", method = "post", operation_id = "create_activity")]
    async fn create(&self, auth: Auth, body: Json<NewActivityBody>) -> ApiResult<ActivityResponse> {
        let b = body.0;
        let w = ActivityWrite {
            subject: b.subject,
            body: b.body,
            links: b.links,
            assignee_id: b.assignee_id,
            due_at: b.due_at,
            priority: b.priority,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            place: b.place,
            attendee_ids: b.attendee_ids,
            direction: b.direction,
            duration_seconds: b.duration_seconds,
            outcome: b.outcome,
        };
        let a = self.app.create_activity(&auth.actor(), &b.kind, &w.input()?).await?;
        Ok(ActivityResponse::Created(
            Json((&a).into()),
            etag(a.version),
            format!("/api/v1/activities/{}", a.id),
        ))
    }

    /// Read an activity.
    #[oai(path = "/api/v1/activities/:id", method = "get", operation_id = "get_activity")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<ActivityResponse> {
        let a = self.app.activity(&auth.actor(), ActivityId::from_uuid(id.0)).await?;
        self.respond(&auth, a).await
    }

    /// Replace an activity's fields (its kind stays).
    #[oai(path = "/api/v1/activities/:id", method = "put", operation_id = "update_activity")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<ActivityWrite>,
    ) -> ApiResult<ActivityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let input = body.0.input()?;
        self.respond(
            &auth,
            self.app
                .update_activity(&auth.actor(), ActivityId::from_uuid(id.0), v, &input)
                .await?,
        )
        .await
    }

    /// Change some fields: a JSON Merge Patch (RFC 7396) of the `PUT` body; `If-Match` as
    /// for `PUT`.
    #[oai(path = "/api/v1/activities/:id", method = "patch", operation_id = "patch_activity")]
    async fn patch(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<serde_json::Value>,
    ) -> ApiResult<ActivityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        let id = ActivityId::from_uuid(id.0);
        let current = self.app.activity(&actor, id).await?;
        let w = super::patch::patched(&ActivityWrite::from(&current), &body.0)?;
        let input = w.input()?;
        self.respond(&auth, self.app.update_activity(&actor, id, v, &input).await?).await
    }

    /// Delete an activity (softly).
    #[oai(path = "/api/v1/activities/:id", method = "delete", operation_id = "delete_activity")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_activity(&auth.actor(), ActivityId::from_uuid(id.0), v).await?;
        Ok(NoContent::Done)
    }

    /// Mark a task done.
    #[oai(path = "/api/v1/activities/:id/complete", method = "post", operation_id = "complete_task")]
    async fn complete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<ActivityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app.set_task_done(&auth.actor(), ActivityId::from_uuid(id.0), v, true).await?,
        )
        .await
    }

    /// Mark a done task open again.
    #[oai(path = "/api/v1/activities/:id/reopen", method = "post", operation_id = "reopen_task")]
    async fn reopen(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<ActivityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app.set_task_done(&auth.actor(), ActivityId::from_uuid(id.0), v, false).await?,
        )
        .await
    }

    /// Your to-do list: overdue first (oldest first), then today, then upcoming. With
    /// `team=true`, a Manager sees their teams' tasks and an Admin everyone's.
    #[oai(path = "/api/v1/todo", method = "get", operation_id = "todo")]
    async fn todo(&self, auth: Auth, team: Query<Option<bool>>) -> ApiResult<Json<TodoDto>> {
        let actor = auth.actor();
        let t = self.app.todo(&actor, team.0.unwrap_or(false)).await?;
        Ok(Json(TodoDto {
            overdue: super::naming::named_activities(&self.app, &actor, &t.overdue).await?,
            today: super::naming::named_activities(&self.app, &actor, &t.today).await?,
            upcoming: super::naming::named_activities(&self.app, &actor, &t.upcoming).await?,
        }))
    }

    /// A contact's timeline: activities and changes, newest first.
    #[oai(path = "/api/v1/contacts/:id/timeline", method = "get", operation_id = "contact_timeline")]
    async fn contact_timeline(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// Only entries strictly before this time (next page).
        before: Query<Option<DateTime<Utc>>>,
        /// At most this many entries (1 to 200, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<TimelineEntryDto>>> {
        self.timeline_of(&auth, EntityType::Contact, id.0, before.0, limit.0).await
    }

    /// An organization's timeline.
    #[oai(
        path = "/api/v1/organizations/:id/timeline",
        method = "get",
        operation_id = "organization_timeline"
    )]
    async fn organization_timeline(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// Only entries strictly before this time.
        before: Query<Option<DateTime<Utc>>>,
        /// At most this many entries (1 to 200, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<TimelineEntryDto>>> {
        self.timeline_of(&auth, EntityType::Organization, id.0, before.0, limit.0).await
    }

    /// An opportunity's timeline.
    #[oai(path = "/api/v1/opportunities/:id/timeline", method = "get", operation_id = "opportunity_timeline")]
    async fn opportunity_timeline(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// Only entries strictly before this time.
        before: Query<Option<DateTime<Utc>>>,
        /// At most this many entries (1 to 200, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<TimelineEntryDto>>> {
        self.timeline_of(&auth, EntityType::Opportunity, id.0, before.0, limit.0).await
    }
}
