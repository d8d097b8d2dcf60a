//! Routes of tenants, users and teams.

use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

impl Client {
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

    /// Suspends a company (operator): none of its people logs in until reinstated.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn suspend_tenant(&self, id: Uuid) -> Result<Tenant> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/tenants/{id}/suspend"), &[], None, None)
            .await
    }

    /// Reinstates a suspended company (operator).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn reinstate_tenant(&self, id: Uuid) -> Result<Tenant> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/tenants/{id}/reinstate"), &[], None, None)
            .await
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

    /// Deactivates a user (Admin): no more login, their sessions and tokens end.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`, `ValidationFailed` (yourself).
    pub async fn deactivate_user(&self, id: Uuid, version: i64) -> Result<User> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/users/{id}/deactivate"), &[], None, Some(version))
            .await
    }

    /// Lets a deactivated user log in again (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`.
    pub async fn reactivate_user(&self, id: Uuid, version: i64) -> Result<User> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/users/{id}/reactivate"), &[], None, Some(version))
            .await
    }

    /// Issues a one-time link with which an active user chooses their password (Admin):
    /// an invitation or a reset; their earlier links end.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `ValidationFailed` (a deactivated user).
    pub async fn issue_access_link(&self, id: Uuid) -> Result<AccessLink> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/users/{id}/access-link"), &[], None, None)
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
}
