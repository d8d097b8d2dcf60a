//! The API's data, as the server sends and receives it (snake_case JSON).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166 country.
    pub country: Option<String>,
}

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// `user` or `operator`.
    pub kind: String,
    /// Tenant.
    pub tenant_id: Option<Uuid>,
    /// User.
    pub user_id: Option<Uuid>,
    /// Role.
    pub role: Option<String>,
    /// The user's name (from `me`).
    #[serde(default)]
    pub display_name: Option<String>,
    /// The user's login email (from `me`).
    #[serde(default)]
    pub email: Option<String>,
    /// The company's name (from `me`).
    #[serde(default)]
    pub tenant_name: Option<String>,
}

/// A session opened by login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    /// Bearer token.
    pub token: String,
    /// CSRF token for cookie-authenticated writes.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Who.
    pub me: Me,
}

/// A personal API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created, with its secret (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// The secret.
    pub secret: String,
}

/// Tenant settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Country.
    pub country: Option<String>,
    /// Currency.
    pub currency: Option<String>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Language.
    pub language: Option<String>,
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Settings.
    pub settings: Settings,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A new tenant with its first Admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTenant {
    /// Name.
    pub name: String,
    /// First Admin's email.
    pub admin_email: String,
    /// First Admin's name.
    pub admin_name: String,
    /// First Admin's password.
    pub admin_password: String,
    /// Settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
}

/// A created tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: Tenant,
    /// Its first Admin.
    pub admin_id: Uuid,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A user to add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// Initial password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_id: Uuid,
    /// Territory.
    pub territory: Option<String>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A team to add or its new fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamWrite {
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_id: Uuid,
    /// Territory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Id.
    pub id: Uuid,
    /// `prospect`, `client`, `partner`.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails.
    pub emails: Vec<String>,
    /// Phones (E.164).
    pub phones: Vec<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Address,
    /// Tags.
    pub tags: Vec<String>,
    /// Owner.
    pub owner_id: Uuid,
    /// Source.
    pub source: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Score.
    pub score: i32,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A contact to create, or its new editable fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContactWrite {
    /// Kind.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails.
    pub emails: Vec<String>,
    /// Phones.
    pub phones: Vec<String>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Tags.
    pub tags: Vec<String>,
    /// Source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
    /// Next page's cursor.
    pub next_cursor: Option<String>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Web domain.
    pub domain: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Size code.
    pub size: Option<String>,
    /// Address.
    pub address: Address,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An organization to create or its new fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationWrite {
    /// Name.
    pub name: String,
    /// Web domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Industry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Size code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// A stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Probability, percent.
    pub probability: i64,
}

/// A pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Stages.
    pub stages: Vec<Stage>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A stage as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageWrite {
    /// Existing stage to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Probability, percent.
    pub probability: i64,
}

/// A pipeline to create or its new name and stages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PipelineWrite {
    /// Name.
    pub name: String,
    /// Stages.
    pub stages: Vec<StageWrite>,
}

/// One entry of an opportunity's stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// From.
    pub from: Option<Uuid>,
    /// To.
    pub to: Uuid,
    /// Name of the stage left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Name of the stage entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    /// Who moved it (name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Option<Uuid>,
}

/// An opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    pub currency: String,
    /// Contacts.
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// Stage.
    pub stage_id: Uuid,
    /// The stage's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_name: Option<String>,
    /// The pipeline's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_name: Option<String>,
    /// The owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// The organization's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Probability, percent.
    pub probability: i64,
    /// Set by hand.
    pub probability_overridden: bool,
    /// Expected close.
    pub expected_close: Option<NaiveDate>,
    /// Owner.
    pub owner_id: Uuid,
    /// `open`, `won`, `lost`.
    pub status: String,
    /// Loss reason.
    pub lost_reason: Option<String>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Stage history.
    pub stage_history: Vec<StageChange>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An opportunity to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewOpportunity {
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// Starting stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Contacts.
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Expected close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<NaiveDate>,
    /// Probability override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<i64>,
}

/// The editable fields of an opportunity.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OpportunityWrite {
    /// Title.
    pub title: String,
    /// Amount, minor units.
    pub value_minor: i64,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Contacts.
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Expected close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<NaiveDate>,
    /// Probability override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<i64>,
}

/// One forecast line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastLine {
    /// Period start.
    pub period_start: Option<NaiveDate>,
    /// `all`, `owner`, `team`, `pipeline`.
    pub group: String,
    /// The group's name (owner, team or pipeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Group id.
    pub group_id: Option<Uuid>,
    /// Currency.
    pub currency: String,
    /// Count.
    pub count: i64,
    /// Total, minor units.
    pub total_minor: i64,
    /// Weighted, minor units.
    pub weighted_minor: i64,
}

/// One change in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Field.
    pub field: String,
    /// For an id field: the name before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_name: Option<String>,
    /// The name after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_name: Option<String>,
    /// Before.
    pub before: Option<Value>,
    /// After.
    pub after: Option<Value>,
}

/// An event of the audit history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor.
    pub actor_id: Option<Uuid>,
    /// The acting user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// Entity type.
    pub entity_type: String,
    /// Entity.
    pub entity_id: Uuid,
    /// Kind.
    pub kind: String,
    /// Changes.
    pub changes: Vec<Change>,
}

/// A field at fault in a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// Field path.
    pub field: String,
    /// Violation code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// A possible duplicate in a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateProblem {
    /// Contact, when visible.
    pub contact_id: Option<Uuid>,
    /// Name, when visible.
    pub display_name: Option<String>,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Type URI.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: u16,
    /// Detail.
    pub detail: String,
    /// Stable code.
    pub code: String,
    /// Path.
    pub instance: String,
    /// Request id.
    pub request_id: String,
    /// Fields at fault.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// Possible duplicates.
    #[serde(default)]
    pub duplicates: Vec<DuplicateProblem>,
    /// Companies to choose from (`tenant_choice_required` at login).
    #[serde(default)]
    pub tenants: Vec<TenantChoice>,
}

/// A company a person may log in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantChoice {
    /// Its id, for [`crate::Client::login_to`].
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// A record an activity concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRef {
    /// `contact`, `organization` or `opportunity`.
    pub entity_type: String,
    /// Id.
    pub entity_id: Uuid,
    /// The record's name (read only; absent when not visible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An activity (task, meeting, call, email, note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkRef>,
    /// Assignee.
    pub assignee_id: Uuid,
    /// The assignee's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_name: Option<String>,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Due (tasks).
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: String,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub place: Option<String>,
    /// Attendees.
    #[serde(default)]
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    pub direction: Option<String>,
    /// Duration, seconds.
    pub duration_seconds: Option<i64>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Done.
    pub done_at: Option<DateTime<Utc>>,
    /// Created by a reminder rule.
    pub system: bool,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An activity to create (`kind` set) or its new fields (`kind` ignored on update).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityWrite {
    /// Kind (creation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Subject.
    pub subject: String,
    /// Body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Records concerned.
    pub links: Vec<LinkRef>,
    /// Assignee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    /// Due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Attendees.
    pub attendee_ids: Vec<Uuid>,
    /// Direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Duration, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    /// Outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// `activity` or `event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The activity.
    pub activity: Option<Activity>,
    /// The change.
    pub event: Option<Event>,
}

/// A to-do list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// Overdue, oldest first.
    pub overdue: Vec<Activity>,
    /// Due today.
    pub today: Vec<Activity>,
    /// Later.
    pub upcoming: Vec<Activity>,
}

/// A notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// `meeting_soon`, `task_due`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Activity concerned.
    pub activity_id: Option<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Read.
    pub read_at: Option<DateTime<Utc>>,
}

/// A reminder rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRule {
    /// Id.
    pub id: Uuid,
    /// `no_activity`, `past_expected_close`, `meeting_soon`, `task_due`.
    pub kind: String,
    /// Quiet days.
    pub days: Option<i64>,
    /// Notice, minutes.
    pub minutes: Option<i64>,
    /// Enabled.
    pub enabled: bool,
    /// Version.
    pub version: i64,
}

/// What a reminder scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Tasks created.
    pub tasks: i64,
    /// Notifications created.
    pub notifications: i64,
    /// Already made earlier.
    pub already_done: i64,
}

/// A search: what was typed, kinds and list filters.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// What was typed.
    pub q: String,
    /// Kinds (`contact`, `organization`, `opportunity`); all when empty.
    pub types: Vec<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Contact kind.
    pub kind: Option<String>,
    /// Contact tag.
    pub tag: Option<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// Opportunity status (`open`, `won`, `lost`).
    pub status: Option<String>,
    /// Expected close on or after.
    pub close_from: Option<NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<NaiveDate>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Hits per kind (1 to 50).
    pub limit: Option<u32>,
}

/// A piece of a highlighted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    /// Text.
    pub text: String,
    /// Whether it matched.
    pub matched: bool,
}

/// A matched text of a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Field (`name`, `organization`, `email`, `phone`...).
    pub field: String,
    /// The text in parts.
    pub parts: Vec<SnippetPart>,
}

impl Snippet {
    /// The matched parts.
    pub fn matched(&self) -> Vec<&str> {
        self.parts.iter().filter(|p| p.matched).map(|p| p.text.as_str()).collect()
    }
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Record id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Second line.
    pub subtitle: Option<String>,
    /// Relevance within the group.
    pub score: f32,
    /// Matched texts.
    pub snippets: Vec<Snippet>,
}

/// Hits of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchGroup {
    /// `contact`, `organization` or `opportunity`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Hits, best first.
    pub hits: Vec<SearchHit>,
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Groups.
    pub groups: Vec<SearchGroup>,
}

impl SearchResults {
    /// The hits of one kind.
    pub fn hits(&self, kind: &str) -> &[SearchHit] {
        self.groups.iter().find(|g| g.kind == kind).map_or(&[], |g| &g.hits)
    }
}

/// What a rebuild of the search index did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reindex {
    /// Documents written.
    pub documents: u64,
}

/// A segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `static` or `dynamic`.
    pub kind: String,
    /// The rule of a dynamic segment.
    pub rule: Option<Value>,
    /// Contacts you may see in it, now.
    pub count: u64,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A segment to create, or its new name and rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentWrite {
    /// Name.
    pub name: String,
    /// Rule (dynamic segments only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Value>,
}

/// A count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// How many.
    pub count: u64,
}

/// How many records a call changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    /// How many.
    pub changed: u64,
}

/// A group of likely duplicates in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// Id.
    pub id: Uuid,
    /// `same_email`, `same_phone`, `similar_name`, `same_organization_domain`.
    pub reasons: Vec<String>,
    /// The contacts you may see.
    pub contacts: Vec<Contact>,
    /// Found.
    pub created_at: DateTime<Utc>,
}
