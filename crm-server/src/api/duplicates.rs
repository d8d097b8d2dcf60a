//! `/api/v1/duplicates`: the duplicate review queue. A scan groups likely duplicates among
//! existing contacts; each group is then merged (`POST /api/v1/contacts/{id}/merge`, which
//! moves every related record and the history to the kept contact) or dismissed.

use super::ApiTags;
use super::common::NoContent;
use super::dto::contacts::ContactDto;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// A group of likely duplicates.
#[derive(Debug, Clone, Object)]
pub struct DuplicateGroupDto {
    /// Id.
    pub id: Uuid,
    /// `same_email`, `same_phone`, `similar_name` (in one organization),
    /// `same_organization_domain` (similar names in two organizations with one web domain).
    pub reasons: Vec<String>,
    /// The contacts of the group you may see (two or more).
    pub contacts: Vec<ContactDto>,
    /// Found.
    pub created_at: DateTime<Utc>,
}

/// What a scan left in the queue.
#[derive(Debug, Clone, Object)]
pub struct DuplicateScanDto {
    /// Open groups.
    pub groups: u64,
}

pub struct DuplicatesApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/duplicates", tag = "ApiTags::Contacts")]
impl DuplicatesApi {
    /// The open groups of likely duplicates in which you see two contacts or more.
    #[oai(path = "/", method = "get", operation_id = "list_duplicate_groups")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<DuplicateGroupDto>>> {
        let groups = self.app.duplicate_groups(&auth.actor()).await?;
        Ok(Json(
            groups
                .iter()
                .map(|g| DuplicateGroupDto {
                    id: g.id,
                    reasons: g.reasons.iter().map(|r| r.code().to_owned()).collect(),
                    contacts: g.contacts.iter().map(ContactDto::from).collect(),
                    created_at: g.created_at,
                })
                .collect(),
        ))
    }

    /// Scan every contact of your company for likely duplicates and replace the open queue
    /// with what is found (groups dismissed before are not proposed again). Admin, Manager.
    #[oai(path = "/scan", method = "post", operation_id = "scan_duplicates")]
    async fn scan(&self, auth: Auth) -> ApiResult<Json<DuplicateScanDto>> {
        let groups = self.app.scan_duplicates(&auth.actor()).await?;
        Ok(Json(DuplicateScanDto { groups }))
    }

    /// Dismiss a group: these contacts are not duplicates. Admin, Manager.
    #[oai(path = "/:id/dismiss", method = "post", operation_id = "dismiss_duplicates")]
    async fn dismiss(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.dismiss_duplicates(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }
}
