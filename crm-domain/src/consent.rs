//! Consent to be prospected, per contact and channel (GDPR art. 6 and 7; in France the
//! CNIL's reading of article L34-5 of the CPCE): what a person agreed to or withdrew, on
//! which legal basis, from which source, when, with what proof — kept as a history, the
//! latest record of a channel being its state — and the one rule that says whether a mass
//! send or an automation may reach a person on a channel.
//!
//! The rule, for marketing (a rep answering a person one to one is not prospecting):
//! an opt-out ticked on the record (email, calls) or a withdrawn consent stops the channel; a consent or a
//! legitimate interest recorded opens it; with nothing recorded, calls are open (an
//! opt-out regime), while email and SMS are open to professionals (legitimate interest,
//! B2B) and to clients (a client may be told of similar offers) but closed to a private
//! person who is still a prospect: B2C email and SMS are opt-in.

use crate::contact::{Contact, ContactKind};
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{ContactId, TenantId, UserId};
use crate::text::{Label, LongText};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest proof, in characters.
pub const MAX_PROOF: usize = 2_000;

/// A way of reaching a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Medium {
    /// Email.
    Email,
    /// Phone calls.
    Phone,
    /// Text messages.
    Sms,
}

impl Medium {
    /// Every channel, in the order shown.
    pub const ALL: [Self; 3] = [Self::Email, Self::Phone, Self::Sms];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Sms => "sms",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Its place in [`Medium::ALL`] (and in what [`latest_by_medium`] returns).
    pub const fn index(self) -> usize {
        match self {
            Self::Email => 0,
            Self::Phone => 1,
            Self::Sms => 2,
        }
    }
}

/// Why a person may be prospected (GDPR art. 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// They said yes (art. 6.1.a): a ticked box, a signed form, a reply.
    Consent,
    /// The company's legitimate interest (art. 6.1.f): B2B prospecting about the person's
    /// work, offers similar to what a client bought.
    LegitimateInterest,
}

impl Basis {
    /// Both, in the order offered.
    pub const ALL: [Self; 2] = [Self::Consent, Self::LegitimateInterest];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::LegitimateInterest => "legitimate_interest",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// What a record says of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentState {
    /// Open, on this basis.
    Granted(Basis),
    /// Withdrawn (or refused): the channel is closed until a new consent.
    Withdrawn,
}

impl ConsentState {
    /// Stable code of the state (`granted`, `withdrawn`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Granted(_) => "granted",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The basis of a granted state.
    pub const fn basis(self) -> Option<Basis> {
        match self {
            Self::Granted(b) => Some(b),
            Self::Withdrawn => None,
        }
    }

    /// From the stored codes.
    pub fn parse(state: &str, basis: Option<&str>) -> Option<Self> {
        match (state, basis) {
            ("granted", Some(b)) => Basis::parse(b).map(Self::Granted),
            ("withdrawn", None) => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// One record of a person's consent on a channel. Records are never changed: a new one
/// supersedes the earlier ones of its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Whose consent.
    pub contact_id: ContactId,
    /// On which channel.
    pub medium: Medium,
    /// Granted (on which basis) or withdrawn.
    pub state: ConsentState,
    /// Where it came from: « formulaire du site », « salon Vivatech », « lien de
    /// désinscription ».
    pub source: Label,
    /// The proof kept: the form's address and time, the signed paper's reference, the
    /// email's Message-ID (sealed: it may hold personal data).
    pub proof: Option<LongText>,
    /// When the person gave or withdrew it.
    pub given_at: DateTime<Utc>,
    /// Who recorded it (`None`: the system, from an unsubscribe link).
    pub recorded_by: Option<UserId>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A consent as a caller gives it.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// `granted` or `withdrawn` (nothing is chosen for the caller).
    pub state: String,
    /// `consent` or `legitimate_interest`, for a granted state.
    pub basis: Option<String>,
    /// Where it came from.
    pub source: String,
    /// The proof.
    pub proof: Option<String>,
    /// When it was given (default: now); not in the future.
    pub given_at: Option<DateTime<Utc>>,
}

impl ConsentInput {
    /// Checks the input into a channel, a state, a source, a proof and a time.
    ///
    /// # Errors
    /// Every field at fault: `medium`/`state`/`basis` `required` or `unknown` (a basis
    /// given with `withdrawn` is `not_allowed`), `source` `required`/`too_long`, `proof`
    /// `too_long`, `given_at` `out_of_range` (in the future or outside the accepted years).
    pub fn check(&self, now: DateTime<Utc>) -> Result<CheckedConsent, ValidationError> {
        let mut v = Validator::new();
        let medium = code_of(&mut v, "medium", &self.medium, Medium::parse);
        let basis = self
            .basis
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .and_then(|b| code_of(&mut v, "basis", b, Basis::parse));
        let state = match self.state.trim() {
            "" => {
                v.push("state", ViolationKind::Required);
                None
            }
            "granted" => match basis {
                Some(b) => Some(ConsentState::Granted(b)),
                None => {
                    if self.basis.as_deref().is_none_or(|b| b.trim().is_empty()) {
                        v.push("basis", ViolationKind::Required);
                    }
                    None
                }
            },
            "withdrawn" => {
                if self.basis.as_deref().is_some_and(|b| !b.trim().is_empty()) {
                    v.push("basis", ViolationKind::NotAllowed);
                }
                Some(ConsentState::Withdrawn)
            }
            _ => {
                v.push("state", ViolationKind::Unknown);
                None
            }
        };
        let source = v.check("source", Label::parse(&self.source));
        let proof = match self.proof.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) if p.chars().count() > MAX_PROOF => {
                v.push("proof", ViolationKind::TooLong);
                None
            }
            Some(p) => v.check("proof", LongText::parse(p)),
            None => None,
        };
        let given_at = self.given_at.unwrap_or(now);
        if given_at > now || !crate::time::instant_in_range(given_at) {
            v.push("given_at", ViolationKind::OutOfRange);
        }
        v.finish()?;
        match (medium, state, source) {
            (Some(medium), Some(state), Some(source)) => Ok(CheckedConsent {
                medium,
                state,
                source,
                proof,
                given_at,
            }),
            _ => Err(ValidationError::field("state", ViolationKind::Required)),
        }
    }
}

fn code_of<T>(v: &mut Validator, field: &str, raw: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        v.push(field, ViolationKind::Required);
        return None;
    }
    let found = parse(raw);
    if found.is_none() {
        v.push(field, ViolationKind::Unknown);
    }
    found
}

/// A checked consent, before it gets its ids and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedConsent {
    /// Channel.
    pub medium: Medium,
    /// State.
    pub state: ConsentState,
    /// Source.
    pub source: Label,
    /// Proof.
    pub proof: Option<LongText>,
    /// When given.
    pub given_at: DateTime<Utc>,
}

/// Whom a company sells to, which decides whether email needs an opt-in when nothing is
/// recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Professionals: prospecting their work email rests on legitimate interest.
    #[default]
    B2b,
    /// Private persons: email and SMS need their consent (a client's excepted).
    B2c,
    /// Both: a contact attached to a company is a professional, one without a private
    /// person.
    Mixed,
}

impl Audience {
    /// All, in the order offered.
    pub const ALL: [Self; 3] = [Self::B2b, Self::B2c, Self::Mixed];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::B2b => "b2b",
            Self::B2c => "b2c",
            Self::Mixed => "mixed",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// From its code, as a field's check.
    ///
    /// # Errors
    /// `unknown`.
    pub fn checked(code: &str) -> Result<Self, ValidationError> {
        Self::parse(code.trim()).ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }

    /// Whether this contact is prospected as a professional.
    pub fn is_professional(self, contact: &Contact) -> bool {
        match self {
            Self::B2b => true,
            Self::B2c => false,
            Self::Mixed => contact.fields.organization_id.is_some(),
        }
    }
}

/// Why a channel is open or closed for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Open: their recorded consent.
    Consent,
    /// Open: a legitimate interest, recorded or presumed for a professional.
    LegitimateInterest,
    /// Open: a client may be told of offers like what they bought.
    Client,
    /// Open: calls are open unless refused.
    OptOutRegime,
    /// Closed: the record's opt-out is ticked.
    OptOut,
    /// Closed: their consent withdrawn.
    Withdrawn,
    /// Closed: a private person who never said yes (opt-in).
    NoConsent,
}

impl Reason {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::LegitimateInterest => "legitimate_interest",
            Self::Client => "client",
            Self::OptOutRegime => "opt_out_regime",
            Self::OptOut => "opt_out",
            Self::Withdrawn => "withdrawn",
            Self::NoConsent => "no_consent",
        }
    }

    /// Whether the channel is open.
    pub const fn allows(self) -> bool {
        matches!(self, Self::Consent | Self::LegitimateInterest | Self::Client | Self::OptOutRegime)
    }
}

/// The opt-out of the contact's record that a record of this channel sets (withdrawn) or
/// clears (granted): texts have none of their own.
pub fn with_opt_out(contact: &Contact, medium: Medium, state: ConsentState) -> Option<Contact> {
    let closed = state == ConsentState::Withdrawn;
    let mut after = contact.clone();
    let flag = match medium {
        Medium::Email => &mut after.fields.email_opt_out,
        Medium::Phone => &mut after.fields.phone_opt_out,
        Medium::Sms => return None,
    };
    if *flag == closed {
        return None;
    }
    *flag = closed;
    Some(after)
}

/// Whether `contact` may be prospected on `medium`, given the company's audience and the
/// latest record of that channel (`None`: nothing recorded), and why.
pub fn may_prospect(medium: Medium, contact: &Contact, audience: Audience, latest: Option<&ConsentRecord>) -> Reason {
    let opted_out = match medium {
        Medium::Email => contact.fields.email_opt_out,
        Medium::Phone => contact.fields.phone_opt_out,
        Medium::Sms => false,
    };
    if opted_out {
        return Reason::OptOut;
    }
    match latest.map(|r| r.state) {
        Some(ConsentState::Withdrawn) => Reason::Withdrawn,
        Some(ConsentState::Granted(Basis::Consent)) => Reason::Consent,
        Some(ConsentState::Granted(Basis::LegitimateInterest)) => Reason::LegitimateInterest,
        None if medium == Medium::Phone => Reason::OptOutRegime,
        None if audience.is_professional(contact) => Reason::LegitimateInterest,
        None if contact.kind == ContactKind::Client => Reason::Client,
        None => Reason::NoConsent,
    }
}

/// The latest record of each channel among `records` (any order).
pub fn latest_by_medium(records: &[ConsentRecord]) -> [Option<&ConsentRecord>; 3] {
    let mut out: [Option<&ConsentRecord>; 3] = [None; 3];
    for r in records {
        let slot = &mut out[r.medium.index()];
        if slot.is_none_or(|s| (r.recorded_at, r.id) > (s.recorded_at, s.id)) {
            *slot = Some(r);
        }
    }
    out
}

#[cfg(test)]
mod tests;
