//! Field encryption at the seam: values are serialized to JSON, then sealed with the
//! cipher, bound to tenant, table, column and row id.

use crate::SqlStore;
use crm_domain::TenantId;
use crm_ports::{Cipher, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// What a sealed value is bound to: `crm/{tenant}/{table}/{column}/{row}`, the ids in
/// hyphenated lower case (written without the formatting machinery: a list of 50
/// contacts builds 200 of them).
fn aad(tenant: TenantId, table: &str, column: &str, row: Uuid) -> Vec<u8> {
    let mut at = RowBinding::new(tenant, table, row);
    at.of(column);
    at.buf
}

/// The bindings of one row's sealed columns (see [`aad`]): `crm/{tenant}/{table}/` and the
/// row's id written once, each column's binding then put together in the same buffer (a
/// contact has four sealed columns, a page of them 200).
pub(crate) struct RowBinding {
    buf: Vec<u8>,
    head: usize,
    row: [u8; uuid::fmt::Hyphenated::LENGTH],
}

impl RowBinding {
    pub(crate) fn new(tenant: TenantId, table: &str, row: Uuid) -> Self {
        let mut buf = Vec::with_capacity(4 + 36 + 1 + table.len() + 1 + 24 + 1 + 36);
        let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
        buf.extend_from_slice(b"crm/");
        buf.extend_from_slice(tenant.as_uuid().hyphenated().encode_lower(&mut id).as_bytes());
        buf.push(b'/');
        buf.extend_from_slice(table.as_bytes());
        buf.push(b'/');
        let head = buf.len();
        row.hyphenated().encode_lower(&mut id);
        Self { buf, head, row: id }
    }

    /// The binding of `column` in this row.
    fn of(&mut self, column: &str) -> &[u8] {
        self.buf.truncate(self.head);
        self.buf.extend_from_slice(column.as_bytes());
        self.buf.push(b'/');
        self.buf.extend_from_slice(&self.row);
        &self.buf
    }
}

/// A JSON string as serde_json writes one with nothing to escape (no quote, backslash or
/// control character): its content, in the same buffer. Anything else is handed back, for
/// serde_json to read.
fn plain_string(json: Vec<u8>) -> Result<String, Vec<u8>> {
    let n = json.len();
    let plain = n >= 2 && json[0] == b'"' && json[n - 1] == b'"' && json[1..n - 1].iter().all(|&b| b != b'"' && b != b'\\' && b >= 0x20);
    if !plain {
        return Err(json);
    }
    // Checked as UTF-8 once; the quotes around it are one byte each.
    let mut text = String::from_utf8(json).map_err(|e| e.into_bytes())?;
    text.pop();
    text.remove(0);
    Ok(text)
}

/// A JSON array of strings as serde_json writes one when none has anything to escape; `None`
/// for anything else (serde_json then reads it).
fn plain_strings(json: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(json).ok()?;
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if inner.bytes().any(|b| b == b'\\' || b < 0x20) {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        if !out.is_empty() {
            rest = rest.strip_prefix(',')?;
        }
        let body = rest.strip_prefix('"')?;
        // With no backslash, the string ends at the next quote.
        let end = body.find('"')?;
        out.push(body[..end].to_owned());
        rest = &body[end + 1..];
    }
    Some(out)
}

/// A row's opened value read by serde_json (what the fast paths above hand back).
fn read_json<T: DeserializeOwned>(column: &str, json: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(json).map_err(|e| StoreError::Internal(format!("deserialize {column}: {e}")))
}

impl<C: Cipher> SqlStore<C> {
    /// Seals a value for a column of a row.
    pub(crate) fn seal<T: Serialize + ?Sized>(
        &self,
        tenant: TenantId,
        table: &str,
        column: &str,
        row: Uuid,
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        let plain = serde_json::to_vec(value).map_err(|e| StoreError::Internal(format!("serialize {table}.{column}: {e}")))?;
        self.seal_json(tenant, table, column, row, &plain)
    }

    /// Seals a value already serialized to JSON.
    pub(crate) fn seal_json(&self, tenant: TenantId, table: &str, column: &str, row: Uuid, json: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.cipher
            .encrypt(tenant, &aad(tenant, table, column, row), json)
            .map_err(|e| StoreError::Internal(format!("encrypt {table}.{column}: {e}")))
    }

    /// Seals an optional value (`None` stays NULL).
    pub(crate) fn seal_opt<T: Serialize + ?Sized>(
        &self,
        tenant: TenantId,
        table: &str,
        column: &str,
        row: Uuid,
        value: Option<&T>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        value.map(|v| self.seal(tenant, table, column, row, v)).transpose()
    }

    /// Opens a sealed value.
    pub(crate) fn open<T: DeserializeOwned>(
        &self,
        tenant: TenantId,
        table: &str,
        column: &str,
        row: Uuid,
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        let plain = self
            .cipher
            .decrypt(tenant, &aad(tenant, table, column, row), sealed)
            .map_err(|e| StoreError::Internal(format!("decrypt {table}.{column}: {e}")))?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Internal(format!("deserialize {table}.{column}: {e}")))
    }

    /// Opens a row's sealed text: [`Self::open`] for a `String`, without serde_json when
    /// there is nothing to unescape.
    pub(crate) fn open_text(&self, tenant: TenantId, at: &mut RowBinding, column: &str, sealed: &[u8]) -> Result<String, StoreError> {
        let plain = self.decrypt_at(tenant, at, column, sealed)?;
        plain_string(plain).or_else(|json| read_json(column, &json))
    }

    /// Opens a row's sealed list of texts: [`Self::open`] for a `Vec<String>`, without
    /// serde_json when there is nothing to unescape.
    pub(crate) fn open_texts(&self, tenant: TenantId, at: &mut RowBinding, column: &str, sealed: &[u8]) -> Result<Vec<String>, StoreError> {
        let plain = self.decrypt_at(tenant, at, column, sealed)?;
        plain_strings(&plain).map_or_else(|| read_json(column, &plain), Ok)
    }

    fn decrypt_at(&self, tenant: TenantId, at: &mut RowBinding, column: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.cipher
            .decrypt(tenant, at.of(column), sealed)
            .map_err(|e| StoreError::Internal(format!("decrypt {column}: {e}")))
    }

    /// Opens an optional sealed value.
    pub(crate) fn open_opt<T: DeserializeOwned>(
        &self,
        tenant: TenantId,
        table: &str,
        column: &str,
        row: Uuid,
        sealed: Option<&[u8]>,
    ) -> Result<Option<T>, StoreError> {
        sealed.map(|s| self.open(tenant, table, column, row, s)).transpose()
    }

    /// The blind index of a value in a lookup domain ("email", "phone").
    pub(crate) fn blind(&self, tenant: TenantId, domain: &str, value: &str) -> Vec<u8> {
        self.cipher.blind_index(tenant, domain, value.as_bytes()).to_vec()
    }

    /// The installation-wide index of a login email (the tenant is not known at login).
    /// The keyed hash under which login attempts on `key` are counted.
    pub(crate) fn attempt_hash(&self, key: &str) -> Vec<u8> {
        self.cipher
            .blind_index(TenantId::from_uuid(Uuid::nil()), "login-attempt", key.as_bytes())
            .to_vec()
    }

    pub(crate) fn login_hash(&self, email: &str) -> Vec<u8> {
        self.cipher
            .blind_index(TenantId::from_uuid(Uuid::nil()), "login-email", email.as_bytes())
            .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::{RowBinding, aad, plain_string, plain_strings};
    use crm_domain::TenantId;
    use proptest::prelude::*;
    use uuid::Uuid;

    #[test]
    fn the_binding_of_a_sealed_value_is_the_one_it_was_sealed_with() {
        let (t, r) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            aad(TenantId::from_uuid(t), "contacts", "emails", r),
            format!("crm/{t}/contacts/emails/{r}").into_bytes()
        );
    }

    #[test]
    fn a_row_binding_is_the_binding_of_each_column() {
        let (t, r) = (TenantId::from_uuid(Uuid::now_v7()), Uuid::now_v7());
        let mut at = RowBinding::new(t, "contacts", r);
        for column in ["emails", "phones", "street_ct", "notes", "emails"] {
            assert_eq!(
                at.of(column),
                format!("crm/{}/contacts/{column}/{r}", t.as_uuid()).as_bytes(),
                "{column}"
            );
        }
    }

    proptest! {
        /// Whatever serde_json wrote, texts and lists of texts read back as serde_json reads
        /// them — quotes, backslashes, control characters, commas, brackets and any
        /// character included (those with something to escape go to serde_json).
        #[test]
        fn texts_read_without_serde_json_are_what_serde_json_reads(
            texts in proptest::collection::vec("(\\PC|[\"\\\\,\\[\\] \\x00-\\x1f]){0,12}", 0..5),
        ) {
            let list = serde_json::to_vec(&texts).unwrap_or_default();
            let read = plain_strings(&list).unwrap_or_else(|| serde_json::from_slice(&list).unwrap_or_default());
            prop_assert_eq!(&read, &texts);
            for t in &texts {
                let one = serde_json::to_vec(t).unwrap_or_default();
                let read = plain_string(one.clone()).or_else(|j| serde_json::from_slice::<String>(&j).map_err(|_| ()));
                prop_assert_eq!(read, Ok(t.clone()));
                let fast = plain_string(one.clone()).is_ok();
                prop_assert_eq!(fast, !t.chars().any(|c| c == '"' || c == '\\' || c < ' '));
            }
        }

        /// What is not as serde_json writes a list or a text is never read as one.
        #[test]
        fn what_is_not_json_is_handed_to_serde_json(
            bytes in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..24),
                "[\\[\\]\",\\\\a é\\x00\\x7f]{0,16}".prop_map(String::into_bytes),
            ],
        ) {
            if let Some(v) = plain_strings(&bytes) {
                prop_assert_eq!(serde_json::from_slice::<Vec<String>>(&bytes).ok(), Some(v));
            }
            if let Ok(v) = plain_string(bytes.clone()) {
                prop_assert_eq!(serde_json::from_slice::<String>(&bytes).ok(), Some(v));
            }
        }
    }
}
