//! Store port of erasure (crypto-shredding): each person's data key seals what the event
//! log keeps of them; destroying it makes every such copy unreadable at once.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use std::future::Future;
use uuid::Uuid;

/// People's data keys.
pub trait PersonKeyStore: Send + Sync {
    /// Destroys a person's data key (a contact's): their values in every event already
    /// written become unreadable (events read back with `erased`), and so do those of any
    /// later event. Idempotent.
    fn erase_person_key(&self, tenant: TenantId, person: Uuid, at: DateTime<Utc>) -> impl Future<Output = StoreResult<()>> + Send;
}
