//! The cipher port: field encryption and keyed blind indexes, per tenant.

use crm_domain::TenantId;

/// Why a value could not be decrypted or encrypted.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    /// The ciphertext names a key id this installation does not have.
    #[error("unknown key id {0}")]
    UnknownKey(u32),
    /// The ciphertext is malformed, was tampered with, or is bound to another context.
    #[error("ciphertext rejected")]
    Rejected,
    /// The system random generator failed.
    #[error("random generator failure")]
    Random,
}

/// A person's data key (crypto-shredding): 32 random bytes that seal what the event log
/// keeps of one person, stored only wrapped by the tenant key. Destroying the wrapped copy
/// makes every copy sealed under it unreadable at once. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A key from its bytes (as unwrapped from storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Its bytes, to be wrapped for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// Encrypts personal fields at rest and computes blind indexes for equality lookups.
///
/// Implementations derive a separate key per tenant, so a ciphertext or index of one tenant
/// is useless in another.
pub trait Cipher: Send + Sync + 'static {
    /// Encrypts `plaintext`, bound to `context` (associated data such as tenant, table,
    /// column and row id): decrypting with any other context fails. The output carries the
    /// key id so keys can rotate.
    ///
    /// # Errors
    /// `Random` when no nonce can be drawn.
    fn encrypt(&self, tenant: TenantId, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError>;

    /// Decrypts what [`Cipher::encrypt`] produced for the same tenant and context.
    ///
    /// # Errors
    /// `UnknownKey` or `Rejected`.
    fn decrypt(&self, tenant: TenantId, context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError>;

    /// A new random data key (for one person).
    ///
    /// # Errors
    /// `Random` when the system random generator fails.
    fn new_data_key(&self) -> Result<DataKey, CipherError>;

    /// Encrypts under a data key, bound to `context` like [`Cipher::encrypt`].
    ///
    /// # Errors
    /// `Random`.
    fn encrypt_with(&self, key: &DataKey, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError>;

    /// Decrypts what [`Cipher::encrypt_with`] produced with the same key and context.
    ///
    /// # Errors
    /// `Rejected`.
    fn decrypt_with(&self, key: &DataKey, context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError>;

    /// A keyed hash (HMAC-SHA256) of `value` for equality lookups, separated by `domain`
    /// ("email", "phone"...). Deterministic for a tenant, unrelated across tenants.
    fn blind_index(&self, tenant: TenantId, domain: &str, value: &[u8]) -> [u8; 32];
    /// A check value for each master key: its id and a MAC of a fixed constant under it.
    /// A store records them at first use and refuses to open with keys whose checks
    /// differ, so a process given another key fails at start instead of writing what
    /// nobody can read.
    fn key_checks(&self) -> Vec<(u32, [u8; 32])>;

    /// The root of the blind-index keys, sealed under the master key `key_id`, for the
    /// store to keep (one copy per master key). Blind indexes derive from this root, not
    /// from a master key, so lookups and suppression hashes survive a rotation of master
    /// keys, the retirement of the oldest one included.
    ///
    /// # Errors
    /// `UnknownKey` (no such master key) or `Random`.
    fn seal_index_root(&self, key_id: u32) -> Result<Vec<u8>, CipherError>;

    /// Adopts the stored index root (a copy [`Cipher::seal_index_root`] produced, in this
    /// process or another).
    ///
    /// # Errors
    /// `UnknownKey` (its master key is not given) or `Rejected`.
    fn adopt_index_root(&self, sealed: &[u8]) -> Result<(), CipherError>;

    /// The tenant's field key of master key `key_id` (what that tenant's ciphertexts
    /// naming `key_id` were sealed with), sealed under master key `under` for the store to
    /// keep. A rotation keeps such copies under the new master key, so that the old one
    /// can be retired without re-encrypting anything (rows, the log, files).
    ///
    /// # Errors
    /// `UnknownKey` (neither given nor adopted) or `Random`.
    fn wrap_tenant_key(&self, tenant: TenantId, key_id: u32, under: u32) -> Result<Vec<u8>, CipherError>;

    /// Adopts a kept copy ([`Cipher::wrap_tenant_key`]) of a master key this process is not
    /// given: the tenant's ciphertexts naming it open from then on. A given key's copy is
    /// ignored.
    ///
    /// # Errors
    /// `UnknownKey` (its wrapping key is not given) or `Rejected`.
    fn adopt_tenant_key(&self, tenant: TenantId, key_id: u32, wrapped: &[u8]) -> Result<(), CipherError>;

    /// The master key ids whose ciphertexts this process opens for `tenant`: the given
    /// ones and the adopted ones, lowest first.
    fn tenant_key_ids(&self, tenant: TenantId) -> Vec<u32>;

    /// The master key id new ciphertexts name.
    fn current_key_id(&self) -> u32;
}
