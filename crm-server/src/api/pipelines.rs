//! `/api/v1/pipelines`: ordered stages with strictly increasing probabilities, configured
//! by Admins.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::pipeline::{Pipeline, StageInput, StageMove};
use crm_domain::{PipelineId, StageId};
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A stage.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StageDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Default probability, whole percent.
    pub probability: i64,
}

/// A pipeline.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PipelineDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Stages in order.
    pub stages: Vec<StageDto>,
    /// Stages taken out that closed deals still name (on no board; no deal moves to one).
    pub archived_stages: Vec<StageDto>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn stage(s: &crm_domain::pipeline::Stage) -> StageDto {
    StageDto {
        id: s.id.as_uuid(),
        name: s.name.to_string(),
        probability: i64::from(s.probability.percent()),
    }
}

impl From<&Pipeline> for PipelineDto {
    fn from(p: &Pipeline) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name.to_string(),
            stages: p.stages.iter().map(stage).collect(),
            archived_stages: p.archived.iter().map(stage).collect(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A stage as written: with `id` to keep an existing stage, without to add one.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct StageWrite {
    /// Existing stage to keep.
    pub id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Probability in whole percent; strictly increasing along the pipeline.
    pub probability: i64,
}

/// A pipeline to create, or its new name and stages.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PipelineWrite {
    /// Name.
    pub name: String,
    /// Stages in order (1 to 30).
    pub stages: Vec<StageWrite>,
    /// On an update: where the open deals of each stage left out go (required for a stage
    /// that holds open deals; the stage is then archived if closed deals name it).
    pub moves: Option<Vec<StageMoveWrite>>,
}

/// Where the open deals of a stage left out go.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct StageMoveWrite {
    /// The stage left out.
    pub from: Uuid,
    /// A stage kept.
    pub to: Uuid,
}

impl PipelineWrite {
    fn stages(&self) -> Vec<StageInput> {
        self.stages
            .iter()
            .map(|s| StageInput {
                id: s.id.map(StageId::from_uuid),
                name: s.name.clone(),
                probability: s.probability,
            })
            .collect()
    }

    fn moves(&self) -> Vec<StageMove> {
        self.moves
            .iter()
            .flatten()
            .map(|m| StageMove {
                from: StageId::from_uuid(m.from),
                to: StageId::from_uuid(m.to),
            })
            .collect()
    }
}

/// A pipeline with its ETag.
#[derive(ApiResponse)]
pub enum PipelineResponse {
    /// The pipeline.
    #[oai(status = 200)]
    Ok(Json<PipelineDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<PipelineDto>, #[oai(header = "ETag")] String),
}

pub struct PipelinesApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/pipelines", tag = "ApiTags::Pipelines")]
impl PipelinesApi {
    /// Every pipeline of your tenant.
    #[oai(path = "/", method = "get", operation_id = "list_pipelines")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<PipelineDto>>> {
        Ok(Json(
            self.app
                .list_pipelines(&auth.actor())
                .await?
                .iter()
                .map(PipelineDto::from)
                .collect(),
        ))
    }

    /// Create a pipeline (Admin).
    #[oai(path = "/", method = "post", operation_id = "create_pipeline")]
    async fn create(&self, auth: Auth, body: Json<PipelineWrite>) -> ApiResult<PipelineResponse> {
        let p = self.app.create_pipeline(&auth.actor(), &body.0.name, &body.0.stages()).await?;
        Ok(PipelineResponse::Created(Json((&p).into()), etag(p.version)))
    }

    /// A pipeline.
    #[oai(path = "/:id", method = "get", operation_id = "get_pipeline")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<PipelineResponse> {
        let p = self.app.pipeline(&auth.actor(), PipelineId::from_uuid(id.0)).await?;
        Ok(PipelineResponse::Ok(Json((&p).into()), etag(p.version)))
    }

    /// Rename a pipeline and replace its stages (Admin). A stage left out that holds open
    /// deals needs a destination in `moves`; one that closed deals still name is archived.
    #[oai(path = "/:id", method = "put", operation_id = "update_pipeline")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<PipelineWrite>,
    ) -> ApiResult<PipelineResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let p = self
            .app
            .update_pipeline(
                &auth.actor(),
                PipelineId::from_uuid(id.0),
                v,
                &body.0.name,
                &body.0.stages(),
                &body.0.moves(),
            )
            .await?;
        Ok(PipelineResponse::Ok(Json((&p).into()), etag(p.version)))
    }

    /// Delete a pipeline that holds no opportunity (Admin).
    #[oai(path = "/:id", method = "delete", operation_id = "delete_pipeline")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_pipeline(&auth.actor(), PipelineId::from_uuid(id.0), v).await?;
        Ok(NoContent::Done)
    }
}
