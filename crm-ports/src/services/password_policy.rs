//! What a new password must meet: at least the company's minimum length (12 characters or
//! more), and, unless the company turned it off, not common or easily guessed — a known
//! password, a keyboard row, a repetition, or built on the person's own name, email or
//! company (the credentials adapter judges it).

use crate::app::App;
use crate::auth::Credentials;
use crate::error::ServiceError;
use crate::store::TenantStore;
use crm_domain::password::Password;
use crm_domain::tenant::TenantSettings;
use crm_domain::{TenantId, ValidationError, ViolationKind};

/// The rules a new password is held to, and the words it must not be built on.
#[derive(Debug, Clone)]
pub(crate) struct PasswordRules {
    min_chars: usize,
    refuse_common: bool,
    inputs: Vec<String>,
}

impl PasswordRules {
    /// The rules of a company's settings, with the words of the person (their email, its
    /// local part, their name's words, the company's name).
    pub(crate) fn of(settings: &TenantSettings, words: &[&str]) -> Self {
        let mut inputs = Vec::new();
        for w in words {
            // As written and without accents (« Rémi » is typed « remi » too), whole and
            // word by word.
            for form in [w.to_lowercase(), crm_domain::text::fold(w)] {
                inputs.extend(
                    form.split(|c: char| !c.is_alphanumeric())
                        .filter(|p| p.chars().count() >= 3)
                        .map(str::to_owned),
                );
                inputs.push(form.chars().filter(|c| c.is_alphanumeric()).collect());
                inputs.push(form);
            }
        }
        inputs.sort();
        inputs.dedup();
        Self {
            min_chars: usize::from(settings.password_min_length),
            refuse_common: settings.refuse_common_passwords,
            inputs,
        }
    }
}

/// Checking and hashing a new password: no store.
impl<S, K: Credentials, C, I> App<S, K, C, I> {
    /// Hashes a password that meets `rules`.
    ///
    /// # Errors
    /// `Invalid` at `field`: `required`, `too_small`, `too_long`, `common`.
    pub(crate) async fn hash_new_password(&self, raw: &str, field: &str, rules: &PasswordRules) -> Result<String, ServiceError> {
        let p = Password::parse_at_least(raw, rules.min_chars).map_err(|e| e.at(field))?;
        let inputs: Vec<&str> = rules.inputs.iter().map(String::as_str).collect();
        if rules.refuse_common && self.creds.is_common_password(raw, &inputs) {
            return Err(ValidationError::field(field, ViolationKind::Common).into());
        }
        Ok(self.creds.hash_password(&p).await?)
    }
}

/// A company's password rules: its settings.
impl<S: TenantStore, K, C, I> App<S, K, C, I> {
    /// The rules of `tenant` (the defaults without one: an operator, a new company), with
    /// the person's words.
    pub(crate) async fn password_rules(&self, tenant: Option<TenantId>, words: &[&str]) -> Result<PasswordRules, ServiceError> {
        let settings = match tenant {
            Some(t) => {
                let t = self.store.tenant(t).await?;
                let mut w: Vec<&str> = words.to_vec();
                w.push(t.name.as_str());
                return Ok(PasswordRules::of(&t.settings, &w));
            }
            None => TenantSettings::default(),
        };
        Ok(PasswordRules::of(&settings, words))
    }
}
