//! Private calendar feeds: a secret URL per user (revocable) carrying their meetings and
//! open tasks, for calendar clients that cannot log in.

use crate::app::{App, tenant_of};
use crate::auth::{AuthStore, Credentials, Principal, TokenKind, TokenRecord};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::store::CalendarStore;
use chrono::Duration;
use crm_domain::activity::Activity;
use crm_domain::{Actor, TenantId};
use uuid::Uuid;

/// How far back and ahead a feed looks, days.
pub const FEED_PAST_DAYS: i64 = 90;
/// How far ahead a feed looks, days.
pub const FEED_FUTURE_DAYS: i64 = 366;
/// Most items in a feed.
pub const FEED_LIMIT: u32 = 2000;

/// A feed as served: whose it is and what it carries.
#[derive(Debug, Clone)]
pub struct CalendarFeed {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Items.
    pub items: Vec<Activity>,
}

/// Issuing and revoking feeds: the tokens only.
impl<S: AuthStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Creates a private feed for the caller; the secret (the URL's last part) is shown once.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn create_calendar_feed(&self, actor: &Actor) -> Result<(TokenRecord, String), ServiceError> {
        let (Some(user_id), Ok(tenant_id)) = (actor.user_id(), tenant_of(actor)) else {
            return Err(ServiceError::Forbidden);
        };
        let secret = self.creds.new_secret()?;
        let now = self.clock.now();
        let record = TokenRecord {
            id: self.new_id(),
            principal: Principal::User { tenant_id, user_id },
            kind: TokenKind::Calendar,
            name: Some("calendar".into()),
            csrf_hash: None,
            created_at: now,
            expires_at: now + Duration::days(3650),
            revoked_at: None,
        };
        self.store.insert_token(&record, &self.creds.secret_hash(&secret)).await?;
        Ok((record, secret))
    }

    /// The caller's feeds.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn calendar_feeds(&self, actor: &Actor) -> Result<Vec<TokenRecord>, ServiceError> {
        let (Some(user_id), Ok(tenant_id)) = (actor.user_id(), tenant_of(actor)) else {
            return Err(ServiceError::Forbidden);
        };
        Ok(self
            .store
            .list_tokens(Principal::User { tenant_id, user_id }, TokenKind::Calendar)
            .await?)
    }

    /// Revokes one of the caller's feeds.
    ///
    /// # Errors
    /// `NotFound` when it is not theirs.
    pub async fn revoke_calendar_feed(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let (Some(user_id), Ok(tenant_id)) = (actor.user_id(), tenant_of(actor)) else {
            return Err(ServiceError::Forbidden);
        };
        let mine = self
            .store
            .list_tokens(Principal::User { tenant_id, user_id }, TokenKind::Calendar)
            .await?;
        if !mine.iter().any(|t| t.id == id) {
            return Err(ServiceError::NotFound);
        }
        self.store
            .revoke_token(Principal::User { tenant_id, user_id }, id, self.clock.now())
            .await?;
        self.auth_cache.forget(Principal::User { tenant_id, user_id });
        Ok(())
    }
}

/// Reading a feed: its token and the calendar.
impl<S: CalendarStore + AuthStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The feed a secret opens: the user's meetings (held or attended) and open tasks.
    ///
    /// # Errors
    /// `NotFound` for an unknown, revoked or expired secret (the same answer for all).
    pub async fn calendar_by_secret(&self, secret: &str) -> Result<CalendarFeed, ServiceError> {
        let found = match self.store.find_token(&self.creds.secret_hash(secret)).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Err(ServiceError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let r = found.record;
        let now = self.clock.now();
        if r.kind != TokenKind::Calendar || r.revoked_at.is_some() || r.expires_at <= now {
            return Err(ServiceError::NotFound);
        }
        let Principal::User { tenant_id, user_id } = r.principal else {
            return Err(ServiceError::NotFound);
        };
        let items = self
            .store
            .calendar_items(
                tenant_id,
                user_id,
                now - Duration::days(FEED_PAST_DAYS),
                now + Duration::days(FEED_FUTURE_DAYS),
                FEED_LIMIT,
            )
            .await?;
        Ok(CalendarFeed { tenant_id, items })
    }
}
