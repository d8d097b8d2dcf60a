//! What the log keeps of an event about a person: the names of the fields it changed in
//! clear, and all its values — before and after — sealed together, once, under the
//! person's own key (`{"fields": [...], "pk": "<sealed>"}`). One seal an event rather than
//! one a value: an imported contact's creation event (a dozen fields) costs one
//! encryption and half the bytes it did. Events written before this keep their former
//! shape (a list of changes, each value sealed on its own) and are read as they are.
//!
//! Once the person's key is destroyed (erasure), which fields changed stays known and
//! none of the values can be read.

use crate::SqlStore;
use crate::person_keys::PersonKeys;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use crm_domain::TenantId;
use crm_domain::event::FieldChange;
use crm_ports::query::RecordedChange;
use crm_ports::{Cipher, DataKey, StoreError};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a person's event values are bound to: the company, the record and the field.
pub(crate) fn personal_aad(tenant: TenantId, entity: Uuid, field: &str) -> Vec<u8> {
    format!("crm/{}/events/{field}/{entity}", tenant.as_uuid()).into_bytes()
}

/// The name the sealed values are bound to (a field never has it).
const ALL_VALUES: &str = "#values";

/// One side of a change as sealed: `null` when there is none, `[value]` otherwise (a
/// `null` value stays distinct from no value).
type Side = Option<[Value; 1]>;

/// A side about to be sealed (borrowed).
type SideRef<'a> = Option<[&'a Value; 1]>;

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("event values: {e}"))
}

/// Whether `changes`, as stored, is an event's values sealed together.
pub(crate) fn is_sealed_whole(changes: &Value) -> bool {
    changes.as_object().is_some_and(|o| o.contains_key("pk"))
}

impl<C: Cipher> SqlStore<C> {
    /// `changes` as stored for a person whose key is `key`.
    pub(crate) fn seal_whole(&self, key: &DataKey, tenant: TenantId, entity: Uuid, changes: &[FieldChange]) -> Result<Value, StoreError> {
        let sides: Vec<(SideRef<'_>, SideRef<'_>)> = changes
            .iter()
            .map(|c| (c.before.as_ref().map(|v| [v]), c.after.as_ref().map(|v| [v])))
            .collect();
        let plain = serde_json::to_vec(&sides).map_err(internal)?;
        let sealed = self
            .cipher
            .encrypt_with(key, &personal_aad(tenant, entity, ALL_VALUES), &plain)
            .map_err(internal)?;
        let mut out = Map::with_capacity(2);
        out.insert(
            "fields".to_owned(),
            Value::Array(changes.iter().map(|c| Value::from(c.field)).collect()),
        );
        out.insert("pk".to_owned(), Value::String(B64.encode(sealed)));
        Ok(Value::Object(out))
    }

    /// The changes of an event stored by [`SqlStore::seal_whole`], and whether its values
    /// are gone (the person's key destroyed: each field then reads without values).
    pub(crate) fn open_whole(
        &self,
        keys: &PersonKeys,
        person: Option<Uuid>,
        tenant: TenantId,
        entity: Uuid,
        stored: &Value,
    ) -> Result<(Vec<RecordedChange>, bool), StoreError> {
        let fields: Vec<String> = stored
            .get("fields")
            .and_then(Value::as_array)
            .map(|f| f.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default();
        let Some(Some(key)) = person.and_then(|p| keys.get(&p)) else {
            let gone = fields.into_iter().map(|field| RecordedChange {
                field,
                before: None,
                after: None,
                sealed: true,
            });
            return Ok((gone.collect(), true));
        };
        let bytes = B64
            .decode(stored.get("pk").and_then(Value::as_str).unwrap_or_default())
            .map_err(internal)?;
        let plain = self
            .cipher
            .decrypt_with(key, &personal_aad(tenant, entity, ALL_VALUES), &bytes)
            .map_err(internal)?;
        let sides: Vec<(Side, Side)> = serde_json::from_slice(&plain).map_err(internal)?;
        if sides.len() != fields.len() {
            return Err(internal("as many values as fields expected"));
        }
        let opened = fields.into_iter().zip(sides).map(|(field, (before, after))| {
            let [before, after] = [before, after].map(|s| s.map(|[v]| v));
            RecordedChange {
                sealed: before.is_some() || after.is_some(),
                field,
                before,
                after,
            }
        });
        Ok((opened.collect(), false))
    }
}
