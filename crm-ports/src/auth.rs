//! Authentication ports: password hashing and secret tokens (`Credentials`), and the
//! stored logins, passwords and tokens (`AuthStore`).

use crate::error::{ServiceError, StoreError};
use chrono::{DateTime, Utc};
use crm_domain::email::EmailAddress;
use crm_domain::event::NewEvent;
use crm_domain::password::Password;
use crm_domain::user::Role;
use crm_domain::{TenantId, UserId};
use std::future::Future;
use uuid::Uuid;

/// Why hashing failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The hasher or the random generator failed.
    #[error("credential backend failure: {0}")]
    Backend(String),
}

impl From<CredentialError> for ServiceError {
    fn from(e: CredentialError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// Password hashing (slow, off the async threads, bounded) and secret tokens.
pub trait Credentials: Send + Sync + 'static {
    /// A PHC-format hash of the password (argon2id in production).
    fn hash_password(&self, password: &Password) -> impl Future<Output = Result<String, CredentialError>> + Send;
    /// Whether `password` matches `hash`. With `hash = None` (unknown account) it does the
    /// same work against a dummy hash and answers `false`, so both cost the same time.
    fn verify_password(&self, password: &str, hash: Option<&str>) -> impl Future<Output = Result<bool, CredentialError>> + Send;
    /// A new random secret (256 bits), as given once to its holder.
    ///
    /// # Errors
    /// `Backend` when no randomness is available.
    fn new_secret(&self) -> Result<String, CredentialError>;
    /// The stored form of a secret (SHA-256; secrets are random, so no slow hash).
    fn secret_hash(&self, secret: &str) -> [u8; 32];
    /// Random bytes (a second factor's secret, recovery codes).
    ///
    /// # Errors
    /// `Backend` when no randomness is available.
    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CredentialError>;
    /// Whether a password is common or easily guessed: a known password, a keyboard row,
    /// a repetition, or built on one of `inputs` (the person's name, email, company).
    fn is_common_password(&self, password: &str, inputs: &[&str]) -> bool;
    /// The six-digit code an authenticator app shows for `secret` at a step (RFC 6238,
    /// HMAC-SHA1).
    fn one_time_code(&self, secret: &[u8], step: u64) -> u32;
}

/// Who a login or token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A tenant user.
    User {
        /// Tenant.
        tenant_id: TenantId,
        /// User.
        user_id: UserId,
    },
    /// A platform operator.
    Operator {
        /// Operator id.
        operator_id: Uuid,
    },
}

/// Kinds of tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Issued at login (bearer or session cookie), ended by logout or password change.
    Session,
    /// A personal API token for integrations.
    Api,
    /// The secret of a private calendar feed: grants that feed and nothing else.
    Calendar,
    /// A one-time link to choose a password (an invitation, a reset): grants that and
    /// nothing else.
    Access,
    /// The ticket between a right password and the second factor's code: grants the
    /// code's check and nothing else, for a few minutes.
    SecondFactor,
}

impl TokenKind {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Api => "api",
            Self::Calendar => "calendar",
            Self::Access => "access",
            Self::SecondFactor => "second_factor",
        }
    }
}

/// A stored token (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Id.
    pub id: Uuid,
    /// Holder.
    pub principal: Principal,
    /// Kind.
    pub kind: TokenKind,
    /// Label of an API token.
    pub name: Option<String>,
    /// Hash of the CSRF token bound to a session.
    pub csrf_hash: Option<[u8; 32]>,
    /// Issued.
    pub created_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token found by its hash, with the holder's current role (users only).
#[derive(Debug, Clone)]
pub struct FoundToken {
    /// The token.
    pub record: TokenRecord,
    /// The user's role now (a role change applies at once).
    pub role: Option<Role>,
}

/// Attempts counted on one key in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts in the window, the one just counted included.
    pub count: i64,
    /// When the window started.
    pub window_start: DateTime<Utc>,
}

/// Logins, passwords and tokens.
pub trait AuthStore: Send + Sync {
    /// Who logs in with this email: its user in each tenant (one person may work for
    /// several companies), then the platform operator with it, if any. Empty for nobody.
    fn find_logins(&self, email: &EmailAddress) -> impl Future<Output = Result<Vec<Principal>, StoreError>> + Send;
    /// Counts one attempt on `key` (an email, a client address, a user's password checks)
    /// in a fixed window that starts at the first attempt and lasts `window`; answers the
    /// count with this one. Atomic across processes: concurrent calls get distinct counts.
    fn count_attempt(
        &self,
        key: &str,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> impl Future<Output = Result<Attempts, StoreError>> + Send;
    /// Takes back attempts on `key` after a success: all of them (`all`), or this one.
    fn release_attempt(&self, key: &str, all: bool) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The password hash of a principal. `NotFound` when none is set.
    fn password_hash(&self, principal: Principal) -> impl Future<Output = Result<String, StoreError>> + Send;
    /// Sets a user's password hash and revokes their sessions, with the event, in one
    /// transaction.
    fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        hash: &str,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Stores a token under the hash of its secret.
    fn insert_token(&self, token: &TokenRecord, secret_hash: &[u8; 32]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The token with this secret hash, whatever its state (the caller checks expiry and
    /// revocation). `NotFound` otherwise.
    fn find_token(&self, secret_hash: &[u8; 32]) -> impl Future<Output = Result<FoundToken, StoreError>> + Send;
    /// The tokens of a principal of one kind, newest first.
    fn list_tokens(&self, principal: Principal, kind: TokenKind) -> impl Future<Output = Result<Vec<TokenRecord>, StoreError>> + Send;
    /// Revokes one token of a principal. `NotFound` if it is not theirs.
    fn revoke_token(&self, principal: Principal, token_id: Uuid, at: DateTime<Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Issues a user's link to choose a password: their earlier links end, the new one is
    /// stored under the hash of its secret, with the event, in one transaction.
    fn issue_access_token(
        &self,
        token: &TokenRecord,
        secret_hash: &[u8; 32],
        event: &NewEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Uses a link to choose a password, once: the link ends (`NotFound` when it already
    /// ended, expired at `at`, or its user is deactivated), the password is set and the
    /// user's sessions end, with the event, in one transaction.
    fn redeem_access_token(
        &self,
        tenant: TenantId,
        user: UserId,
        token_id: Uuid,
        hash: &str,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Adds a platform operator. `Duplicate { field: "email" }` when taken.
    fn create_operator(
        &self,
        id: Uuid,
        email: &EmailAddress,
        hash: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
