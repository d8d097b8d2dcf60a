//! Opportunities: create, edit, move along the pipeline, win, lose, reopen (Admin),
//! reassign, delete, restore.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, known, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{OpportunityFilter, Page, PageRequest};
use crate::store::{ContactStore, Deletable, DeletionStore, OpportunityStore, OrganizationStore, PipelineStore, TenantStore, UserStore};
use chrono::{DateTime, Utc};
use crm_domain::event::EntityType;
use crm_domain::opportunity::{Opportunity, OpportunityFields, OpportunityInput, RuleError};
use crm_domain::pipeline::Pipeline;
use crm_domain::visibility::{Capability, Owned, RecordScope};
use crm_domain::{Actor, OpportunityId, PipelineId, StageId, UserId};

/// Reading opportunities: the opportunities only.
impl<S: OpportunityStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// An opportunity the actor may see.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn opportunity(&self, actor: &Actor, id: OpportunityId) -> Result<Opportunity, ServiceError> {
        Ok(self.store.opportunity(scope(actor, Owned::Opportunity)?, id).await?)
    }

    /// A page of the opportunities the actor may see.
    ///
    /// # Errors
    /// `Forbidden` for a role with no access to opportunities at all (Marketing): the
    /// list is refused rather than always empty (one opportunity asked for by id stays
    /// `NotFound`, like any record not visible); `Invalid` for a bad cursor.
    pub async fn list_opportunities(
        &self,
        actor: &Actor,
        filter: &OpportunityFilter,
        page: &PageRequest,
    ) -> Result<Page<Opportunity>, ServiceError> {
        let sc = scope(actor, Owned::Opportunity)?;
        if sc.records == RecordScope::Nothing {
            return Err(ServiceError::Forbidden);
        }
        filter.check()?;
        Ok(self.store.list_opportunities(sc, filter, page).await?)
    }
}

/// Creating and editing opportunities: the owner, contacts, organization, pipeline and
/// tenant settings are checked.
impl<S: OpportunityStore + ContactStore + OrganizationStore + PipelineStore + TenantStore + UserStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// Every linked contact must be visible to the actor.
    async fn check_links(&self, actor: &Actor, fields: &OpportunityFields) -> Result<(), ServiceError> {
        let sc = scope(actor, Owned::Contact)?;
        for (i, c) in fields.contact_ids.iter().enumerate() {
            known(self.store.contact(sc, *c).await, format!("contact_ids.{i}"))?;
        }
        self.check_organization(sc.tenant_id, fields.organization_id).await
    }

    /// Creates an opportunity at `stage` (the pipeline's first when `None`), in the
    /// tenant's currency unless the input names another.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (unknown pipeline, stage, contact; bad amounts).
    pub async fn create_opportunity(
        &self,
        actor: &Actor,
        pipeline_id: PipelineId,
        stage: Option<StageId>,
        input: &OpportunityInput,
        owner: Option<UserId>,
    ) -> Result<Opportunity, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::WriteOpportunities)?;
        let tenant = self.store.tenant(tenant_id).await?;
        let (fields, probability) = input.parse(tenant.settings.currency)?;
        let pipeline = self.pipeline_for_input(actor, pipeline_id).await?;
        let owner_id = Self::owner_or_self(actor, owner)?;
        self.check_assignee(actor, tenant_id, owner_id, "owner_id").await?;
        self.check_links(actor, &fields).await?;
        let opp = Opportunity::open(
            OpportunityId::from_uuid(self.new_id()),
            &pipeline,
            stage,
            owner_id,
            fields,
            probability,
            self.clock.now(),
            actor.user_id(),
        )?;
        let ev = self.event(
            actor,
            EntityType::Opportunity,
            opp.id.as_uuid(),
            EventKind::Created,
            Some(owner_id.as_uuid()),
            Opportunity::changes(None, &opp),
        );
        self.store.create_opportunity(&opp, &ev).await?;
        Ok(opp)
    }

    /// Replaces the editable fields (currency fixed at creation) and the probability
    /// override (`None` in the input: back to the stage's).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`, `Rule(Closed)`.
    pub async fn update_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: i64,
        input: &OpportunityInput,
    ) -> Result<Opportunity, ServiceError> {
        let current = self.opportunity(actor, id).await?;
        let (fields, probability) = input.parse(current.fields.value.currency())?;
        if current.is_closed() {
            return Err(ServiceError::Rule(RuleError::Closed));
        }
        self.check_links(actor, &fields).await?;
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::Updated,
            |o, p, now| o.update(p, fields, probability, now),
        )
        .await
    }

    /// Gives an opportunity to another owner (refused when closed).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Rule(Closed)`.
    pub async fn assign_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: i64,
        owner: UserId,
    ) -> Result<Opportunity, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let current = self.opportunity(actor, id).await?;
        require(actor, Capability::WriteOpportunities)?;
        if current.is_closed() {
            return Err(ServiceError::Rule(RuleError::Closed));
        }
        self.check_assignee(actor, tenant_id, owner, "owner_id").await?;
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::OwnerChanged,
            |o, _, _| {
                o.owner_id = owner;
                Ok(())
            },
        )
        .await
    }
}

/// Moving opportunities through their pipeline: the opportunities and the pipelines.
impl<S: OpportunityStore + PipelineStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn pipeline_for_input(&self, actor: &Actor, id: PipelineId) -> Result<Pipeline, ServiceError> {
        known(self.store.pipeline(tenant_of(actor)?, id).await, "pipeline_id")
    }

    /// Loads, checks rights and version, lets `change` decide, writes with one event.
    async fn change_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: i64,
        cap: Capability,
        kind: EventKind,
        change: impl FnOnce(&mut Opportunity, &Pipeline, DateTime<Utc>) -> Result<(), RuleError>,
    ) -> Result<Opportunity, ServiceError> {
        let before = self.opportunity(actor, id).await?;
        require(actor, cap)?;
        check_version(before.version, expected_version)?;
        let pipeline = self.store.pipeline(before.tenant_id, before.pipeline_id).await?;
        let mut after = before.clone();
        let now = self.clock.now();
        change(&mut after, &pipeline, now)?;
        after.version = expected_version + 1;
        after.updated_at = now;
        let ev = self.event(
            actor,
            EntityType::Opportunity,
            id.as_uuid(),
            kind,
            Some(after.owner_id.as_uuid()),
            Opportunity::changes(Some(&before), &after),
        );
        self.store.update_opportunity(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Moves to a stage: one forward at a time, back freely.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (unknown stage), `Rule`.
    pub async fn move_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: i64,
        stage: StageId,
    ) -> Result<Opportunity, ServiceError> {
        let by = actor.user_id();
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::StageMoved,
            |o, p, now| o.move_to_stage(p, stage, now, by),
        )
        .await
    }

    /// Moves to the next stage.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Rule(AtLastStage | Closed)`.
    pub async fn advance_opportunity(&self, actor: &Actor, id: OpportunityId, expected_version: i64) -> Result<Opportunity, ServiceError> {
        let by = actor.user_id();
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::StageMoved,
            |o, p, now| o.advance(p, now, by),
        )
        .await
    }

    /// Closes as won (from the last stage).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Rule(NotAtLastStage | Closed)`.
    pub async fn win_opportunity(&self, actor: &Actor, id: OpportunityId, expected_version: i64) -> Result<Opportunity, ServiceError> {
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::Won,
            |o, p, now| o.win(p, now),
        )
        .await
    }

    /// Closes as lost with a reason.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (reason), `Rule(Closed)`.
    pub async fn lose_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: i64,
        reason: &str,
    ) -> Result<Opportunity, ServiceError> {
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::WriteOpportunities,
            EventKind::Lost,
            |o, _, now| o.lose(reason, now),
        )
        .await
    }

    /// Reopens a closed opportunity (Admin only); recorded in the log.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Rule(NotClosed)`.
    pub async fn reopen_opportunity(&self, actor: &Actor, id: OpportunityId, expected_version: i64) -> Result<Opportunity, ServiceError> {
        self.change_opportunity(
            actor,
            id,
            expected_version,
            Capability::ReopenOpportunities,
            EventKind::Reopened,
            |o, p, now| o.reopen(p, now),
        )
        .await
    }
}

/// Deleting and restoring opportunities.
impl<S: OpportunityStore + DeletionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deletes an opportunity softly (refused when closed: closed deals are kept as they
    /// are; an Admin reopens first).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Rule(Closed)`.
    pub async fn delete_opportunity(&self, actor: &Actor, id: OpportunityId, expected_version: i64) -> Result<(), ServiceError> {
        let o = self.opportunity(actor, id).await?;
        require(actor, Capability::WriteOpportunities)?;
        check_version(o.version, expected_version)?;
        if o.is_closed() {
            return Err(ServiceError::Rule(RuleError::Closed));
        }
        let ev = self.event(
            actor,
            EntityType::Opportunity,
            id.as_uuid(),
            EventKind::Deleted,
            Some(o.owner_id.as_uuid()),
            Vec::new(),
        );
        Ok(self
            .store
            .soft_delete(o.tenant_id, Deletable::Opportunity, id.as_uuid(), expected_version, &ev)
            .await?)
    }

    /// Restores a deleted opportunity (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn restore_opportunity(&self, actor: &Actor, id: OpportunityId) -> Result<Opportunity, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::RestoreDeleted)?;
        let ev = self.event(actor, EntityType::Opportunity, id.as_uuid(), EventKind::Restored, None, Vec::new());
        self.store.restore(tenant_id, Deletable::Opportunity, id.as_uuid(), &ev).await?;
        self.opportunity(actor, id).await
    }
}
