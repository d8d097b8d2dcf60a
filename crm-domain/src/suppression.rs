//! The suppression list: the emails and phones of people who must not be reached again
//! (they unsubscribed, were erased, bounced, or an Admin said so). The store keeps only a
//! keyed hash of each value; an import never brings such a value back as reachable, a
//! campaign never writes to it.

use crate::email::EmailAddress;
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::phone::PhoneNumber;
use crate::tenant::CountryCode;
use crate::text::Label;
use crate::{TenantId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What a suppressed value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
}

impl Channel {
    /// Stable code (also the blind index's domain).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// The channel of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Email, Self::Phone].into_iter().find(|c| c.code() == code)
    }
}

/// Why a value is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuppressionReason {
    /// The person unsubscribed.
    Unsubscribed,
    /// The person was erased (right to erasure).
    Erased,
    /// Mail to the address bounced for good.
    Bounced,
    /// An Admin put it there.
    Manual,
}

impl SuppressionReason {
    /// Every reason.
    pub const ALL: [Self; 4] = [Self::Unsubscribed, Self::Erased, Self::Bounced, Self::Manual];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unsubscribed => "unsubscribed",
            Self::Erased => "erased",
            Self::Bounced => "bounced",
            Self::Manual => "manual",
        }
    }

    /// The reason of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// An entry of the list (its value is not kept, only its keyed hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Id.
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Email or phone.
    pub channel: Channel,
    /// Why.
    pub reason: SuppressionReason,
    /// A note (never the value itself).
    pub note: Option<Label>,
    /// The first characters of the value's keyed hash, hexadecimal: tells entries apart.
    pub fingerprint: String,
    /// Who put it there (`None`: the system).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A value to put on the list, as given.
#[derive(Debug, Clone, Default)]
pub struct SuppressionInput {
    /// An email address (or a phone, not both).
    pub email: Option<String>,
    /// A phone number, national numbers read with the company's country.
    pub phone: Option<String>,
    /// `unsubscribed`, `erased`, `bounced` or `manual` (default).
    pub reason: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// A value checked: its channel, its normal form (what the hash is made of), the reason
/// and the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressedValue {
    /// Email or phone.
    pub channel: Channel,
    /// The normal form: the email as stored on contacts, the phone in E.164.
    pub value: String,
    /// Why.
    pub reason: SuppressionReason,
    /// A note.
    pub note: Option<Label>,
}

impl SuppressionInput {
    /// Checks the input: exactly one of `email` and `phone`, valid.
    ///
    /// # Errors
    /// `email`/`phone` (`required` when neither, `not_allowed` on `phone` when both,
    /// `malformed`), `reason` (`unknown`), `note` (`too_long`).
    pub fn parse(&self, country: CountryCode) -> Result<SuppressedValue, ValidationError> {
        let mut v = Validator::new();
        let given = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let value = match (given(&self.email), given(&self.phone)) {
            (Some(_), Some(_)) => {
                v.push("phone", ViolationKind::NotAllowed);
                None
            }
            (Some(e), None) => v
                .check("email", EmailAddress::parse(&e))
                .map(|e| (Channel::Email, e.as_str().to_owned())),
            (None, Some(p)) => v
                .check("phone", PhoneNumber::parse(&p, country))
                .map(|p| (Channel::Phone, p.as_str().to_owned())),
            (None, None) => {
                v.push("email", ViolationKind::Required);
                None
            }
        };
        let reason = match self.reason.as_deref().map(str::trim) {
            None | Some("") => Some(SuppressionReason::Manual),
            Some(r) => {
                let found = SuppressionReason::parse(r);
                if found.is_none() {
                    v.push("reason", ViolationKind::Unknown);
                }
                found
            }
        };
        let note = v.check("note", Label::parse_optional(self.note.as_deref()));
        v.finish()?;
        match (value, reason, note) {
            (Some((channel, value)), Some(reason), Some(note)) => Ok(SuppressedValue {
                channel,
                value,
                reason,
                note,
            }),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fr() -> CountryCode {
        CountryCode::parse("FR").unwrap()
    }

    #[test]
    fn one_value_checked_and_normalised() {
        let e = SuppressionInput {
            email: Some(" Zoe@Exemple.FR ".into()),
            ..SuppressionInput::default()
        }
        .parse(fr())
        .unwrap();
        assert_eq!((e.channel, e.reason), (Channel::Email, SuppressionReason::Manual));
        let p = SuppressionInput {
            phone: Some("06 12 34 56 78".into()),
            reason: Some("unsubscribed".into()),
            ..SuppressionInput::default()
        }
        .parse(fr())
        .unwrap();
        assert_eq!((p.channel, p.value.as_str()), (Channel::Phone, "+33612345678"));
        let fields = |i: SuppressionInput| -> Vec<String> { i.parse(fr()).unwrap_err().errors().iter().map(|e| e.field.clone()).collect() };
        assert_eq!(fields(SuppressionInput::default()), ["email"]);
        assert_eq!(
            fields(SuppressionInput {
                email: Some("a@b.fr".into()),
                phone: Some("0612345678".into()),
                reason: Some("lassitude".into()),
                ..SuppressionInput::default()
            }),
            ["phone", "reason"]
        );
    }
}
