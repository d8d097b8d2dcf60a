//! Events of the log as the API shows them: the audit history, the histories of records,
//! timelines and the real-time stream.

use chrono::{DateTime, Utc};
use crm_ports::query::EventRecord;
use poem_openapi::Object;
use uuid::Uuid;

/// One field's change.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChangeDto {
    /// Field.
    pub field: String,
    /// Value before (absent on creation).
    pub before: Option<serde_json::Value>,
    /// Value after.
    pub after: Option<serde_json::Value>,
    /// For a field holding an id (a stage, a user, an organization...): the name before.
    pub before_name: Option<String>,
    /// The name after.
    pub after_name: Option<String>,
}

/// One event of the log.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventDto {
    /// Per-tenant sequence number.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `operator` or `system`.
    pub actor_kind: String,
    /// The acting user.
    pub actor_id: Option<Uuid>,
    /// Their name.
    pub actor_name: Option<String>,
    /// `contact`, `opportunity`...
    pub entity_type: String,
    /// Which record.
    pub entity_id: Uuid,
    /// `created`, `updated`, `stage_moved`, `won`...
    pub kind: String,
    /// Field changes.
    pub changes: Vec<ChangeDto>,
    /// The values belonged to a person whose data was erased: which fields changed stays
    /// known, their values are gone ("données effacées").
    pub erased: bool,
}

impl From<&EventRecord> for EventDto {
    fn from(e: &EventRecord) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor_kind: e.actor_kind.clone(),
            actor_id: e.actor_id.map(|u| u.as_uuid()),
            actor_name: None,
            entity_type: e.entity_type.code().to_owned(),
            entity_id: e.entity_id,
            kind: e.kind.name().to_owned(),
            changes: e
                .changes
                .iter()
                .map(|c| ChangeDto {
                    field: c.field.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                    before_name: None,
                    after_name: None,
                })
                .collect(),
            erased: e.erased,
        }
    }
}
