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
    let mut out = Vec::with_capacity(4 + 36 + 1 + table.len() + 1 + column.len() + 1 + 36);
    let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
    out.extend_from_slice(b"crm/");
    out.extend_from_slice(tenant.as_uuid().hyphenated().encode_lower(&mut id).as_bytes());
    out.push(b'/');
    out.extend_from_slice(table.as_bytes());
    out.push(b'/');
    out.extend_from_slice(column.as_bytes());
    out.push(b'/');
    out.extend_from_slice(row.hyphenated().encode_lower(&mut id).as_bytes());
    out
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
    use super::aad;
    use crm_domain::TenantId;
    use uuid::Uuid;

    #[test]
    fn the_binding_of_a_sealed_value_is_the_one_it_was_sealed_with() {
        let (t, r) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            aad(TenantId::from_uuid(t), "contacts", "emails", r),
            format!("crm/{t}/contacts/emails/{r}").into_bytes()
        );
    }
}
