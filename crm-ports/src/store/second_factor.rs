//! Store port of the second factor (TOTP): each user's secret, sealed under the tenant
//! key, the last step accepted (a code is good once), and the hashes of the recovery codes
//! still unused.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::{TenantId, UserId};
use std::future::Future;

/// A user's second factor as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The shared secret (the store keeps it sealed). Never printed.
    pub secret: Vec<u8>,
    /// When a first code confirmed it; `None` while being set up (it does not guard the
    /// login yet).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last step whose code was accepted: that step and those before it are refused.
    pub last_step: i64,
    /// Recovery codes left.
    pub recovery_left: usize,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("secret", &"<redacted>")
            .field("confirmed_at", &self.confirmed_at)
            .field("last_step", &self.last_step)
            .field("recovery_left", &self.recovery_left)
            .finish()
    }
}

/// The users' second factors.
pub trait SecondFactorStore: Send + Sync {
    /// The user's second factor, set up or confirmed; `None` without one.
    fn second_factor(&self, tenant: TenantId, user: UserId) -> impl Future<Output = StoreResult<Option<SecondFactor>>> + Send;
    /// The users of the tenant whose second factor is on.
    fn second_factor_users(&self, tenant: TenantId) -> impl Future<Output = StoreResult<Vec<UserId>>> + Send;
    /// Starts a set-up: keeps `secret` unconfirmed, replacing an earlier unconfirmed one.
    /// `Conflict` when a confirmed one is in place.
    fn begin_second_factor(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: &[u8],
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Confirms the set-up with the step of its first code and the hashes of the recovery
    /// codes, with its event. `NotFound` when none is being set up.
    fn confirm_second_factor(
        &self,
        tenant: TenantId,
        user: UserId,
        step: i64,
        recovery: &[[u8; 32]],
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Takes `step` as used when it is later than the last one accepted (atomically: of two
    /// logins with the same code, one wins); whether it was.
    fn accept_second_factor_step(&self, tenant: TenantId, user: UserId, step: i64) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Spends the recovery code of this hash when it is one left (atomically); whether it
    /// was.
    fn use_recovery_code(&self, tenant: TenantId, user: UserId, hash: &[u8; 32]) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Replaces the recovery codes left by new ones, with its event. `NotFound` without a
    /// confirmed second factor.
    fn replace_recovery_codes(
        &self,
        tenant: TenantId,
        user: UserId,
        recovery: &[[u8; 32]],
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes the user's second factor (confirmed or not), with its event when given and
    /// one was removed.
    fn remove_second_factor(
        &self,
        tenant: TenantId,
        user: UserId,
        event: Option<&NewEvent>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
