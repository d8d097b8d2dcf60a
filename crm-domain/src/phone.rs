//! Phone numbers, read with the tenant's country and normalised to E.164.

use crate::error::{ValidationError, ViolationKind};
use crate::tenant::CountryCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A valid phone number in E.164 form ("+33612345678"). Personal data: stored encrypted,
/// looked up by blind index.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Reads a number as written by a user: "06 12 34 56 78" with country FR, or an
    /// international form "+33 6 12 34 56 78" / "0033612345678" whatever the country.
    ///
    /// # Errors
    /// `required` when blank, `too_long` past 40 characters, `malformed` when it is not a
    /// valid number.
    pub fn parse(raw: &str, country: CountryCode) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValidationError::field("", ViolationKind::Required));
        }
        if s.chars().count() > 40 {
            return Err(ValidationError::field("", ViolationKind::TooLong));
        }
        let s = match s.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => s.to_owned(),
        };
        let parsed = phonenumber::parse(country.phone_region(), &s).map_err(|_| ValidationError::field("", ViolationKind::Malformed))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        }
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        Ok(Self(e164))
    }

    /// A number read back from the store, which only ever holds E.164 forms
    /// [`Self::parse`] wrote: taken as it is, not checked again. Never for outside input.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    /// Reads a number already in E.164 form (from storage).
    ///
    /// # Errors
    /// `malformed` when not `+` followed by 8 to 15 digits.
    pub fn from_e164(raw: &str) -> Result<Self, ValidationError> {
        let digits = raw.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::field("", ViolationKind::Malformed))
        }
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits of the number as dialled inside its own country ("0612345678" for
    /// "+33612345678"), when the number's country is known.
    pub fn national_digits(&self) -> Option<String> {
        let parsed = phonenumber::parse(None, &self.0).ok()?;
        let national = parsed.format().mode(phonenumber::Mode::National).to_string();
        let digits: String = national.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    }
}

/// What the start of an international number ("33612", read from "+33 6 12") is dialled
/// as inside its country, for a country whose numbers are written with its national
/// prefix: the prefix, then the digits after the calling code ("0612"). `None` when the
/// digits start with no known calling code or the country has no national prefix; a
/// number whose national form is not this ("+1 201 555 0123" is "201 555 0123") keeps its
/// international starts as tokens (`search::phone_tokens`).
pub fn national_start(international_digits: &str) -> Option<String> {
    if international_digits.starts_with('0') {
        return None;
    }
    let db = &*phonenumber::metadata::DATABASE;
    for cc_len in 1..=3.min(international_digits.len()) {
        let (cc, rest) = international_digits.split_at(cc_len);
        let code = cc.parse::<u16>().ok()?;
        // Calling codes are prefix-free: the first one known is the number's.
        let Some(regions) = db.by_code(&code) else { continue };
        let np = regions.first()?.national_prefix()?;
        return Some(format!("{np}{rest}"));
    }
    None
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::from_e164(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fr(raw: &str) -> Result<String, ValidationError> {
        PhoneNumber::parse(raw, CountryCode::FR).map(|p| p.0)
    }

    #[test]
    fn french_national_forms() {
        assert_eq!(fr("06 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(fr("06.12.34.56.78").unwrap(), "+33612345678");
        assert_eq!(fr("01-42-68-53-00").unwrap(), "+33142685300");
        assert_eq!(fr("+33 6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(fr("0033612345678").unwrap(), "+33612345678");
    }

    #[test]
    fn national_digits() {
        assert_eq!(
            PhoneNumber::from_e164("+33612345678").unwrap().national_digits().as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            PhoneNumber::from_e164("+442079460958").unwrap().national_digits().as_deref(),
            Some("02079460958")
        );
    }

    #[test]
    fn national_start_of_international_digits() {
        assert_eq!(national_start("33612").as_deref(), Some("0612"));
        assert_eq!(national_start("4420794").as_deref(), Some("020794"));
        assert_eq!(national_start("34612"), None, "Spain has no national prefix");
        assert_eq!(national_start("999"), None, "no such calling code");
        assert_eq!(national_start("0033612"), None);
        assert_eq!(national_start(""), None);
    }

    #[test]
    fn other_countries() {
        let be = CountryCode::parse("BE").unwrap();
        assert_eq!(PhoneNumber::parse("0470 12 34 56", be).unwrap().0, "+32470123456");
        assert_eq!(fr("+44 20 7946 0958").unwrap(), "+442079460958");
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["", "abc", "12", "06 12 34", "+33 6 12 34 56 78 90 12", &"9".repeat(50)] {
            assert!(fr(bad).is_err(), "{bad}");
        }
    }
}
