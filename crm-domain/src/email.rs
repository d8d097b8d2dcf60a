//! Email addresses, validated and normalised (lower case) so equal addresses compare equal.

use crate::error::{ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid email address, trimmed and lower-cased. Personal data: stored
/// encrypted, looked up by blind index.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Longest accepted address (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// An address read back from the store, which only ever holds what [`Self::parse`]
    /// accepted: taken as it is, not checked again. Never for outside input.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    /// Checks and normalises an address.
    ///
    /// # Errors
    /// `required` when blank, `too_long` past 254 bytes, `malformed` otherwise invalid
    /// (a domain without a dot is refused: CRM contacts live on the internet).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValidationError::field("", ViolationKind::Required));
        }
        if s.len() > Self::MAX_LEN {
            return Err(ValidationError::field("", ViolationKind::TooLong));
        }
        let lower = s.to_lowercase();
        let parsed = email_address::EmailAddress::parse_with_options(
            &lower,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .map_err(|_| ValidationError::field("", ViolationKind::Malformed))?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        }
        Ok(Self(lower))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never printed in logs.
        f.write_str("EmailAddress(<redacted>)")
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            EmailAddress::parse("  Marie.Curie@Exemple.FR ").unwrap().as_str(),
            "marie.curie@exemple.fr"
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "marie", "marie@", "@exemple.fr", "marie@exemple", "a b@c.fr", "Marie <m@e.fr>"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@exemple.fr", "a".repeat(300));
        assert_eq!(EmailAddress::parse(&long).unwrap_err().errors()[0].kind, ViolationKind::TooLong);
    }

    #[test]
    fn debug_hides_the_address() {
        let e = EmailAddress::parse("secret@exemple.fr").unwrap();
        assert!(!format!("{e:?}").contains("secret"));
    }
}
