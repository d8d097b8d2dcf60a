//! Cipher adapter (ring): AES-256-GCM field encryption and HMAC-SHA256 blind indexes, with
//! per-tenant keys derived by HKDF-SHA256 from master keys.
//!
//! Ciphertext layout: `0x01 | key id (u32, big endian) | nonce (12 bytes) | ciphertext+tag`.
//! The key id lets keys rotate: new writes use the current key, old ciphertexts keep
//! decrypting with the key they name. Blind indexes derive from an *index root*: the oldest
//! master key of a new installation, then kept by the store sealed under the current master
//! key, so that equality lookups survive a rotation of master keys, the retirement of the
//! oldest one included.
#![forbid(unsafe_code)]

mod credentials;
mod key_cache;
mod keyring;
pub mod totp;

pub use credentials::Argon2Credentials;
pub use keyring::{KeyError, Keyring};

use crm_domain::TenantId;
use crm_ports::{Cipher, CipherError, DataKey};
use key_cache::KeyCache;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

const FORMAT: u8 = 1;
/// First byte of what a data key seals (no key id: the key is the person's, not a master).
const DATA_KEY_FORMAT: u8 = 2;
const HEADER: usize = 1 + 4 + NONCE_LEN;

/// The production cipher. Derived per-tenant keys are cached (bounded), so a page of
/// records costs one derivation per tenant, not one per field.
pub struct RingCipher {
    keys: Keyring,
    rng: SystemRandom,
    aead_cache: KeyCache<(u32, TenantId), Arc<LessSafeKey>>,
    index_cache: KeyCache<TenantId, Arc<hmac::Key>>,
    index_root: RwLock<[u8; 32]>,
    /// Tenant keys of master keys not given (retired after a rotation), adopted from the
    /// store's wrapped copies: what ciphertexts naming those keys were sealed with.
    adopted: RwLock<HashMap<(u32, TenantId), [u8; 32]>>,
}

/// What a wrapped tenant key is bound to: the tenant and the master key id it stands for.
fn tenant_key_aad(tenant: TenantId, key_id: u32) -> Vec<u8> {
    let mut aad = b"crm/tenant_keys/".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad
}

/// What the sealed index root is bound to.
const INDEX_ROOT_AAD: &[u8] = b"crm/installation_keys/blind-index-root";

impl std::fmt::Debug for RingCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingCipher").field("keys", &self.keys).finish()
    }
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

fn derive(master: &[u8; 32], purpose: &[u8], tenant: TenantId) -> [u8; 32] {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"crm/v1");
    let prk = salt.extract(master);
    let tenant_bytes = tenant.as_uuid();
    let info = [purpose, tenant_bytes.as_bytes().as_slice()];
    let mut out = [0u8; 32];
    // Expanding 32 bytes from SHA-256 never fails (the limit is 255 x 32).
    if let Ok(okm) = prk.expand(&info, Len32) {
        let _ = okm.fill(&mut out);
    }
    out
}

/// The pseudo-tenant of installation-wide secrets (key checks, the index root).
fn installation() -> TenantId {
    TenantId::from_uuid(uuid::Uuid::nil())
}

impl RingCipher {
    /// A cipher over these master keys.
    pub fn new(keys: Keyring) -> Self {
        let index_root = RwLock::new(*keys.initial_index_root());
        Self {
            keys,
            rng: SystemRandom::new(),
            aead_cache: KeyCache::new(),
            index_cache: KeyCache::new(),
            index_root,
            adopted: RwLock::new(HashMap::new()),
        }
    }

    /// The field key of a tenant under master key `key_id`: derived from the master key
    /// when given, else the adopted copy (a retired key's).
    fn field_key(&self, key_id: u32, tenant: TenantId) -> Result<[u8; 32], CipherError> {
        if let Some(master) = self.keys.get(key_id) {
            return Ok(derive(master, b"field-encryption", tenant));
        }
        self.adopted
            .read()
            .ok()
            .and_then(|a| a.get(&(key_id, tenant)).copied())
            .ok_or(CipherError::UnknownKey(key_id))
    }

    /// `f` applied to the tenant's AES key under master key `key_id` (derived once, then
    /// kept).
    fn with_aead_key<R>(&self, key_id: u32, tenant: TenantId, f: impl FnOnce(&LessSafeKey) -> R) -> Result<R, CipherError> {
        let derive_key = || {
            let k = self.field_key(key_id, tenant)?;
            let unbound = UnboundKey::new(&AES_256_GCM, &k).map_err(|_| CipherError::Rejected)?;
            Ok(Arc::new(LessSafeKey::new(unbound)))
        };
        self.aead_cache.with_or_insert(&(key_id, tenant), derive_key, |k| f(k))
    }

    /// Encrypts under the master key `key_id` (the current one, or a given one when the
    /// index root is sealed under each key).
    fn encrypt_under(&self, key_id: u32, tenant: TenantId, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| CipherError::Random)?;
        let mut out = Vec::with_capacity(HEADER + plaintext.len() + AES_256_GCM.tag_len());
        out.push(FORMAT);
        out.extend_from_slice(&key_id.to_be_bytes());
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.with_aead_key(key_id, tenant, |key| {
            key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut body)
        })?
        .map_err(|_| CipherError::Rejected)?;
        out.extend_from_slice(&body);
        Ok(out)
    }
}

impl Cipher for RingCipher {
    fn encrypt(&self, tenant: TenantId, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
        self.encrypt_under(self.keys.current_id(), tenant, context, plaintext)
    }

    fn new_data_key(&self) -> Result<DataKey, CipherError> {
        let mut k = [0u8; 32];
        self.rng.fill(&mut k).map_err(|_| CipherError::Random)?;
        Ok(DataKey::from_bytes(k))
    }

    fn encrypt_with(&self, key: &DataKey, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let unbound = UnboundKey::new(&AES_256_GCM, key.as_bytes()).map_err(|_| CipherError::Rejected)?;
        let key = LessSafeKey::new(unbound);
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| CipherError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        out.push(DATA_KEY_FORMAT);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut body)
            .map_err(|_| CipherError::Rejected)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    fn decrypt_with(&self, key: &DataKey, context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
        if ciphertext.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || ciphertext[0] != DATA_KEY_FORMAT {
            return Err(CipherError::Rejected);
        }
        let unbound = UnboundKey::new(&AES_256_GCM, key.as_bytes()).map_err(|_| CipherError::Rejected)?;
        let key = LessSafeKey::new(unbound);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&ciphertext[1..=NONCE_LEN]);
        let mut body = ciphertext[1 + NONCE_LEN..].to_vec();
        let plain = key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut body)
            .map_err(|_| CipherError::Rejected)?;
        Ok(plain.to_vec())
    }

    fn decrypt(&self, tenant: TenantId, context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
        if ciphertext.len() < HEADER + AES_256_GCM.tag_len() || ciphertext[0] != FORMAT {
            return Err(CipherError::Rejected);
        }
        let key_id = u32::from_be_bytes([ciphertext[1], ciphertext[2], ciphertext[3], ciphertext[4]]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&ciphertext[5..HEADER]);
        let mut body = ciphertext[HEADER..].to_vec();
        let plain = self
            .with_aead_key(key_id, tenant, |key| {
                key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut body)
                    .map(|p| p.len())
            })?
            .map_err(|_| CipherError::Rejected)?;
        // Opened in place: the plaintext is the start of the body (no second copy).
        body.truncate(plain);
        Ok(body)
    }

    fn key_checks(&self) -> Vec<(u32, [u8; 32])> {
        self.keys
            .ids()
            .filter_map(|id| {
                let master = self.keys.get(id)?;
                let key = hmac::Key::new(hmac::HMAC_SHA256, &derive(master, b"key-check", installation()));
                let tag = hmac::sign(&key, b"crm master key check v1");
                let mut out = [0u8; 32];
                out.copy_from_slice(tag.as_ref());
                Some((id, out))
            })
            .collect()
    }

    fn seal_index_root(&self, key_id: u32) -> Result<Vec<u8>, CipherError> {
        let root = self.index_root.read().map_err(|_| CipherError::Rejected)?;
        self.encrypt_under(key_id, installation(), INDEX_ROOT_AAD, root.as_slice())
    }

    fn adopt_index_root(&self, sealed: &[u8]) -> Result<(), CipherError> {
        let bytes: [u8; 32] = self
            .decrypt(installation(), INDEX_ROOT_AAD, sealed)?
            .try_into()
            .map_err(|_| CipherError::Rejected)?;
        *self.index_root.write().map_err(|_| CipherError::Rejected)? = bytes;
        self.index_cache.clear();
        Ok(())
    }

    fn wrap_tenant_key(&self, tenant: TenantId, key_id: u32, under: u32) -> Result<Vec<u8>, CipherError> {
        let key = self.field_key(key_id, tenant)?;
        self.encrypt_under(under, installation(), &tenant_key_aad(tenant, key_id), &key)
    }

    fn adopt_tenant_key(&self, tenant: TenantId, key_id: u32, wrapped: &[u8]) -> Result<(), CipherError> {
        if self.keys.get(key_id).is_some() {
            return Ok(());
        }
        let key: [u8; 32] = self
            .decrypt(installation(), &tenant_key_aad(tenant, key_id), wrapped)?
            .try_into()
            .map_err(|_| CipherError::Rejected)?;
        self.adopted
            .write()
            .map_err(|_| CipherError::Rejected)?
            .insert((key_id, tenant), key);
        Ok(())
    }

    fn tenant_key_ids(&self, tenant: TenantId) -> Vec<u32> {
        let mut ids: Vec<u32> = self.keys.ids().collect();
        if let Ok(a) = self.adopted.read() {
            ids.extend(a.keys().filter(|(_, t)| *t == tenant).map(|(id, _)| *id));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn current_key_id(&self) -> u32 {
        self.keys.current_id()
    }

    fn blind_index(&self, tenant: TenantId, domain: &str, value: &[u8]) -> [u8; 32] {
        let sign = |key: &hmac::Key| {
            let mut ctx = hmac::Context::with_key(key);
            ctx.update(domain.as_bytes());
            ctx.update(&[0]);
            ctx.update(value);
            ctx.sign()
        };
        let derive_key = || {
            let root = self.index_root.read().map_or([0; 32], |r| *r);
            Ok::<_, std::convert::Infallible>(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, &derive(&root, b"blind-index", tenant))))
        };
        let tag = match self.index_cache.with_or_insert(&tenant, derive_key, |k| sign(k)) {
            Ok(tag) => tag,
            Err(never) => match never {},
        };
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn cipher() -> RingCipher {
        RingCipher::new(Keyring::from_spec("1:0101010101010101010101010101010101010101010101010101010101010101").unwrap())
    }

    #[test]
    fn round_trip_and_binding() {
        let c = cipher();
        let ct = c.encrypt(t(1), b"contacts/emails/x", b"marie@exemple.fr").unwrap();
        assert!(!ct.windows(5).any(|w| w == b"marie"));
        assert_eq!(c.decrypt(t(1), b"contacts/emails/x", &ct).unwrap(), b"marie@exemple.fr");
        assert!(c.decrypt(t(2), b"contacts/emails/x", &ct).is_err(), "other tenant");
        assert!(c.decrypt(t(1), b"contacts/emails/y", &ct).is_err(), "other row");
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(c.decrypt(t(1), b"contacts/emails/x", &bad).is_err(), "tampered");
        assert!(c.decrypt(t(1), b"contacts/emails/x", &ct[..10]).is_err(), "short");
    }

    #[test]
    fn data_keys_seal_for_their_holder_only() {
        let c = cipher();
        let k = c.new_data_key().unwrap();
        let other = c.new_data_key().unwrap();
        assert_ne!(k, other);
        assert_eq!(format!("{k:?}"), "DataKey(<redacted>)");
        let ct = c.encrypt_with(&k, b"events/last_name/x", b"Dupont").unwrap();
        assert!(!ct.windows(6).any(|w| w == b"Dupont"));
        assert_eq!(c.decrypt_with(&k, b"events/last_name/x", &ct).unwrap(), b"Dupont");
        assert!(c.decrypt_with(&other, b"events/last_name/x", &ct).is_err(), "another person's key");
        assert!(c.decrypt_with(&k, b"events/last_name/y", &ct).is_err(), "another context");
        // Not a tenant-key ciphertext, nor the reverse.
        assert!(c.decrypt(t(1), b"events/last_name/x", &ct).is_err());
        let tenant_ct = c.encrypt(t(1), b"x", b"y").unwrap();
        assert!(c.decrypt_with(&k, b"x", &tenant_ct).is_err());
    }

    #[test]
    fn key_checks_tell_keys_apart() {
        let a = cipher().key_checks();
        assert_eq!(a, cipher().key_checks(), "deterministic");
        let other = RingCipher::new(Keyring::from_spec("1:0202020202020202020202020202020202020202020202020202020202020202").unwrap());
        assert_eq!(a.len(), 1);
        assert_ne!(a[0].1, other.key_checks()[0].1);
        let two = RingCipher::new(
            Keyring::from_spec(
                "1:0101010101010101010101010101010101010101010101010101010101010101,2:0202020202020202020202020202020202020202020202020202020202020202",
            )
            .unwrap(),
        );
        assert_eq!(two.key_checks()[0], a[0], "a rotation keeps the old key's check");
        assert_eq!(two.key_checks()[1].0, 2);
    }

    #[test]
    fn nonces_differ() {
        let c = cipher();
        assert_ne!(c.encrypt(t(1), b"a", b"x").unwrap(), c.encrypt(t(1), b"a", b"x").unwrap());
    }

    #[test]
    fn blind_indexes_are_per_tenant_and_domain() {
        let c = cipher();
        let a = c.blind_index(t(1), "email", b"a@b.fr");
        assert_eq!(a, c.blind_index(t(1), "email", b"a@b.fr"));
        assert_ne!(a, c.blind_index(t(2), "email", b"a@b.fr"));
        assert_ne!(a, c.blind_index(t(1), "phone", b"a@b.fr"));
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_and_indexes() {
        let old = cipher();
        let ct = old.encrypt(t(1), b"c", b"secret").unwrap();
        let idx = old.blind_index(t(1), "email", b"x");
        let rotated = RingCipher::new(
            Keyring::from_spec(
                "1:0101010101010101010101010101010101010101010101010101010101010101,2:0202020202020202020202020202020202020202020202020202020202020202",
            )
            .unwrap(),
        );
        assert_eq!(rotated.decrypt(t(1), b"c", &ct).unwrap(), b"secret");
        let new_ct = rotated.encrypt(t(1), b"c", b"secret").unwrap();
        assert_eq!(&new_ct[1..5], &2u32.to_be_bytes());
        assert_eq!(rotated.blind_index(t(1), "email", b"x"), idx);
        assert!(matches!(old.decrypt(t(1), b"c", &new_ct), Err(CipherError::UnknownKey(2))));
    }

    #[test]
    fn the_index_root_outlives_the_master_key_it_was_sealed_under() {
        let one = cipher();
        let idx = one.blind_index(t(1), "email", b"x");
        let sealed_by_one = one.seal_index_root(1).unwrap();
        assert!(matches!(one.seal_index_root(2), Err(CipherError::UnknownKey(2))));
        // Rotation: key 2 added; the process adopts the root and seals a copy under key 2.
        let both = RingCipher::new(
            Keyring::from_spec(
                "1:0101010101010101010101010101010101010101010101010101010101010101,2:0202020202020202020202020202020202020202020202020202020202020202",
            )
            .unwrap(),
        );
        both.adopt_index_root(&sealed_by_one).unwrap();
        let sealed_by_two = both.seal_index_root(2).unwrap();
        assert_eq!(&sealed_by_two[1..5], &2u32.to_be_bytes());
        // Key 1 retired: without the stored root, indexes would change; with it, they do not.
        let two = RingCipher::new(Keyring::from_spec("2:0202020202020202020202020202020202020202020202020202020202020202").unwrap());
        assert_ne!(two.blind_index(t(1), "email", b"x"), idx);
        two.adopt_index_root(&sealed_by_two).unwrap();
        assert_eq!(two.blind_index(t(1), "email", b"x"), idx);
        assert!(matches!(two.adopt_index_root(&sealed_by_one), Err(CipherError::UnknownKey(1))));
        let mut tampered = sealed_by_two.clone();
        tampered[10] ^= 1;
        assert!(two.adopt_index_root(&tampered).is_err());
    }

    #[test]
    fn a_retired_master_key_s_ciphertexts_open_through_its_wrapped_tenant_keys() {
        let one = cipher();
        let old_ct = one.encrypt(t(1), b"contacts/emails/x", b"marie@exemple.fr").unwrap();
        let both = RingCipher::new(
            Keyring::from_spec(
                "1:0101010101010101010101010101010101010101010101010101010101010101,2:0202020202020202020202020202020202020202020202020202020202020202",
            )
            .unwrap(),
        );
        assert_eq!(both.current_key_id(), 2);
        let wrapped = both.wrap_tenant_key(t(1), 1, 2).unwrap();
        assert!(
            !wrapped.windows(32).any(|w| w == derive(&[1; 32], b"field-encryption", t(1))),
            "sealed"
        );
        // Key 1 retired: its ciphertexts open once the wrapped tenant key is adopted.
        let two = RingCipher::new(Keyring::from_spec("2:0202020202020202020202020202020202020202020202020202020202020202").unwrap());
        assert!(matches!(
            two.decrypt(t(1), b"contacts/emails/x", &old_ct),
            Err(CipherError::UnknownKey(1))
        ));
        assert!(two.adopt_tenant_key(t(2), 1, &wrapped).is_err(), "bound to its tenant");
        two.adopt_tenant_key(t(1), 1, &wrapped).unwrap();
        assert_eq!(two.decrypt(t(1), b"contacts/emails/x", &old_ct).unwrap(), b"marie@exemple.fr");
        assert!(
            two.decrypt(t(2), b"contacts/emails/x", &old_ct).is_err(),
            "another tenant's stays shut"
        );
        assert_eq!(two.tenant_key_ids(t(1)), vec![1, 2]);
        // A later rotation wraps the adopted key again, under key 3.
        let three = RingCipher::new(
            Keyring::from_spec(
                "2:0202020202020202020202020202020202020202020202020202020202020202,3:0303030303030303030303030303030303030303030303030303030303030303",
            )
            .unwrap(),
        );
        three.adopt_tenant_key(t(1), 1, &wrapped).unwrap();
        let again = three.wrap_tenant_key(t(1), 1, 3).unwrap();
        let only_three = RingCipher::new(Keyring::from_spec("3:0303030303030303030303030303030303030303030303030303030303030303").unwrap());
        only_three.adopt_tenant_key(t(1), 1, &again).unwrap();
        assert_eq!(
            only_three.decrypt(t(1), b"contacts/emails/x", &old_ct).unwrap(),
            b"marie@exemple.fr"
        );
        // A data key wrapped under key 1 (a person's) opens too: it is a tenant-key ciphertext.
        assert!(matches!(only_three.wrap_tenant_key(t(1), 9, 3), Err(CipherError::UnknownKey(9))));
    }
}
