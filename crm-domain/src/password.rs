//! Passwords: at least 12 characters, at most 1,024, no composition rules (NIST SP 800-63B).
//! Never printed.

use crate::error::{ValidationError, ViolationKind};
use std::fmt;

/// A password that meets the length rules. Only ever hashed, never stored or printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Fewest characters.
    pub const MIN_CHARS: usize = 12;
    /// Most characters (bounds hashing work).
    pub const MAX_CHARS: usize = 1024;

    /// Checks the length (in characters, so accents count once).
    ///
    /// # Errors
    /// `required` when empty, `too_small` under 12 characters, `too_long` over 1,024.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::parse_at_least(raw, Self::MIN_CHARS)
    }

    /// As [`Password::parse`], with a company's own minimum (never under 12).
    ///
    /// # Errors
    /// `required`, `too_small` under `min_chars` (or 12), `too_long`.
    pub fn parse_at_least(raw: &str, min_chars: usize) -> Result<Self, ValidationError> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(ValidationError::field("", ViolationKind::Required));
        }
        if n < min_chars.max(Self::MIN_CHARS) {
            return Err(ValidationError::field("", ViolationKind::TooSmall));
        }
        if n > Self::MAX_CHARS {
            return Err(ValidationError::field("", ViolationKind::TooLong));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules_only() {
        assert!(Password::parse("").is_err());
        assert!(Password::parse("court").is_err());
        assert!(Password::parse("aaaaaaaaaaa").is_err());
        assert!(Password::parse("aaaaaaaaaaaa").is_ok(), "no composition rules");
        assert!(Password::parse("éééééééééééé").is_ok(), "characters, not bytes");
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        assert!(Password::parse_at_least("douze lettres", 16).is_err(), "a company's minimum");
        assert!(Password::parse_at_least("seize caractères", 16).is_ok());
        assert!(Password::parse_at_least("court", 4).is_err(), "never under 12");
        assert!(!format!("{:?}", Password::parse("secret-secret").unwrap_or_else(|_| unreachable!())).contains("secret"));
    }
}
