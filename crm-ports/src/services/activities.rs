//! Activities, timelines and to-do lists.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, known, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{ActivityScope, AssigneeScope, EventRecord, HistoryQuery};
use crate::store::{
    ActivityStore, CalendarStore, ContactStore, Deletable, DeletionStore, EventLog, OpportunityStore, OrganizationStore, ReminderStore,
    TenantStore, UserStore,
};
use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityFields, ActivityInput, ActivityKind, Link, TodoBucket, sort_todo, todo_bucket};
use crm_domain::event::EntityType;
use crm_domain::user::Role;
use crm_domain::visibility::{Capability, Owned, read_scope};
use crm_domain::{ActivityId, Actor, ContactId, OpportunityId, OrganizationId, ValidationError, ViolationKind};

/// Most entries of one timeline page.
pub const MAX_TIMELINE: u32 = 200;
/// Most open tasks in a to-do list.
pub const MAX_TODO: u32 = 500;

/// One entry of a record's timeline.
#[derive(Debug, Clone)]
pub enum TimelineEntry {
    /// An activity concerning the record.
    Activity(Box<Activity>),
    /// A change of the record, from the event log.
    Event(Box<EventRecord>),
}

impl TimelineEntry {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Activity(a) => a.occurred_at(),
            Self::Event(e) => e.at,
        }
    }
}

/// A to-do list: overdue work first.
#[derive(Debug, Clone, Default)]
pub struct Todo {
    /// Past due, oldest first.
    pub overdue: Vec<Activity>,
    /// Due today in the tenant's time zone.
    pub today: Vec<Activity>,
    /// Later, or without a due time.
    pub upcoming: Vec<Activity>,
}

pub(crate) fn activity_scope(actor: &Actor) -> Result<ActivityScope, ServiceError> {
    Ok(ActivityScope {
        tenant_id: tenant_of(actor)?,
        contacts: read_scope(actor, Owned::Contact),
        opportunities: read_scope(actor, Owned::Opportunity),
        user: actor.user_id(),
    })
}

/// Whether the actor may see a record an activity concerns (also the timelines).
impl<S: ContactStore + OpportunityStore + OrganizationStore, K, C, I> App<S, K, C, I> {
    /// Fails with `NotFound` unless the actor may see the record.
    pub(crate) async fn check_record_visible(&self, actor: &Actor, link: Link) -> Result<(), ServiceError> {
        match link.entity_type {
            EntityType::Contact => self
                .store
                .contact(scope(actor, Owned::Contact)?, ContactId::from_uuid(link.entity_id))
                .await
                .map(drop),
            EntityType::Opportunity => self
                .store
                .opportunity(scope(actor, Owned::Opportunity)?, OpportunityId::from_uuid(link.entity_id))
                .await
                .map(drop),
            EntityType::Organization => self
                .store
                .organization(tenant_of(actor)?, OrganizationId::from_uuid(link.entity_id))
                .await
                .map(drop),
            _ => Err(StoreError::NotFound),
        }
        .map_err(ServiceError::from)
    }
}

/// Reading an activity, marking a task done: the activities only.
impl<S: ActivityStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// An activity the actor may see.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn activity(&self, actor: &Actor, id: ActivityId) -> Result<Activity, ServiceError> {
        Ok(self.store.activity(activity_scope(actor)?, id).await?)
    }

    async fn change_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        expected_version: i64,
        kind: EventKind,
        change: impl FnOnce(&mut Activity) -> Result<(), ServiceError>,
    ) -> Result<Activity, ServiceError> {
        let before = self.activity(actor, id).await?;
        require(actor, Capability::WriteActivities)?;
        check_version(before.version, expected_version)?;
        let mut after = before.clone();
        change(&mut after)?;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Activity,
            id.as_uuid(),
            kind,
            Some(after.fields.assignee_id.as_uuid()),
            Activity::changes(Some(&before), &after),
        );
        self.store.update_activity(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Marks a task done (`done = true`) or open again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (`kind` when not a task).
    pub async fn set_task_done(&self, actor: &Actor, id: ActivityId, expected_version: i64, done: bool) -> Result<Activity, ServiceError> {
        let now = self.clock.now();
        self.change_activity(
            actor,
            id,
            expected_version,
            if done { EventKind::Completed } else { EventKind::Reopened },
            |a| {
                if a.kind != ActivityKind::Task {
                    return Err(ValidationError::field("kind", ViolationKind::Unknown).into());
                }
                a.done_at = done.then_some(now);
                Ok(())
            },
        )
        .await
    }
}

/// Logging and editing activities: the records they concern and the people named are checked.
impl<S: ActivityStore + ContactStore + OpportunityStore + OrganizationStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn check_activity_input(&self, actor: &Actor, fields: &ActivityFields, new_assignee: bool) -> Result<(), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        for (i, l) in fields.links.iter().enumerate() {
            match self.check_record_visible(actor, *l).await {
                Ok(()) => {}
                Err(ServiceError::NotFound) => {
                    return Err(ValidationError::field(format!("links.{i}.entity_id"), ViolationKind::Unknown).into());
                }
                Err(e) => return Err(e),
            }
        }
        for (i, u) in fields.attendees.iter().enumerate() {
            known(self.store.user(tenant_id, *u).await, format!("attendee_ids.{i}"))?;
        }
        if new_assignee {
            self.check_assignee(actor, tenant_id, fields.assignee_id, "assignee_id").await?;
        }
        Ok(())
    }

    /// Logs an activity concerning records the actor may see.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (kind, fields, a record that is not visible: `links.N.entity_id`).
    pub async fn create_activity(&self, actor: &Actor, kind: &str, input: &ActivityInput) -> Result<Activity, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteActivities)?;
        let kind = ActivityKind::parse(kind).map_err(|e| e.at("kind"))?;
        let me = actor
            .user_id()
            .or(input.assignee_id)
            .ok_or_else(|| ValidationError::field("assignee_id", ViolationKind::Required))?;
        let fields = input.parse(kind, me)?;
        self.check_activity_input(actor, &fields, true).await?;
        let now = self.clock.now();
        let a = Activity {
            id: ActivityId::from_uuid(self.new_id()),
            tenant_id,
            kind,
            created_by: actor.user_id(),
            fields,
            done_at: None,
            system: false,
            reminder_key: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Activity,
            a.id.as_uuid(),
            EventKind::Created,
            Some(a.fields.assignee_id.as_uuid()),
            Activity::changes(None, &a),
        );
        self.store.create_activity(&a, &ev).await?;
        Ok(a)
    }

    /// Replaces an activity's fields (the kind stays).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`.
    pub async fn update_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        expected_version: i64,
        input: &ActivityInput,
    ) -> Result<Activity, ServiceError> {
        let current = self.activity(actor, id).await?;
        let fields = input.parse(current.kind, current.fields.assignee_id)?;
        self.check_activity_input(actor, &fields, fields.assignee_id != current.fields.assignee_id)
            .await?;
        self.change_activity(actor, id, expected_version, EventKind::Updated, |a| {
            a.fields = fields;
            Ok(())
        })
        .await
    }
}

/// Deleting an activity.
impl<S: ActivityStore + DeletionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deletes an activity softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn delete_activity(&self, actor: &Actor, id: ActivityId, expected_version: i64) -> Result<(), ServiceError> {
        let a = self.activity(actor, id).await?;
        require(actor, Capability::WriteActivities)?;
        check_version(a.version, expected_version)?;
        let ev = self.event(
            actor,
            EntityType::Activity,
            id.as_uuid(),
            EventKind::Deleted,
            Some(a.fields.assignee_id.as_uuid()),
            Vec::new(),
        );
        Ok(self
            .store
            .soft_delete(a.tenant_id, Deletable::Activity, id.as_uuid(), expected_version, &ev)
            .await?)
    }
}

/// To-do lists: the activities and the tenant (its time zone).
impl<S: ActivityStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The to-do list: the actor's open tasks, or with `team` those of the teams a Manager
    /// leads (all the tenant's for an Admin).
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn todo(&self, actor: &Actor, team: bool) -> Result<Todo, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let me = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let assignees = match (team, actor) {
            (true, Actor::User { role: Role::Manager, .. }) => AssigneeScope::TeamsLedBy(me),
            (true, Actor::User { role: Role::Admin, .. }) => AssigneeScope::Tenant,
            _ => AssigneeScope::User(me),
        };
        let tz = self.store.tenant(tenant_id).await?.settings.time_zone;
        let mut tasks = self.store.open_tasks(tenant_id, assignees, MAX_TODO).await?;
        let now = self.clock.now();
        sort_todo(&mut tasks, now, tz);
        let mut todo = Todo::default();
        for t in tasks {
            match todo_bucket(t.fields.due_at, now, tz) {
                TodoBucket::Overdue => todo.overdue.push(t),
                TodoBucket::Today => todo.today.push(t),
                TodoBucket::Upcoming => todo.upcoming.push(t),
            }
        }
        Ok(todo)
    }
}

/// Timelines: the activities and the event log of a visible record.
impl<S: ActivityStore + ContactStore + EventLog + OpportunityStore + OrganizationStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A record's timeline: its activities and its changes, newest first, strictly before
    /// `before` when given.
    ///
    /// # Errors
    /// `NotFound` when the record is not visible.
    pub async fn timeline(
        &self,
        actor: &Actor,
        link: Link,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<TimelineEntry>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        crm_domain::time::check_instants(&[("before", before)])?;
        self.check_record_visible(actor, link).await?;
        let limit = limit.clamp(1, MAX_TIMELINE);
        let activities = self.store.activities_for(tenant_id, link, before, limit).await?;
        let q = HistoryQuery::Entity {
            entity_type: link.entity_type,
            entity_id: link.entity_id,
            before,
        };
        let events = self.store.history(tenant_id, &q, limit).await?;
        let mut all: Vec<TimelineEntry> = activities
            .into_iter()
            .map(|a| TimelineEntry::Activity(Box::new(a)))
            .chain(events.into_iter().map(|e| TimelineEntry::Event(Box::new(e))))
            .collect();
        all.sort_by_key(|e| std::cmp::Reverse(e.at()));
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(all)
    }
}

/// One part of the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardSection {
    /// `overdue`, `today`, `meetings`, `upcoming`.
    pub name: &'static str,
    /// Its activities, in order.
    pub items: Vec<Activity>,
}

/// The actor's day at a glance, overdue work first.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Sections in display order: overdue tasks, today's tasks, the next seven days'
    /// meetings, later tasks.
    pub sections: Vec<DashboardSection>,
    /// Unread notifications.
    pub unread_notifications: usize,
}

impl<S: ActivityStore + CalendarStore + ReminderStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The dashboard data: overdue tasks first (oldest first), then today's, then the
    /// meetings of the next seven days, then later tasks; and the unread notifications.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let me = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let todo = self.todo(actor, false).await?;
        let now = self.clock.now();
        let meetings: Vec<Activity> = self
            .store
            .calendar_items(tenant_id, me, now, now + chrono::Duration::days(7), 200)
            .await?
            .into_iter()
            .filter(|a| a.kind == ActivityKind::Meeting)
            .collect();
        let unread = self.store.notifications(tenant_id, me, true, 500).await?.len();
        Ok(Dashboard {
            sections: vec![
                DashboardSection {
                    name: "overdue",
                    items: todo.overdue,
                },
                DashboardSection {
                    name: "today",
                    items: todo.today,
                },
                DashboardSection {
                    name: "meetings",
                    items: meetings,
                },
                DashboardSection {
                    name: "upcoming",
                    items: todo.upcoming,
                },
            ],
            unread_notifications: unread,
        })
    }
}
