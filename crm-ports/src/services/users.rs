//! Users and teams, managed by the tenant's Admins and readable by every role.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, known, require, tenant_of};
use crate::auth::Credentials;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::UserStore;
use crm_domain::email::EmailAddress;
use crm_domain::error::{Validator, ViolationKind};
use crm_domain::event::{Diff, EntityType, FieldChange, Sensitivity};
use crm_domain::text::{Label, Name};
use crm_domain::user::{Role, Team, User, check_team_manager};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TeamId, UserId, ValidationError};

/// A user to add.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Team.
    pub team_id: Option<TeamId>,
    /// Initial password (12 characters or more); none: set later.
    pub password: Option<String>,
}

/// Changes to a user; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Team (`Some(None)` leaves the team).
    pub team_id: Option<Option<TeamId>>,
}

/// A team to add or the new fields of one.
#[derive(Debug, Clone)]
pub struct TeamInput {
    /// Name.
    pub name: String,
    /// Manager (role Manager or Admin).
    pub manager_id: UserId,
    /// Territory.
    pub territory: Option<String>,
}

pub(crate) fn user_changes(before: Option<&User>, after: &User) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("email", before.map(|b| &b.email), &after.email, Sensitivity::Sensitive);
    d.field(
        "display_name",
        before.map(|b| &b.display_name),
        &after.display_name,
        Sensitivity::Clear,
    );
    d.field("role", before.map(|b| &b.role), &after.role, Sensitivity::Clear);
    d.field("team_id", before.map(|b| &b.team_id), &after.team_id, Sensitivity::Clear);
    d.field("language", before.map(|b| &b.language), &after.language, Sensitivity::Clear);
    d.field(
        "deactivated_at",
        before.map(|b| &b.deactivated_at),
        &after.deactivated_at,
        Sensitivity::Clear,
    );
    d.into_changes()
}

fn team_changes(before: Option<&Team>, after: &Team) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
    d.field("manager_id", before.map(|b| &b.manager_id), &after.manager_id, Sensitivity::Clear);
    d.field("territory", before.map(|b| &b.territory), &after.territory, Sensitivity::Clear);
    d.into_changes()
}

/// Users and teams: the users' port only.
impl<S: UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A team id given for a user must be a team of the tenant.
    async fn check_team(&self, tenant_id: crm_domain::TenantId, team: Option<TeamId>) -> Result<(), ServiceError> {
        if let Some(t) = team {
            known(self.store.team(tenant_id, t).await, "team_id")?;
        }
        Ok(())
    }

    /// A user of the actor's tenant.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn user(&self, actor: &Actor, id: UserId) -> Result<User, ServiceError> {
        Ok(self.store.user(tenant_of(actor)?, id).await?)
    }

    /// Every user of the actor's tenant.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, ServiceError> {
        Ok(self.store.list_users(tenant_of(actor)?).await?)
    }

    /// Changes a user's name, role or team (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    pub async fn update_user(&self, actor: &Actor, id: UserId, expected_version: i64, patch: &UserPatch) -> Result<User, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let before = self.store.user(tenant_id, id).await?;
        require(actor, Capability::ManageUsers)?;
        let mut after = before.clone();
        let mut v = Validator::new();
        if let Some(n) = &patch.display_name
            && let Some(n) = v.check("display_name", Name::parse(n))
        {
            after.display_name = n;
        }
        if let Some(r) = &patch.role
            && let Some(r) = v.check("role", Role::parse(r))
        {
            after.role = r;
        }
        v.finish()?;
        check_version(before.version, expected_version)?;
        if let Some(t) = patch.team_id {
            self.check_team(tenant_id, t).await?;
            after.team_id = t;
        }
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::User,
            id.as_uuid(),
            EventKind::Updated,
            None,
            user_changes(Some(&before), &after),
        );
        self.store.update_user(&after, expected_version, &ev).await?;
        self.auth_cache.forget(crate::auth::Principal::User { tenant_id, user_id: id });
        Ok(after)
    }

    /// Sets the interface language the actor chose for themselves (`None`: their
    /// browser's); the user as saved.
    ///
    /// # Errors
    /// `Invalid` (a language other than `fr` and `en`), `Forbidden` for anyone but a user.
    pub async fn set_my_language(&self, actor: &Actor, language: Option<&str>) -> Result<User, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let id = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let language = match language {
            Some(l) => Some(crm_domain::tenant::Language::parse(l).map_err(|e| ServiceError::Invalid(e.at("language")))?),
            None => None,
        };
        let before = self.store.user(tenant_id, id).await?;
        if before.language == language {
            return Ok(before);
        }
        let mut after = before.clone();
        after.language = language;
        after.version = before.version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::User,
            id.as_uuid(),
            EventKind::Updated,
            None,
            user_changes(Some(&before), &after),
        );
        self.store.update_user(&after, before.version, &ev).await?;
        Ok(after)
    }

    async fn check_team_input(&self, tenant_id: crm_domain::TenantId, input: &TeamInput) -> Result<(Name, Option<Label>), ServiceError> {
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(&input.name));
        let territory = v.check("territory", Label::parse_optional(input.territory.as_deref()));
        match self.store.user(tenant_id, input.manager_id).await {
            Ok(m) => {
                v.check("", check_team_manager(m.role));
            }
            Err(crate::StoreError::NotFound) => v.push("manager_id", ViolationKind::Unknown),
            Err(e) => return Err(e.into()),
        }
        v.finish()?;
        match (name, territory) {
            (Some(n), Some(t)) => Ok((n, t)),
            _ => Err(ValidationError::field("", ViolationKind::Malformed).into()),
        }
    }

    /// Adds a team (Admin).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`manager_id: unknown` unless a Manager or Admin of the tenant,
    /// `name: repeated`).
    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> Result<Team, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageUsers)?;
        let (name, territory) = self.check_team_input(tenant_id, input).await?;
        let now = self.clock.now();
        let team = Team {
            id: TeamId::from_uuid(self.new_id()),
            tenant_id,
            name,
            manager_id: input.manager_id,
            territory,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Team,
            team.id.as_uuid(),
            EventKind::Created,
            None,
            team_changes(None, &team),
        );
        self.store.create_team(&team, &ev).await?;
        Ok(team)
    }

    /// Replaces a team's name, manager and territory (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    pub async fn update_team(&self, actor: &Actor, id: TeamId, expected_version: i64, input: &TeamInput) -> Result<Team, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let before = self.store.team(tenant_id, id).await?;
        require(actor, Capability::ManageUsers)?;
        let (name, territory) = self.check_team_input(tenant_id, input).await?;
        check_version(before.version, expected_version)?;
        let mut after = before.clone();
        after.name = name;
        after.territory = territory;
        after.manager_id = input.manager_id;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Team,
            id.as_uuid(),
            EventKind::Updated,
            None,
            team_changes(Some(&before), &after),
        );
        self.store.update_team(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// A team.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn team(&self, actor: &Actor, id: TeamId) -> Result<Team, ServiceError> {
        Ok(self.store.team(tenant_of(actor)?, id).await?)
    }

    /// Every team.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_teams(&self, actor: &Actor) -> Result<Vec<Team>, ServiceError> {
        Ok(self.store.list_teams(tenant_of(actor)?).await?)
    }
}

/// Adding a user also hashes their first password.
impl<S: UserStore + crate::store::TenantStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Adds a user (Admin).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`email: repeated` when the email already logs in).
    pub async fn create_user(&self, actor: &Actor, input: &NewUser) -> Result<User, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageUsers)?;
        let mut v = Validator::new();
        let email = v.check("email", EmailAddress::parse(&input.email));
        let display_name = v.check("display_name", Name::parse(&input.display_name));
        let role = v.check("role", Role::parse(&input.role));
        v.finish()?;
        let (Some(email), Some(display_name), Some(role)) = (email, display_name, role) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        self.check_team(tenant_id, input.team_id).await?;
        let hash = match &input.password {
            Some(p) => {
                let rules = self
                    .password_rules(Some(tenant_id), &[email.as_str(), display_name.as_str()])
                    .await?;
                Some(self.hash_new_password(p, "password", &rules).await?)
            }
            None => None,
        };
        let now = self.clock.now();
        let user = User {
            id: UserId::from_uuid(self.new_id()),
            tenant_id,
            email,
            display_name,
            role,
            team_id: input.team_id,
            language: None,
            deactivated_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::User,
            user.id.as_uuid(),
            EventKind::Created,
            None,
            user_changes(None, &user),
        );
        self.store.create_user(&user, hash.as_deref(), &ev).await?;
        Ok(user)
    }
}
