//! Territories (Admin): a company's areas — postcode starts, industries — each given to a
//! team; every role reads them. The territory covering a place names the team whose next
//! sales rep becomes the owner of a new contact left to the territories, or of a lead
//! handed over by territory.

use crate::app::{App, check_version, known, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{LeadStore, OrganizationStore, TerritoryStore, UserStore};
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::territory::{Territory, TerritoryInput, best};
use crm_domain::user::Team;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TenantId, TerritoryId, UserId, ValidationError, ViolationKind};

/// Where a place falls: the territory covering it and its team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryMatch {
    /// The territory.
    pub territory: Territory,
    /// Its team.
    pub team: Team,
}

fn changes(before: Option<&Territory>, after: &Territory) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
    d.field("team_id", before.map(|b| &b.team_id), &after.team_id, Sensitivity::Clear);
    d.field("areas", before.map(|b| &b.areas), &after.areas, Sensitivity::Clear);
    d.field("industries", before.map(|b| &b.industries), &after.industries, Sensitivity::Clear);
    d.into_changes()
}

/// A duplicate name is a validation error on `name`.
fn name_taken(e: crate::StoreError) -> ServiceError {
    match e {
        crate::StoreError::Duplicate { .. } => ValidationError::field("name", ViolationKind::Repeated).into(),
        other => other.into(),
    }
}

/// Reading and writing territories: the territories and the teams they name.
impl<S: TerritoryStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Every territory of the company, by name (every role reads them).
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn territories(&self, actor: &Actor) -> Result<Vec<Territory>, ServiceError> {
        Ok(self.store.territories(tenant_of(actor)?).await?)
    }

    async fn checked(&self, tenant: TenantId, input: &TerritoryInput) -> Result<crm_domain::territory::CheckedTerritory, ServiceError> {
        let checked = input.check()?;
        known(self.store.team(tenant, checked.1).await, "team_id")?;
        Ok(checked)
    }

    /// Adds a territory (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (every fault; a name taken: `name: repeated`; a team of no
    /// one: `team_id: unknown`).
    pub async fn create_territory(&self, actor: &Actor, input: &TerritoryInput) -> Result<Territory, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let (name, team_id, areas, industries) = self.checked(tenant_id, input).await?;
        let now = self.clock.now();
        let t = Territory {
            id: TerritoryId::from_uuid(self.new_id()),
            tenant_id,
            name,
            team_id,
            areas,
            industries,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Territory,
            t.id.as_uuid(),
            EventKind::Created,
            None,
            changes(None, &t),
        );
        self.store.create_territory(&t, &ev).await.map_err(name_taken)?;
        Ok(t)
    }

    async fn territory(&self, tenant: TenantId, id: TerritoryId) -> Result<Territory, ServiceError> {
        self.store
            .territories(tenant)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(ServiceError::NotFound)
    }

    /// Replaces a territory at `expected_version` (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`.
    pub async fn update_territory(
        &self,
        actor: &Actor,
        id: TerritoryId,
        expected_version: i64,
        input: &TerritoryInput,
    ) -> Result<Territory, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let before = self.territory(tenant_id, id).await?;
        require(actor, Capability::ManageTenant)?;
        check_version(before.version, expected_version)?;
        let (name, team_id, areas, industries) = self.checked(tenant_id, input).await?;
        let after = Territory {
            name,
            team_id,
            areas,
            industries,
            version: expected_version + 1,
            updated_at: self.clock.now(),
            ..before.clone()
        };
        let ev = self.event(
            actor,
            EntityType::Territory,
            id.as_uuid(),
            EventKind::Updated,
            None,
            changes(Some(&before), &after),
        );
        self.store
            .update_territory(&after, expected_version, &ev)
            .await
            .map_err(name_taken)?;
        Ok(after)
    }

    /// Removes a territory (Admin); contacts and teams stay as they are.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_territory(&self, actor: &Actor, id: TerritoryId) -> Result<(), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        self.territory(tenant_id, id).await?;
        require(actor, Capability::ManageTenant)?;
        let ev = self.event(actor, EntityType::Territory, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        Ok(self.store.delete_territory(tenant_id, id, &ev).await?)
    }

    /// The territory covering a place (a postcode, a company's industry) and its team;
    /// `None` when none does.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn territory_for(
        &self,
        actor: &Actor,
        postal_code: Option<&str>,
        industry: Option<&str>,
    ) -> Result<Option<TerritoryMatch>, ServiceError> {
        let tenant = tenant_of(actor)?;
        self.covering(tenant, postal_code, industry).await
    }

    pub(crate) async fn covering(
        &self,
        tenant: TenantId,
        postal_code: Option<&str>,
        industry: Option<&str>,
    ) -> Result<Option<TerritoryMatch>, ServiceError> {
        let all = self.store.territories(tenant).await?;
        let Some(t) = best(&all, postal_code, industry) else {
            return Ok(None);
        };
        let team = self.store.team(tenant, t.team_id).await?;
        Ok(Some(TerritoryMatch {
            territory: t.clone(),
            team,
        }))
    }
}

/// The owner territories give: the team's rotation advances.
impl<S: TerritoryStore + UserStore + LeadStore + OrganizationStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The owner the territories give a new contact with this postcode and company (its
    /// industry): the next active sales rep, in turn, of the covering territory's team;
    /// `None` when no territory covers it. The rotation advances.
    ///
    /// # Errors
    /// `Forbidden` (a role that does not write contacts).
    pub async fn owner_by_territory(
        &self,
        actor: &Actor,
        postal_code: Option<&str>,
        organization: Option<crm_domain::OrganizationId>,
    ) -> Result<Option<UserId>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::WriteContacts)?;
        let industry = match organization {
            Some(o) => self
                .store
                .organization(tenant, o)
                .await
                .ok()
                .and_then(|o| o.industry.map(|i| i.to_string())),
            None => None,
        };
        self.territory_owner(tenant, postal_code, industry.as_deref()).await
    }

    /// The owner the territories give a place: the next active sales rep, in turn, of the
    /// team of the territory covering it; `None` when no territory covers it or its team
    /// has no sales rep.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn territory_owner(
        &self,
        tenant: TenantId,
        postal_code: Option<&str>,
        industry: Option<&str>,
    ) -> Result<Option<UserId>, ServiceError> {
        match self.covering(tenant, postal_code, industry).await? {
            Some(m) => self.team_owner(tenant, m.team.id).await,
            None => Ok(None),
        }
    }
}
