//! What a reminder rule would do now, nothing written: the preview the Admin reads before
//! saving a rule — each task or notification it finds a reason for today, for whom, about
//! what. Reminders already made by an earlier scan are not made again (their keys), so a
//! saved rule may create fewer.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::services::reminders::{SCAN_BATCH, no_activity_subject, past_close_subject};
use crate::store::{ReminderStore, TenantStore};
use chrono::{DateTime, Duration, Utc};
use crm_domain::activity::{ActivityKind, Link};
use crm_domain::event::EntityType;
use crm_domain::reminder::RuleKind;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, UserId};

/// Most lines a preview lists (the count goes on to [`SCAN_BATCH`]).
pub const PREVIEW_LINES: usize = 100;

/// One reminder a rule would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLine {
    /// A follow-up task (else a notification).
    pub task: bool,
    /// Who gets it.
    pub user_id: UserId,
    /// The task's subject, or the notified activity's.
    pub subject: String,
    /// The record it is about.
    pub link: Link,
    /// When what it is about happens (the meeting's start, the task's due time, the quiet
    /// prospect's last activity).
    pub at: Option<DateTime<Utc>>,
}

/// What a rule would make now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderPreview {
    /// The first [`PREVIEW_LINES`].
    pub lines: Vec<PreviewLine>,
    /// How many in all (at most one scan's batch per kind of reason).
    pub total: usize,
}

/// The preview: the reminder port and the company's time zone.
impl<S: ReminderStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// What `kind` would create if it ran now (Admin), without writing anything.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn preview_reminder_rule(&self, actor: &Actor, kind: RuleKind) -> Result<ReminderPreview, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let now = self.clock.now();
        let mut all = Vec::new();
        let link = |entity_type, id: uuid::Uuid| Link {
            entity_type,
            entity_id: id,
        };
        match kind {
            RuleKind::NoActivity { days } => {
                for p in self.store.quiet_prospects(tenant, now - Duration::days(days), SCAN_BATCH).await? {
                    all.push(PreviewLine {
                        task: true,
                        user_id: p.owner_id,
                        subject: no_activity_subject(&p.display_name),
                        link: link(EntityType::Contact, p.contact_id.as_uuid()),
                        at: Some(p.quiet_since),
                    });
                }
            }
            RuleKind::PastExpectedClose => {
                let tz = self.store.tenant(tenant).await?.settings.time_zone;
                let today = now.with_timezone(&tz.tz()).date_naive();
                for d in self.store.overdue_deals(tenant, today, SCAN_BATCH).await? {
                    all.push(PreviewLine {
                        task: true,
                        user_id: d.owner_id,
                        subject: past_close_subject(&d.title),
                        link: link(EntityType::Opportunity, d.opportunity_id.as_uuid()),
                        at: None,
                    });
                }
            }
            RuleKind::MeetingSoon { minutes } => {
                let meetings = self
                    .store
                    .activities_timed(tenant, ActivityKind::Meeting, now, now + Duration::minutes(minutes), SCAN_BATCH)
                    .await?;
                for m in meetings {
                    let mut people = m.fields.attendees.clone();
                    people.push(m.fields.assignee_id);
                    people.sort();
                    people.dedup();
                    for u in people {
                        all.push(PreviewLine {
                            task: false,
                            user_id: u,
                            subject: m.fields.subject.to_string(),
                            link: link(EntityType::Activity, m.id.as_uuid()),
                            at: m.fields.starts_at,
                        });
                    }
                }
            }
            RuleKind::TaskDue => {
                let tasks = self
                    .store
                    .activities_timed(tenant, ActivityKind::Task, now - Duration::days(1), now, SCAN_BATCH)
                    .await?;
                for t in tasks.into_iter().filter(|t| !t.system && t.fields.due_at.is_some()) {
                    all.push(PreviewLine {
                        task: false,
                        user_id: t.fields.assignee_id,
                        subject: t.fields.subject.to_string(),
                        link: link(EntityType::Activity, t.id.as_uuid()),
                        at: t.fields.due_at,
                    });
                }
            }
        }
        let total = all.len();
        all.truncate(PREVIEW_LINES);
        Ok(ReminderPreview { lines: all, total })
    }
}
