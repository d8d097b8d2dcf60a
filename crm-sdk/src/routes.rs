//! One method per API route.

use crate::models::*;
use crate::{Client, Result};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// Filters, sort and page of the contact list.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// `prospect`, `client`, `partner`.
    pub kind: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Tag.
    pub tag: Option<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Member of this segment.
    pub segment_id: Option<Uuid>,
    /// `name`, `created_at`, `updated_at`.
    pub sort: Option<String>,
    /// `asc`, `desc`.
    pub order: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Filters, sort and page of the opportunity list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityQuery {
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// `open`, `won`, `lost`.
    pub status: Option<String>,
    /// Sort.
    pub sort: Option<String>,
    /// Order.
    pub order: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

fn push(q: &mut Vec<(&'static str, String)>, k: &'static str, v: Option<impl ToString>) {
    if let Some(v) = v {
        q.push((k, v.to_string()));
    }
}

impl Client {
    // --- auth ---

    /// Logs in; use the returned token with [`Client::with_token`].
    ///
    /// # Errors
    /// `Unauthenticated`, `TooManyRequests`, `TenantChoiceRequired` (the problem's
    /// `tenants` lists the companies: then use [`Client::login_to`]).
    pub async fn login(&self, email: &str, password: &str) -> Result<Login> {
        self.send(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            Some(&json!({"email": email, "password": password})),
            None,
        )
        .await
    }

    /// Logs in to one company, for an email that is a user in several.
    ///
    /// # Errors
    /// `Unauthenticated`, `TooManyRequests`.
    pub async fn login_to(&self, email: &str, password: &str, tenant_id: Uuid) -> Result<Login> {
        self.send(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            Some(&json!({"email": email, "password": password, "tenant_id": tenant_id})),
            None,
        )
        .await
    }

    /// Ends the session or revokes the API token used.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn logout(&self) -> Result<()> {
        self.send_empty::<()>(Method::POST, "/api/v1/auth/logout", None, None).await
    }

    /// Who is logged in.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn me(&self) -> Result<Me> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/me", &[], None, None).await
    }

    /// Changes the password; every session ends.
    ///
    /// # Errors
    /// `Unauthenticated` (wrong current password), `ValidationFailed`.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        self.send_empty(
            Method::POST,
            "/api/v1/auth/password",
            Some(&json!({"current_password": current, "new_password": new})),
            None,
        )
        .await
    }

    /// Your API tokens.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_tokens(&self) -> Result<Vec<Token>> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/tokens", &[], None, None).await
    }

    /// Creates an API token; the secret is returned once.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn create_token(&self, name: &str, expires_in_days: i64) -> Result<NewToken> {
        self.send(
            Method::POST,
            "/api/v1/auth/tokens",
            &[],
            Some(&json!({"name": name, "expires_in_days": expires_in_days})),
            None,
        )
        .await
    }

    /// Revokes one of your API tokens.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn revoke_token(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), None, None)
            .await
    }

    // --- tenants ---

    /// Every tenant (operator).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        self.send::<(), _>(Method::GET, "/api/v1/tenants", &[], None, None).await
    }

    /// Creates a tenant with its first Admin (operator).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_tenant(&self, t: &NewTenant) -> Result<TenantCreated> {
        self.send(Method::POST, "/api/v1/tenants", &[], Some(t), None).await
    }

    /// Your tenant.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn tenant(&self) -> Result<Tenant> {
        self.send::<(), _>(Method::GET, "/api/v1/tenant", &[], None, None).await
    }

    /// Renames your tenant or changes its settings (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_tenant(&self, version: i64, name: Option<&str>, settings: Option<&Settings>) -> Result<Tenant> {
        self.send(
            Method::PUT,
            "/api/v1/tenant",
            &[],
            Some(&json!({"name": name, "settings": settings})),
            Some(version),
        )
        .await
    }

    // --- users and teams ---

    /// Users of your tenant.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        self.send::<(), _>(Method::GET, "/api/v1/users", &[], None, None).await
    }

    /// Adds a user (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_user(&self, u: &NewUser) -> Result<User> {
        self.send(Method::POST, "/api/v1/users", &[], Some(u), None).await
    }

    /// A user.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn user(&self, id: Uuid) -> Result<User> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/users/{id}"), &[], None, None)
            .await
    }

    /// Changes a user's name, role or team (Admin). `team_id: Some(None)` leaves the team.
    ///
    /// # Errors
    /// `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_user(
        &self,
        id: Uuid,
        version: i64,
        display_name: Option<&str>,
        role: Option<&str>,
        team_id: Option<Option<Uuid>>,
    ) -> Result<User> {
        let mut body = serde_json::Map::new();
        if let Some(n) = display_name {
            body.insert("display_name".into(), json!(n));
        }
        if let Some(r) = role {
            body.insert("role".into(), json!(r));
        }
        if let Some(t) = team_id {
            body.insert("team_id".into(), json!(t));
        }
        self.send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &[],
            Some(&Value::Object(body)),
            Some(version),
        )
        .await
    }

    /// Sets a user's password (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn set_user_password(&self, id: Uuid, password: &str) -> Result<()> {
        self.send_empty(
            Method::POST,
            &format!("/api/v1/users/{id}/password"),
            Some(&json!({"password": password})),
            None,
        )
        .await
    }

    /// Teams of your tenant.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_teams(&self) -> Result<Vec<Team>> {
        self.send::<(), _>(Method::GET, "/api/v1/teams", &[], None, None).await
    }

    /// Adds a team (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_team(&self, t: &TeamWrite) -> Result<Team> {
        self.send(Method::POST, "/api/v1/teams", &[], Some(t), None).await
    }

    /// A team.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn team(&self, id: Uuid) -> Result<Team> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/teams/{id}"), &[], None, None)
            .await
    }

    /// Replaces a team's fields (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_team(&self, id: Uuid, version: i64, t: &TeamWrite) -> Result<Team> {
        self.send(Method::PUT, &format!("/api/v1/teams/{id}"), &[], Some(t), Some(version))
            .await
    }

    // --- contacts ---

    /// A page of the contacts you may see.
    ///
    /// # Errors
    /// `ValidationFailed` (bad filter or cursor).
    pub async fn list_contacts(&self, q: &ContactQuery) -> Result<Page<Contact>> {
        let mut query = Vec::new();
        push(&mut query, "kind", q.kind.as_ref());
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "tag", q.tag.as_ref());
        push(&mut query, "organization_id", q.organization_id);
        push(&mut query, "segment_id", q.segment_id);
        push(&mut query, "sort", q.sort.as_ref());
        push(&mut query, "order", q.order.as_ref());
        push(&mut query, "cursor", q.cursor.as_ref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/contacts", &query, None, None).await
    }

    /// Creates a contact (refused with `PossibleDuplicates` unless `confirm_duplicates`).
    ///
    /// # Errors
    /// `ValidationFailed`, `PossibleDuplicates`, `Forbidden`.
    pub async fn create_contact(&self, c: &ContactWrite, confirm_duplicates: bool) -> Result<Contact> {
        let q = [("confirm_duplicates", confirm_duplicates.to_string())];
        self.send(Method::POST, "/api/v1/contacts", &q, Some(c), None).await
    }

    /// A contact.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn contact(&self, id: Uuid) -> Result<Contact> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{id}"), &[], None, None)
            .await
    }

    /// Replaces a contact's editable fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_contact(&self, id: Uuid, version: i64, c: &ContactWrite) -> Result<Contact> {
        self.send(Method::PUT, &format!("/api/v1/contacts/{id}"), &[], Some(c), Some(version))
            .await
    }

    /// Deletes a contact softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_contact(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/contacts/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted contact (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_contact(&self, id: Uuid) -> Result<Contact> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/contacts/{id}/restore"), &[], None, None)
            .await
    }

    /// Gives a contact to another owner.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn assign_contact(&self, id: Uuid, version: i64, owner_id: Uuid) -> Result<Contact> {
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/assign"),
            &[],
            Some(&json!({"owner_id": owner_id})),
            Some(version),
        )
        .await
    }

    /// Merges `merged_id` into `id`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn merge_contacts(&self, id: Uuid, version: i64, merged_id: Uuid, merged_version: i64) -> Result<Contact> {
        let body = json!({"merged_id": merged_id, "merged_version": merged_version});
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/merge"),
            &[],
            Some(&body),
            Some(version),
        )
        .await
    }

    /// A contact's history, newest first (Admin; a Manager for their teams' contacts).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`.
    pub async fn contact_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{id}/history"), &[], None, None)
            .await
    }

    // --- organizations ---

    /// A page of organizations.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn list_organizations(&self, cursor: Option<&str>, limit: Option<u32>) -> Result<Page<Organization>> {
        let mut query = Vec::new();
        push(&mut query, "cursor", cursor);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/organizations", &query, None, None).await
    }

    /// Creates an organization.
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_organization(&self, o: &OrganizationWrite) -> Result<Organization> {
        self.send(Method::POST, "/api/v1/organizations", &[], Some(o), None).await
    }

    /// An organization.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn organization(&self, id: Uuid) -> Result<Organization> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/organizations/{id}"), &[], None, None)
            .await
    }

    /// Replaces an organization's fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_organization(&self, id: Uuid, version: i64, o: &OrganizationWrite) -> Result<Organization> {
        self.send(Method::PUT, &format!("/api/v1/organizations/{id}"), &[], Some(o), Some(version))
            .await
    }

    /// Deletes an organization softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_organization(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/organizations/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted organization (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_organization(&self, id: Uuid) -> Result<Organization> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/organizations/{id}/restore"), &[], None, None)
            .await
    }

    // --- pipelines ---

    /// Every pipeline.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_pipelines(&self) -> Result<Vec<Pipeline>> {
        self.send::<(), _>(Method::GET, "/api/v1/pipelines", &[], None, None).await
    }

    /// Creates a pipeline (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_pipeline(&self, p: &PipelineWrite) -> Result<Pipeline> {
        self.send(Method::POST, "/api/v1/pipelines", &[], Some(p), None).await
    }

    /// A pipeline.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn pipeline(&self, id: Uuid) -> Result<Pipeline> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/pipelines/{id}"), &[], None, None)
            .await
    }

    /// Renames a pipeline and replaces its stages (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `PreconditionFailed`, `ValidationFailed`, `InUse`.
    pub async fn update_pipeline(&self, id: Uuid, version: i64, p: &PipelineWrite) -> Result<Pipeline> {
        self.send(Method::PUT, &format!("/api/v1/pipelines/{id}"), &[], Some(p), Some(version))
            .await
    }

    /// Deletes an empty pipeline (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `InUse`.
    pub async fn delete_pipeline(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/pipelines/{id}"), None, Some(version))
            .await
    }

    // --- opportunities ---

    /// A page of the opportunities you may see.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn list_opportunities(&self, q: &OpportunityQuery) -> Result<Page<Opportunity>> {
        let mut query = Vec::new();
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "stage_id", q.stage_id);
        push(&mut query, "status", q.status.as_ref());
        push(&mut query, "sort", q.sort.as_ref());
        push(&mut query, "order", q.order.as_ref());
        push(&mut query, "cursor", q.cursor.as_ref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/opportunities", &query, None, None).await
    }

    /// Creates an opportunity.
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_opportunity(&self, o: &NewOpportunity) -> Result<Opportunity> {
        self.send(Method::POST, "/api/v1/opportunities", &[], Some(o), None).await
    }

    /// An opportunity.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn opportunity(&self, id: Uuid) -> Result<Opportunity> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/opportunities/{id}"), &[], None, None)
            .await
    }

    /// Replaces an opportunity's editable fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`, `OpportunityClosed`.
    pub async fn update_opportunity(&self, id: Uuid, version: i64, o: &OpportunityWrite) -> Result<Opportunity> {
        self.send(Method::PUT, &format!("/api/v1/opportunities/{id}"), &[], Some(o), Some(version))
            .await
    }

    /// Deletes an open opportunity softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `OpportunityClosed`.
    pub async fn delete_opportunity(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/opportunities/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted opportunity (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_opportunity(&self, id: Uuid) -> Result<Opportunity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/opportunities/{id}/restore"), &[], None, None)
            .await
    }

    /// Moves to a stage.
    ///
    /// # Errors
    /// `StageSkipped`, `AlreadyAtStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn move_opportunity(&self, id: Uuid, version: i64, stage_id: Uuid) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/move"),
            &[],
            Some(&json!({"stage_id": stage_id})),
            Some(version),
        )
        .await
    }

    /// Changes some fields of a contact (JSON Merge Patch: members given replace, `null`
    /// removes, the address merges).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_contact(&self, id: Uuid, version: i64, patch: &Value) -> Result<Contact> {
        self.send(Method::PATCH, &format!("/api/v1/contacts/{id}"), &[], Some(patch), Some(version))
            .await
    }

    /// Changes some fields of an organization (JSON Merge Patch).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_organization(&self, id: Uuid, version: i64, patch: &Value) -> Result<Organization> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/organizations/{id}"),
            &[],
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Changes some fields of an opportunity (JSON Merge Patch; `probability: null` goes
    /// back to the stage's).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `OpportunityClosed`, `NotFound`.
    pub async fn patch_opportunity(&self, id: Uuid, version: i64, patch: &Value) -> Result<Opportunity> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/opportunities/{id}"),
            &[],
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Changes some fields of an activity (JSON Merge Patch).
    ///
    /// # Errors
    /// `ValidationFailed`, `PreconditionFailed`, `NotFound`, `Forbidden`.
    pub async fn patch_activity(&self, id: Uuid, version: i64, patch: &Value) -> Result<Activity> {
        self.send(Method::PATCH, &format!("/api/v1/activities/{id}"), &[], Some(patch), Some(version))
            .await
    }

    /// Moves to the next stage.
    ///
    /// # Errors
    /// `AtLastStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn advance_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/advance"),
            &[],
            None,
            Some(version),
        )
        .await
    }

    /// Closes as won.
    ///
    /// # Errors
    /// `NotAtLastStage`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn win_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/opportunities/{id}/win"), &[], None, Some(version))
            .await
    }

    /// Closes as lost.
    ///
    /// # Errors
    /// `ValidationFailed`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn lose_opportunity(&self, id: Uuid, version: i64, reason: &str) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/lose"),
            &[],
            Some(&json!({"reason": reason})),
            Some(version),
        )
        .await
    }

    /// Reopens a closed opportunity (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotClosed`, `PreconditionFailed`.
    pub async fn reopen_opportunity(&self, id: Uuid, version: i64) -> Result<Opportunity> {
        self.send::<(), _>(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/reopen"),
            &[],
            None,
            Some(version),
        )
        .await
    }

    /// Gives an opportunity to another owner.
    ///
    /// # Errors
    /// `Forbidden`, `OpportunityClosed`, `PreconditionFailed`.
    pub async fn assign_opportunity(&self, id: Uuid, version: i64, owner_id: Uuid) -> Result<Opportunity> {
        self.send(
            Method::POST,
            &format!("/api/v1/opportunities/{id}/assign"),
            &[],
            Some(&json!({"owner_id": owner_id})),
            Some(version),
        )
        .await
    }

    /// An opportunity's history, newest first (Admin; a Manager for their teams'
    /// opportunities).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`.
    pub async fn opportunity_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/opportunities/{id}/history"), &[], None, None)
            .await
    }

    /// The forecast: `period` is `month` or `quarter`, `group_by` `none`, `owner`, `team` or
    /// `pipeline`.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn forecast(
        &self,
        period: &str,
        group_by: &str,
        close_from: Option<NaiveDate>,
        close_to: Option<NaiveDate>,
    ) -> Result<Vec<ForecastLine>> {
        let mut query = vec![("period", period.to_owned()), ("group_by", group_by.to_owned())];
        push(&mut query, "close_from", close_from);
        push(&mut query, "close_to", close_to);
        self.send::<(), _>(Method::GET, "/api/v1/forecast", &query, None, None).await
    }

    /// The audit history of a period, optionally of one user (Admin only).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn audit(&self, from: DateTime<Utc>, to: DateTime<Utc>, user_id: Option<Uuid>) -> Result<Vec<Event>> {
        let mut query = vec![("from", from.to_rfc3339()), ("to", to.to_rfc3339())];
        push(&mut query, "user_id", user_id);
        self.send::<(), _>(Method::GET, "/api/v1/audit", &query, None, None).await
    }

    // --- activities ---

    /// Logs an activity (`a.kind` required).
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_activity(&self, a: &ActivityWrite) -> Result<Activity> {
        self.send(Method::POST, "/api/v1/activities", &[], Some(a), None).await
    }

    /// An activity.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn activity(&self, id: Uuid) -> Result<Activity> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/activities/{id}"), &[], None, None)
            .await
    }

    /// Replaces an activity's fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_activity(&self, id: Uuid, version: i64, a: &ActivityWrite) -> Result<Activity> {
        let body = ActivityWrite { kind: None, ..a.clone() };
        self.send(Method::PUT, &format!("/api/v1/activities/{id}"), &[], Some(&body), Some(version))
            .await
    }

    /// Deletes an activity softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_activity(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/activities/{id}"), None, Some(version))
            .await
    }

    /// Marks a task done (`done`) or open again.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (not a task).
    pub async fn set_task_done(&self, id: Uuid, version: i64, done: bool) -> Result<Activity> {
        let action = if done { "complete" } else { "reopen" };
        self.send::<(), _>(Method::POST, &format!("/api/v1/activities/{id}/{action}"), &[], None, Some(version))
            .await
    }

    /// Your to-do list (with `team`, your teams' for a Manager, everyone's for an Admin).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn todo(&self, team: bool) -> Result<Todo> {
        self.send::<(), _>(Method::GET, "/api/v1/todo", &[("team", team.to_string())], None, None)
            .await
    }

    /// A record's timeline: `entity` is `contacts`, `organizations` or `opportunities`.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn timeline(&self, entity: &str, id: Uuid, before: Option<DateTime<Utc>>, limit: Option<u32>) -> Result<Vec<TimelineEntry>> {
        let mut query = Vec::new();
        push(&mut query, "before", before.map(|b| b.to_rfc3339()));
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/{entity}/{id}/timeline"), &query, None, None)
            .await
    }

    // --- reminders and notifications ---

    /// The tenant's reminder rules (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn reminder_rules(&self) -> Result<Vec<ReminderRule>> {
        self.send::<(), _>(Method::GET, "/api/v1/reminder-rules", &[], None, None).await
    }

    /// Adds a rule (Admin): `kind` with `days` (`no_activity`) or `minutes` (`meeting_soon`).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn create_reminder_rule(&self, kind: &str, days: Option<i64>, minutes: Option<i64>, enabled: bool) -> Result<ReminderRule> {
        let body = json!({"kind": kind, "days": days, "minutes": minutes, "enabled": enabled});
        self.send(Method::POST, "/api/v1/reminder-rules", &[], Some(&body), None).await
    }

    /// Changes a rule (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_reminder_rule(
        &self,
        id: Uuid,
        version: i64,
        kind: &str,
        days: Option<i64>,
        minutes: Option<i64>,
        enabled: bool,
    ) -> Result<ReminderRule> {
        let body = json!({"kind": kind, "days": days, "minutes": minutes, "enabled": enabled});
        self.send(
            Method::PUT,
            &format!("/api/v1/reminder-rules/{id}"),
            &[],
            Some(&body),
            Some(version),
        )
        .await
    }

    /// Removes a rule (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `PreconditionFailed`.
    pub async fn delete_reminder_rule(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/reminder-rules/{id}"), None, Some(version))
            .await
    }

    /// Applies the rules now (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn run_reminders(&self) -> Result<ScanReport> {
        self.send::<(), _>(Method::POST, "/api/v1/reminder-rules/run", &[], None, None)
            .await
    }

    /// Your notifications, newest first.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn notifications(&self, unread_only: bool) -> Result<Vec<Notification>> {
        self.send::<(), _>(
            Method::GET,
            "/api/v1/notifications",
            &[("unread", unread_only.to_string())],
            None,
            None,
        )
        .await
    }

    /// Marks one notification read.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn read_notification(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::POST, &format!("/api/v1/notifications/{id}/read"), None, None)
            .await
    }

    /// Marks all your notifications read; how many changed.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn read_all_notifications(&self) -> Result<i64> {
        let v: Value = self
            .send::<(), _>(Method::POST, "/api/v1/notifications/read-all", &[], None, None)
            .await?;
        Ok(v["count"].as_i64().unwrap_or(0))
    }

    // --- background work (Admin) ---

    /// The readers of the event log: cursor, lag, parked events.
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn consumers(&self) -> Result<Vec<ConsumerStatus>> {
        self.send::<(), _>(Method::GET, "/api/v1/admin/consumers", &[], None, None).await
    }

    /// Events parked by a reader after its retries, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn parked_events(&self) -> Result<Vec<ParkedEvent>> {
        self.send::<(), _>(Method::GET, "/api/v1/admin/parked-events", &[], None, None)
            .await
    }

    /// Asks a reader to apply a parked event again.
    ///
    /// # Errors
    /// `NotFound` (no such parked event waiting), `Forbidden`.
    pub async fn replay_parked_event(&self, consumer: &str, seq: i64) -> Result<()> {
        self.send_empty::<()>(
            Method::POST,
            &format!("/api/v1/admin/parked-events/{}/{seq}/replay", urlencoding_segment(consumer)),
            None,
            None,
        )
        .await
    }

    /// Background jobs and timers, newest first (only those of `kind` when given).
    ///
    /// # Errors
    /// `Forbidden` unless Admin.
    pub async fn jobs(&self, kind: Option<&str>) -> Result<Vec<Job>> {
        let query: Vec<(&str, String)> = kind.map(|k| ("kind", k.to_owned())).into_iter().collect();
        self.send::<(), _>(Method::GET, "/api/v1/jobs", &query, None, None).await
    }

    /// One job: state and progress.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn job(&self, id: Uuid) -> Result<Job> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/jobs/{id}"), &[], None, None)
            .await
    }

    /// Cancels a queued or running job.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn cancel_job(&self, id: Uuid) -> Result<Job> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/jobs/{id}/cancel"), &[], None, None)
            .await
    }

    /// Your stored files, newest first (an Admin: the company's).
    ///
    /// # Errors
    /// `Forbidden` (Observer).
    pub async fn files(&self) -> Result<Vec<StoredFile>> {
        self.send::<(), _>(Method::GET, "/api/v1/files", &[], None, None).await
    }

    /// One stored file.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn file(&self, id: Uuid) -> Result<StoredFile> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/files/{id}"), &[], None, None)
            .await
    }

    /// Deletes a stored file.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_file(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/files/{id}"), None, None)
            .await
    }

    // --- search ---

    /// Searches the contacts, organizations and opportunities you may see.
    ///
    /// # Errors
    /// `ValidationFailed` (query over 200 characters, bad filter).
    pub async fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let mut query = vec![("q", q.q.clone())];
        if !q.types.is_empty() {
            query.push(("types", q.types.join(",")));
        }
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "kind", q.kind.as_ref());
        push(&mut query, "tag", q.tag.as_ref());
        push(&mut query, "organization_id", q.organization_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "stage_id", q.stage_id);
        push(&mut query, "status", q.status.as_ref());
        push(&mut query, "close_from", q.close_from);
        push(&mut query, "close_to", q.close_to);
        push(&mut query, "updated_since", q.updated_since.map(|d| d.to_rfc3339()));
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/search", &query, None, None).await
    }

    /// Rebuilds your company's part of the search index (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn reindex_search(&self) -> Result<Reindex> {
        self.send::<(), _>(Method::POST, "/api/v1/search/reindex", &[], None, None).await
    }

    // --- segments ---

    /// Every segment, with its live count (of the contacts you may see).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_segments(&self) -> Result<Vec<Segment>> {
        self.send::<(), _>(Method::GET, "/api/v1/segments", &[], None, None).await
    }

    /// Creates a segment: a static list (`rule: None`) or a dynamic one.
    ///
    /// # Errors
    /// `ValidationFailed` (the rule's faults under `rule.…`, a taken name), `Forbidden`.
    pub async fn create_segment(&self, s: &SegmentWrite) -> Result<Segment> {
        self.send(Method::POST, "/api/v1/segments", &[], Some(s), None).await
    }

    /// A segment with its live count.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn segment(&self, id: Uuid) -> Result<Segment> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/segments/{id}"), &[], None, None)
            .await
    }

    /// Renames a segment or replaces a dynamic segment's rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_segment(&self, id: Uuid, version: i64, s: &SegmentWrite) -> Result<Segment> {
        self.send(Method::PUT, &format!("/api/v1/segments/{id}"), &[], Some(s), Some(version))
            .await
    }

    /// Deletes a segment (its contacts stay).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_segment(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/segments/{id}"), None, Some(version))
            .await
    }

    /// How many contacts (you may see) a rule holds, without saving it.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn preview_segment(&self, rule: &Value) -> Result<u64> {
        let r: Count = self
            .send(Method::POST, "/api/v1/segments/preview", &[], Some(&json!({"rule": rule})), None)
            .await?;
        Ok(r.count)
    }

    /// Adds contacts to a static segment; how many were added.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members(&self, id: Uuid, contact_ids: &[Uuid]) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members"),
                &[],
                Some(&json!({"contact_ids": contact_ids})),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Removes contacts from a static segment; how many were removed.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn remove_segment_members(&self, id: Uuid, contact_ids: &[Uuid]) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/remove"),
                &[],
                Some(&json!({"contact_ids": contact_ids})),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Adds every contact (you may see) of a list filter to a static segment.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members_from_filter(&self, id: Uuid, filter: &Value) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/from-filter"),
                &[],
                Some(filter),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Adds the contacts a search finds to a static segment.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members_from_search(&self, id: Uuid, q: &str, limit: Option<u32>) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/from-search"),
                &[],
                Some(&json!({"q": q, "limit": limit})),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    // --- duplicate review queue ---

    /// Scans your company's contacts for likely duplicates; how many groups are open.
    ///
    /// # Errors
    /// `Forbidden` (Admin and Manager only).
    pub async fn scan_duplicates(&self) -> Result<u64> {
        let r: Value = self.send::<(), _>(Method::POST, "/api/v1/duplicates/scan", &[], None, None).await?;
        Ok(r["groups"].as_u64().unwrap_or(0))
    }

    /// The open groups in which you see two contacts or more.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn duplicate_groups(&self) -> Result<Vec<DuplicateGroup>> {
        self.send::<(), _>(Method::GET, "/api/v1/duplicates", &[], None, None).await
    }

    /// Dismisses a group (not duplicates).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn dismiss_duplicates(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::POST, &format!("/api/v1/duplicates/{id}/dismiss"), None, None)
            .await
    }
}

/// A path segment with the characters that would change the path percent-encoded.
fn urlencoding_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
