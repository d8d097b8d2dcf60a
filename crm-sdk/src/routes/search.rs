//! Routes of search, segments and the duplicate review queue.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

impl Client {
    // --- search ---

    /// Searches the contacts, organizations and opportunities you may see.
    ///
    /// # Errors
    /// `ValidationFailed` (query over 200 characters, bad filter).
    pub async fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let mut query = vec![("q", q.q.clone())];
        if !q.types.is_empty() {
            query.push(("types", q.types.join(",")));
        }
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "kind", q.kind.as_ref());
        push(&mut query, "lead_status", q.lead_status.as_ref());
        push(&mut query, "tag", q.tag.as_ref());
        push(&mut query, "organization_id", q.organization_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "stage_id", q.stage_id);
        push(&mut query, "status", q.status.as_ref());
        push(&mut query, "close_from", q.close_from);
        push(&mut query, "close_to", q.close_to);
        push(&mut query, "updated_since", q.updated_since.map(|d| d.to_rfc3339()));
        push(&mut query, "min_score", q.min_score);
        push(&mut query, "limit", q.limit);
        self.send::<(), _>(Method::GET, "/api/v1/search", &query, None, None).await
    }

    /// Rebuilds your company's part of the search index (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn reindex_search(&self) -> Result<Reindex> {
        self.send::<(), _>(Method::POST, "/api/v1/search/reindex", &[], None, None).await
    }

    // --- segments ---

    /// Every segment, with its live count (of the contacts you may see).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_segments(&self) -> Result<Vec<Segment>> {
        self.send::<(), _>(Method::GET, "/api/v1/segments", &[], None, None).await
    }

    /// Creates a segment: a static list (`rule: None`) or a dynamic one.
    ///
    /// # Errors
    /// `ValidationFailed` (the rule's faults under `rule.…`, a taken name), `Forbidden`.
    pub async fn create_segment(&self, s: &SegmentWrite) -> Result<Segment> {
        self.send(Method::POST, "/api/v1/segments", &[], Some(s), None).await
    }

    /// A segment with its live count.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn segment(&self, id: Uuid) -> Result<Segment> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/segments/{id}"), &[], None, None)
            .await
    }

    /// Renames a segment or replaces a dynamic segment's rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_segment(&self, id: Uuid, version: i64, s: &SegmentWrite) -> Result<Segment> {
        self.send(Method::PUT, &format!("/api/v1/segments/{id}"), &[], Some(s), Some(version))
            .await
    }

    /// Deletes a segment (its contacts stay).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`.
    pub async fn delete_segment(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/segments/{id}"), None, Some(version))
            .await
    }

    /// How many contacts (you may see) a rule holds, without saving it.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn preview_segment(&self, rule: &Value) -> Result<u64> {
        let r: Count = self
            .send(Method::POST, "/api/v1/segments/preview", &[], Some(&json!({"rule": rule})), None)
            .await?;
        Ok(r.count)
    }

    /// Adds contacts to a static segment; how many were added.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members(&self, id: Uuid, contact_ids: &[Uuid]) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members"),
                &[],
                Some(&json!({"contact_ids": contact_ids})),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Removes contacts from a static segment; how many were removed.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn remove_segment_members(&self, id: Uuid, contact_ids: &[Uuid]) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/remove"),
                &[],
                Some(&json!({"contact_ids": contact_ids})),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Adds every contact (you may see) of a list filter to a static segment.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members_from_filter(&self, id: Uuid, filter: &Value) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/from-filter"),
                &[],
                Some(filter),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    /// Adds the contacts a search finds to a static segment.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members_from_search(&self, id: Uuid, q: &str, limit: Option<u32>) -> Result<u64> {
        let search = SegmentSearch {
            q: q.to_owned(),
            limit,
            ..SegmentSearch::default()
        };
        self.add_segment_members_from_search_with(id, &search).await
    }

    /// Adds the contacts a search finds, narrowed by list filters, to a static segment.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn add_segment_members_from_search_with(&self, id: Uuid, search: &SegmentSearch) -> Result<u64> {
        let r: Changed = self
            .send(
                Method::POST,
                &format!("/api/v1/segments/{id}/members/from-search"),
                &[],
                Some(search),
                None,
            )
            .await?;
        Ok(r.changed)
    }

    // --- duplicate review queue ---

    /// Scans your company's contacts for likely duplicates; how many groups are open.
    ///
    /// # Errors
    /// `Forbidden` (Admin and Manager only).
    pub async fn scan_duplicates(&self) -> Result<u64> {
        let r: DuplicateScan = self.send::<(), _>(Method::POST, "/api/v1/duplicates/scan", &[], None, None).await?;
        Ok(r.groups)
    }

    /// The open groups in which you see two contacts or more.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn duplicate_groups(&self) -> Result<Vec<DuplicateGroup>> {
        self.send::<(), _>(Method::GET, "/api/v1/duplicates", &[], None, None).await
    }

    /// Dismisses a group (not duplicates).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn dismiss_duplicates(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::POST, &format!("/api/v1/duplicates/{id}/dismiss"), None, None)
            .await
    }
}
