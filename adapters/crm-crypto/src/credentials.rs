//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, the OWASP baseline) on the
//! blocking thread pool behind a concurrency limit, and random secrets hashed with SHA-256.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use crm_domain::password::Password;
use crm_ports::{CredentialError, Credentials};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// The production credentials adapter.
#[derive(Clone)]
pub struct Argon2Credentials {
    params: Params,
    limit: Arc<Semaphore>,
    rng: SystemRandom,
    dummy: Arc<String>,
}

impl std::fmt::Debug for Argon2Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Credentials")
            .field("concurrent_hashes", &self.limit.available_permits())
            .finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> CredentialError {
    CredentialError::Backend(e.to_string())
}

fn hash_with(params: &Params, password: &[u8], salt: &[u8]) -> Result<String, CredentialError> {
    use argon2::password_hash::PasswordHasher;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon
        .hash_password_with_salt(password, salt)
        .map(|h| h.to_string())
        .map_err(backend)
}

impl Argon2Credentials {
    /// At most `concurrent` hashes at once (each takes 19 MiB and a core for a few tens of
    /// milliseconds); further logins wait.
    ///
    /// # Errors
    /// `Backend` if the parameters or the random generator fail.
    pub fn new(concurrent: usize) -> Result<Self, CredentialError> {
        Self::with_params(concurrent, MEMORY_KIB, ITERATIONS)
    }

    /// Cheaper parameters, for tests only (the production floor is enforced by `new`).
    ///
    /// # Errors
    /// `Backend`.
    pub fn with_params(concurrent: usize, memory_kib: u32, iterations: u32) -> Result<Self, CredentialError> {
        let params = Params::new(memory_kib, iterations, PARALLELISM, None).map_err(backend)?;
        let rng = SystemRandom::new();
        let mut salt = [0u8; 16];
        rng.fill(&mut salt).map_err(backend)?;
        let dummy = hash_with(&params, b"no account has this password", &salt)?;
        Ok(Self {
            params,
            limit: Arc::new(Semaphore::new(concurrent.max(1))),
            rng,
            dummy: Arc::new(dummy),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, CredentialError> + Send + 'static,
    ) -> Result<T, CredentialError> {
        let _permit = self.limit.acquire().await.map_err(backend)?;
        tokio::task::spawn_blocking(f).await.map_err(backend)?
    }
}

/// zxcvbn's scores (0 to 4) under which a password counts as common: 0 and 1 are guessed
/// in under a million tries (a known password, a keyboard row, a name and a year).
const COMMON_BELOW: u8 = 2;

impl Credentials for Argon2Credentials {
    async fn hash_password(&self, password: &Password) -> Result<String, CredentialError> {
        let mut salt = [0u8; 16];
        self.rng.fill(&mut salt).map_err(backend)?;
        let params = self.params.clone();
        let pw = password.expose().as_bytes().to_vec();
        self.blocking(move || hash_with(&params, &pw, &salt)).await
    }

    async fn verify_password(&self, password: &str, hash: Option<&str>) -> Result<bool, CredentialError> {
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.as_str().to_owned(), str::to_owned);
        let pw = password.as_bytes().to_vec();
        let params = self.params.clone();
        let ok = self
            .blocking(move || {
                use argon2::password_hash::PasswordVerifier;
                let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                Ok(argon.verify_password(&pw, hash.as_str()).is_ok())
            })
            .await?;
        Ok(known && ok)
    }

    fn new_secret(&self) -> Result<String, CredentialError> {
        let mut bytes = [0u8; 32];
        self.rng.fill(&mut bytes).map_err(backend)?;
        Ok(format!("crm_{}", B64.encode(bytes)))
    }

    fn secret_hash(&self, secret: &str) -> [u8; 32] {
        let d = digest::digest(&digest::SHA256, secret.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    fn is_common_password(&self, password: &str, inputs: &[&str]) -> bool {
        // Judged on its first 100 characters: the estimate's work grows with the square of
        // the length, and a longer password is no common one.
        let head: String = password.chars().take(100).collect();
        u8::from(zxcvbn::zxcvbn(&head, inputs).score()) < COMMON_BELOW
    }

    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CredentialError> {
        self.rng.fill(out).map_err(backend)
    }

    fn one_time_code(&self, secret: &[u8], step: u64) -> u32 {
        crate::totp::code_for_step(secret, step, crate::totp::DIGITS)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_told_from_phrases() {
        let c = Argon2Credentials::with_params(4, 256, 1).unwrap();
        for weak in ["password1234", "123456789012", "aaaaaaaaaaaa", "qwertyuiop12", "azertyuiop123"] {
            assert!(c.is_common_password(weak, &[]), "{weak} is common");
        }
        // The person's own name, alone or repeated.
        let me = ["claire", "duval", "claireduval", "claire.duval@vins-duval.fr"];
        assert!(c.is_common_password("claireduval", &me));
        assert!(c.is_common_password("duvalduvalduval", &me));
        for strong in ["une phrase de passe solide", "cheval agrafe pile correcte", "Navigateur-admin-2026"] {
            assert!(!c.is_common_password(strong, &[]), "{strong} is no common password");
        }
        // Only the head of a very long one is read.
        assert!(!c.is_common_password(&"grenouille violette ".repeat(50), &[]));
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let c = Argon2Credentials::new(2).unwrap();
        let p = Password::parse("correct horse battery").unwrap();
        let h = c.hash_password(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(c.verify_password("correct horse battery", Some(&h)).await.unwrap());
        assert!(!c.verify_password("wrong horse battery", Some(&h)).await.unwrap());
        assert!(!c.verify_password("correct horse battery", None).await.unwrap());
        assert_ne!(h, c.hash_password(&p).await.unwrap(), "salted");
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let c = Argon2Credentials::with_params(1, 64, 1).unwrap();
        let a = c.new_secret().unwrap();
        assert!(a.starts_with("crm_") && a.len() > 40);
        assert_ne!(a, c.new_secret().unwrap());
        assert_eq!(c.secret_hash(&a), c.secret_hash(&a));
    }
}
