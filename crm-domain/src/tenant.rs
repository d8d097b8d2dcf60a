//! A tenant (a company using the CRM) and its settings.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::TenantId;
use crate::money::Currency;
use crate::tenant_security::in_range;
pub use crate::tenant_security::{PASSWORD_MIN_RANGE, SESSION_HOURS_RANGE};
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

    /// A code read back from the store, which only ever holds what [`Self::parse`]
    /// accepted: its two capital letters checked, not looked up again among the regions
    /// (a page of contacts looked up each of its 50 countries). Never for outside input.
    ///
    /// # Errors
    /// `malformed` for anything but two capital ASCII letters.
    pub fn from_stored(stored: &str) -> Result<Self, ValidationError> {
        match stored.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Self([*a, *b])),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
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

/// The days of the week a company works, kept as the ISO codes `mon` … `sun`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct WorkingDays(u8);

/// The weekdays' codes, Monday first.
pub const WEEKDAY_CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Default for WorkingDays {
    fn default() -> Self {
        Self(0b001_1111)
    }
}

impl WorkingDays {
    /// Reads a list of codes (any order, repeats ignored).
    ///
    /// # Errors
    /// `unknown` for a code that is not a weekday, `required` for none.
    pub fn parse<S: AsRef<str>>(codes: &[S]) -> Result<Self, ValidationError> {
        let mut bits = 0u8;
        for c in codes {
            let c = c.as_ref().trim().to_ascii_lowercase();
            let i = WEEKDAY_CODES
                .iter()
                .position(|w| *w == c)
                .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))?;
            bits |= 1 << i;
        }
        if bits == 0 {
            return Err(ValidationError::field("", ViolationKind::Required));
        }
        Ok(Self(bits))
    }

    /// Whether the company works on this day.
    pub fn works_on(self, day: chrono::Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The codes of the working days, Monday first.
    pub fn codes(self) -> Vec<&'static str> {
        WEEKDAY_CODES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, c)| *c)
            .collect()
    }

    /// The first working day on or after `date` (the date itself when none is set, which
    /// `parse` forbids).
    pub fn on_or_after(self, date: chrono::NaiveDate) -> chrono::NaiveDate {
        let mut d = date;
        for _ in 0..7 {
            if self.works_on(chrono::Datelike::weekday(&d)) {
                return d;
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => return date,
            }
        }
        date
    }
}

impl fmt::Debug for WorkingDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.codes().join(","))
    }
}

impl TryFrom<Vec<String>> for WorkingDays {
    type Error = ValidationError;
    fn try_from(v: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<WorkingDays> for Vec<String> {
    fn from(w: WorkingDays) -> Vec<String> {
        w.codes().into_iter().map(str::to_owned).collect()
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
    /// The days the company works (Monday to Friday unless set).
    #[serde(default)]
    pub working_days: WorkingDays,
    /// Whether every Admin must log in with a second factor (an Admin without one sets it
    /// up at their next login).
    #[serde(default)]
    pub second_factor_for_admins: bool,
    /// Fewest characters of a new password (12 to 64; 12 unless set).
    #[serde(default = "crate::tenant_security::default_password_min")]
    pub password_min_length: u16,
    /// Whether a new password that is common or easily guessed (a known password, a
    /// keyboard row, the person's own name or company) is refused (yes unless set).
    #[serde(default = "crate::tenant_security::yes")]
    pub refuse_common_passwords: bool,
    /// How long a login session lasts, in hours (1 to 168; 12 unless set).
    #[serde(default = "crate::tenant_security::default_session_hours")]
    pub session_hours: u16,
    /// Whom the company sells to: decides whether email needs an opt-in when a person's
    /// consent is not recorded (professionals unless set).
    #[serde(default)]
    pub audience: crate::consent::Audience,
    /// How long prospects are kept and what happens then (three years, flagged, unless set).
    #[serde(default)]
    pub retention: crate::retention::RetentionPolicy,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            country: CountryCode::FR,
            currency: Currency::EUR,
            time_zone: TimeZone::PARIS,
            language: Language::Fr,
            working_days: WorkingDays::default(),
            second_factor_for_admins: false,
            password_min_length: crate::tenant_security::default_password_min(),
            refuse_common_passwords: true,
            session_hours: crate::tenant_security::default_session_hours(),
            audience: crate::consent::Audience::default(),
            retention: crate::retention::RetentionPolicy::default(),
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
    /// Working days (`mon` … `sun`), at least one.
    pub working_days: Option<Vec<String>>,
    /// Whether Admins must use a second factor.
    pub second_factor_for_admins: Option<bool>,
    /// Fewest characters of a new password.
    pub password_min_length: Option<i64>,
    /// Whether common passwords are refused.
    pub refuse_common_passwords: Option<bool>,
    /// Session lifetime, hours.
    pub session_hours: Option<i64>,
    /// `b2b`, `b2c` or `mixed`.
    pub audience: Option<String>,
    /// Months a prospect is kept after the last contact they initiated.
    pub retention_months: Option<i64>,
    /// `flag` or `erase`.
    pub retention_action: Option<String>,
}

impl TenantSettings {
    /// The same time of day, in the company's zone, on the first working day on or after
    /// the day of `at` (a time a daylight-saving change skips moves an hour on).
    pub fn on_working_day(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::TimeZone as _;
        let tz = self.time_zone.tz();
        let local = at.with_timezone(&tz).naive_local();
        let day = self.working_days.on_or_after(local.date());
        if day == local.date() {
            return at;
        }
        let moved = day.and_time(local.time());
        tz.from_local_datetime(&moved)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(moved + chrono::Duration::hours(1))).earliest())
            .map_or(at, |t| t.with_timezone(&Utc))
    }

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
        if let Some(d) = &input.working_days
            && let Some(d) = v.check("working_days", WorkingDays::parse(d))
        {
            out.working_days = d;
        }
        if let Some(b) = input.second_factor_for_admins {
            out.second_factor_for_admins = b;
        }
        if let Some(n) = input.password_min_length
            && let Some(n) = v.check("password_min_length", in_range(n, &PASSWORD_MIN_RANGE))
        {
            out.password_min_length = n;
        }
        if let Some(b) = input.refuse_common_passwords {
            out.refuse_common_passwords = b;
        }
        if let Some(n) = input.session_hours
            && let Some(n) = v.check("session_hours", in_range(n, &SESSION_HOURS_RANGE))
        {
            out.session_hours = n;
        }
        if let Some(a) = &input.audience
            && let Some(a) = v.check("audience", crate::consent::Audience::checked(a))
        {
            out.audience = a;
        }
        out.retention = out
            .retention
            .with(input.retention_months, input.retention_action.as_deref(), &mut v);
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
    /// When the platform operator suspended the company: none of its people logs in, no
    /// token of theirs opens anything, until reinstated; nothing is deleted.
    pub suspended_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, 1 on creation.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
