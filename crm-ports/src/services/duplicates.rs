//! Duplicates beyond creation: a scan of the tenant's contacts groups likely duplicates
//! (same email or phone blind index; similar names in one organization or in two with the
//! same web domain) into a review queue; groups are merged (`merge_contacts` moves every
//! related record and the history to the kept contact) or dismissed.

use crm_domain::event::EventKind;

use crate::app::{App, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, DuplicateStore};
use crm_domain::Actor;
use crm_domain::contact::Contact;
use crm_domain::duplicates::{MatchReason, group_duplicates};
use crm_domain::event::{EntityType, FieldChange, Sensitivity};
use crm_domain::visibility::{Capability, Owned};
use serde_json::json;
use uuid::Uuid;

/// Most groups the review queue returns at once.
pub const MAX_REVIEW_GROUPS: u32 = 200;

/// A group of the review queue as a reader sees it.
#[derive(Debug, Clone)]
pub struct DuplicateGroupView {
    /// Id.
    pub id: Uuid,
    /// Why they look alike.
    pub reasons: Vec<MatchReason>,
    /// The members the reader may see (two or more).
    pub contacts: Vec<Contact>,
    /// Found.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Scanning and dismissing: the review queue only.
impl<S: DuplicateStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Scans every contact of the tenant and replaces the open review queue with what it
    /// finds (groups dismissed before are not proposed again). Returns how many groups are
    /// open. Admins and Managers.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn scan_duplicates(&self, actor: &Actor) -> Result<u64, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReviewDuplicates)?;
        let entries = self.store.scan_entries(tenant).await?;
        let found: Vec<_> = group_duplicates(&entries).into_iter().map(|g| (self.new_id(), g)).collect();
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::DuplicatesScanned,
            None,
            vec![FieldChange {
                field: "groups_found",
                before: None,
                after: Some(json!(found.len())),
                sensitivity: Sensitivity::Clear,
            }],
        );
        Ok(self.store.replace_duplicate_groups(tenant, &found, self.clock.now(), &ev).await?)
    }

    /// Dismisses a group: they are not duplicates. Admins and Managers.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (no open group with this id in the tenant).
    pub async fn dismiss_duplicates(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReviewDuplicates)?;
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::DuplicatesDismissed,
            None,
            vec![FieldChange {
                field: "group_id",
                before: None,
                after: Some(json!(id)),
                sensitivity: Sensitivity::Clear,
            }],
        );
        Ok(self
            .store
            .dismiss_duplicate_group(tenant, id, actor.user_id(), self.clock.now(), &ev)
            .await?)
    }
}

/// Reviewing: the queue and the contacts the actor may see.
impl<S: DuplicateStore + ContactStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The open groups in which the reader sees two contacts or more (only those shown).
    ///
    /// # Errors
    /// `Forbidden` for roles that do not write contacts.
    pub async fn duplicate_groups(&self, actor: &Actor) -> Result<Vec<DuplicateGroupView>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::WriteContacts)?;
        let sc = scope(actor, Owned::Contact)?;
        let mut out = Vec::new();
        for g in self.store.open_duplicate_groups(tenant, MAX_REVIEW_GROUPS).await? {
            let mut contacts = Vec::new();
            for id in g.members {
                if let Ok(c) = self.store.contact(sc, id).await {
                    contacts.push(c);
                }
            }
            if contacts.len() >= 2 {
                out.push(DuplicateGroupView {
                    id: g.id,
                    reasons: g.reasons,
                    contacts,
                    created_at: g.created_at,
                });
            }
        }
        Ok(out)
    }
}
