//! `/api/v1/contacts`: people (prospects, clients, partners), their duplicates, merges and
//! history.

use super::common::{NoContent, Order, Sort, etag, if_match, page};
use super::direct_json::DirectJson;
use super::dto::contacts::ContactDto;
use super::dto::events::EventDto;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use super::{AddressDto, ApiTags, address_in};
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::contact::{Contact, ContactInput};
use crm_domain::event::EntityType;
use crm_domain::{ContactId, OrganizationId, UserId, ViolationKind};
use crm_ports::query::ContactFilter;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A contact to create, or the new editable fields of one (owner, version and tenant are
/// never taken from the body).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ContactWrite {
    /// `prospect`, `client` or `partner`.
    pub kind: String,
    /// First name (1 to 200 characters).
    pub first_name: String,
    /// Last name (1 to 200 characters).
    pub last_name: String,
    /// Emails (at most 10).
    #[oai(default)]
    pub emails: Vec<String>,
    /// Phones as written; national numbers are read with the tenant's country (at most 10).
    #[oai(default)]
    pub phones: Vec<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Job title.
    pub job_title: Option<String>,
    /// Postal address.
    pub address: Option<AddressDto>,
    /// Tags (at most 50).
    #[oai(default)]
    pub tags: Vec<String>,
    /// Source.
    pub source: Option<String>,
    /// Notes (at most 10,000 characters).
    pub notes: Option<String>,
    /// Its id in another system (1 to 100 characters, unique in the company: 422 on
    /// `external_id` when another contact has it).
    pub external_id: Option<String>,
    /// Asked for no marketing email: campaigns leave the contact out (default `false`).
    pub email_opt_out: Option<bool>,
    /// Asked for no marketing calls (default `false`).
    pub phone_opt_out: Option<bool>,
}

impl From<&Contact> for ContactWrite {
    fn from(c: &Contact) -> Self {
        let d = ContactDto::from(c);
        Self {
            kind: d.kind,
            first_name: d.first_name,
            last_name: d.last_name,
            emails: d.emails,
            phones: d.phones,
            organization_id: d.organization_id,
            job_title: d.job_title,
            address: Some(d.address),
            tags: d.tags,
            source: d.source,
            notes: d.notes,
            external_id: d.external_id,
            email_opt_out: Some(d.email_opt_out),
            phone_opt_out: Some(d.phone_opt_out),
        }
    }
}

impl ContactWrite {
    pub(crate) fn input(&self) -> ContactInput {
        ContactInput {
            kind: self.kind.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            emails: self.emails.clone(),
            phones: self.phones.clone(),
            organization_id: self.organization_id.map(OrganizationId::from_uuid),
            job_title: self.job_title.clone(),
            address: self.address.as_ref().map(address_in).unwrap_or_default(),
            tags: self.tags.clone(),
            source: self.source.clone(),
            notes: self.notes.clone(),
            external_id: self.external_id.clone(),
            email_opt_out: self.email_opt_out.unwrap_or(false),
            phone_opt_out: self.phone_opt_out.unwrap_or(false),
        }
    }
}

/// A new owner.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AssignBody {
    /// The user who becomes responsible.
    pub owner_id: Uuid,
}

/// What to merge into the contact of the path.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct MergeBody {
    /// The contact that disappears into the kept one.
    pub merged_id: Uuid,
    /// Its version (its ETag), as read.
    pub merged_version: i64,
    /// The fields of the kept contact that take the merged one's value (the others keep
    /// theirs, empty ones are filled): `first_name`, `last_name`, `job_title`,
    /// `organization_id`, `address`, `source`, `owner_id`.
    pub take: Option<Vec<String>>,
}

/// A page of contacts.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ContactPage {
    /// Contacts in order.
    pub items: Vec<ContactDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl super::direct_json::JsonAnswer for ContactPage {
    type Schema = Self;

    fn json_size(&self) -> usize {
        use super::direct_json::JsonAnswer;
        64 + self.items.iter().map(JsonAnswer::json_size).sum::<usize>() + self.next_cursor.as_ref().map_or(0, String::len)
    }
}

/// A contact with its ETag.
#[derive(ApiResponse)]
pub enum ContactResponse {
    /// The contact.
    #[oai(status = 200)]
    Ok(DirectJson<ContactDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        DirectJson<ContactDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

impl ContactResponse {
    pub(crate) fn ok(c: Contact) -> Self {
        let version = c.version;
        Self::Ok(DirectJson(c.into()), etag(version))
    }
}

pub struct ContactsApi {
    pub app: CrmApp,
}

/// The filters of a contact list as the query gives them.
pub(crate) struct ContactFilterQuery {
    pub kind: Option<String>,
    pub owner_id: Option<Uuid>,
    pub tag: Option<String>,
    pub organization_id: Option<Uuid>,
    pub updated_since: Option<DateTime<Utc>>,
    pub segment_id: Option<Uuid>,
    pub lead_status: Option<String>,
    pub pooled: Option<bool>,
    pub min_score: Option<i32>,
}

impl ContactFilterQuery {
    /// The filter, checked (a segment the actor may not read is refused).
    pub(crate) async fn filter(self, app: &CrmApp, actor: &crm_domain::Actor) -> Result<ContactFilter, ApiError> {
        Ok(ContactFilter {
            kind: super::common::contact_kind(self.kind.as_deref())?,
            owner_id: self.owner_id.map(UserId::from_uuid),
            tag: super::common::contact_tag(self.tag.as_deref())?,
            organization_id: self.organization_id.map(OrganizationId::from_uuid),
            updated_since: self.updated_since,
            segment: match self.segment_id {
                Some(s) => Some(app.segment_filter(actor, crm_domain::SegmentId::from_uuid(s)).await?),
                None => None,
            },
            lead_status: super::common::lead_status(self.lead_status.as_deref())?,
            pooled: self.pooled,
            min_score: self.min_score,
            ids: None,
        })
    }
}

#[OpenApi(prefix_path = "/api/v1/contacts", tag = "ApiTags::Contacts")]
impl ContactsApi {
    /// List the contacts you may see.
    #[oai(path = "/", method = "get", operation_id = "list_contacts")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: Auth,
        /// `prospect`, `client`, `partner` or `former_client`.
        kind: Query<Option<String>>,
        /// Owner.
        owner_id: Query<Option<Uuid>>,
        /// Carries this tag.
        tag: Query<Option<String>>,
        /// Belongs to this organization.
        organization_id: Query<Option<Uuid>>,
        /// Changed at or after.
        updated_since: Query<Option<DateTime<Utc>>>,
        /// Member of this segment (a static list or a dynamic rule, evaluated now).
        segment_id: Query<Option<Uuid>>,
        /// Leads in this status: `new`, `working`, `qualified`, `disqualified`.
        lead_status: Query<Option<String>>,
        /// `true`: leads waiting in the pool; `false`: every other contact.
        pooled: Query<Option<bool>>,
        /// A lead score of at least this.
        min_score: Query<Option<i32>>,
        sort: Query<Option<Sort>>,
        order: Query<Option<Order>>,
        /// Cursor from the previous page.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<DirectJson<ContactPage>> {
        let filter = ContactFilterQuery {
            kind: kind.0,
            owner_id: owner_id.0,
            tag: tag.0,
            organization_id: organization_id.0,
            updated_since: updated_since.0,
            segment_id: segment_id.0,
            lead_status: lead_status.0,
            pooled: pooled.0,
            min_score: min_score.0,
        }
        .filter(&self.app, &auth.actor())
        .await?;
        let actor = auth.actor();
        let p = self
            .app
            .list_contacts(&actor, &filter, &page(sort.0, order.0, cursor.0, limit.0))
            .await?;
        // Their emails and phones were read: the access log, one entry naming everyone
        // shown (queued).
        let shown: Vec<ContactId> = p.items.iter().map(|c| c.id).collect();
        self.app.record_list_access(&actor, &shown).await?;
        Ok(DirectJson(ContactPage {
            items: p.items.into_iter().map(ContactDto::from).collect(),
            next_cursor: p.next_cursor,
        }))
    }

    /// Create a contact. Likely duplicates in the whole tenant make it fail with 409 and
    /// the candidates, unless `confirm_duplicates=true`. The owner is the caller.
    #[oai(path = "/", method = "post", operation_id = "create_contact")]
    async fn create(&self, auth: Auth, body: Json<ContactWrite>, confirm_duplicates: Query<Option<bool>>) -> ApiResult<ContactResponse> {
        let c = self
            .app
            .create_contact(&auth.actor(), &body.0.input(), None, confirm_duplicates.0.unwrap_or(false))
            .await?;
        Ok(ContactResponse::Created(
            DirectJson((&c).into()),
            etag(c.version),
            format!("/api/v1/contacts/{}", c.id),
        ))
    }

    /// Read a contact.
    #[oai(path = "/:id", method = "get", operation_id = "get_contact")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<ContactResponse> {
        let actor = auth.actor();
        let c = self.app.contact(&actor, ContactId::from_uuid(id.0)).await?;
        // Who opened whose record: the access log (queued, written in batches).
        self.app
            .record_access(&actor, crm_domain::access_log::AccessKind::View, Some(c.id), 1)
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// Replace a contact's editable fields. `If-Match` must carry the ETag read.
    #[oai(path = "/:id", method = "put", operation_id = "update_contact")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<ContactWrite>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let c = self
            .app
            .update_contact(&auth.actor(), ContactId::from_uuid(id.0), v, &body.0.input())
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// Change some fields: a JSON Merge Patch (RFC 7396) of the `PUT` body — members given
    /// replace, `null` removes, objects (the address) merge; `If-Match` as for `PUT`.
    #[oai(path = "/:id", method = "patch", operation_id = "patch_contact")]
    async fn patch(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<serde_json::Value>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        let id = ContactId::from_uuid(id.0);
        let current = self.app.contact(&actor, id).await?;
        let w = super::patch::patched(&ContactWrite::from(&current), &body.0)?;
        Ok(ContactResponse::ok(self.app.update_contact(&actor, id, v, &w.input()).await?))
    }

    /// Delete a contact (softly: an Admin can restore it).
    #[oai(path = "/:id", method = "delete", operation_id = "delete_contact")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_contact(&auth.actor(), ContactId::from_uuid(id.0), v).await?;
        Ok(NoContent::Done)
    }

    /// Restore a deleted contact (Admin).
    #[oai(path = "/:id/restore", method = "post", operation_id = "restore_contact")]
    async fn restore(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<ContactResponse> {
        let c = self.app.restore_contact(&auth.actor(), ContactId::from_uuid(id.0)).await?;
        Ok(ContactResponse::ok(c))
    }

    /// Give the contact to another owner.
    #[oai(path = "/:id/assign", method = "post", operation_id = "assign_contact")]
    async fn assign(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<AssignBody>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let c = self
            .app
            .assign_contact(&auth.actor(), ContactId::from_uuid(id.0), v, UserId::from_uuid(body.0.owner_id))
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// Merge another contact into this one: emails, phones and tags are united, empty
    /// fields filled (and those named in `take` given the merged one's value),
    /// opportunities moved, histories kept. `If-Match` is this contact's ETag.
    #[oai(path = "/:id/merge", method = "post", operation_id = "merge_contacts")]
    async fn merge(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<MergeBody>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        if body.0.merged_id == id.0 {
            return Err(ApiError::field("merged_id", ViolationKind::Repeated));
        }
        let c = self
            .app
            .merge_contacts_choosing(
                &auth.actor(),
                (ContactId::from_uuid(id.0), v),
                (ContactId::from_uuid(body.0.merged_id), body.0.merged_version),
                body.0.take.as_deref().unwrap_or_default(),
            )
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// The contact's history (its changes and those of contacts merged into it), newest
    /// first: the Admin's, and a Manager's for the contacts of their teams; every other role
    /// gets 403.
    #[oai(path = "/:id/history", method = "get", operation_id = "contact_history")]
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
            .history_of(&auth.actor(), EntityType::Contact, id.0, limit.0.unwrap_or(100))
            .await?;
        Ok(Json(super::naming::named_events(&self.app, &auth.actor(), &events).await?))
    }
}
