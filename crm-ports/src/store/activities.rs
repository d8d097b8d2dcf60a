//! Store ports of the day's work: activities, reminders and notifications, calendar feeds,
//! telephony.

use super::StoreResult;
use crm_domain::event::NewEvent;
use crm_domain::{ContactId, OpportunityId, TenantId, UserId};
use std::future::Future;
use uuid::Uuid;

/// Activities (tasks, meetings, calls, emails, notes) with the records they concern.
pub trait ActivityStore: Send + Sync {
    /// Adds an activity with its links and attendees. A second activity with the same
    /// `reminder_key` in the tenant is refused with `Duplicate { field: "reminder_key" }`
    /// and writes nothing.
    fn create_activity(&self, activity: &crm_domain::activity::Activity, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// An activity inside the scope. `NotFound` otherwise.
    fn activity(
        &self,
        scope: crate::query::ActivityScope,
        id: crm_domain::ActivityId,
    ) -> impl Future<Output = StoreResult<crm_domain::activity::Activity>> + Send;
    /// Replaces an activity. `Conflict` on a stale version.
    fn update_activity(
        &self,
        activity: &crm_domain::activity::Activity,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Activities concerning a record, newest first, strictly before `before` when given.
    /// The caller has checked that the record is visible.
    fn activities_for(
        &self,
        tenant: TenantId,
        link: crm_domain::activity::Link,
        before: Option<chrono::DateTime<chrono::Utc>>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
    /// A page of the activities inside the scope (sorted by creation or change; by name
    /// means by creation).
    fn list_activities(
        &self,
        scope: crate::query::ActivityScope,
        page: &crate::query::PageRequest,
    ) -> impl Future<Output = StoreResult<crate::query::Page<crm_domain::activity::Activity>>> + Send;
    /// Open (not done) tasks of the assignees, at most `limit`.
    fn open_tasks(
        &self,
        tenant: TenantId,
        assignees: crate::query::AssigneeScope,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
}

/// A message to a user in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// Recipient.
    pub user_id: UserId,
    /// `meeting_soon`, `task_due`...
    pub kind: String,
    /// Text shown (the activity's subject).
    pub subject: String,
    /// The activity it is about.
    pub activity_id: Option<crm_domain::ActivityId>,
    /// The record it is about (a contact, an opportunity...), named by the interface:
    /// nothing of a person is copied into a notification.
    pub link: Option<crm_domain::activity::Link>,
    /// The reminder occurrence that created it (unique in the tenant).
    pub reminder_key: String,
    /// Created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Read, if so.
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A prospect quiet since a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietProspect {
    /// The contact.
    pub contact_id: ContactId,
    /// Its owner.
    pub owner_id: UserId,
    /// Its name.
    pub display_name: String,
    /// Its last activity (not counting reminder tasks), or its creation.
    pub quiet_since: chrono::DateTime<chrono::Utc>,
}

/// An open opportunity past its expected close date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueDeal {
    /// The opportunity.
    pub opportunity_id: OpportunityId,
    /// Its owner.
    pub owner_id: UserId,
    /// Its title.
    pub title: String,
    /// Its expected close date.
    pub expected_close: chrono::NaiveDate,
}

/// Reminder rules, what they watch, and notifications.
pub trait ReminderStore: Send + Sync {
    /// Every rule of the tenant.
    fn rules(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<crm_domain::reminder::ReminderRule>>> + Send;
    /// Adds a rule.
    fn create_rule(
        &self,
        tenant: TenantId,
        rule: &crm_domain::reminder::ReminderRule,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Replaces a rule. `Conflict` on a stale version, `NotFound` if absent.
    fn update_rule(
        &self,
        tenant: TenantId,
        rule: &crm_domain::reminder::ReminderRule,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes a rule. `Conflict` on a stale version, `NotFound` if absent.
    fn delete_rule(
        &self,
        tenant: TenantId,
        id: Uuid,
        expected_version: i64,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Prospects whose last activity (reminder tasks excluded), or creation, is before
    /// `cutoff`.
    fn quiet_prospects(
        &self,
        tenant: TenantId,
        cutoff: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<QuietProspect>>> + Send;
    /// Open opportunities expected to close before `day`.
    fn overdue_deals(
        &self,
        tenant: TenantId,
        day: chrono::NaiveDate,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OverdueDeal>>> + Send;
    /// Live activities of a kind whose start (meetings) or due time (tasks, open only) is
    /// in `[from, to)`.
    fn activities_timed(
        &self,
        tenant: TenantId,
        kind: crm_domain::activity::ActivityKind,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
    /// Adds a notification. `Duplicate { field: "reminder_key" }` when its key exists;
    /// nothing is written then.
    fn create_notification(&self, tenant: TenantId, n: &Notification) -> impl Future<Output = StoreResult<()>> + Send;
    /// A user's notifications, newest first.
    fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;
    /// Marks one (or, with `None`, every) notification of a user read; how many changed.
    /// `NotFound` when the one named is not theirs.
    fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: Option<Uuid>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// What a user's calendar feed carries.
pub trait CalendarStore: Send + Sync {
    /// Live meetings the user holds or attends starting in `[from, to)`, and the user's
    /// open tasks with a due time, at most `limit`.
    fn calendar_items(
        &self,
        tenant: TenantId,
        user: UserId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crm_domain::activity::Activity>>> + Send;
}

/// A call record that matched no contact, kept for triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedCall {
    /// Id.
    pub id: Uuid,
    /// Calling number as received (personal data).
    pub caller: String,
    /// Called number as received (personal data).
    pub callee: String,
    /// Start.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Length, seconds.
    pub duration_seconds: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Link to the recording.
    pub recording_url: Option<String>,
    /// Received.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Telephony: contacts by phone (blind index) and unmatched calls.
pub trait TelephonyStore: Send + Sync {
    /// Live contacts of the whole tenant with this phone number, with their owners.
    fn contacts_by_phone(
        &self,
        tenant: TenantId,
        phone: &crm_domain::phone::PhoneNumber,
    ) -> impl Future<Output = StoreResult<Vec<(ContactId, UserId)>>> + Send;
    /// Keeps a call that matched nobody (its numbers sealed), with its event.
    fn add_unmatched_call(&self, tenant: TenantId, call: &UnmatchedCall, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// Unmatched calls, newest first.
    fn unmatched_calls(&self, tenant: TenantId, limit: u32) -> impl Future<Output = StoreResult<Vec<UnmatchedCall>>> + Send;
}
