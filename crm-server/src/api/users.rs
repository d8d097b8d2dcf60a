//! `/api/v1/users` and `/api/v1/teams`: managed by Admins, readable by every role.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::user::{Team, User};
use crm_domain::{TeamId, UserId};
use crm_ports::services::users::{NewUser, TeamInput, UserPatch};
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A user.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserDto {
    /// Id.
    pub id: Uuid,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `manager`, `sales`, `marketing` or `observer`.
    pub role: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Whether the user may log in (false once deactivated).
    pub active: bool,
    /// When an Admin deactivated the user.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            display_name: u.display_name.to_string(),
            role: u.role.code().to_owned(),
            team_id: u.team_id.map(|t| t.as_uuid()),
            active: u.is_active(),
            deactivated_at: u.deactivated_at,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A user to add.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewUserBody {
    /// Login email (unique across the installation).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `manager`, `sales`, `marketing` or `observer`.
    pub role: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Initial password (12 characters or more).
    pub password: Option<String>,
}

/// Changes to a user (absent: unchanged; `team_id: null` leaves the team).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserPatchBody {
    /// Display name.
    pub display_name: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Team.
    pub team_id: MaybeUndefined<Uuid>,
}

/// A new password for a user.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SetPasswordBody {
    /// 12 characters or more.
    pub password: String,
}

/// A link with which a user chooses their password, shown once.
#[derive(Debug, Clone, Object)]
pub struct AccessLinkDto {
    /// The user it lets in.
    pub user_id: Uuid,
    /// The secret.
    pub secret: String,
    /// The web page to open (add the server's address): `/access/<secret>`.
    pub path: String,
    /// When it stops working (7 days on).
    pub expires_at: DateTime<Utc>,
}

/// A team.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_id: Uuid,
    /// Territory.
    pub territory: Option<String>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Team> for TeamDto {
    fn from(t: &Team) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.to_string(),
            manager_id: t.manager_id.as_uuid(),
            territory: t.territory.as_ref().map(ToString::to_string),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A team to add, or the new fields of one.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TeamBody {
    /// Name (unique in the tenant).
    pub name: String,
    /// Manager (role `manager` or `admin`).
    pub manager_id: Uuid,
    /// Territory.
    pub territory: Option<String>,
}

impl TeamBody {
    fn input(&self) -> TeamInput {
        TeamInput {
            name: self.name.clone(),
            manager_id: UserId::from_uuid(self.manager_id),
            territory: self.territory.clone(),
        }
    }
}

/// A user with its ETag.
#[derive(ApiResponse)]
pub enum UserResponse {
    /// The user.
    #[oai(status = 200)]
    Ok(Json<UserDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<UserDto>, #[oai(header = "ETag")] String),
}

/// A team with its ETag.
#[derive(ApiResponse)]
pub enum TeamResponse {
    /// The team.
    #[oai(status = 200)]
    Ok(Json<TeamDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<TeamDto>, #[oai(header = "ETag")] String),
}

pub struct UsersApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Users of your tenant.
    #[oai(path = "/api/v1/users", method = "get", operation_id = "list_users")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<UserDto>>> {
        Ok(Json(self.app.list_users(&auth.actor()).await?.iter().map(UserDto::from).collect()))
    }

    /// Add a user (Admin).
    #[oai(path = "/api/v1/users", method = "post", operation_id = "create_user")]
    async fn create(&self, auth: Auth, body: Json<NewUserBody>) -> ApiResult<UserResponse> {
        let b = body.0;
        let u = self
            .app
            .create_user(
                &auth.actor(),
                &NewUser {
                    email: b.email,
                    display_name: b.display_name,
                    role: b.role,
                    team_id: b.team_id.map(TeamId::from_uuid),
                    password: b.password,
                },
            )
            .await?;
        Ok(UserResponse::Created(Json((&u).into()), etag(u.version)))
    }

    /// A user.
    #[oai(path = "/api/v1/users/:id", method = "get", operation_id = "get_user")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<UserResponse> {
        let u = self.app.user(&auth.actor(), UserId::from_uuid(id.0)).await?;
        Ok(UserResponse::Ok(Json((&u).into()), etag(u.version)))
    }

    /// Change a user's name, role or team (Admin).
    #[oai(path = "/api/v1/users/:id", method = "patch", operation_id = "update_user")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<UserPatchBody>,
    ) -> ApiResult<UserResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let b = body.0;
        let patch = UserPatch {
            display_name: b.display_name,
            role: b.role,
            team_id: match b.team_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(t) => Some(Some(TeamId::from_uuid(t))),
            },
        };
        let u = self.app.update_user(&auth.actor(), UserId::from_uuid(id.0), v, &patch).await?;
        Ok(UserResponse::Ok(Json((&u).into()), etag(u.version)))
    }

    /// Set a user's password (Admin); their sessions end.
    #[oai(path = "/api/v1/users/:id/password", method = "post", operation_id = "set_user_password")]
    async fn set_password(&self, auth: Auth, id: Path<Uuid>, body: Json<SetPasswordBody>) -> ApiResult<NoContent> {
        self.app
            .set_user_password(&auth.actor(), UserId::from_uuid(id.0), &body.0.password)
            .await?;
        Ok(NoContent::Done)
    }

    /// Deactivate a user (Admin): they can no longer log in, their sessions, API tokens,
    /// calendar feeds and links end, they are given no new work; their records stay theirs.
    #[oai(path = "/api/v1/users/:id/deactivate", method = "post", operation_id = "deactivate_user")]
    async fn deactivate(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<UserResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let u = self.app.deactivate_user(&auth.actor(), UserId::from_uuid(id.0), v).await?;
        Ok(UserResponse::Ok(Json((&u).into()), etag(u.version)))
    }

    /// Let a deactivated user log in again (Admin).
    #[oai(path = "/api/v1/users/:id/reactivate", method = "post", operation_id = "reactivate_user")]
    async fn reactivate(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<UserResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let u = self.app.reactivate_user(&auth.actor(), UserId::from_uuid(id.0), v).await?;
        Ok(UserResponse::Ok(Json((&u).into()), etag(u.version)))
    }

    /// Issue a one-time link with which an active user chooses their password (Admin): an
    /// invitation or a reset. Their earlier links end; the secret is shown once.
    #[oai(path = "/api/v1/users/:id/access-link", method = "post", operation_id = "issue_access_link")]
    async fn access_link(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<AccessLinkDto>> {
        let l = self.app.issue_access_link(&auth.actor(), UserId::from_uuid(id.0)).await?;
        Ok(Json(AccessLinkDto {
            user_id: l.user_id.as_uuid(),
            path: format!("/access/{}", l.secret),
            secret: l.secret,
            expires_at: l.expires_at,
        }))
    }

    /// Teams of your tenant.
    #[oai(path = "/api/v1/teams", method = "get", operation_id = "list_teams")]
    async fn teams(&self, auth: Auth) -> ApiResult<Json<Vec<TeamDto>>> {
        Ok(Json(self.app.list_teams(&auth.actor()).await?.iter().map(TeamDto::from).collect()))
    }

    /// Add a team (Admin).
    #[oai(path = "/api/v1/teams", method = "post", operation_id = "create_team")]
    async fn create_team(&self, auth: Auth, body: Json<TeamBody>) -> ApiResult<TeamResponse> {
        let t = self.app.create_team(&auth.actor(), &body.0.input()).await?;
        Ok(TeamResponse::Created(Json((&t).into()), etag(t.version)))
    }

    /// A team.
    #[oai(path = "/api/v1/teams/:id", method = "get", operation_id = "get_team")]
    async fn team(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<TeamResponse> {
        let t = self.app.team(&auth.actor(), TeamId::from_uuid(id.0)).await?;
        Ok(TeamResponse::Ok(Json((&t).into()), etag(t.version)))
    }

    /// Replace a team's name, manager and territory (Admin).
    #[oai(path = "/api/v1/teams/:id", method = "put", operation_id = "update_team")]
    async fn update_team(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<TeamBody>,
    ) -> ApiResult<TeamResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let t = self
            .app
            .update_team(&auth.actor(), TeamId::from_uuid(id.0), v, &body.0.input())
            .await?;
        Ok(TeamResponse::Ok(Json((&t).into()), etag(t.version)))
    }
}
