//! Who may get in: an Admin deactivates and reactivates users, and issues the one-time
//! links with which a person chooses their password (an invitation, a reset).

use crate::app::{App, check_version, require, tenant_of};
use crate::auth::{AuthStore, Credentials, Principal, TokenKind, TokenRecord};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::services::tenants::NewTenant;
use crate::services::users::user_changes;
use crate::store::{TenantStore, UserStore};
use chrono::{DateTime, Duration, Utc};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::tenant::Tenant;
use crm_domain::user::User;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, UserId, ValidationError, ViolationKind};

/// How long a link to choose a password stays usable.
pub const ACCESS_LINK_DAYS: i64 = 7;

/// A link issued: the secret is shown once, to the Admin who hands it over.
#[derive(Debug, Clone)]
pub struct AccessLink {
    /// The user it lets in.
    pub user_id: UserId,
    /// The secret (the last part of the link's path).
    pub secret: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Deactivation, reactivation and links: the users and their logins.
impl<S: AuthStore + UserStore + TenantStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deactivates a user (Admin): they can no longer log in, every session, API token,
    /// calendar feed and link of theirs ends, and they are given no new work; their
    /// records stay theirs. Deactivating a deactivated user changes nothing.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`; `Invalid` (`id: not_allowed`) for oneself.
    pub async fn deactivate_user(&self, actor: &Actor, id: UserId, expected_version: i64) -> Result<User, ServiceError> {
        self.set_user_active(actor, id, expected_version, false).await
    }

    /// Lets a deactivated user log in again (with a password: theirs, or one chosen through
    /// a new link).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn reactivate_user(&self, actor: &Actor, id: UserId, expected_version: i64) -> Result<User, ServiceError> {
        self.set_user_active(actor, id, expected_version, true).await
    }

    async fn set_user_active(&self, actor: &Actor, id: UserId, expected_version: i64, active: bool) -> Result<User, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let before = self.store.user(tenant_id, id).await?;
        require(actor, Capability::ManageUsers)?;
        if !active && actor.user_id() == Some(id) {
            return Err(ValidationError::field("id", ViolationKind::NotAllowed).into());
        }
        check_version(before.version, expected_version)?;
        if before.is_active() == active {
            return Ok(before);
        }
        let now = self.clock.now();
        let mut after = before.clone();
        after.deactivated_at = if active { None } else { Some(now) };
        after.version = expected_version + 1;
        after.updated_at = now;
        let ev = self.event(
            actor,
            EntityType::User,
            id.as_uuid(),
            EventKind::Updated,
            None,
            user_changes(Some(&before), &after),
        );
        self.store.update_user(&after, expected_version, &ev).await?;
        self.auth_cache.forget(Principal::User { tenant_id, user_id: id });
        Ok(after)
    }

    /// Issues a link with which an active user chooses their password (Admin): an
    /// invitation for a new user, a reset for another. The user's earlier links end.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`; `Invalid` (`id: not_allowed`) for a deactivated user.
    pub async fn issue_access_link(&self, actor: &Actor, id: UserId) -> Result<AccessLink, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let user = self.store.user(tenant_id, id).await?;
        require(actor, Capability::ManageUsers)?;
        if !user.is_active() {
            return Err(ValidationError::field("id", ViolationKind::NotAllowed).into());
        }
        let secret = self.creds.new_secret()?;
        let now = self.clock.now();
        let record = TokenRecord {
            id: self.new_id(),
            principal: Principal::User { tenant_id, user_id: id },
            kind: TokenKind::Access,
            name: None,
            csrf_hash: None,
            created_at: now,
            expires_at: now + Duration::days(ACCESS_LINK_DAYS),
            revoked_at: None,
        };
        let ev = self.event(actor, EntityType::User, id.as_uuid(), EventKind::AccessLinkIssued, None, Vec::new());
        self.store
            .issue_access_token(&record, &self.creds.secret_hash(&secret), &ev)
            .await?;
        Ok(AccessLink {
            user_id: id,
            secret,
            expires_at: record.expires_at,
        })
    }

    /// Creates a company whose first Admin chooses their password with a link (operator):
    /// the company as [`App::create_tenant`], then the Admin's link, shown once.
    ///
    /// # Errors
    /// As [`App::create_tenant`].
    pub async fn create_tenant_invited(&self, actor: &Actor, input: &NewTenant) -> Result<(Tenant, User, AccessLink), ServiceError>
    where
        S: TenantStore,
    {
        let input = NewTenant {
            admin_password: None,
            ..input.clone()
        };
        let (tenant, admin) = self.create_tenant(actor, &input).await?;
        let link = self.issue_access_link(&Actor::System { tenant_id: tenant.id }, admin.id).await?;
        Ok((tenant, admin, link))
    }

    /// The live link of a secret and the actor it speaks for.
    async fn access_link(&self, secret: &str) -> Result<(TokenRecord, Actor), ServiceError> {
        let found = match self.store.find_token(&self.creds.secret_hash(secret)).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Err(ServiceError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let r = found.record;
        match (r.principal, found.role) {
            (Principal::User { tenant_id, user_id }, Some(role))
                if r.kind == TokenKind::Access && r.revoked_at.is_none() && r.expires_at > self.clock.now() =>
            {
                Ok((r, Actor::User { tenant_id, user_id, role }))
            }
            _ => Err(ServiceError::NotFound),
        }
    }

    /// The user a live link is for (the page that asks for the password greets them).
    ///
    /// # Errors
    /// `NotFound` for an unknown, used, expired or replaced link, or a deactivated user
    /// (the same answer for all).
    pub async fn access_link_user(&self, secret: &str) -> Result<User, ServiceError> {
        let (_, actor) = self.access_link(secret).await?;
        let (Some(tenant_id), Some(user_id)) = (actor.tenant_id(), actor.user_id()) else {
            return Err(ServiceError::NotFound);
        };
        Ok(self.store.user(tenant_id, user_id).await?)
    }

    /// Uses a link: sets the password it was issued for, once, and ends the user's
    /// sessions; answers the user, who then logs in.
    ///
    /// # Errors
    /// `NotFound` as [`App::access_link_user`] (a link used twice at once: one wins),
    /// `Invalid` (`password`) for a password that breaks the rules (the link stays usable).
    pub async fn redeem_access_link(&self, secret: &str, password: &str) -> Result<User, ServiceError> {
        let (record, actor) = self.access_link(secret).await?;
        let (Some(tenant_id), Some(user_id)) = (actor.tenant_id(), actor.user_id()) else {
            return Err(ServiceError::NotFound);
        };
        let who = self.store.user(tenant_id, user_id).await?;
        let rules = self
            .password_rules(Some(tenant_id), &[who.email.as_str(), who.display_name.as_str()])
            .await?;
        let hash = self.hash_new_password(password, "password", &rules).await?;
        let ev = self.event(
            &actor,
            EntityType::User,
            user_id.as_uuid(),
            EventKind::PasswordChanged,
            None,
            Vec::new(),
        );
        match self
            .store
            .redeem_access_token(tenant_id, user_id, record.id, &hash, self.clock.now(), &ev)
            .await
        {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(ServiceError::NotFound),
            Err(e) => return Err(e.into()),
        }
        self.auth_cache.forget(Principal::User { tenant_id, user_id });
        Ok(self.store.user(tenant_id, user_id).await?)
    }
}
