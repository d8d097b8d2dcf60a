//! `/api/v1/segments`: static lists of contacts and dynamic segments defined by rules,
//! with live counts; members listed through `GET /api/v1/contacts?segment_id=…`.

use super::ApiTags;
use super::common::{NoContent, contact_kind, contact_tag, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use crate::search::SearchHandle;
use chrono::{DateTime, Utc};
use crm_domain::contact::ContactKind;
use crm_domain::segment::{Definition, Segment};
use crm_domain::{ContactId, OrganizationId, SegmentId, UserId};
use crm_ports::query::ContactFilter;
use crm_ports::search::SearchFilters;
use crm_ports::services::search::SearchRequest;
use crm_ports::services::segments::SegmentInput;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

/// A segment.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SegmentDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `static` (a list kept by hand) or `dynamic` (a rule).
    pub kind: String,
    /// The rule of a dynamic segment (see the guide for its grammar).
    pub rule: Option<Value>,
    /// How many of the contacts you may see are in it, now.
    pub count: u64,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn dto(s: &Segment, count: u64) -> SegmentDto {
    SegmentDto {
        id: s.id.as_uuid(),
        name: s.name.to_string(),
        kind: s.definition.code().to_owned(),
        rule: match &s.definition {
            Definition::Dynamic(r) => Some(r.to_json()),
            Definition::Static => None,
        },
        count,
        created_by: s.created_by.map(|u| u.as_uuid()),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// A segment to create, or its new name and rule.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SegmentWrite {
    /// Name, unique in your company (accents and case ignored).
    pub name: String,
    /// The rule of a dynamic segment; absent for a static list. Example:
    /// `{"all": [{"field": "kind", "op": "eq", "value": "prospect"},
    /// {"field": "last_activity", "op": "before", "value": {"days_ago": 90}}]}`.
    pub rule: Option<Value>,
}

/// A rule to count without saving it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RulePreview {
    /// The rule.
    pub rule: Value,
}

/// A count.
#[derive(Debug, Clone, Object)]
pub struct PreviewDto {
    /// Contacts you may see that the rule holds.
    pub count: u64,
}

/// Contacts to add or remove.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct MembersWrite {
    /// Contact ids (at most 1,000).
    pub contact_ids: Vec<Uuid>,
}

/// How many contacts a call added or removed.
#[derive(Debug, Clone, Object)]
pub struct ChangedDto {
    /// Contacts added or removed (those already in, or not in, are not counted).
    pub changed: u64,
}

/// The contacts of a list filter, to add to a static segment.
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields)]
pub struct FilterWrite {
    /// `prospect`, `client`, `partner` or `former_client`.
    pub kind: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Belongs to this organization.
    pub organization_id: Option<Uuid>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Member of this (other) segment.
    pub segment_id: Option<Uuid>,
    /// Leads in this status: `new`, `working`, `qualified`, `disqualified`.
    pub lead_status: Option<String>,
    /// `true`: leads waiting in the pool; `false`: every other contact.
    pub pooled: Option<bool>,
}

/// A search whose contacts are added to a static segment.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SearchWrite {
    /// What to search.
    pub q: String,
    /// The best this many (1 to 1,000, default 1,000).
    pub limit: Option<u32>,
    /// `prospect`, `client`, `partner` or `former_client`.
    pub kind: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Belongs to this organization.
    pub organization_id: Option<Uuid>,
}

/// A segment with its ETag.
#[derive(ApiResponse)]
pub enum SegmentResponse {
    /// The segment.
    #[oai(status = 200)]
    Ok(Json<SegmentDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<SegmentDto>, #[oai(header = "ETag")] String, #[oai(header = "Location")] String),
}

pub struct SegmentsApi {
    pub app: CrmApp,
    pub search: SearchHandle,
}

fn input(w: &SegmentWrite) -> SegmentInput {
    SegmentInput {
        name: w.name.clone(),
        rule: w.rule.clone(),
    }
}

#[OpenApi(prefix_path = "/api/v1/segments", tag = "ApiTags::Segments")]
impl SegmentsApi {
    /// List segments, each with its live count (of the contacts you may see).
    #[oai(path = "/", method = "get", operation_id = "list_segments")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<SegmentDto>>> {
        let actor = auth.actor();
        let mut out = Vec::new();
        for s in self.app.list_segments(&actor).await? {
            let n = self.app.count_segment(&actor, &s).await?;
            out.push(dto(&s, n));
        }
        Ok(Json(out))
    }

    /// Create a segment: a static list (no rule) or a dynamic segment (a rule). Admin,
    /// Manager, Marketing.
    #[oai(path = "/", method = "post", operation_id = "create_segment")]
    async fn create(&self, auth: Auth, body: Json<SegmentWrite>) -> ApiResult<SegmentResponse> {
        let actor = auth.actor();
        let s = self.app.create_segment(&actor, &input(&body.0)).await?;
        let n = self.app.count_segment(&actor, &s).await?;
        Ok(SegmentResponse::Created(
            Json(dto(&s, n)),
            etag(s.version),
            format!("/api/v1/segments/{}", s.id),
        ))
    }

    /// Count the contacts (you may see) a rule holds, without saving it.
    #[oai(path = "/preview", method = "post", operation_id = "preview_segment")]
    async fn preview(&self, auth: Auth, body: Json<RulePreview>) -> ApiResult<Json<PreviewDto>> {
        let count = self.app.preview_segment(&auth.actor(), &body.0.rule).await?;
        Ok(Json(PreviewDto { count }))
    }

    /// Read a segment with its live count.
    #[oai(path = "/:id", method = "get", operation_id = "get_segment")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<SegmentResponse> {
        let actor = auth.actor();
        let s = self.app.segment(&actor, SegmentId::from_uuid(id.0)).await?;
        let n = self.app.count_segment(&actor, &s).await?;
        Ok(SegmentResponse::Ok(Json(dto(&s, n)), etag(s.version)))
    }

    /// Rename a segment, or replace a dynamic segment's rule (`If-Match` required). A
    /// static segment stays static, a dynamic one dynamic.
    #[oai(path = "/:id", method = "put", operation_id = "update_segment")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<SegmentWrite>,
    ) -> ApiResult<SegmentResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        let s = self
            .app
            .update_segment(&actor, SegmentId::from_uuid(id.0), v, &input(&body.0))
            .await?;
        let n = self.app.count_segment(&actor, &s).await?;
        Ok(SegmentResponse::Ok(Json(dto(&s, n)), etag(s.version)))
    }

    /// Delete a segment (its contacts stay; `If-Match` required).
    #[oai(path = "/:id", method = "delete", operation_id = "delete_segment")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_segment(&auth.actor(), SegmentId::from_uuid(id.0), v).await?;
        Ok(NoContent::Done)
    }

    /// Add contacts to a static segment.
    #[oai(path = "/:id/members", method = "post", operation_id = "add_segment_members")]
    async fn add(&self, auth: Auth, id: Path<Uuid>, body: Json<MembersWrite>) -> ApiResult<Json<ChangedDto>> {
        let ids: Vec<ContactId> = body.0.contact_ids.into_iter().map(ContactId::from_uuid).collect();
        let changed = self
            .app
            .add_segment_members(&auth.actor(), SegmentId::from_uuid(id.0), &ids)
            .await?;
        Ok(Json(ChangedDto { changed }))
    }

    /// Remove contacts from a static segment.
    #[oai(path = "/:id/members/remove", method = "post", operation_id = "remove_segment_members")]
    async fn remove(&self, auth: Auth, id: Path<Uuid>, body: Json<MembersWrite>) -> ApiResult<Json<ChangedDto>> {
        let ids: Vec<ContactId> = body.0.contact_ids.into_iter().map(ContactId::from_uuid).collect();
        let changed = self
            .app
            .remove_segment_members(&auth.actor(), SegmentId::from_uuid(id.0), &ids)
            .await?;
        Ok(Json(ChangedDto { changed }))
    }

    /// Add to a static segment every contact (you may see) of a list filter, at most
    /// 10,000.
    #[oai(
        path = "/:id/members/from-filter",
        method = "post",
        operation_id = "add_segment_members_from_filter"
    )]
    async fn add_filtered(&self, auth: Auth, id: Path<Uuid>, body: Json<FilterWrite>) -> ApiResult<Json<ChangedDto>> {
        let actor = auth.actor();
        let f = body.0;
        let segment = match f.segment_id {
            Some(s) => Some(self.app.segment_filter(&actor, SegmentId::from_uuid(s)).await?),
            None => None,
        };
        let filter = ContactFilter {
            kind: contact_kind(f.kind.as_deref())?,
            owner_id: f.owner_id.map(UserId::from_uuid),
            tag: contact_tag(f.tag.as_deref())?,
            organization_id: f.organization_id.map(OrganizationId::from_uuid),
            updated_since: f.updated_since,
            segment,
            lead_status: super::common::lead_status(f.lead_status.as_deref())?,
            pooled: f.pooled,
            min_score: None,
            ids: None,
        };
        let changed = self
            .app
            .add_segment_members_from_filter(&actor, SegmentId::from_uuid(id.0), &filter)
            .await?;
        Ok(Json(ChangedDto { changed }))
    }

    /// Add to a static segment the contacts a search finds (the best `limit`, at most
    /// 1,000).
    #[oai(
        path = "/:id/members/from-search",
        method = "post",
        operation_id = "add_segment_members_from_search"
    )]
    async fn add_searched(&self, auth: Auth, id: Path<Uuid>, body: Json<SearchWrite>) -> ApiResult<Json<ChangedDto>> {
        let w = body.0;
        let req = SearchRequest {
            query: w.q,
            entities: Vec::new(),
            filters: SearchFilters {
                kind: contact_kind(w.kind.as_deref())?.map(ContactKind::code),
                owner_id: w.owner_id.map(UserId::from_uuid),
                tag: contact_tag(w.tag.as_deref())?.map(|t| t.as_str().to_owned()),
                organization_id: w.organization_id,
                ..SearchFilters::default()
            },
            limit: w.limit,
        };
        let changed = self
            .app
            .add_segment_members_from_search(self.search.index(), &auth.actor(), SegmentId::from_uuid(id.0), req)
            .await?;
        Ok(Json(ChangedDto { changed }))
    }
}
