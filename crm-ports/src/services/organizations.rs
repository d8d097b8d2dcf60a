//! Organizations: readable by every role, written by Admins, Managers and Sales.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{Page, PageRequest};
use crate::store::{Deletable, DeletionStore, OrganizationStore};
use crm_domain::event::EntityType;
use crm_domain::organization::{Organization, OrganizationFields, OrganizationInput};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, OrganizationId};

/// Reading and changing organizations: the organizations only.
impl<S: OrganizationStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// An organization of the actor's tenant.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn organization(&self, actor: &Actor, id: OrganizationId) -> Result<Organization, ServiceError> {
        Ok(self.store.organization(tenant_of(actor)?, id).await?)
    }

    /// A page of organizations.
    ///
    /// # Errors
    /// `Invalid` for a bad cursor.
    pub async fn list_organizations(&self, actor: &Actor, page: &PageRequest) -> Result<Page<Organization>, ServiceError> {
        Ok(self.store.list_organizations(tenant_of(actor)?, page).await?)
    }

    /// Every organization of a tenant, read page by page (the largest pages).
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn all_organizations(&self, tenant: crm_domain::TenantId) -> Result<Vec<Organization>, ServiceError> {
        let mut out = Vec::new();
        let mut page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        loop {
            let p = self.store.list_organizations(tenant, &page).await?;
            out.extend(p.items);
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Creates an organization.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid`.
    pub async fn create_organization(&self, actor: &Actor, input: &OrganizationInput) -> Result<Organization, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteOrganizations)?;
        let f = OrganizationFields::parse(input)?;
        let now = self.clock.now();
        let org = Organization {
            id: OrganizationId::from_uuid(self.new_id()),
            tenant_id,
            name: f.name,
            domain: f.domain,
            industry: f.industry,
            size: f.size,
            address: f.address,
            external_id: f.external_id,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Organization,
            org.id.as_uuid(),
            EventKind::Created,
            None,
            Organization::changes(None, &org),
        );
        self.store.create_organization(&org, &ev).await?;
        Ok(org)
    }

    /// Replaces an organization's fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`.
    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        expected_version: i64,
        input: &OrganizationInput,
    ) -> Result<Organization, ServiceError> {
        let before = self.organization(actor, id).await?;
        require(actor, Capability::WriteOrganizations)?;
        let f = OrganizationFields::parse(input)?;
        check_version(before.version, expected_version)?;
        let mut after = before.clone();
        after.apply(f);
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Organization,
            id.as_uuid(),
            EventKind::Updated,
            None,
            Organization::changes(Some(&before), &after),
        );
        self.store.update_organization(&after, expected_version, &ev).await?;
        Ok(after)
    }
}

/// Deleting and restoring organizations.
impl<S: OrganizationStore + DeletionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deletes an organization softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn delete_organization(&self, actor: &Actor, id: OrganizationId, expected_version: i64) -> Result<(), ServiceError> {
        let o = self.organization(actor, id).await?;
        require(actor, Capability::WriteOrganizations)?;
        check_version(o.version, expected_version)?;
        let ev = self.event(actor, EntityType::Organization, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        Ok(self
            .store
            .soft_delete(o.tenant_id, Deletable::Organization, id.as_uuid(), expected_version, &ev)
            .await?)
    }

    /// Restores a deleted organization (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn restore_organization(&self, actor: &Actor, id: OrganizationId) -> Result<Organization, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::RestoreDeleted)?;
        let ev = self.event(actor, EntityType::Organization, id.as_uuid(), EventKind::Restored, None, Vec::new());
        self.store.restore(tenant_id, Deletable::Organization, id.as_uuid(), &ev).await?;
        self.organization(actor, id).await
    }
}
