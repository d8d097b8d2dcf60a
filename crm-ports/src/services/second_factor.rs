//! The second factor of a login (TOTP): setting it up with an authenticator app, the
//! recovery codes, removing it; and the login's second step, where a ticket given for the
//! right password and a code open the session. A code is good once: its step is taken
//! atomically, so a replayed code is refused.

use crate::app::{App, require, tenant_of};
use crate::auth::{AuthStore, Credentials, Principal, TokenKind, TokenRecord};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError, Ticket};
use crate::services::auth::Session;
use crate::store::{SecondFactor, SecondFactorStore, TenantStore, UserStore};
use chrono::{DateTime, Duration, Utc};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::second_factor::{self as sf, RECOVERY_BYTES, RECOVERY_CODES, SECRET_BYTES};
use crm_domain::user::Role;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TenantId, UserId, ValidationError, ViolationKind};

/// How long the ticket between the password and the code lasts.
pub const TICKET_MINUTES: i64 = 5;
/// Codes tried per user in the attempts' window (the login's, a removal's).
pub const MAX_CODE_ATTEMPTS: i64 = 10;

/// Where a person's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorStatus {
    /// Whether it guards their login.
    pub enabled: bool,
    /// Since when.
    pub enabled_at: Option<DateTime<Utc>>,
    /// Recovery codes left.
    pub recovery_codes_left: usize,
    /// Whether their company requires one of them (Admins, when the company asks).
    pub required: bool,
}

/// A set-up started: what the authenticator app needs.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, in groups of four (to type into the app).
    pub secret: String,
    /// The `otpauth://` address (the QR code's content).
    pub otpauth_uri: String,
}

/// What the login's second step opened.
#[derive(Debug, Clone)]
pub struct SecondStep {
    /// The session.
    pub session: Session,
    /// The recovery codes, when this step also confirmed a second factor just set up
    /// (shown once).
    pub recovery_codes: Option<Vec<String>>,
}

/// What guards a user's login after the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Nothing more.
    Open,
    /// Their code.
    Code,
    /// Their company requires one and they have none: they set it up first.
    Enrol,
}

fn attempts_key(tenant: TenantId, user: UserId) -> String {
    format!("second-factor:{tenant}:{user}")
}

fn user_of(actor: &Actor) -> Result<(TenantId, UserId), ServiceError> {
    match actor {
        Actor::User { tenant_id, user_id, .. } => Ok((*tenant_id, *user_id)),
        _ => Err(ServiceError::Forbidden),
    }
}

fn wrong_code() -> ServiceError {
    ValidationError::field("code", ViolationKind::Incorrect).into()
}

/// The second factor: the logins, the users, their companies and their factors.
impl<S: AuthStore + UserStore + TenantStore + SecondFactorStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn guard(&self, tenant: TenantId, user: UserId) -> Result<Guard, ServiceError> {
        if self
            .store
            .second_factor(tenant, user)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some())
        {
            return Ok(Guard::Code);
        }
        if self.required_of(tenant, user).await? {
            return Ok(Guard::Enrol);
        }
        Ok(Guard::Open)
    }

    /// Whether the company requires a second factor of this user.
    async fn required_of(&self, tenant: TenantId, user: UserId) -> Result<bool, ServiceError> {
        let t = self.store.tenant(tenant).await?;
        if !t.settings.second_factor_for_admins {
            return Ok(false);
        }
        Ok(self.store.user(tenant, user).await?.role == Role::Admin)
    }

    /// The second step a login of `principal` needs after the right password, as the error
    /// that carries its ticket; `None` when the password is enough (the operator's too).
    pub(crate) async fn second_factor_ticket(
        &self,
        principal: Principal,
        device: Option<String>,
    ) -> Result<Option<ServiceError>, ServiceError> {
        let Principal::User { tenant_id, user_id } = principal else {
            return Ok(None);
        };
        let enrol = match self.guard(tenant_id, user_id).await? {
            Guard::Open => return Ok(None),
            Guard::Code => false,
            Guard::Enrol => true,
        };
        let secret = self.creds.new_secret()?;
        let now = self.clock.now();
        let record = TokenRecord {
            id: self.new_id(),
            principal,
            kind: TokenKind::SecondFactor,
            name: device,
            csrf_hash: None,
            created_at: now,
            expires_at: now + Duration::minutes(TICKET_MINUTES),
            revoked_at: None,
        };
        self.store.insert_token(&record, &self.creds.secret_hash(&secret)).await?;
        Ok(Some(ServiceError::SecondFactorRequired {
            ticket: Ticket(secret),
            enrol,
        }))
    }

    /// The ticket's record while it is good.
    async fn ticket(&self, ticket: &str) -> Result<TokenRecord, ServiceError> {
        let found = match self.store.find_token(&self.creds.secret_hash(ticket)).await {
            Ok(f) => f.record,
            Err(StoreError::NotFound) => return Err(ServiceError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        if found.kind != TokenKind::SecondFactor || found.revoked_at.is_some() || found.expires_at <= self.clock.now() {
            return Err(ServiceError::Unauthenticated);
        }
        Ok(found)
    }

    /// Whether `code` is a good code of this factor now (taking its step), or one of its
    /// recovery codes (spending it).
    async fn code_passes(&self, tenant: TenantId, user: UserId, factor: &SecondFactor, code: &str) -> Result<bool, ServiceError> {
        if let Some(wanted) = sf::typed_code(code) {
            let Some(step) = sf::matching_step(wanted, self.clock.now().timestamp(), |s| {
                self.creds.one_time_code(&factor.secret, s)
            }) else {
                return Ok(false);
            };
            let step = i64::try_from(step).map_err(|_| ServiceError::Internal("step out of range".into()))?;
            return Ok(self.store.accept_second_factor_step(tenant, user, step).await?);
        }
        if factor.confirmed_at.is_some()
            && let Some(plain) = sf::typed_recovery_code(code)
        {
            return Ok(self.store.use_recovery_code(tenant, user, &self.creds.secret_hash(&plain)).await?);
        }
        Ok(false)
    }

    /// Checks a code of the user's confirmed factor, counted against the attempts.
    async fn check_code(&self, tenant: TenantId, user: UserId, code: &str) -> Result<(), ServiceError> {
        let key = attempts_key(tenant, user);
        self.take_attempt(&key, MAX_CODE_ATTEMPTS).await?;
        let factor = self.store.second_factor(tenant, user).await?.filter(|f| f.confirmed_at.is_some());
        let Some(factor) = factor else {
            return Err(ServiceError::NotFound);
        };
        if !self.code_passes(tenant, user, &factor, code).await? {
            return Err(wrong_code());
        }
        self.store.release_attempt(&key, true).await?;
        Ok(())
    }

    /// New recovery codes: shown once, kept as hashes.
    fn new_recovery_codes(&self) -> Result<(Vec<String>, Vec<[u8; 32]>), ServiceError> {
        let mut shown = Vec::with_capacity(RECOVERY_CODES);
        let mut hashes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let mut bytes = [0u8; RECOVERY_BYTES];
            self.creds.random_bytes(&mut bytes)?;
            let code = sf::recovery_code(&bytes);
            let plain = sf::typed_recovery_code(&code).ok_or_else(|| ServiceError::Internal("recovery code".into()))?;
            hashes.push(self.creds.secret_hash(&plain));
            shown.push(code);
        }
        Ok((shown, hashes))
    }

    /// Starts setting up a second factor for `user`: a new secret, kept unconfirmed.
    async fn begin_for(&self, tenant: TenantId, user: UserId) -> Result<Enrolment, ServiceError> {
        if self
            .store
            .second_factor(tenant, user)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some())
        {
            return Err(ServiceError::Conflict);
        }
        let mut secret = [0u8; SECRET_BYTES];
        self.creds.random_bytes(&mut secret)?;
        self.store.begin_second_factor(tenant, user, &secret, self.clock.now()).await?;
        let who = self.store.user(tenant, user).await?;
        let company = self.store.tenant(tenant).await?;
        Ok(Enrolment {
            secret: sf::grouped(&sf::base32(&secret)),
            otpauth_uri: sf::otpauth_uri(company.name.as_str(), who.email.as_str(), &secret),
        })
    }

    /// Confirms the set-up with a first code: the factor guards the login from now on.
    async fn confirm_for(&self, actor: &Actor, tenant: TenantId, user: UserId, code: &str) -> Result<Vec<String>, ServiceError> {
        let key = attempts_key(tenant, user);
        self.take_attempt(&key, MAX_CODE_ATTEMPTS).await?;
        let factor = self.store.second_factor(tenant, user).await?;
        let Some(factor) = factor.filter(|f| f.confirmed_at.is_none()) else {
            return Err(ServiceError::NotFound);
        };
        let Some(step) = sf::typed_code(code)
            .and_then(|w| sf::matching_step(w, self.clock.now().timestamp(), |s| self.creds.one_time_code(&factor.secret, s)))
        else {
            return Err(wrong_code());
        };
        let step = i64::try_from(step).map_err(|_| ServiceError::Internal("step out of range".into()))?;
        let (shown, hashes) = self.new_recovery_codes()?;
        let ev = self.user_event(actor, user, EventKind::SecondFactorEnabled);
        self.store
            .confirm_second_factor(tenant, user, step, &hashes, self.clock.now(), &ev)
            .await?;
        self.store.release_attempt(&key, true).await?;
        Ok(shown)
    }

    /// The event of a change to `user`'s second factor.
    fn user_event(&self, actor: &Actor, user: UserId, kind: EventKind) -> crm_domain::event::NewEvent {
        self.event(actor, EntityType::User, user.as_uuid(), kind, None, Vec::new())
    }

    /// Where the caller's second factor stands.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn second_factor_status(&self, actor: &Actor) -> Result<SecondFactorStatus, ServiceError> {
        let (tenant, user) = user_of(actor)?;
        let factor = self.store.second_factor(tenant, user).await?.filter(|f| f.confirmed_at.is_some());
        Ok(SecondFactorStatus {
            enabled: factor.is_some(),
            enabled_at: factor.as_ref().and_then(|f| f.confirmed_at),
            recovery_codes_left: factor.map_or(0, |f| f.recovery_left),
            required: self.required_of(tenant, user).await?,
        })
    }

    /// Starts setting up the caller's second factor (a new secret each time, until one is
    /// confirmed).
    ///
    /// # Errors
    /// `Conflict` when one is already on; `Forbidden` for the operator.
    pub async fn begin_second_factor(&self, actor: &Actor) -> Result<Enrolment, ServiceError> {
        let (tenant, user) = user_of(actor)?;
        self.begin_for(tenant, user).await
    }

    /// Confirms the caller's set-up with a code from the app; the recovery codes, once.
    ///
    /// # Errors
    /// `NotFound` when no set-up was started; `Invalid` (`code`) for a wrong code;
    /// `TooManyAttempts`.
    pub async fn confirm_second_factor(&self, actor: &Actor, code: &str) -> Result<Vec<String>, ServiceError> {
        let (tenant, user) = user_of(actor)?;
        self.confirm_for(actor, tenant, user, code).await
    }

    /// Removes the caller's second factor, on a code (or a recovery code) of it. Refused
    /// to an Admin whose company requires one.
    ///
    /// # Errors
    /// `NotFound` without one; `Invalid` (`code`: wrong, or `not_allowed` when required);
    /// `TooManyAttempts`.
    pub async fn remove_second_factor(&self, actor: &Actor, code: &str) -> Result<(), ServiceError> {
        let (tenant, user) = user_of(actor)?;
        if self.required_of(tenant, user).await? {
            return Err(ValidationError::field("code", ViolationKind::NotAllowed).into());
        }
        self.check_code(tenant, user, code).await?;
        let ev = self.user_event(actor, user, EventKind::SecondFactorRemoved);
        self.store.remove_second_factor(tenant, user, Some(&ev)).await?;
        Ok(())
    }

    /// Replaces the caller's recovery codes, on a code of their factor; the new ones, once.
    ///
    /// # Errors
    /// As [`App::remove_second_factor`].
    pub async fn renew_recovery_codes(&self, actor: &Actor, code: &str) -> Result<Vec<String>, ServiceError> {
        let (tenant, user) = user_of(actor)?;
        self.check_code(tenant, user, code).await?;
        let (shown, hashes) = self.new_recovery_codes()?;
        let ev = self.user_event(actor, user, EventKind::RecoveryCodesRenewed);
        self.store.replace_recovery_codes(tenant, user, &hashes, &ev).await?;
        Ok(shown)
    }

    /// The users whose second factor is on (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn second_factor_users(&self, actor: &Actor) -> Result<Vec<UserId>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageUsers)?;
        Ok(self.store.second_factor_users(tenant).await?)
    }

    /// Removes another user's second factor (Admin; a lost phone): their next login asks
    /// the password only, or a new set-up when the company requires one.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn reset_second_factor(&self, actor: &Actor, user: UserId) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        self.store.user(tenant, user).await?;
        require(actor, Capability::ManageUsers)?;
        let ev = self.user_event(actor, user, EventKind::SecondFactorRemoved);
        self.store.remove_second_factor(tenant, user, Some(&ev)).await?;
        Ok(())
    }

    /// The login's second step, for a ticket whose holder must first set up a factor:
    /// starts the set-up.
    ///
    /// # Errors
    /// `Unauthenticated` for a bad or stale ticket; `Conflict` when a factor is on.
    pub async fn begin_second_factor_at_login(&self, ticket: &str) -> Result<Enrolment, ServiceError> {
        let t = self.ticket(ticket).await?;
        let Principal::User { tenant_id, user_id } = t.principal else {
            return Err(ServiceError::Unauthenticated);
        };
        self.begin_for(tenant_id, user_id).await
    }

    /// The login's second step: the ticket and a code (of the app, or a recovery code)
    /// open the session. For a ticket whose holder was setting up a factor, the code
    /// confirms it and the recovery codes come with the session. The ticket ends once
    /// used.
    ///
    /// # Errors
    /// `Unauthenticated` for a bad or stale ticket; `Invalid` (`code`) for a wrong or
    /// replayed code; `TooManyAttempts`.
    pub async fn login_second_factor(&self, ticket: &str, code: &str) -> Result<SecondStep, ServiceError> {
        let t = self.ticket(ticket).await?;
        let Principal::User { tenant_id, user_id } = t.principal else {
            return Err(ServiceError::Unauthenticated);
        };
        let recovery_codes = match self.guard(tenant_id, user_id).await? {
            Guard::Code => {
                self.check_code(tenant_id, user_id, code).await?;
                None
            }
            Guard::Enrol => {
                let role = self.store.user(tenant_id, user_id).await?.role;
                let actor = Actor::User { tenant_id, user_id, role };
                match self.confirm_for(&actor, tenant_id, user_id, code).await {
                    Err(ServiceError::NotFound) => return Err(wrong_code()),
                    other => Some(other?),
                }
            }
            Guard::Open => None,
        };
        self.store.revoke_token(t.principal, t.id, self.clock.now()).await?;
        let session = self.open_session(t.principal, t.name).await?;
        Ok(SecondStep { session, recovery_codes })
    }
}
