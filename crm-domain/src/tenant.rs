//! A tenant (a company using the CRM) and its settings.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::TenantId;
use crate::money::Currency;
use crate::text::Name;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An ISO 3166-1 alpha-2 country code known to the phone-number metadata ("FR").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// France, the default.
    pub const FR: CountryCode = CountryCode(*b"FR");

    /// Parses a code, accepting lower case.
    ///
    /// # Errors
    /// `unknown` for a code that is not a known region.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let up = raw.trim().to_ascii_uppercase();
        let b = up.as_bytes();
        if b.len() != 2 || phonenumber::country::Id::from_str(&up).is_err() {
            return Err(ValidationError::field("", ViolationKind::Unknown));
        }
        Ok(Self([b[0], b[1]]))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }

    pub(crate) fn phone_region(self) -> Option<phonenumber::country::Id> {
        phonenumber::country::Id::from_str(self.as_str()).ok()
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

/// An IANA time zone ("Europe/Paris").
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Europe/Paris, the default.
    pub const PARIS: TimeZone = TimeZone(chrono_tz::Tz::Europe__Paris);

    /// Parses an IANA name.
    ///
    /// # Errors
    /// `unknown` for a name not in the time-zone database.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        chrono_tz::Tz::from_str(raw.trim())
            .map(Self)
            .map_err(|_| ValidationError::field("", ViolationKind::Unknown))
    }

    /// The zone, for date arithmetic.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for TimeZone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TimeZone> for String {
    fn from(t: TimeZone) -> String {
        t.name().to_owned()
    }
}

/// Interface language. French first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Français (default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Language {
    /// ISO 639-1 code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown` for anything but `fr` and `en`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "fr" => Ok(Self::Fr),
            "en" => Ok(Self::En),
            _ => Err(ValidationError::field("", ViolationKind::Unknown)),
        }
    }
}

/// Per-tenant settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// Used to read phone numbers written without a country prefix.
    pub country: CountryCode,
    /// Currency of amounts given without one.
    pub currency: Currency,
    /// Used for "today", periods and reminders.
    pub time_zone: TimeZone,
    /// Default interface language.
    pub language: Language,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            country: CountryCode::FR,
            currency: Currency::EUR,
            time_zone: TimeZone::PARIS,
            language: Language::Fr,
        }
    }
}

/// Raw settings as a caller gives them; `None` keeps the default (or current) value.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    /// Country code.
    pub country: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Language code.
    pub language: Option<String>,
}

impl TenantSettings {
    /// Applies an input over these settings.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn apply(&self, input: &SettingsInput) -> Result<TenantSettings, ValidationError> {
        let mut v = Validator::new();
        let mut out = self.clone();
        if let Some(c) = &input.country
            && let Some(c) = v.check("country", CountryCode::parse(c))
        {
            out.country = c;
        }
        if let Some(c) = &input.currency
            && let Some(c) = v.check("currency", Currency::parse(c))
        {
            out.currency = c;
        }
        if let Some(t) = &input.time_zone
            && let Some(t) = v.check("time_zone", TimeZone::parse(t))
        {
            out.time_zone = t;
        }
        if let Some(l) = &input.language
            && let Some(l) = v.check("language", Language::parse(l))
        {
            out.language = l;
        }
        v.finish()?;
        Ok(out)
    }
}

/// A company using the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Display name.
    pub name: Name,
    /// Settings.
    pub settings: TenantSettings,
    /// Optimistic-concurrency version, 1 on creation.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_french() {
        let s = TenantSettings::default();
        assert_eq!(s.country.as_str(), "FR");
        assert_eq!(s.currency.as_str(), "EUR");
        assert_eq!(s.time_zone.name(), "Europe/Paris");
        assert_eq!(s.language, Language::Fr);
    }

    #[test]
    fn apply_reports_every_bad_field() {
        let err = TenantSettings::default()
            .apply(&SettingsInput {
                country: Some("XX".into()),
                currency: Some("EURO".into()),
                time_zone: Some("Mars/Olympus".into()),
                language: Some("de".into()),
            })
            .unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["country", "currency", "time_zone", "language"]);
    }

    #[test]
    fn apply_changes_values() {
        let s = TenantSettings::default()
            .apply(&SettingsInput {
                country: Some("be".into()),
                time_zone: Some("Europe/Brussels".into()),
                ..SettingsInput::default()
            })
            .unwrap();
        assert_eq!(s.country.as_str(), "BE");
        assert_eq!(s.time_zone.name(), "Europe/Brussels");
        assert_eq!(s.currency, Currency::EUR);
    }
}
