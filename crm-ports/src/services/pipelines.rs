//! Pipelines and their stages, configured by Admins and readable by every role.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{Deletable, DeletionStore, PipelineStore};
use crm_domain::error::Validator;
use crm_domain::event::EntityType;
use crm_domain::pipeline::{Pipeline, StageInput, parse_stages};
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
    /// (renamed, re-weighted, reordered); a stage that still holds opportunities cannot be
    /// removed.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`, `InUse("stages")`.
    pub async fn update_pipeline(
        &self,
        actor: &Actor,
        id: PipelineId,
        expected_version: i64,
        name: &str,
        stages: &[StageInput],
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
        if !removed.is_empty() && self.store.count_in_stages(before.tenant_id, &removed).await? > 0 {
            return Err(ServiceError::InUse("stages"));
        }
        let mut after = before.clone();
        after.name = name;
        after.stages = stages;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Pipeline,
            id.as_uuid(),
            EventKind::Updated,
            None,
            Pipeline::changes(Some(&before), &after),
        );
        self.store.update_pipeline(&after, expected_version, &ev).await?;
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
