//! Recently verified credentials, kept a few seconds so a request does not always ask the
//! store: what a verified token stands for ([`Authenticated`]) and the cache itself.

use crate::auth::{Principal, TokenKind};
use chrono::{DateTime, Utc};
use crm_domain::Actor;
use uuid::Uuid;

/// How long a verified token is trusted without asking the store again. Logout, password
/// changes, revocations and role changes made through this process apply at once; made
/// through another process, within this delay.
pub const AUTH_CACHE_SECONDS: i64 = 5;

/// Recently verified tokens, by secret hash.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: std::sync::Mutex<CacheMap>,
}

type CacheMap = std::collections::HashMap<[u8; 32], (Authenticated, DateTime<Utc>)>;

impl AuthCache {
    pub(crate) fn get(&self, key: &[u8; 32], now: DateTime<Utc>) -> Option<Authenticated> {
        let map = self.entries.lock().ok()?;
        map.get(key).filter(|(_, until)| *until > now).map(|(a, _)| a.clone())
    }

    pub(crate) fn put(&self, key: [u8; 32], auth: Authenticated, until: DateTime<Utc>) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= 10_000 {
                map.clear();
            }
            map.insert(key, (auth, until));
        }
    }

    /// Forgets every cached token of a principal (after a logout, a password change, a
    /// revocation or a role change).
    pub(crate) fn forget(&self, principal: Principal) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (a, _)| a.principal != principal);
        }
    }

    /// Forgets every cached token of a company's people (after a suspension).
    pub(crate) fn forget_tenant(&self, tenant: crm_domain::TenantId) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (a, _)| !matches!(a.principal, Principal::User { tenant_id, .. } if tenant_id == tenant));
        }
    }
}

/// A request's verified credentials.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who acts.
    pub actor: Actor,
    /// The token used.
    pub token_id: Uuid,
    /// Its kind.
    pub kind: TokenKind,
    /// Whose it is.
    pub principal: Principal,
    pub(crate) csrf_hash: Option<[u8; 32]>,
}
