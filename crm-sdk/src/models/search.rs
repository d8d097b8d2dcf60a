//! Search, segments and the duplicate review queue.

use super::Contact;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A search: what was typed, kinds and list filters.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// What was typed.
    pub q: String,
    /// Kinds (`contact`, `organization`, `opportunity`); all when empty.
    pub types: Vec<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Contact kind.
    pub kind: Option<String>,
    /// Leads in this status.
    pub lead_status: Option<String>,
    /// Contact tag.
    pub tag: Option<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Stage.
    pub stage_id: Option<Uuid>,
    /// Opportunity status (`open`, `won`, `lost`).
    pub status: Option<String>,
    /// Expected close on or after.
    pub close_from: Option<NaiveDate>,
    /// Expected close on or before.
    pub close_to: Option<NaiveDate>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Contacts with a lead score of at least this.
    pub min_score: Option<i32>,
    /// Hits per kind (1 to 50).
    pub limit: Option<u32>,
}

/// A piece of a highlighted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    /// Text.
    pub text: String,
    /// Whether it matched.
    pub matched: bool,
}

/// A matched text of a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Field (`name`, `organization`, `email`, `phone`...).
    pub field: String,
    /// The text in parts.
    pub parts: Vec<SnippetPart>,
}

impl Snippet {
    /// The matched parts.
    pub fn matched(&self) -> Vec<&str> {
        self.parts.iter().filter(|p| p.matched).map(|p| p.text.as_str()).collect()
    }
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Record id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Second line.
    pub subtitle: Option<String>,
    /// Relevance within the group.
    pub score: f32,
    /// Matched texts.
    pub snippets: Vec<Snippet>,
}

/// Hits of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchGroup {
    /// `contact`, `organization` or `opportunity`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Hits, best first.
    pub hits: Vec<SearchHit>,
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Groups.
    pub groups: Vec<SearchGroup>,
}

impl SearchResults {
    /// The hits of one kind.
    pub fn hits(&self, kind: &str) -> &[SearchHit] {
        self.groups.iter().find(|g| g.kind == kind).map_or(&[], |g| &g.hits)
    }
}

/// What a rebuild of the search index did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reindex {
    /// Documents written.
    pub documents: u64,
}

/// A segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `static` or `dynamic`.
    pub kind: String,
    /// The rule of a dynamic segment.
    pub rule: Option<Value>,
    /// Contacts you may see in it, now.
    pub count: u64,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A segment to create, or its new name and rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentWrite {
    /// Name.
    pub name: String,
    /// Rule (dynamic segments only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Value>,
}

/// A search whose contacts join a static segment, with the list filters that narrow it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSearch {
    /// What to search.
    pub q: String,
    /// The best this many (1 to 1,000; the server's default 1,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Contact kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    /// Tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
}

/// A count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// How many.
    pub count: u64,
}

/// How many records a call changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    /// How many.
    pub changed: u64,
}

/// What a scan for duplicates found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateScan {
    /// Open groups after the scan.
    pub groups: u64,
}

/// A group of likely duplicates in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// Id.
    pub id: Uuid,
    /// `same_email`, `same_phone`, `similar_name`, `same_organization_domain`.
    pub reasons: Vec<String>,
    /// The contacts you may see.
    pub contacts: Vec<Contact>,
    /// Found.
    pub created_at: DateTime<Utc>,
}
