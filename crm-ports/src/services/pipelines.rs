//! Pipelines and their stages, configured by Admins and readable by every role.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{Deletable, DeletionStore, PipelineStore};
use crm_domain::error::Validator;
use crm_domain::event::EntityType;
use crm_domain::opportunity::Opportunity;
use crm_domain::pipeline::{Pipeline, StageInput, StageMove, parse_stages};
use crm_domain::text::Name;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, PipelineId, StageId};

/// Reading and changing pipelines: the pipelines only.
impl<S: PipelineStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Creates a pipeline (Admin).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (e.g. `stages.2.probability: not_increasing`).
    pub async fn create_pipeline(&self, actor: &Actor, name: &str, stages: &[StageInput]) -> Result<Pipeline, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManagePipelines)?;
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(name));
        let stages = v.check("", parse_stages(stages, &[], || StageId::from_uuid(self.new_id())));
        v.finish()?;
        let (Some(name), Some(stages)) = (name, stages) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        let now = self.clock.now();
        let p = Pipeline {
            id: PipelineId::from_uuid(self.new_id()),
            tenant_id,
            name,
            stages,
            archived: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Pipeline,
            p.id.as_uuid(),
            EventKind::Created,
            None,
            Pipeline::changes(None, &p),
        );
        self.store.create_pipeline(&p, &ev).await?;
        Ok(p)
    }

    /// A pipeline.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn pipeline(&self, actor: &Actor, id: PipelineId) -> Result<Pipeline, ServiceError> {
        Ok(self.store.pipeline(tenant_of(actor)?, id).await?)
    }

    /// Every pipeline of the tenant.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_pipelines(&self, actor: &Actor) -> Result<Vec<Pipeline>, ServiceError> {
        Ok(self.store.list_pipelines(tenant_of(actor)?).await?)
    }

    /// Renames a pipeline and replaces its stages: stages given with their id are kept
    /// (renamed, re-weighted, reordered). A stage left out that holds open deals needs a
    /// destination in `moves`: its open deals go there (each a `stage_moved` event, by the
    /// actor); a stage left out that closed deals still name is archived (their history
    /// keeps it), else deleted. All in one transaction.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (`stages: not_allowed` for open deals
    /// without a destination, `moves.<i>.to: unknown`).
    pub async fn update_pipeline(
        &self,
        actor: &Actor,
        id: PipelineId,
        expected_version: i64,
        name: &str,
        stages: &[StageInput],
        moves: &[StageMove],
    ) -> Result<Pipeline, ServiceError> {
        let before = self.pipeline(actor, id).await?;
        require(actor, Capability::ManagePipelines)?;
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(name));
        let stages = v.check("", parse_stages(stages, &before.stages, || StageId::from_uuid(self.new_id())));
        v.finish()?;
        check_version(before.version, expected_version)?;
        let (Some(name), Some(stages)) = (name, stages) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        let removed = before.removed_stages(&stages);
        let open = if removed.is_empty() {
            Vec::new()
        } else {
            self.store.open_in_stages(before.tenant_id, &removed).await?
        };
        let open_in: Vec<StageId> = open.iter().map(|o| o.stage_id).collect();
        before.check_moves(&stages, moves, &open_in)?;
        let now = self.clock.now();
        let mut after = before.clone();
        after.name = name;
        after.stages = stages;
        // What closed (or deleted) deals still name is archived; the rest goes.
        let mut archived = Vec::new();
        for r in &removed {
            let held = self.store.count_in_stages(before.tenant_id, std::slice::from_ref(r)).await?;
            let moving = u64::try_from(open_in.iter().filter(|s| *s == r).count()).unwrap_or(u64::MAX);
            if held > moving
                && let Some(s) = before.stage(*r)
            {
                archived.push(s.clone());
            }
        }
        after.archived = before
            .archived
            .iter()
            .filter(|a| !after.stages.iter().any(|s| s.id == a.id))
            .cloned()
            .chain(archived)
            .collect();
        after.version = expected_version + 1;
        after.updated_at = now;
        let mut events = vec![self.event(
            actor,
            EntityType::Pipeline,
            id.as_uuid(),
            EventKind::Updated,
            None,
            Pipeline::changes(Some(&before), &after),
        )];
        let mut moved = Vec::with_capacity(open.len());
        for o in open {
            let Some(to) = moves.iter().find(|m| m.from == o.stage_id).map(|m| m.to) else {
                continue;
            };
            let mut m = o.clone();
            m.relocate(&after, to, now, actor.user_id())?;
            m.version = o.version + 1;
            events.push(self.event(
                actor,
                EntityType::Opportunity,
                m.id.as_uuid(),
                EventKind::StageMoved,
                Some(m.owner_id.as_uuid()),
                Opportunity::changes(Some(&o), &m),
            ));
            moved.push(m);
        }
        self.store.update_pipeline(&after, expected_version, &events, &moved).await?;
        Ok(after)
    }
}

/// Deleting a pipeline.
impl<S: PipelineStore + DeletionStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Deletes a pipeline that holds no opportunity (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `InUse("opportunities")`.
    pub async fn delete_pipeline(&self, actor: &Actor, id: PipelineId, expected_version: i64) -> Result<(), ServiceError> {
        let p = self.pipeline(actor, id).await?;
        require(actor, Capability::ManagePipelines)?;
        check_version(p.version, expected_version)?;
        if self.store.count_in_pipeline(p.tenant_id, id).await? > 0 {
            return Err(ServiceError::InUse("opportunities"));
        }
        let ev = self.event(actor, EntityType::Pipeline, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        Ok(self
            .store
            .soft_delete(p.tenant_id, Deletable::Pipeline, id.as_uuid(), expected_version, &ev)
            .await?)
    }
}
