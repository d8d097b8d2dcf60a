//! The application: the store and environment ports the services run on, plus the checks
//! every use case shares (tenant of the actor, capabilities, scopes, events).

use crate::env::{Clock, IdGenerator, SystemClock, UuidV7};
use crate::error::ServiceError;
use crate::query::Scope;
use crm_domain::Actor;
use crm_domain::TenantId;
use crm_domain::event::{EntityType, EventKind, FieldChange, NewEvent};
use crm_domain::visibility::{Capability, Owned, allows, read_scope};
use std::sync::Arc;
use uuid::Uuid;

/// The CRM's use cases over a store `S`, credentials `K` (password hashing, secrets), a
/// clock `C` and an id generator `I`. Cheap to clone; share one per process.
#[derive(Debug)]
pub struct App<S, K, C = SystemClock, I = UuidV7> {
    pub(crate) store: Arc<S>,
    pub(crate) creds: Arc<K>,
    pub(crate) clock: C,
    pub(crate) ids: I,
    pub(crate) auth_cache: Arc<crate::auth_cache::AuthCache>,
    /// The queue of the access log's writer, once it runs (until then, accesses are
    /// written as they happen).
    pub(crate) access: Arc<crate::access_queue::AccessQueue>,
}

impl<S, K, C: Clone, I: Clone> Clone for App<S, K, C, I> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            creds: Arc::clone(&self.creds),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
            auth_cache: Arc::clone(&self.auth_cache),
            access: Arc::clone(&self.access),
        }
    }
}

impl<S, K> App<S, K> {
    /// Services on `store` and `credentials` with the system clock and UUIDv7 ids.
    pub fn new(store: S, credentials: K) -> Self {
        Self::with_env(store, credentials, SystemClock, UuidV7)
    }
}

impl<S, K, C, I> App<S, K, C, I> {
    /// Services with a chosen clock and id generator (tests).
    pub fn with_env(store: S, credentials: K, clock: C, ids: I) -> Self {
        Self {
            store: Arc::new(store),
            creds: Arc::new(credentials),
            clock,
            ids,
            auth_cache: Arc::default(),
            access: Arc::default(),
        }
    }

    /// The same application (store, credentials, caches) under another clock: to load data
    /// dated in the past (the demo's 18 months) or to test what time changes.
    pub fn with_clock<C2>(&self, clock: C2) -> App<S, K, C2, I>
    where
        I: Clone,
    {
        App {
            store: Arc::clone(&self.store),
            creds: Arc::clone(&self.creds),
            clock,
            ids: self.ids.clone(),
            auth_cache: Arc::clone(&self.auth_cache),
            access: Arc::clone(&self.access),
        }
    }

    /// The same application under another id generator: an automation's step gives what
    /// it creates ids derived from the run, so a step done again finds its own work.
    pub fn with_ids<I2>(&self, ids: I2) -> App<S, K, C, I2>
    where
        C: Clone,
    {
        App {
            store: Arc::clone(&self.store),
            creds: Arc::clone(&self.creds),
            clock: self.clock.clone(),
            ids,
            auth_cache: Arc::clone(&self.auth_cache),
            access: Arc::clone(&self.access),
        }
    }

    /// The store, for readiness checks and embedding code that needs adapter extras.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    pub(crate) fn new_id(&self) -> Uuid {
        self.ids.new_uuid()
    }

    /// The time by the application's clock (for adapters around the services, such as
    /// HTTP middleware, that must agree with them).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// An event of the actor about an entity, dated by the application's clock.
    pub(crate) fn event(
        &self,
        actor: &Actor,
        entity_type: EntityType,
        entity_id: Uuid,
        kind: EventKind,
        owner_id: Option<Uuid>,
        changes: Vec<FieldChange>,
    ) -> NewEvent {
        NewEvent {
            at: self.clock.now(),
            actor: *actor,
            entity_type,
            entity_id,
            kind,
            owner_id,
            changes,
        }
    }
}

/// The tenant the actor acts in.
///
/// # Errors
/// `Forbidden` for the platform operator, who sees no tenant data.
pub(crate) fn tenant_of(actor: &Actor) -> Result<TenantId, ServiceError> {
    actor.tenant_id().ok_or(ServiceError::Forbidden)
}

/// A record named in the input must exist: not found becomes `<field>: unknown`.
pub(crate) fn known<T>(r: Result<T, crate::error::StoreError>, field: impl Into<String>) -> Result<T, ServiceError> {
    match r {
        Err(crate::error::StoreError::NotFound) => {
            Err(crm_domain::ValidationError::field(field, crm_domain::ViolationKind::Unknown).into())
        }
        other => Ok(other?),
    }
}

/// A field given a value, kept in clear in the log (ids, codes, states).
pub(crate) fn added(field: &'static str, after: serde_json::Value) -> crm_domain::event::FieldChange {
    crm_domain::event::FieldChange {
        field,
        before: None,
        after: Some(after),
        sensitivity: crm_domain::event::Sensitivity::Clear,
    }
}

/// A text cut to at most `max` characters, an ellipsis marking the cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Fails with `Forbidden` unless the actor has the capability.
pub(crate) fn require(actor: &Actor, cap: Capability) -> Result<(), ServiceError> {
    if allows(actor, cap) { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// The scope of owned records of a kind for the actor.
pub(crate) fn scope(actor: &Actor, kind: Owned) -> Result<Scope, ServiceError> {
    Ok(Scope {
        tenant_id: tenant_of(actor)?,
        records: read_scope(actor, kind),
    })
}

/// Fails with `Conflict` if the caller's version is not the loaded one (the store checks
/// again inside its transaction).
pub(crate) fn check_version(loaded: i64, expected: i64) -> Result<(), ServiceError> {
    if loaded == expected { Ok(()) } else { Err(ServiceError::Conflict) }
}

/// `user` acting in `tenant` as they are now (a changed role counts), with their record;
/// the system when there is no user (background work started on someone's behalf).
///
/// # Errors
/// `NotFound` for a user the tenant no longer has; store failures.
pub(crate) async fn acting<S: crate::store::UserStore>(
    store: &S,
    tenant: TenantId,
    user: Option<crm_domain::UserId>,
) -> Result<(Actor, Option<crm_domain::user::User>), ServiceError> {
    Ok(match user {
        Some(u) => {
            let record = store.user(tenant, u).await?;
            let actor = Actor::User {
                tenant_id: tenant,
                user_id: u,
                role: record.role,
            };
            (actor, Some(record))
        }
        None => (Actor::System { tenant_id: tenant }, None),
    })
}
