//! Contacts: create (with duplicate detection), read, list, edit, reassign, delete,
//! restore, merge.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, known, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{DuplicateCandidate, ServiceError};
use crate::query::{ContactFilter, Page, PageRequest};
use crate::store::{ContactStore, Deletable, DeletionStore, OrganizationStore, TenantStore, UserStore};
use crm_domain::contact::{Contact, ContactInput, MergeField};
use crm_domain::duplicates::{Identity, match_reasons};
use crm_domain::event::EntityType;
use crm_domain::visibility::{Capability, Owned, may_assign_owner, may_edit_contact, read_scope};
use crm_domain::{Actor, ContactId, OrganizationId, TenantId, UserId, ValidationError, ViolationKind};

/// Most contacts one import call takes.
pub const MAX_IMPORT: usize = 1_000;

pub(crate) fn identity(c: &Contact) -> Identity<'_> {
    Identity {
        first_name: c.fields.first_name.as_str(),
        last_name: c.fields.last_name.as_str(),
        emails: &c.fields.emails,
        phones: &c.fields.phones,
    }
}

/// Checks the record use cases share (contacts, opportunities, activities): each asks
/// only for the port it reads.
impl<S: UserStore, K, C, I> App<S, K, C, I> {
    /// Checks that `owner` (given as `field`) is a user of the tenant the actor may assign
    /// records to; a deactivated user is given no new work (`not_allowed`).
    pub(crate) async fn check_assignee(&self, actor: &Actor, tenant: TenantId, owner: UserId, field: &str) -> Result<(), ServiceError> {
        if !known(self.store.user(tenant, owner).await, field)?.is_active() {
            return Err(crm_domain::ValidationError::field(field, crm_domain::ViolationKind::NotAllowed).into());
        }
        let manager = self.store.team_manager_of(tenant, owner).await?;
        if may_assign_owner(actor, owner, manager) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

impl<S: OrganizationStore, K, C, I> App<S, K, C, I> {
    /// The organization a record points to must exist in the tenant.
    pub(crate) async fn check_organization(&self, tenant: TenantId, organization: Option<OrganizationId>) -> Result<(), ServiceError> {
        if let Some(o) = organization {
            known(self.store.organization(tenant, o).await, "organization_id")?;
        }
        Ok(())
    }
}

impl<S, K, C, I> App<S, K, C, I> {
    /// The owner of a new record: the one asked for, else the acting user.
    pub(crate) fn owner_or_self(actor: &Actor, owner: Option<UserId>) -> Result<UserId, ServiceError> {
        owner
            .or_else(|| actor.user_id())
            .ok_or_else(|| ValidationError::field("owner_id", ViolationKind::Required).into())
    }
}

/// Reading contacts, finding and merging duplicates: the contacts only.
impl<S: ContactStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A contact the actor may see.
    ///
    /// # Errors
    /// `NotFound` when missing, deleted, of another tenant or out of scope.
    pub async fn contact(&self, actor: &Actor, id: ContactId) -> Result<Contact, ServiceError> {
        Ok(self.store.contact(scope(actor, Owned::Contact)?, id).await?)
    }

    /// A page of the contacts the actor may see.
    ///
    /// # Errors
    /// `Invalid` for a bad cursor or page size.
    pub async fn list_contacts(&self, actor: &Actor, filter: &ContactFilter, page: &PageRequest) -> Result<Page<Contact>, ServiceError> {
        let sc = scope(actor, Owned::Contact)?;
        filter.check()?;
        Ok(self.store.list_contacts(sc, filter, page).await?)
    }

    /// Likely duplicates of a contact across the whole tenant.
    ///
    /// # Errors
    /// Store failures.
    pub async fn find_duplicates(&self, actor: &Actor, probe: &Contact) -> Result<Vec<DuplicateCandidate>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let rows = self
            .store
            .duplicate_candidates(tenant_id, read_scope(actor, Owned::Contact), probe)
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.contact.id != probe.id)
            .filter_map(|r| {
                let reasons = match_reasons(&identity(probe), &identity(&r.contact));
                if reasons.is_empty() {
                    return None;
                }
                Some(if r.visible {
                    DuplicateCandidate {
                        contact_id: Some(r.contact.id),
                        display_name: Some(format!("{} {}", r.contact.fields.first_name, r.contact.fields.last_name)),
                        reasons,
                    }
                } else {
                    DuplicateCandidate {
                        contact_id: None,
                        display_name: None,
                        reasons,
                    }
                })
            })
            .collect())
    }

    /// Merges `merged` into `kept`: emails, phones and tags are united, empty fields filled,
    /// opportunities moved; `merged` disappears and its history follows `kept`.
    ///
    /// # Errors
    /// `NotFound` (either not visible), `Forbidden`, `Conflict`, `Invalid` when both ids are
    /// the same.
    pub async fn merge_contacts(
        &self,
        actor: &Actor,
        kept: ContactId,
        kept_version: i64,
        merged: ContactId,
        merged_version: i64,
    ) -> Result<Contact, ServiceError> {
        self.merge_taking(actor, (kept, kept_version), (merged, merged_version), &[]).await
    }

    /// [`Self::merge_contacts`] where the fields of `take` get the merged contact's value.
    async fn merge_taking(
        &self,
        actor: &Actor,
        (kept, kept_version): (ContactId, i64),
        (merged, merged_version): (ContactId, i64),
        take: &[MergeField],
    ) -> Result<Contact, ServiceError> {
        if kept == merged {
            return Err(ValidationError::field("merged_id", ViolationKind::Repeated).into());
        }
        let before = self.contact(actor, kept).await?;
        let other = self.contact(actor, merged).await?;
        require(actor, Capability::WriteContacts)?;
        check_version(before.version, kept_version)?;
        check_version(other.version, merged_version)?;
        let mut after = before.clone();
        after.absorb_choosing(&other, take);
        after.version = kept_version + 1;
        after.updated_at = self.clock.now();
        let mut changes = Contact::changes(Some(&before), &after);
        changes.push(crm_domain::event::FieldChange {
            field: "merged_from",
            before: None,
            after: Some(serde_json::Value::String(merged.to_string())),
            sensitivity: crm_domain::event::Sensitivity::Clear,
        });
        let events = [
            self.event(
                actor,
                EntityType::Contact,
                merged.as_uuid(),
                EventKind::MergedInto,
                Some(other.owner_id.as_uuid()),
                vec![crm_domain::event::FieldChange {
                    field: "merged_into",
                    before: None,
                    after: Some(serde_json::Value::String(kept.to_string())),
                    sensitivity: crm_domain::event::Sensitivity::Clear,
                }],
            ),
            self.event(
                actor,
                EntityType::Contact,
                kept.as_uuid(),
                EventKind::Merged,
                Some(after.owner_id.as_uuid()),
                changes,
            ),
        ];
        self.store
            .merge_contacts(&after, kept_version, merged, merged_version, &events)
            .await?;
        Ok(after)
    }
}

/// Merging with a choice of fields: a new owner taken from the merged contact is checked.
impl<S: ContactStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Merges `merged` into `kept` as [`Self::merge_contacts`] does, the fields named in
    /// `take` (codes of [`MergeField`]) getting the merged contact's value: the
    /// field-by-field choice of the duplicates queue. Taking the owner is an assignment,
    /// under its rules.
    ///
    /// # Errors
    /// As [`Self::merge_contacts`]; `Invalid` for an unknown or repeated code (`take.<i>`)
    /// or an owner who may not be given work (`take.<i>: not_allowed`).
    pub async fn merge_contacts_choosing(
        &self,
        actor: &Actor,
        kept: (ContactId, i64),
        merged: (ContactId, i64),
        take: &[String],
    ) -> Result<Contact, ServiceError> {
        let fields = MergeField::parse_list(take, "take")?;
        if let Some(i) = fields.iter().position(|f| *f == MergeField::Owner) {
            let before = self.contact(actor, kept.0).await?;
            let other = self.contact(actor, merged.0).await?;
            if other.owner_id != before.owner_id {
                self.check_assignee(actor, before.tenant_id, other.owner_id, &format!("take.{i}"))
                    .await?;
            }
        }
        self.merge_taking(actor, kept, merged, &fields).await
    }
}

/// Creating and changing contacts: the owner, organization and tenant settings are checked.
impl<S: ContactStore + OrganizationStore + TenantStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A new contact, version 1, created now.
    pub(crate) fn new_contact(
        &self,
        tenant_id: TenantId,
        kind: crm_domain::contact::ContactKind,
        owner_id: UserId,
        fields: crm_domain::contact::ContactFields,
    ) -> Contact {
        let now = self.clock.now();
        Contact {
            id: ContactId::from_uuid(self.new_id()),
            tenant_id,
            kind,
            owner_id,
            lead: None,
            client_since: (kind == crm_domain::contact::ContactKind::Client).then_some(now),
            fields,
            score: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Creates a contact. Unless `confirm_duplicates`, refuses with the likely duplicates
    /// found in the whole tenant (those the actor may not see come without details).
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (every bad field), `PossibleDuplicates`.
    pub async fn create_contact(
        &self,
        actor: &Actor,
        input: &ContactInput,
        owner: Option<UserId>,
        confirm_duplicates: bool,
    ) -> Result<Contact, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteContacts)?;
        let tenant = self.store.tenant(tenant_id).await?;
        let (kind, fields) = input.parse(tenant.settings.country)?;
        let owner_id = Self::owner_or_self(actor, owner)?;
        self.check_assignee(actor, tenant_id, owner_id, "owner_id").await?;
        self.check_organization(tenant_id, fields.organization_id).await?;
        let contact = self.new_contact(tenant_id, kind, owner_id, fields);
        if !confirm_duplicates {
            let found = self.find_duplicates(actor, &contact).await?;
            if !found.is_empty() {
                return Err(ServiceError::PossibleDuplicates(found));
            }
        }
        let ev = self.event(
            actor,
            EntityType::Contact,
            contact.id.as_uuid(),
            EventKind::Created,
            Some(owner_id.as_uuid()),
            Contact::changes(None, &contact),
        );
        self.store.create_contact(&contact, &ev).await?;
        Ok(contact)
    }

    /// Creates many contacts at once, in one transaction, without looking for duplicates
    /// (imports of trusted lists, benchmarks): every input is checked first and, if any is
    /// invalid, nothing is written and every fault is named under `contacts.<index>`.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (also over [`MAX_IMPORT`] inputs).
    pub async fn import_contacts(
        &self,
        actor: &Actor,
        inputs: &[ContactInput],
        owner: Option<UserId>,
    ) -> Result<Vec<Contact>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteContacts)?;
        if inputs.len() > MAX_IMPORT {
            return Err(ValidationError::field("contacts", ViolationKind::TooLarge).into());
        }
        let tenant = self.store.tenant(tenant_id).await?;
        let owner_id = Self::owner_or_self(actor, owner)?;
        self.check_assignee(actor, tenant_id, owner_id, "owner_id").await?;
        let mut v = crm_domain::error::Validator::new();
        let parsed: Vec<_> = inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| v.check(&format!("contacts.{i}"), input.parse(tenant.settings.country)))
            .collect();
        v.finish()?;
        let mut orgs = std::collections::HashSet::new();
        for (_, f) in &parsed {
            if let Some(o) = f.organization_id
                && orgs.insert(o)
            {
                self.check_organization(tenant_id, Some(o)).await?;
            }
        }
        let contacts: Vec<Contact> = parsed
            .into_iter()
            .map(|(kind, fields)| self.new_contact(tenant_id, kind, owner_id, fields))
            .collect();
        let events: Vec<_> = contacts
            .iter()
            .map(|c| {
                self.event(
                    actor,
                    EntityType::Contact,
                    c.id.as_uuid(),
                    EventKind::Created,
                    Some(owner_id.as_uuid()),
                    Contact::changes(None, c),
                )
            })
            .collect();
        self.store.create_contacts(&contacts, &events).await?;
        Ok(contacts)
    }

    /// Replaces a contact's kind and editable fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`.
    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
        input: &ContactInput,
    ) -> Result<Contact, ServiceError> {
        let before = self.contact(actor, id).await?;
        let pooled = before.lead.as_ref().is_some_and(|l| l.pooled);
        if !may_edit_contact(actor, pooled) {
            return Err(ServiceError::Forbidden);
        }
        let tenant = self.store.tenant(before.tenant_id).await?;
        let (kind, fields) = input.parse(tenant.settings.country)?;
        if pooled && kind != crm_domain::contact::ContactKind::Prospect {
            // A lead in the pool stays a prospect until it is handed over.
            return Err(ValidationError::field("kind", ViolationKind::NotAllowed).into());
        }
        self.check_organization(before.tenant_id, fields.organization_id).await?;
        check_version(before.version, expected_version)?;
        let mut after = before.clone();
        after.set_kind(kind, self.clock.now());
        after.fields = fields;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::Updated,
            Some(after.owner_id.as_uuid()),
            Contact::changes(Some(&before), &after),
        );
        self.store.update_contact(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Gives a contact to another owner.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (owner outside what the actor may assign), `Conflict`.
    pub async fn assign_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
        owner: UserId,
    ) -> Result<Contact, ServiceError> {
        let before = self.contact(actor, id).await?;
        require(actor, Capability::WriteContacts)?;
        if before.lead.as_ref().is_some_and(|l| l.pooled) {
            // A lead in the pool goes to a sales rep by its hand-over (once qualified).
            return Err(ValidationError::field("owner_id", ViolationKind::NotAllowed).into());
        }
        check_version(before.version, expected_version)?;
        self.check_assignee(actor, before.tenant_id, owner, "owner_id").await?;
        let mut after = before.clone();
        after.owner_id = owner;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::OwnerChanged,
            Some(owner.as_uuid()),
            Contact::changes(Some(&before), &after),
        );
        self.store.update_contact(&after, expected_version, &ev).await?;
        Ok(after)
    }
}

/// Deleting and restoring contacts.
impl<S: ContactStore + DeletionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deletes a contact softly; it disappears from every read.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn delete_contact(&self, actor: &Actor, id: ContactId, expected_version: i64) -> Result<(), ServiceError> {
        let c = self.contact(actor, id).await?;
        require(actor, Capability::WriteContacts)?;
        check_version(c.version, expected_version)?;
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::Deleted,
            Some(c.owner_id.as_uuid()),
            Vec::new(),
        );
        Ok(self
            .store
            .soft_delete(c.tenant_id, Deletable::Contact, id.as_uuid(), expected_version, &ev)
            .await?)
    }

    /// Restores a deleted contact (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` when no deleted contact has this id.
    pub async fn restore_contact(&self, actor: &Actor, id: ContactId) -> Result<Contact, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::RestoreDeleted)?;
        let ev = self.event(actor, EntityType::Contact, id.as_uuid(), EventKind::Restored, None, Vec::new());
        self.store.restore(tenant_id, Deletable::Contact, id.as_uuid(), &ev).await?;
        self.contact(actor, id).await
    }
}
