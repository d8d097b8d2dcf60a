//! `/api/v1/search`: one query across the contacts, organizations and opportunities the
//! caller may see, grouped by kind and ranked, with highlighted snippets; and the rebuild
//! of the tenant's part of the index.

use super::ApiTags;
use super::common::{contact_kind, contact_tag};
use super::direct_json::DirectJson;
use super::dto::opportunities::StatusParam;
use super::problem::ApiResult;
use super::search_answer::SearchAnswer;
use super::security::Auth;
use crate::assemble::CrmApp;
use crate::search::SearchHandle;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::contact::ContactKind;
use crm_domain::{UserId, ViolationKind};
use crm_ports::search::{SearchEntity, SearchFilters};
use crm_ports::services::search::SearchRequest;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// What a rebuild did.
#[derive(Debug, Clone, Object)]
pub struct ReindexDto {
    /// Documents written.
    pub documents: u64,
}

pub struct SearchApi {
    pub app: CrmApp,
    pub search: SearchHandle,
}

fn parse_types(raw: Option<&str>) -> Result<Vec<SearchEntity>, super::problem::ApiError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| SearchEntity::from_code(s).ok_or_else(|| super::problem::ApiError::field("types", ViolationKind::Malformed)))
        .collect()
}

#[OpenApi(prefix_path = "/api/v1/search", tag = "ApiTags::Search")]
impl SearchApi {
    /// Search contacts, organizations and opportunities you may see. Words are matched
    /// without accents or case, as prefixes while typing, with one typo on words of five
    /// letters or more (in a search of several words, only when the words as typed do not
    /// fill the page); an email address, its local part or domain, or a phone number (in
    /// any written form, or its first or last four digits and more) match exactly.
    /// Filters are those of the lists; a filter only some kinds have leaves the others out.
    #[oai(path = "/", method = "get", operation_id = "search")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        auth: Auth,
        /// What was typed (up to 200 characters).
        q: Query<String>,
        /// Kinds, comma-separated: `contact`, `organization`, `opportunity` (default: all).
        types: Query<Option<String>>,
        /// Owner.
        owner_id: Query<Option<Uuid>>,
        /// Contact kind: `prospect`, `client`, `partner` or `former_client`.
        kind: Query<Option<String>>,
        /// Leads in this status: `new`, `working`, `qualified`, `disqualified`.
        lead_status: Query<Option<String>>,
        /// Contact tag.
        tag: Query<Option<String>>,
        /// Organization (its contacts and opportunities).
        organization_id: Query<Option<Uuid>>,
        /// Pipeline.
        pipeline_id: Query<Option<Uuid>>,
        /// Stage.
        stage_id: Query<Option<Uuid>>,
        /// Opportunity status.
        status: Query<Option<StatusParam>>,
        /// Expected close on or after.
        close_from: Query<Option<NaiveDate>>,
        /// Expected close on or before.
        close_to: Query<Option<NaiveDate>>,
        /// Changed at or after.
        updated_since: Query<Option<DateTime<Utc>>>,
        /// Contacts with a lead score of at least this (contacts only).
        min_score: Query<Option<i32>>,
        /// Hits per kind, 1 to 50 (default 10).
        #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<DirectJson<SearchAnswer>> {
        let filters = SearchFilters {
            owner_id: owner_id.0.map(UserId::from_uuid),
            kind: contact_kind(kind.0.as_deref())?.map(ContactKind::code),
            lead_status: super::common::lead_status(lead_status.0.as_deref())?.map(crm_domain::lead::LeadStatus::code),
            tag: contact_tag(tag.0.as_deref())?.map(|t| t.as_str().to_owned()),
            organization_id: organization_id.0,
            pipeline_id: pipeline_id.0,
            stage_id: stage_id.0,
            status: status.0.map(StatusParam::code),
            close_from: close_from.0,
            close_to: close_to.0,
            updated_since: updated_since.0,
            min_score: min_score.0,
        };
        let req = SearchRequest {
            query: q.0,
            entities: parse_types(types.0.as_deref())?,
            filters,
            limit: limit.0,
        };
        let results = self.app.search(self.search.index(), &auth.actor(), req).await?;
        Ok(DirectJson(SearchAnswer(results)))
    }

    /// Rebuild your company's part of the search index from the records (Admin). Searches
    /// keep working meanwhile; records changed during the rebuild are caught up after it.
    #[oai(path = "/reindex", method = "post", operation_id = "reindex_search")]
    async fn reindex(&self, auth: Auth) -> ApiResult<Json<ReindexDto>> {
        let report = {
            let _maintenance = self.search.maintenance().await;
            self.app.reindex(self.search.index(), &auth.actor()).await?
        };
        // Its many small segments merged in the background.
        self.search.merge_soon();
        Ok(Json(ReindexDto {
            documents: report.documents,
        }))
    }
}
