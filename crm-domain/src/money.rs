//! Money as integer minor units with an ISO 4217 currency, and probabilities in whole percent.

use crate::error::{ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters ("EUR").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, default currency of a tenant.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code, accepting lower case.
    ///
    /// # Errors
    /// `malformed` unless three ASCII letters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let up = raw.trim().to_ascii_uppercase();
        let bytes = up.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2]]))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// A non-negative amount in minor units (cents) of a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Largest accepted amount: 10^15 minor units (ten thousand billion euros), far below
    /// `i64::MAX`, so that sums over millions of deals stay exact in `i128`.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    /// Checks an amount.
    ///
    /// # Errors
    /// `too_small` when negative, `too_large` above [`Money::MAX_MINOR`].
    pub fn new(minor: i64, currency: Currency) -> Result<Self, ValidationError> {
        if minor < 0 {
            return Err(ValidationError::field("amount", ViolationKind::TooSmall));
        }
        if minor > Self::MAX_MINOR {
            return Err(ValidationError::field("amount", ViolationKind::TooLarge));
        }
        Ok(Self { minor, currency })
    }

    /// Amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// Currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }
}

/// A probability in whole percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Probability(u8);

impl Probability {
    /// Certain loss.
    pub const ZERO: Probability = Probability(0);
    /// Certain win.
    pub const HUNDRED: Probability = Probability(100);

    /// Checks a percentage.
    ///
    /// # Errors
    /// `too_small` below 0, `too_large` above 100.
    pub fn new(percent: i64) -> Result<Self, ValidationError> {
        if percent < 0 {
            return Err(ValidationError::field("", ViolationKind::TooSmall));
        }
        if percent > 100 {
            return Err(ValidationError::field("", ViolationKind::TooLarge));
        }
        Ok(Self(u8::try_from(percent).unwrap_or(100)))
    }

    /// The percentage.
    pub const fn percent(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Probability {
    type Error = ValidationError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Probability> for i64 {
    fn from(p: Probability) -> i64 {
        i64::from(p.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn currency_parsing() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn money_bounds() {
        assert!(Money::new(-1, Currency::EUR).is_err());
        assert!(Money::new(Money::MAX_MINOR + 1, Currency::EUR).is_err());
        assert!(Money::new(i64::MAX, Currency::EUR).is_err());
        assert_eq!(Money::new(0, Currency::EUR).unwrap().minor(), 0);
    }

    #[test]
    fn probability_bounds() {
        assert!(Probability::new(-1).is_err());
        assert!(Probability::new(101).is_err());
        assert_eq!(Probability::new(55).unwrap().percent(), 55);
    }
}
