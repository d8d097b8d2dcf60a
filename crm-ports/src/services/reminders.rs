//! Reminder rules (Admin), the scan that applies them, and notifications.
//!
//! The scan elects no leader: every reminder carries a unique key inserted with its task
//! (or notification) and event in one transaction, so a scan interrupted and restarted, or
//! running in several processes at once, creates each reminder exactly once.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::store::{ActivityStore, JobStore, Notification, ReminderStore, TenantStore};
use chrono::Duration;
use crm_domain::activity::{Activity, ActivityFields, ActivityKind, Link, Priority};
use crm_domain::event::{Diff, EntityType, Sensitivity};
use crm_domain::reminder::{ReminderRule, RuleKind, meeting_key, no_activity_key, past_close_key, task_due_key};
use crm_domain::text::Label;
use crm_domain::visibility::Capability;
use crm_domain::{ActivityId, Actor, TenantId, UserId};
use uuid::Uuid;

/// Most subjects one rule handles per scan (the next scan continues).
pub const SCAN_BATCH: u32 = 500;

/// What a scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Follow-up tasks created.
    pub tasks: u64,
    /// Notifications created.
    pub notifications: u64,
    /// Reminders found already made (by an earlier or concurrent scan).
    pub already_done: u64,
}

/// The subject of a follow-up task for a quiet prospect.
pub(crate) fn no_activity_subject(name: &str) -> String {
    format!("Relancer {name}")
}

/// The subject of a task for a deal past its expected close date.
pub(crate) fn past_close_subject(title: &str) -> String {
    format!("Date de clôture dépassée : {title}")
}

fn rule_changes(before: Option<&ReminderRule>, after: &ReminderRule) -> Vec<crm_domain::event::FieldChange> {
    let mut d = Diff::new();
    d.field("kind", before.map(|b| &b.kind), &after.kind, Sensitivity::Clear);
    d.field("enabled", before.map(|b| &b.enabled), &after.enabled, Sensitivity::Clear);
    d.into_changes()
}

/// Rules and notifications: the reminder port only.
impl<S: ReminderStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The tenant's reminder rules (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn reminder_rules(&self, actor: &Actor) -> Result<Vec<ReminderRule>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.rules(tenant_id).await?)
    }

    /// Adds a rule (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn create_reminder_rule(&self, actor: &Actor, kind: RuleKind, enabled: bool) -> Result<ReminderRule, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let now = self.clock.now();
        let rule = ReminderRule {
            id: self.new_id(),
            kind,
            enabled,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant_id.as_uuid(),
            EventKind::ReminderRuleCreated,
            None,
            rule_changes(None, &rule),
        );
        self.store.create_rule(tenant_id, &rule, &ev).await?;
        Ok(rule)
    }

    /// Changes a rule (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn update_reminder_rule(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        kind: RuleKind,
        enabled: bool,
    ) -> Result<ReminderRule, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let before = self
            .store
            .rules(tenant_id)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(ServiceError::NotFound)?;
        check_version(before.version, expected_version)?;
        let after = ReminderRule {
            kind,
            enabled,
            version: expected_version + 1,
            updated_at: self.clock.now(),
            ..before.clone()
        };
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant_id.as_uuid(),
            EventKind::ReminderRuleUpdated,
            None,
            rule_changes(Some(&before), &after),
        );
        self.store.update_rule(tenant_id, &after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Removes a rule (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn delete_reminder_rule(&self, actor: &Actor, id: Uuid, expected_version: i64) -> Result<(), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant_id.as_uuid(),
            EventKind::ReminderRuleDeleted,
            None,
            Vec::new(),
        );
        Ok(self.store.delete_rule(tenant_id, id, expected_version, &ev).await?)
    }

    /// The caller's notifications, newest first.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn notifications(&self, actor: &Actor, unread_only: bool, limit: u32) -> Result<Vec<Notification>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let user = actor.user_id().ok_or(ServiceError::Forbidden)?;
        Ok(self.store.notifications(tenant_id, user, unread_only, limit.clamp(1, 500)).await?)
    }

    /// Marks one of the caller's notifications read (`None`: all of them).
    ///
    /// # Errors
    /// `NotFound` when it is not theirs.
    pub async fn mark_notifications_read(&self, actor: &Actor, id: Option<Uuid>) -> Result<u64, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let user = actor.user_id().ok_or(ServiceError::Forbidden)?;
        Ok(self.store.mark_read(tenant_id, user, id, self.clock.now()).await?)
    }
}

/// The scan: the rules, what they watch, the tenant (its time zone) and the tasks made.
impl<S: ReminderStore + ActivityStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn reminder_task(
        &self,
        tenant: TenantId,
        key: String,
        owner: UserId,
        subject: &str,
        link: Link,
        report: &mut ScanReport,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let subject = Label::parse(&subject.chars().take(Label::MAX_CHARS).collect::<String>()).map_err(ServiceError::from)?;
        let a = Activity {
            id: ActivityId::from_uuid(self.new_id()),
            tenant_id: tenant,
            kind: ActivityKind::Task,
            created_by: None,
            fields: ActivityFields {
                subject,
                body: None,
                links: vec![link],
                assignee_id: owner,
                due_at: Some(now),
                priority: Priority::Normal,
                starts_at: None,
                ends_at: None,
                place: None,
                attendees: Vec::new(),
                direction: None,
                duration_seconds: None,
                outcome: None,
            },
            done_at: None,
            system: true,
            reminder_key: Some(key),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let system = Actor::System { tenant_id: tenant };
        let ev = self.event(
            &system,
            EntityType::Activity,
            a.id.as_uuid(),
            EventKind::Created,
            Some(owner.as_uuid()),
            Activity::changes(None, &a),
        );
        match self.store.create_activity(&a, &ev).await {
            Ok(()) => report.tasks += 1,
            Err(StoreError::Duplicate { .. }) => report.already_done += 1,
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    async fn reminder_notice(
        &self,
        tenant: TenantId,
        key: String,
        user: UserId,
        kind: &str,
        a: &Activity,
        report: &mut ScanReport,
    ) -> Result<(), ServiceError> {
        let n = Notification {
            id: self.new_id(),
            user_id: user,
            kind: kind.to_owned(),
            subject: a.fields.subject.to_string(),
            activity_id: Some(a.id),
            link: None,
            reminder_key: key,
            created_at: self.clock.now(),
            read_at: None,
        };
        match self.store.create_notification(tenant, &n).await {
            Ok(()) => report.notifications += 1,
            Err(StoreError::Duplicate { .. }) => report.already_done += 1,
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Applies the tenant's enabled rules once. Safe to run at any time, repeatedly, in
    /// several processes at once.
    ///
    /// # Errors
    /// Store failures (what was created before stays; the next scan continues).
    pub async fn run_reminders(&self, tenant: TenantId) -> Result<ScanReport, ServiceError> {
        let mut report = ScanReport::default();
        let now = self.clock.now();
        let tz = self.store.tenant(tenant).await?.settings.time_zone;
        for rule in self.store.rules(tenant).await?.into_iter().filter(|r| r.enabled) {
            match rule.kind {
                RuleKind::NoActivity { days } => {
                    for p in self.store.quiet_prospects(tenant, now - Duration::days(days), SCAN_BATCH).await? {
                        let key = no_activity_key(rule.id, p.contact_id, p.quiet_since);
                        let link = Link {
                            entity_type: EntityType::Contact,
                            entity_id: p.contact_id.as_uuid(),
                        };
                        self.reminder_task(tenant, key, p.owner_id, &no_activity_subject(&p.display_name), link, &mut report)
                            .await?;
                    }
                }
                RuleKind::PastExpectedClose => {
                    let today = now.with_timezone(&tz.tz()).date_naive();
                    for d in self.store.overdue_deals(tenant, today, SCAN_BATCH).await? {
                        let key = past_close_key(rule.id, d.opportunity_id, d.expected_close);
                        let link = Link {
                            entity_type: EntityType::Opportunity,
                            entity_id: d.opportunity_id.as_uuid(),
                        };
                        self.reminder_task(tenant, key, d.owner_id, &past_close_subject(&d.title), link, &mut report)
                            .await?;
                    }
                }
                RuleKind::MeetingSoon { minutes } => {
                    for m in self
                        .store
                        .activities_timed(tenant, ActivityKind::Meeting, now, now + Duration::minutes(minutes), SCAN_BATCH)
                        .await?
                    {
                        let Some(start) = m.fields.starts_at else { continue };
                        let mut people = m.fields.attendees.clone();
                        people.push(m.fields.assignee_id);
                        people.sort();
                        people.dedup();
                        for u in people {
                            self.reminder_notice(tenant, meeting_key(rule.id, m.id, start, u), u, "meeting_soon", &m, &mut report)
                                .await?;
                        }
                    }
                }
                RuleKind::TaskDue => {
                    for t in self
                        .store
                        .activities_timed(tenant, ActivityKind::Task, now - Duration::days(1), now, SCAN_BATCH)
                        .await?
                    {
                        let Some(due) = t.fields.due_at else { continue };
                        if t.system {
                            continue;
                        }
                        let u = t.fields.assignee_id;
                        self.reminder_notice(tenant, task_due_key(rule.id, t.id, due, u), u, "task_due", &t, &mut report)
                            .await?;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs the reminder scan of the actor's tenant now (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn run_reminders_now(&self, actor: &Actor) -> Result<ScanReport, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        self.run_reminders(tenant_id).await
    }
}

/// The job kind of the reminder scan: one recurring timer per tenant.
pub const REMINDER_SCAN: &str = "reminders.scan";

/// The reminder scan as a timer: each run applies the tenant's rules and queues the next
/// run one interval after this one was due (or after now, when the server was down
/// longer than an interval: a missed run fires once, not once per interval missed).
pub struct ReminderScan<S, K, C, I> {
    app: App<S, K, C, I>,
    interval: std::time::Duration,
}

impl<S, K, C: Clone, I: Clone> Clone for ReminderScan<S, K, C, I> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            interval: self.interval,
        }
    }
}

impl<S, K, C: Clone, I: Clone> ReminderScan<S, K, C, I> {
    /// The scan every `interval`.
    pub fn new(app: &App<S, K, C, I>, interval: std::time::Duration) -> Self {
        Self {
            app: app.clone(),
            interval,
        }
    }
}

impl<S: JobStore + TenantStore, K, C: Clock + Clone, I: IdGenerator + Clone> ReminderScan<S, K, C, I> {
    /// Queues the scan of every tenant that has none queued or running (at start, and
    /// for the tenants created since), due one interval from now, as a scheduler started
    /// now would; how many were queued.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        let every = chrono::Duration::from_std(self.interval).unwrap_or(chrono::Duration::MAX);
        self.app.ensure_timers(REMINDER_SCAN, every).await
    }
}

impl<
    S: ActivityStore + ReminderStore + TenantStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> crate::runtime::jobs::JobHandler for ReminderScan<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        REMINDER_SCAN
    }

    fn run<'a>(
        &'a self,
        ctx: &'a crate::runtime::jobs::JobContext,
    ) -> crate::runtime::BoxFuture<'a, Result<crate::runtime::jobs::JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let r = self.app.run_reminders(job.tenant_id).await?;
            if r.tasks + r.notifications > 0 {
                tracing::info!(tenant = %job.tenant_id, tasks = r.tasks, notifications = r.notifications, "reminders created");
            }
            let every = chrono::Duration::from_std(self.interval).unwrap_or(chrono::Duration::MAX);
            Ok(self.app.next_timer(job, every))
        })
    }
}
