//! `/api/v1/organizations`: the companies contacts belong to, readable by every role.

use super::common::{NoContent, Order, Sort, etag, if_match, page};
use super::dto::events::EventDto;
use super::problem::ApiResult;
use super::security::Auth;
use super::{AddressDto, ApiTags, address_in, address_out};
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::OrganizationId;
use crm_domain::event::EntityType;
use crm_domain::organization::{Organization, OrganizationInput};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// An organization.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrganizationDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Web domain (`exemple.fr`).
    pub domain: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// `micro`, `small`, `medium`, `intermediate` or `large`.
    pub size: Option<String>,
    /// Address.
    pub address: AddressDto,
    /// Its id in another system (an ERP, a file), unique in the company.
    pub external_id: Option<String>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Organization> for OrganizationDto {
    fn from(o: &Organization) -> Self {
        Self {
            id: o.id.as_uuid(),
            name: o.name.to_string(),
            domain: o.domain.as_ref().map(|d| d.as_str().to_owned()),
            industry: o.industry.as_ref().map(ToString::to_string),
            size: o.size.map(|s| s.code().to_owned()),
            address: address_out(&o.address),
            external_id: o.external_id.as_ref().map(ToString::to_string),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// An organization to create, or its new fields.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationWrite {
    /// Name.
    pub name: String,
    /// Web domain or site address.
    pub domain: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// `micro`, `small`, `medium`, `intermediate` or `large`.
    pub size: Option<String>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Its id in another system (an ERP, a file): at most 100 characters, unique in the
    /// company (409 on `external_id` when another organization has it). An import finds
    /// the organization by it.
    pub external_id: Option<String>,
}

impl From<&Organization> for OrganizationWrite {
    fn from(o: &Organization) -> Self {
        let d = OrganizationDto::from(o);
        Self {
            name: d.name,
            domain: d.domain,
            industry: d.industry,
            size: d.size,
            address: Some(d.address),
            external_id: d.external_id,
        }
    }
}

impl OrganizationWrite {
    fn input(&self) -> OrganizationInput {
        OrganizationInput {
            name: self.name.clone(),
            domain: self.domain.clone(),
            industry: self.industry.clone(),
            size: self.size.clone(),
            address: self.address.as_ref().map(address_in).unwrap_or_default(),
            external_id: self.external_id.clone(),
        }
    }
}

/// A page of organizations.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrganizationPage {
    /// Organizations in order.
    pub items: Vec<OrganizationDto>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// An organization with its ETag.
#[derive(ApiResponse)]
pub enum OrganizationResponse {
    /// The organization.
    #[oai(status = 200)]
    Ok(Json<OrganizationDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<OrganizationDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

impl OrganizationResponse {
    fn ok(o: &Organization) -> Self {
        Self::Ok(Json(o.into()), etag(o.version))
    }
}

pub struct OrganizationsApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/organizations", tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// List organizations.
    #[oai(path = "/", method = "get", operation_id = "list_organizations")]
    async fn list(
        &self,
        auth: Auth,
        sort: Query<Option<Sort>>,
        order: Query<Option<Order>>,
        /// Cursor from the previous page.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<OrganizationPage>> {
        let p = self
            .app
            .list_organizations(&auth.actor(), &page(sort.0, order.0, cursor.0, limit.0))
            .await?;
        Ok(Json(OrganizationPage {
            items: p.items.iter().map(OrganizationDto::from).collect(),
            next_cursor: p.next_cursor,
        }))
    }

    /// Create an organization.
    #[oai(path = "/", method = "post", operation_id = "create_organization")]
    async fn create(&self, auth: Auth, body: Json<OrganizationWrite>) -> ApiResult<OrganizationResponse> {
        let o = self.app.create_organization(&auth.actor(), &body.0.input()).await?;
        Ok(OrganizationResponse::Created(
            Json((&o).into()),
            etag(o.version),
            format!("/api/v1/organizations/{}", o.id),
        ))
    }

    /// Read an organization.
    #[oai(path = "/:id", method = "get", operation_id = "get_organization")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<OrganizationResponse> {
        Ok(OrganizationResponse::ok(
            &self.app.organization(&auth.actor(), OrganizationId::from_uuid(id.0)).await?,
        ))
    }

    /// Replace an organization's fields (`If-Match` required).
    #[oai(path = "/:id", method = "put", operation_id = "update_organization")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<OrganizationWrite>,
    ) -> ApiResult<OrganizationResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        Ok(OrganizationResponse::ok(
            &self
                .app
                .update_organization(&auth.actor(), OrganizationId::from_uuid(id.0), v, &body.0.input())
                .await?,
        ))
    }

    /// Change some fields: a JSON Merge Patch (RFC 7396) of the `PUT` body; `If-Match` as
    /// for `PUT`.
    #[oai(path = "/:id", method = "patch", operation_id = "patch_organization")]
    async fn patch(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<serde_json::Value>,
    ) -> ApiResult<OrganizationResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        let id = OrganizationId::from_uuid(id.0);
        let current = self.app.organization(&actor, id).await?;
        let w = super::patch::patched(&OrganizationWrite::from(&current), &body.0)?;
        Ok(OrganizationResponse::ok(
            &self.app.update_organization(&actor, id, v, &w.input()).await?,
        ))
    }

    /// Delete an organization (softly).
    #[oai(path = "/:id", method = "delete", operation_id = "delete_organization")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app
            .delete_organization(&auth.actor(), OrganizationId::from_uuid(id.0), v)
            .await?;
        Ok(NoContent::Done)
    }

    /// Restore a deleted organization (Admin).
    #[oai(path = "/:id/restore", method = "post", operation_id = "restore_organization")]
    async fn restore(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<OrganizationResponse> {
        Ok(OrganizationResponse::ok(
            &self
                .app
                .restore_organization(&auth.actor(), OrganizationId::from_uuid(id.0))
                .await?,
        ))
    }

    /// The organization's history, newest first (Admin; every other role gets 403).
    #[oai(path = "/:id/history", method = "get", operation_id = "organization_history")]
    async fn history(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// At most this many events (1 to 1000, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<EventDto>>> {
        let events = self
            .app
            .history_of(&auth.actor(), EntityType::Organization, id.0, limit.0.unwrap_or(100))
            .await?;
        Ok(Json(super::naming::named_events(&self.app, &auth.actor(), &events).await?))
    }
}
