//! Routes of contacts and organizations.

use super::{ContactQuery, OrganizationQuery, push};
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

impl Client {
    // --- contacts ---

    /// A page of the contacts you may see.
    ///
    /// # Errors
    /// `ValidationFailed` (bad filter or cursor).
    pub async fn list_contacts(&self, q: &ContactQuery) -> Result<Page<Contact>> {
        let mut query = Vec::new();
        push(&mut query, "kind", q.kind.as_ref());
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "tag", q.tag.as_ref());
        push(&mut query, "organization_id", q.organization_id);
        push(&mut query, "segment_id", q.segment_id);
        push(&mut query, "updated_since", q.updated_since.map(|t| t.to_rfc3339()));
        push(&mut query, "lead_status", q.lead_status.as_ref());
        push(&mut query, "pooled", q.pooled);
        push(&mut query, "min_score", q.min_score);
        push(&mut query, "sort", q.sort.as_ref());
        push(&mut query, "order", q.order.as_ref());
        push(&mut query, "cursor", q.cursor.as_ref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/contacts", &query, None, None).await
    }

    /// Creates a contact (refused with `PossibleDuplicates` unless `confirm_duplicates`).
    ///
    /// # Errors
    /// `ValidationFailed`, `PossibleDuplicates`, `Forbidden`.
    pub async fn create_contact(&self, c: &ContactWrite, confirm_duplicates: bool) -> Result<Contact> {
        let q = [("confirm_duplicates", confirm_duplicates.to_string())];
        self.send(Method::POST, "/api/v1/contacts", &q, Some(c), None).await
    }

    /// A contact.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn contact(&self, id: Uuid) -> Result<Contact> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{id}"), &[], None, None)
            .await
    }

    /// Replaces a contact's editable fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_contact(&self, id: Uuid, version: i64, c: &ContactWrite) -> Result<Contact> {
        self.send(Method::PUT, &format!("/api/v1/contacts/{id}"), &[], Some(c), Some(version))
            .await
    }

    /// Deletes a contact softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_contact(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/contacts/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted contact (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_contact(&self, id: Uuid) -> Result<Contact> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/contacts/{id}/restore"), &[], None, None)
            .await
    }

    /// Gives a contact to another owner.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn assign_contact(&self, id: Uuid, version: i64, owner_id: Uuid) -> Result<Contact> {
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/assign"),
            &[],
            Some(&json!({"owner_id": owner_id})),
            Some(version),
        )
        .await
    }

    /// Merges `merged_id` into `id`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn merge_contacts(&self, id: Uuid, version: i64, merged_id: Uuid, merged_version: i64) -> Result<Contact> {
        self.merge_contacts_taking(id, version, merged_id, merged_version, &[]).await
    }

    /// Merges `merged_id` into contact `id` as [`Self::merge_contacts`] does, the fields
    /// named in `take` (`first_name`, `last_name`, `job_title`, `organization_id`,
    /// `address`, `source`, `owner_id`) getting the merged contact's value.
    ///
    /// # Errors
    /// As [`Self::merge_contacts`]; `ValidationFailed` (`take.<i>`).
    pub async fn merge_contacts_taking(
        &self,
        id: Uuid,
        version: i64,
        merged_id: Uuid,
        merged_version: i64,
        take: &[&str],
    ) -> Result<Contact> {
        let body = json!({"merged_id": merged_id, "merged_version": merged_version, "take": take});
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/merge"),
            &[],
            Some(&body),
            Some(version),
        )
        .await
    }

    /// A contact's history, newest first (Admin; a Manager for their teams' contacts).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`.
    pub async fn contact_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.contact_history_with(id, None).await
    }

    /// A contact's history, newest first, at most `limit` events (1 to 1000, default 100).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`, `ValidationFailed` (`limit`).
    pub async fn contact_history_with(&self, id: Uuid, limit: Option<u32>) -> Result<Vec<Event>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{id}/history"), &query, None, None)
            .await
    }

    // --- organizations ---

    /// A page of organizations.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn list_organizations(&self, cursor: Option<&str>, limit: Option<u32>) -> Result<Page<Organization>> {
        self.list_organizations_with(&OrganizationQuery {
            cursor: cursor.map(str::to_owned),
            limit,
            ..OrganizationQuery::default()
        })
        .await
    }

    /// A page of organizations, sorted.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn list_organizations_with(&self, q: &OrganizationQuery) -> Result<Page<Organization>> {
        let mut query = Vec::new();
        push(&mut query, "sort", q.sort.as_ref());
        push(&mut query, "order", q.order.as_ref());
        push(&mut query, "cursor", q.cursor.as_ref());
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/organizations", &query, None, None).await
    }

    /// Creates an organization.
    ///
    /// # Errors
    /// `ValidationFailed`, `Forbidden`.
    pub async fn create_organization(&self, o: &OrganizationWrite) -> Result<Organization> {
        self.send(Method::POST, "/api/v1/organizations", &[], Some(o), None).await
    }

    /// An organization.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn organization(&self, id: Uuid) -> Result<Organization> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/organizations/{id}"), &[], None, None)
            .await
    }

    /// Replaces an organization's fields.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_organization(&self, id: Uuid, version: i64, o: &OrganizationWrite) -> Result<Organization> {
        self.send(Method::PUT, &format!("/api/v1/organizations/{id}"), &[], Some(o), Some(version))
            .await
    }

    /// Deletes an organization softly.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_organization(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/organizations/{id}"), None, Some(version))
            .await
    }

    /// Restores a deleted organization (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn restore_organization(&self, id: Uuid) -> Result<Organization> {
        self.send::<(), _>(Method::POST, &format!("/api/v1/organizations/{id}/restore"), &[], None, None)
            .await
    }

    /// An organization's history, newest first (Admin).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`.
    pub async fn organization_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.organization_history_with(id, None).await
    }

    /// An organization's history, newest first, at most `limit` events (1 to 1000, default
    /// 100).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound`, `ValidationFailed` (`limit`).
    pub async fn organization_history_with(&self, id: Uuid, limit: Option<u32>) -> Result<Vec<Event>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/organizations/{id}/history"), &query, None, None)
            .await
    }
}
