//! How long a prospect's data is kept (GDPR art. 5.1.e). The CNIL's rule for prospecting:
//! a prospect's data may be kept three years from its collection or from the last contact
//! that came from the prospect — a click on a link of an email, a reply, a call or an email
//! they made, a consent they gave. An email merely opened is not their doing (a mail
//! provider's proxy opens every message) and does not count.
//!
//! A company sets how many months and what happens when they are up: the prospects are
//! flagged for an Admin to review (the default), erased by the daily job, or anonymised
//! by it (the record stays, with nothing left that names the person, so that counts and
//! statistics stay true). Clients,
//! former clients and partners are not concerned (their data follows the contract), nor
//! is a prospect with an open deal.

use crate::contact::Contact;
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{ContactId, UserId};
use crate::tenant::Language;
use crate::text::{Label, Name};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// The months a company may choose (six months to ten years).
pub const MONTHS_RANGE: RangeInclusive<u16> = 6..=120;

/// Three years, the CNIL's time for prospects.
pub const DEFAULT_MONTHS: u16 = 36;

/// What happens to a prospect whose time is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Listed for an Admin, who erases them (all at once or one by one) or keeps them.
    #[default]
    Flag,
    /// Erased by the daily job, as an erasure would (their key destroyed).
    Erase,
    /// Anonymised by the daily job: their key destroyed and every value that names them
    /// removed, the record kept (kind, source, tags, owner, dates, deals, activities
    /// without their words) under a name that names no one.
    Anonymise,
}

impl RetentionAction {
    /// Every action, in the order offered.
    pub const ALL: [Self; 3] = [Self::Flag, Self::Erase, Self::Anonymise];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Erase => "erase",
            Self::Anonymise => "anonymise",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code.trim())
    }
}

fn default_months() -> u16 {
    DEFAULT_MONTHS
}

/// A company's retention policy for prospects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Months after the last contact a prospect initiated (or their collection).
    #[serde(default = "default_months")]
    pub prospect_months: u16,
    /// What then happens.
    #[serde(default)]
    pub action: RetentionAction,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            prospect_months: DEFAULT_MONTHS,
            action: RetentionAction::Flag,
        }
    }
}

impl RetentionPolicy {
    /// The instant before which a prospect's last contact makes them due.
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_months(Months::new(u32::from(self.prospect_months))).unwrap_or(now)
    }

    /// This policy with a caller's raw values over it; faults are added to `v` under
    /// `retention_months` and `retention_action`.
    pub fn with(self, months: Option<i64>, action: Option<&str>, v: &mut Validator) -> Self {
        let mut out = self;
        if let Some(m) = months
            && let Some(m) = v.check("retention_months", crate::tenant_security::in_range(m, &MONTHS_RANGE))
        {
            out.prospect_months = m;
        }
        if let Some(a) = action
            && let Some(a) = v.check(
                "retention_action",
                RetentionAction::parse(a).ok_or_else(|| ValidationError::field("", ViolationKind::Unknown)),
            )
        {
            out.action = a;
        }
        out
    }
}

/// The name an anonymised person is given, in the company's language: « Prospect
/// anonymisé » and a reference drawn from their id, so that two of them are told apart
/// and never taken for duplicates.
///
/// # Errors
/// None in practice: both are short, plain and non-empty.
pub fn anonymous_names(language: Language, id: ContactId) -> Result<(Name, Name), ValidationError> {
    let reference = id.as_uuid().simple().to_string()[..6].to_ascii_uppercase();
    let last = match language {
        Language::Fr => format!("anonymisé #{reference}"),
        Language::En => format!("anonymised #{reference}"),
    };
    Ok((Name::parse("Prospect")?, Name::parse(&last)?))
}

/// The subject an activity about an anonymised person alone keeps, in the company's
/// language (its own words may name them).
///
/// # Errors
/// None in practice: the text is short, plain and non-empty.
pub fn anonymous_subject(language: Language) -> Result<Label, ValidationError> {
    Label::parse(match language {
        Language::Fr => "Activité anonymisée",
        Language::En => "Anonymised activity",
    })
}

/// `contact` anonymised in `language`: named by [`anonymous_names`], with no email, phone,
/// organization, job title, street, postal code, city, notes nor external id left; its
/// kind, owner, qualification, source, tags, country, opt-outs, score and dates kept (what
/// counts and statistics need, naming no one).
///
/// # Errors
/// As [`anonymous_names`].
pub fn anonymised(contact: &Contact, language: Language) -> Result<Contact, ValidationError> {
    let (first_name, last_name) = anonymous_names(language, contact.id)?;
    let mut out = contact.clone();
    let f = &mut out.fields;
    f.first_name = first_name;
    f.last_name = last_name;
    f.emails.clear();
    f.phones.clear();
    f.organization_id = None;
    f.job_title = None;
    f.address.street = None;
    f.address.postal_code = None;
    f.address.city = None;
    f.external_id = None;
    f.notes = None;
    Ok(out)
}

/// A prospect whose time is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionCandidate {
    /// Who.
    pub contact_id: ContactId,
    /// Their owner.
    pub owner_id: UserId,
    /// When their data was collected (the record created).
    pub created_at: DateTime<Utc>,
    /// The last contact that came from them (a click, a reply, an inbound call or email, a
    /// consent given), if any.
    pub last_initiated_at: Option<DateTime<Utc>>,
}

impl RetentionCandidate {
    /// Where their time counts from: the later of their collection and their last contact.
    pub fn counted_from(&self) -> DateTime<Utc> {
        self.last_initiated_at.map_or(self.created_at, |l| l.max(self.created_at))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn three_years_and_flag_by_default() {
        let p = RetentionPolicy::default();
        assert_eq!((p.prospect_months, p.action), (36, RetentionAction::Flag));
        let now = "2026-12-03T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(p.cutoff(now), "2023-12-03T10:00:00Z".parse::<DateTime<Utc>>().unwrap());
        let old: RetentionPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(old, p, "settings saved before the policy existed read as the default");
    }

    #[test]
    fn raw_values_are_checked_field_by_field() {
        let mut v = Validator::new();
        let p = RetentionPolicy::default().with(Some(24), Some("erase"), &mut v);
        assert!(v.finish().is_ok());
        assert_eq!((p.prospect_months, p.action), (24, RetentionAction::Erase));
        let mut v = Validator::new();
        let _ = RetentionPolicy::default().with(Some(3), Some("delete"), &mut v);
        let err = v.finish().unwrap_err();
        let fields: Vec<(&str, ViolationKind)> = err.errors().iter().map(|e| (e.field.as_str(), e.kind)).collect();
        assert_eq!(
            fields,
            [
                ("retention_months", ViolationKind::TooSmall),
                ("retention_action", ViolationKind::Unknown)
            ]
        );
        let mut v = Validator::new();
        let _ = RetentionPolicy::default().with(Some(121), None, &mut v);
        assert!(v.finish().is_err());
    }

    #[test]
    fn time_counts_from_the_later_of_collection_and_last_contact() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut c = RetentionCandidate {
            contact_id: ContactId::from_uuid(uuid::Uuid::nil()),
            owner_id: UserId::from_uuid(uuid::Uuid::nil()),
            created_at: t("2021-01-10T00:00:00Z"),
            last_initiated_at: None,
        };
        assert_eq!(c.counted_from(), t("2021-01-10T00:00:00Z"));
        c.last_initiated_at = Some(t("2022-05-01T00:00:00Z"));
        assert_eq!(c.counted_from(), t("2022-05-01T00:00:00Z"));
        c.last_initiated_at = Some(t("2020-05-01T00:00:00Z"));
        assert_eq!(c.counted_from(), t("2021-01-10T00:00:00Z"), "a consent dated before the record");
    }

    #[test]
    fn an_anonymous_name_names_no_one_and_tells_two_apart() {
        let id = |s: &str| ContactId::from_uuid(s.parse().unwrap());
        let a = id("3f2a91c4-0000-4000-8000-000000000001");
        let (first, last) = anonymous_names(Language::Fr, a).unwrap();
        assert_eq!((first.as_str(), last.as_str()), ("Prospect", "anonymisé #3F2A91"));
        assert_eq!(anonymous_names(Language::En, a).unwrap().1.as_str(), "anonymised #3F2A91");
        let b = id("7b00e1d2-0000-4000-8000-000000000001");
        assert_ne!(anonymous_names(Language::Fr, b).unwrap().1, last);
        assert_eq!(RetentionAction::parse("anonymise"), Some(RetentionAction::Anonymise));
    }
}
