//! Authentication: login with email and password, sessions and personal API tokens,
//! logout, password changes, platform operators.

use crm_domain::event::EventKind;

use crate::app::{App, tenant_of};
use crate::auth::{AuthStore, Credentials, Principal, TokenKind, TokenRecord};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError, TenantChoice};
use crate::store::{SecondFactorStore, TenantStore, UserStore};
use chrono::{DateTime, Duration, Utc};
use crm_domain::email::EmailAddress;
use crm_domain::event::EntityType;
use crm_domain::text::Label;
use crm_domain::{Actor, UserId, ValidationError, ViolationKind};
use uuid::Uuid;

/// Login attempts allowed per email (across tenants) in a window.
pub const MAX_LOGIN_ATTEMPTS_PER_ACCOUNT: i64 = 10;
/// Login attempts allowed per client address in a window.
pub const MAX_LOGIN_ATTEMPTS_PER_ADDRESS: i64 = 50;
/// Current-password checks allowed per user in a window.
pub const MAX_PASSWORD_CHECKS: i64 = 10;
/// The window of those limits, in minutes.
pub const ATTEMPT_WINDOW_MINUTES: i64 = 15;

/// A login as a client presents it.
#[derive(Debug, Clone, Copy)]
pub struct LoginRequest<'a> {
    /// Login email.
    pub email: &'a str,
    /// Password.
    pub password: &'a str,
    /// The company, when the person chose one (same email in several companies).
    pub tenant_id: Option<crm_domain::TenantId>,
    /// The client's address, counted as well (several accounts tried from one place).
    pub client: Option<&'a str>,
    /// The client's `User-Agent`, to name the session in the list of one's sessions.
    pub device: Option<&'a str>,
}

/// How long a login session lasts unless its company chose otherwise.
pub const SESSION_HOURS: i64 = 12;
/// Longest life of a personal API token.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// A new session: the secrets are shown once.
#[derive(Debug, Clone)]
pub struct Session {
    /// Bearer token (also the session cookie's value).
    pub token: String,
    /// CSRF token for writes authenticated by the cookie.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub actor: Actor,
}

pub use crate::auth_cache::{AUTH_CACHE_SECONDS, AuthCache, Authenticated};

fn principal_of(actor: &Actor) -> Result<Principal, ServiceError> {
    match actor {
        Actor::User { tenant_id, user_id, .. } => Ok(Principal::User {
            tenant_id: *tenant_id,
            user_id: *user_id,
        }),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The CSRF check: no store at all.
impl<S, K: Credentials, C, I> App<S, K, C, I> {
    /// Whether `presented` is the CSRF token of this session (constant-time compare).
    pub fn csrf_matches(&self, auth: &Authenticated, presented: &str) -> bool {
        let Some(expected) = auth.csrf_hash else { return false };
        let got = self.creds.secret_hash(presented);
        expected.iter().zip(got.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// Logging in: the logins and the tenant names offered when several match.
impl<S: AuthStore + TenantStore + UserStore + SecondFactorStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Checks email and password (see [`App::login_with`]), from no particular address.
    ///
    /// # Errors
    /// As [`App::login_with`].
    pub async fn login(&self, email: &str, password: &str) -> Result<Session, ServiceError> {
        self.login_with(&LoginRequest {
            email,
            password,
            tenant_id: None,
            client: None,
            device: None,
        })
        .await
    }

    /// Checks email and password. The attempt is counted (per email, across tenants, and
    /// per client address) before the password is looked at, so that parallel tries
    /// cannot pass the limit. Unknown email, no password set and wrong password all fail
    /// alike (`Unauthenticated`) and cost at least one hash. When the password is right in
    /// several tenants and none was named, answers the choice (`ChooseTenant`). When the
    /// user has a second factor, answers a ticket for the code (`SecondFactorRequired`).
    ///
    /// # Errors
    /// `TooManyAttempts`, `Unauthenticated`, `ChooseTenant`, `SecondFactorRequired`.
    pub async fn login_with(&self, req: &LoginRequest<'_>) -> Result<Session, ServiceError> {
        let account = format!("account:{}", req.email.trim().to_lowercase());
        let address = req.client.map(|c| format!("address:{c}"));
        self.take_attempt(&account, MAX_LOGIN_ATTEMPTS_PER_ACCOUNT).await?;
        if let Some(a) = &address {
            self.take_attempt(a, MAX_LOGIN_ATTEMPTS_PER_ADDRESS).await?;
        }
        let candidates: Vec<Principal> = match EmailAddress::parse(req.email) {
            Ok(e) => self.store.find_logins(&e).await?,
            Err(_) => Vec::new(),
        };
        let candidates: Vec<Principal> = candidates
            .into_iter()
            .filter(|p| match (p, req.tenant_id) {
                (_, None) => true,
                (Principal::User { tenant_id, .. }, Some(t)) => *tenant_id == t,
                (Principal::Operator { .. }, Some(_)) => false,
            })
            .collect();
        if candidates.is_empty() {
            self.creds.verify_password(req.password, None).await?;
        }
        let mut matched = Vec::new();
        for p in candidates {
            let hash = match self.store.password_hash(p).await {
                Ok(h) => Some(h),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            if self.creds.verify_password(req.password, hash.as_deref()).await? {
                matched.push(p);
            }
        }
        // The operator logs in only when no company user of this email does.
        if matched.iter().any(|p| matches!(p, Principal::User { .. })) {
            matched.retain(|p| matches!(p, Principal::User { .. }));
        }
        let principal = match matched.as_slice() {
            [] => return Err(ServiceError::Unauthenticated),
            [one] => *one,
            many => {
                self.release_attempts(&account, address.as_deref()).await?;
                let mut choices = Vec::with_capacity(many.len());
                for p in many {
                    if let Principal::User { tenant_id, .. } = p {
                        let t = self.store.tenant(*tenant_id).await?;
                        choices.push(TenantChoice {
                            tenant_id: *tenant_id,
                            name: t.name.to_string(),
                        });
                    }
                }
                choices.sort_by(|a, b| a.name.cmp(&b.name));
                return Err(ServiceError::ChooseTenant(choices));
            }
        };
        self.release_attempts(&account, address.as_deref()).await?;
        let device = req.device.and_then(crm_domain::device::describe);
        if let Some(asked) = self.second_factor_ticket(principal, device.clone()).await? {
            return Err(asked);
        }
        self.open_session(principal, device).await
    }
}

/// Opening a session once every check passed.
impl<S: AuthStore + TenantStore + UserStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A new session of `principal`, named by the device it is opened from, for as long as
    /// its company's sessions last (the operator's: [`SESSION_HOURS`]).
    pub(crate) async fn open_session(&self, principal: Principal, device: Option<String>) -> Result<Session, ServiceError> {
        let hours = match principal {
            Principal::User { tenant_id, .. } => i64::from(self.store.tenant(tenant_id).await?.settings.session_hours),
            Principal::Operator { .. } => SESSION_HOURS,
        };
        let token = self.creds.new_secret()?;
        let csrf_token = self.creds.new_secret()?;
        let now = self.clock.now();
        let record = TokenRecord {
            id: self.new_id(),
            principal,
            kind: TokenKind::Session,
            name: device,
            csrf_hash: Some(self.creds.secret_hash(&csrf_token)),
            created_at: now,
            expires_at: now + Duration::hours(hours),
            revoked_at: None,
        };
        self.store.insert_token(&record, &self.creds.secret_hash(&token)).await?;
        let actor = self.authenticate(&token).await?.actor;
        Ok(Session {
            token,
            csrf_token,
            expires_at: record.expires_at,
            actor,
        })
    }
}

/// Sessions, passwords and tokens: the logins, their users and companies.
impl<S: AuthStore + TenantStore + UserStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Counts an attempt on `key`; refuses it past `max` in the window.
    pub(crate) async fn take_attempt(&self, key: &str, max: i64) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let window = Duration::minutes(ATTEMPT_WINDOW_MINUTES);
        let a = self.store.count_attempt(key, now, window).await?;
        if a.count > max {
            let left = (crm_domain::time::add(a.window_start, window) - now).num_seconds();
            return Err(ServiceError::TooManyAttempts {
                retry_after_seconds: u64::try_from(left).unwrap_or(0).max(1),
            });
        }
        Ok(())
    }

    /// After a right password: the email's failures are forgotten, the address's attempt
    /// taken back.
    pub(crate) async fn release_attempts(&self, account: &str, address: Option<&str>) -> Result<(), ServiceError> {
        self.store.release_attempt(account, true).await?;
        if let Some(a) = address {
            self.store.release_attempt(a, false).await?;
        }
        Ok(())
    }

    /// The credentials of a bearer token or session cookie value verified within the last
    /// [`AUTH_CACHE_SECONDS`] and neither revoked nor expired since, without a store read
    /// (`None`: ask [`App::authenticate`]). A caller on a hot path checks this first, and
    /// awaits `authenticate`'s larger future only when it answers `None`.
    #[must_use]
    pub fn authenticated_recently(&self, secret: &str) -> Option<Authenticated> {
        self.auth_cache.get(&self.creds.secret_hash(secret), self.clock.now())
    }

    /// Verifies a bearer token or session cookie value.
    ///
    /// # Errors
    /// `Unauthenticated` when unknown, expired or revoked.
    pub async fn authenticate(&self, secret: &str) -> Result<Authenticated, ServiceError> {
        let key = self.creds.secret_hash(secret);
        let now = self.clock.now();
        if let Some(a) = self.auth_cache.get(&key, now) {
            return Ok(a);
        }
        let found = match self.store.find_token(&key).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Err(ServiceError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        let r = found.record;
        if r.revoked_at.is_some() || r.expires_at <= self.clock.now() || !matches!(r.kind, TokenKind::Session | TokenKind::Api) {
            return Err(ServiceError::Unauthenticated);
        }
        let actor = match (r.principal, found.role) {
            (Principal::User { tenant_id, user_id }, Some(role)) => Actor::User { tenant_id, user_id, role },
            (Principal::Operator { .. }, _) => Actor::Operator,
            (Principal::User { .. }, None) => return Err(ServiceError::Unauthenticated),
        };
        let auth = Authenticated {
            actor,
            token_id: r.id,
            kind: r.kind,
            principal: r.principal,
            csrf_hash: r.csrf_hash,
        };
        let until = (now + Duration::seconds(AUTH_CACHE_SECONDS)).min(r.expires_at);
        self.auth_cache.put(key, auth.clone(), until);
        Ok(auth)
    }

    /// Ends the session (or revokes the API token) used by the request.
    ///
    /// # Errors
    /// Store failures.
    pub async fn logout(&self, auth: &Authenticated) -> Result<(), ServiceError> {
        self.store.revoke_token(auth.principal, auth.token_id, self.clock.now()).await?;
        self.auth_cache.forget(auth.principal);
        Ok(())
    }

    /// Changes the caller's password after checking the current one; ends all their
    /// sessions (API tokens stay valid).
    ///
    /// # Errors
    /// `Unauthenticated` for a wrong current password, `Invalid` for a new one that breaks
    /// the rules.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<(), ServiceError> {
        let principal = principal_of(actor)?;
        let key = match principal {
            Principal::User { tenant_id, user_id } => format!("password:{tenant_id}:{user_id}"),
            Principal::Operator { operator_id } => format!("password:operator:{operator_id}"),
        };
        self.take_attempt(&key, MAX_PASSWORD_CHECKS).await?;
        let hash = match self.store.password_hash(principal).await {
            Ok(h) => Some(h),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        if !self.creds.verify_password(current, hash.as_deref()).await? {
            return Err(ServiceError::Unauthenticated);
        }
        self.store.release_attempt(&key, true).await?;
        let (Some(user_id), Some(tenant_id)) = (actor.user_id(), actor.tenant_id()) else {
            return Err(ServiceError::Forbidden);
        };
        let me = self.store.user(tenant_id, user_id).await?;
        let rules = self
            .password_rules(Some(tenant_id), &[me.email.as_str(), me.display_name.as_str()])
            .await?;
        let new_hash = self.hash_new_password(new, "new_password", &rules).await?;
        let ev = self.event(
            actor,
            EntityType::User,
            user_id.as_uuid(),
            EventKind::PasswordChanged,
            None,
            Vec::new(),
        );
        self.store
            .set_password(tenant_id, user_id, &new_hash, self.clock.now(), &ev)
            .await?;
        self.auth_cache.forget(Principal::User { tenant_id, user_id });
        Ok(())
    }

    /// Issues a personal API token; the secret is returned once.
    ///
    /// # Errors
    /// `Forbidden` for the operator; `Invalid` name or lifetime.
    pub async fn create_api_token(&self, actor: &Actor, name: &str, days: i64) -> Result<(TokenRecord, String), ServiceError> {
        let principal = principal_of(actor)?;
        let label = Label::parse(name).map_err(|e| e.at("name"))?;
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(ValidationError::field(
                "expires_in_days",
                if days < 1 {
                    ViolationKind::TooSmall
                } else {
                    ViolationKind::TooLarge
                },
            )
            .into());
        }
        let secret = self.creds.new_secret()?;
        let now = self.clock.now();
        let record = TokenRecord {
            id: self.new_id(),
            principal,
            kind: TokenKind::Api,
            name: Some(label.to_string()),
            csrf_hash: None,
            created_at: now,
            expires_at: now + Duration::days(days),
            revoked_at: None,
        };
        self.store.insert_token(&record, &self.creds.secret_hash(&secret)).await?;
        Ok((record, secret))
    }

    /// The caller's API tokens (never their secrets).
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, ServiceError> {
        Ok(self.store.list_tokens(principal_of(actor)?, TokenKind::Api).await?)
    }

    /// Revokes one of the caller's API tokens.
    ///
    /// # Errors
    /// `NotFound` when it is not theirs.
    pub async fn revoke_api_token(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let principal = principal_of(actor)?;
        self.store.revoke_token(principal, id, self.clock.now()).await?;
        self.auth_cache.forget(principal);
        Ok(())
    }

    /// The caller's open sessions (not ended, not expired), newest first; each named by
    /// the device it was opened from.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_sessions(&self, actor: &Actor) -> Result<Vec<TokenRecord>, ServiceError> {
        let now = self.clock.now();
        Ok(self
            .store
            .list_tokens(principal_of(actor)?, TokenKind::Session)
            .await?
            .into_iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
            .collect())
    }

    /// Ends one of the caller's open sessions (on another device, or this one).
    ///
    /// # Errors
    /// `NotFound` when it is not one of theirs, or already ended.
    pub async fn end_session(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        if !self.list_sessions(actor).await?.iter().any(|t| t.id == id) {
            return Err(ServiceError::NotFound);
        }
        self.revoke_api_token(actor, id).await
    }

    /// Ends every open session of the caller but the one making the request; how many.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn end_other_sessions(&self, auth: &Authenticated) -> Result<usize, ServiceError> {
        let others: Vec<Uuid> = self
            .list_sessions(&auth.actor)
            .await?
            .into_iter()
            .map(|t| t.id)
            .filter(|id| *id != auth.token_id)
            .collect();
        for id in &others {
            self.store.revoke_token(auth.principal, *id, self.clock.now()).await?;
        }
        self.auth_cache.forget(auth.principal);
        Ok(others.len())
    }

    /// Creates a platform operator (from the command line only: no actor).
    ///
    /// # Errors
    /// `Invalid` (email taken or malformed, password too short).
    pub async fn bootstrap_operator(&self, email: &str, password: &str) -> Result<Uuid, ServiceError> {
        let email = EmailAddress::parse(email).map_err(|e| e.at("email"))?;
        if !self.store.find_logins(&email).await?.is_empty() {
            return Err(ValidationError::field("email", ViolationKind::Repeated).into());
        }
        let rules = self.password_rules(None, &[email.as_str()]).await?;
        let hash = self.hash_new_password(password, "password", &rules).await?;
        let id = self.new_id();
        self.store.create_operator(id, &email, &hash, self.clock.now()).await?;
        Ok(id)
    }
}

/// Another user's password: the logins, the users and their company.
impl<S: AuthStore + UserStore + TenantStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Sets another user's password (Admin), ending their sessions.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid`.
    pub async fn set_user_password(&self, actor: &Actor, user: UserId, password: &str) -> Result<(), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let who = self.store.user(tenant_id, user).await?;
        crate::app::require(actor, crm_domain::visibility::Capability::ManageUsers)?;
        let rules = self
            .password_rules(Some(tenant_id), &[who.email.as_str(), who.display_name.as_str()])
            .await?;
        let hash = self.hash_new_password(password, "password", &rules).await?;
        let ev = self.event(actor, EntityType::User, user.as_uuid(), EventKind::PasswordSet, None, Vec::new());
        self.store.set_password(tenant_id, user, &hash, self.clock.now(), &ev).await?;
        self.auth_cache.forget(Principal::User { tenant_id, user_id: user });
        Ok(())
    }
}
