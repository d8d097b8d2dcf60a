//! Store port of erasure (crypto-shredding): each person's data key seals what the event
//! log keeps of them; destroying it makes every such copy unreadable at once.

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::contact::Contact;
use crm_domain::event::NewEvent;
use crm_domain::text::Label;
use std::future::Future;
use uuid::Uuid;

/// People's data keys.
pub trait PersonKeyStore: Send + Sync {
    /// Destroys a person's data key (a contact's): their values in every event already
    /// written become unreadable (events read back with `erased`), and so do those of any
    /// later event. Idempotent.
    fn erase_person_key(&self, tenant: TenantId, person: Uuid, at: DateTime<Utc>) -> impl Future<Output = StoreResult<()>> + Send;

    /// Erases a contact from the store, in one transaction with `events`: their key
    /// destroyed (as [`PersonKeyStore::erase_person_key`]), their row rewritten with no
    /// personal value left (names emptied, sealed fields replaced, tags and lookups
    /// removed) and hidden like a deleted one, for good; the emails still queued to them
    /// cancelled (their content, sealed under the destroyed key, could not be sent); the
    /// activities about them and no other contact deleted for good (links, attendees,
    /// notifications, drafts), each with a `deleted` event after `events`, the others
    /// unlinked from them. What the log kept of an activity about them was sealed under
    /// their key, and goes with it. On
    /// SQLite, deleted content is overwritten on disk and the write-ahead log is
    /// checkpointed and truncated afterwards, so no old page of theirs stays in the files.
    /// `NotFound` when the tenant has no such contact. Copies outside the store (the search
    /// index) are their owners' to remove.
    fn erase_person(
        &self,
        tenant: TenantId,
        person: Uuid,
        at: DateTime<Utc>,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Anonymises a contact, in one transaction with `events`: their row rewritten as
    /// `anonymised` (see `crm_domain::retention::anonymised`), guarded by
    /// `expected_version`, and marked anonymised (never due for retention again); their
    /// key destroyed, their lookups, consents and the drafts about them deleted, the
    /// emails still queued to them cancelled; the activities about them and no other
    /// contact kept without their words (subject `activity_subject`, no body, place nor
    /// outcome). SQLite: the write-ahead log truncated afterwards. `NotFound`,
    /// `Conflict`.
    fn anonymise_person(
        &self,
        anonymised: &Contact,
        expected_version: i64,
        activity_subject: &Label,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
