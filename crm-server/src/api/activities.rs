//! `/api/v1/activities` (tasks, meetings, calls, emails, notes), `/api/v1/todo` and the
//! timelines of contacts, organizations and opportunities.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::dto::activities::ActivityDto;
use super::dto::events::EventDto;
use super::naming::{Namer, name_activity, name_event};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::{ActivityId, UserId, ViolationKind};
use crm_ports::services::activities::{TimelineEntry, Todo};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A record an activity concerns.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkDto {
    /// `contact`, `organization` or `opportunity`.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Uuid,
}

/// The fields of an activity as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ActivityWrite {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned (at least one, visible to you).
    pub links: Vec<LinkDto>,
    /// Assignee (default: you).
    pub assignee_id: Option<Uuid>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// `low`, `normal` (default) or `high`.
    pub priority: Option<String>,
    /// Start of a meeting, or when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End of a meeting.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[oai(default)]
    pub attendee_ids: Vec<Uuid>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// Length of a call, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome of a call.
    pub outcome: Option<String>,
}

/// An activity to create.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewActivityBody {
    /// `task`, `meeting`, `call`, `email` or `note`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkDto>,
    /// Assignee (default: you).
    pub assignee_id: Option<Uuid>,
    /// Due time (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: Option<String>,
    /// Start / when it happened.
    pub starts_at: Option<DateTime<Utc>>,
    /// End (meetings).
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[oai(default)]
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    pub direction: Option<String>,
    /// Duration, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome.
    pub outcome: Option<String>,
}

fn links(l: &[LinkDto]) -> ApiResult<Vec<Link>> {
    l.iter()
        .enumerate()
        .map(|(i, l)| match EntityType::parse(&l.entity_type) {
            Some(t @ (EntityType::Contact | EntityType::Organization | EntityType::Opportunity)) => Ok(Link {
                entity_type: t,
                entity_id: l.entity_id,
            }),
            _ => Err(ApiError::field(&format!("links.{i}.entity_type"), ViolationKind::Unknown)),
        })
        .collect()
}

impl From<&Activity> for ActivityWrite {
    fn from(a: &Activity) -> Self {
        let d = ActivityDto::from(a);
        Self {
            subject: d.subject,
            body: d.body,
            links: d
                .links
                .into_iter()
                .map(|l| LinkDto {
                    entity_type: l.entity_type,
                    entity_id: l.entity_id,
                })
                .collect(),
            assignee_id: Some(d.assignee_id),
            due_at: d.due_at,
            priority: Some(d.priority),
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            place: d.place,
            attendee_ids: d.attendee_ids,
            direction: d.direction,
            duration_seconds: d.duration_seconds,
            outcome: d.outcome,
        }
    }
}

impl ActivityWrite {
    fn input(&self) -> ApiResult<ActivityInput> {
        Ok(ActivityInput {
            subject: self.subject.clone(),
            body: self.body.clone(),
            links: links(&self.links)?,
            assignee_id: self.assignee_id.map(UserId::from_uuid),
            due_at: self.due_at,
            priority: self.priority.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: self.place.clone(),
            attendees: self.attendee_ids.iter().copied().map(UserId::from_uuid).collect(),
            direction: self.direction.clone(),
            duration_seconds: self.duration_seconds,
            outcome: self.outcome.clone(),
        })
    }
}

/// One timeline entry: an activity or a change of the record.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TimelineEntryDto {
    /// `activity` or `event`.
    #[oai(rename = "type")]
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The activity.
    pub activity: Option<ActivityDto>,
    /// The change.
    pub event: Option<EventDto>,
}

impl From<&TimelineEntry> for TimelineEntryDto {
    fn from(e: &TimelineEntry) -> Self {
        match e {
            TimelineEntry::Activity(a) => Self {
                kind: "activity".into(),
                at: e.at(),
                activity: Some(a.as_ref().into()),
                event: None,
            },
            TimelineEntry::Event(ev) => Self {
                kind: "event".into(),
                at: e.at(),
                activity: None,
                event: Some(ev.as_ref().into()),
            },
        }
    }
}

/// A to-do list.
#[derive(Debug, Clone, Object)]
pub struct TodoDto {
    /// Past due, oldest first.
    pub overdue: Vec<ActivityDto>,
    /// Due today (tenant's time zone).
    pub today: Vec<ActivityDto>,
    /// Later, or without a due time.
    pub upcoming: Vec<ActivityDto>,
}

impl From<&Todo> for TodoDto {
    fn from(t: &Todo) -> Self {
        Self {
            overdue: t.overdue.iter().map(ActivityDto::from).collect(),
            today: t.today.iter().map(ActivityDto::from).collect(),
            upcoming: t.upcoming.iter().map(ActivityDto::from).collect(),
        }
    }
}

/// An activity with its ETag.
#[derive(ApiResponse)]
pub enum ActivityResponse {
    /// The activity.
    #[oai(status = 200)]
    Ok(Json<ActivityDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<ActivityDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

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
