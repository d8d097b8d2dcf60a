//! `/api/v1/territories`: a company's areas (postcode starts, industries) given to teams —
//! managed by the Admin, read by every role — and which one covers a place.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::territory::{Territory, TerritoryInput};
use crm_domain::{TeamId, TerritoryId};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A territory.
#[derive(Debug, Clone, Object)]
pub struct TerritoryDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The team it is given to.
    pub team_id: Uuid,
    /// Starts of postcodes (departments `33`, `2A`, or whole codes), upper case.
    pub areas: Vec<String>,
    /// Industries (compared without accents or case).
    pub industries: Vec<String>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Territory> for TerritoryDto {
    fn from(t: &Territory) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.to_string(),
            team_id: t.team_id.as_uuid(),
            areas: t.areas.clone(),
            industries: t.industries.iter().map(ToString::to_string).collect(),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A territory to add, or the new fields of one.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TerritoryBody {
    /// Name (unique in the company).
    pub name: String,
    /// The team.
    pub team_id: Uuid,
    /// Starts of postcodes (`33`, `2A`, `75011`; at most 300).
    #[oai(default)]
    pub areas: Vec<String>,
    /// Industries (at most 50). A territory names at least one area or one industry.
    #[oai(default)]
    pub industries: Vec<String>,
}

impl TerritoryBody {
    fn input(&self) -> TerritoryInput {
        TerritoryInput {
            name: self.name.clone(),
            team_id: Some(TeamId::from_uuid(self.team_id)),
            areas: self.areas.clone(),
            industries: self.industries.clone(),
        }
    }
}

/// Where a place falls.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TerritoryMatchDto {
    /// The territory covering it (none: no territory does).
    pub territory: Option<TerritoryDto>,
    /// Its team's name.
    pub team_name: Option<String>,
}

/// A territory with its ETag.
#[derive(ApiResponse)]
pub enum TerritoryResponse {
    /// The territory.
    #[oai(status = 200)]
    Ok(Json<TerritoryDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<TerritoryDto>, #[oai(header = "ETag")] String),
}

pub struct TerritoriesApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/territories", tag = "ApiTags::Users")]
impl TerritoriesApi {
    /// The company's territories, by name (every role).
    #[oai(path = "/", method = "get", operation_id = "list_territories")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<TerritoryDto>>> {
        Ok(Json(
            self.app.territories(&auth.actor()).await?.iter().map(TerritoryDto::from).collect(),
        ))
    }

    /// Add a territory (Admin).
    #[oai(path = "/", method = "post", operation_id = "create_territory")]
    async fn create(&self, auth: Auth, body: Json<TerritoryBody>) -> ApiResult<TerritoryResponse> {
        let t = self.app.create_territory(&auth.actor(), &body.0.input()).await?;
        Ok(TerritoryResponse::Created(Json((&t).into()), etag(t.version)))
    }

    /// The territory covering a place — a postcode, a company's industry — the longest
    /// postcode start first, then one naming the industry.
    #[oai(path = "/match", method = "get", operation_id = "match_territory")]
    async fn covering(
        &self,
        auth: Auth,
        /// Postcode.
        postal_code: Query<Option<String>>,
        /// Industry.
        industry: Query<Option<String>>,
    ) -> ApiResult<Json<TerritoryMatchDto>> {
        let m = self
            .app
            .territory_for(&auth.actor(), postal_code.0.as_deref(), industry.0.as_deref())
            .await?;
        Ok(Json(TerritoryMatchDto {
            territory: m.as_ref().map(|m| (&m.territory).into()),
            team_name: m.map(|m| m.team.name.to_string()),
        }))
    }

    /// Replace a territory (Admin); `If-Match` is its ETag.
    #[oai(path = "/:id", method = "put", operation_id = "update_territory")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<TerritoryBody>,
    ) -> ApiResult<TerritoryResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let t = self
            .app
            .update_territory(&auth.actor(), TerritoryId::from_uuid(id.0), v, &body.0.input())
            .await?;
        Ok(TerritoryResponse::Ok(Json((&t).into()), etag(t.version)))
    }

    /// Remove a territory (Admin); contacts and teams stay as they are.
    #[oai(path = "/:id", method = "delete", operation_id = "delete_territory")]
    async fn delete(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.delete_territory(&auth.actor(), TerritoryId::from_uuid(id.0)).await?;
        Ok(NoContent::Done)
    }
}
