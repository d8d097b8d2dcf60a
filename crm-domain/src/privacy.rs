//! The rights of the people a company keeps data on (GDPR, articles 15 to 21): each request
//! a person makes — to see their data, take it away, have it erased, restricted, or to
//! object — is logged with the day it came in and the deadline to answer (one month, art.
//! 12.3), then answered (done, or refused with the reason). Erasing a person is the
//! crypto-shredding of their data key (see the store's erasure port); the request keeps
//! no personal value, only the erased contact's id.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{ContactId, PrivacyRequestId, TenantId, UserId};
use crate::text::LongText;
use chrono::{DateTime, Months, Utc};

/// Longest note or answer, in characters.
pub const MAX_TEXT: usize = 2_000;

/// What a person asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// To see their data (art. 15).
    Access,
    /// To take their data away, in a machine-readable file (art. 20).
    Portability,
    /// To have their data corrected (art. 16).
    Rectification,
    /// To have their data erased (art. 17).
    Erasure,
    /// To have their data kept but no longer used (art. 18).
    Restriction,
    /// To object to its use, prospecting included (art. 21).
    Objection,
}

impl RequestKind {
    /// Every kind, in the order offered.
    pub const ALL: [Self; 6] = [
        Self::Access,
        Self::Portability,
        Self::Rectification,
        Self::Erasure,
        Self::Restriction,
        Self::Objection,
    ];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Portability => "portability",
            Self::Rectification => "rectification",
            Self::Erasure => "erasure",
            Self::Restriction => "restriction",
            Self::Objection => "objection",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Waiting for an answer.
    Open,
    /// Carried out.
    Done,
    /// Refused, with the reason given in the answer.
    Refused,
}

impl RequestStatus {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Refused => "refused",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Open, Self::Done, Self::Refused].into_iter().find(|s| s.code() == code)
    }
}

/// A request of a person about their data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyRequest {
    /// Id.
    pub id: PrivacyRequestId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The contact it is about (kept after an erasure: the id names no one any more).
    pub contact_id: ContactId,
    /// What is asked.
    pub kind: RequestKind,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// The deadline to answer: one month after it came in.
    pub due_at: DateTime<Utc>,
    /// How it came in, what exactly is asked (no personal value needed).
    pub note: Option<LongText>,
    /// Where it stands.
    pub status: RequestStatus,
    /// The answer given (why, when refused).
    pub answer: Option<LongText>,
    /// Who logged it.
    pub logged_by: Option<UserId>,
    /// Who answered it.
    pub answered_by: Option<UserId>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

impl PrivacyRequest {
    /// Whether it is still open past its deadline at `now`.
    pub fn is_late(&self, now: DateTime<Utc>) -> bool {
        self.status == RequestStatus::Open && now > self.due_at
    }
}

/// The deadline of a request that came in at `received`: one calendar month later (the
/// last day of a shorter month when the day does not exist).
pub fn due_after(received: DateTime<Utc>) -> DateTime<Utc> {
    received.checked_add_months(Months::new(1)).unwrap_or(received)
}

/// Checks an optional text (a note, an answer): `None` when blank.
///
/// # Errors
/// `field: too_long` past [`MAX_TEXT`] characters.
pub fn check_text(v: &mut Validator, field: &str, text: Option<&str>) -> Option<LongText> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > MAX_TEXT {
        v.push(field, ViolationKind::TooLong);
        return None;
    }
    v.check(field, LongText::parse(text))
}

/// An answer checked: a refusal must say why.
///
/// # Errors
/// `status: not_allowed` for `open`; `answer: required` for a refusal without a reason;
/// `answer: too_long`.
pub fn check_answer(status: RequestStatus, answer: Option<&str>) -> Result<Option<LongText>, ValidationError> {
    let mut v = Validator::new();
    if status == RequestStatus::Open {
        v.push("status", ViolationKind::NotAllowed);
    }
    let answer = check_text(&mut v, "answer", answer);
    if status == RequestStatus::Refused && answer.is_none() {
        v.push("answer", ViolationKind::Required);
    }
    v.finish()?;
    Ok(answer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_deadline_is_a_calendar_month_later() {
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).single().unwrap();
        assert_eq!(due_after(at(2026, 3, 15)), at(2026, 4, 15));
        assert_eq!(due_after(at(2026, 1, 31)), at(2026, 2, 28), "no 31 February");
        assert_eq!(due_after(at(2026, 12, 2)), at(2027, 1, 2));
    }

    #[test]
    fn a_refusal_says_why_and_open_is_no_answer() {
        assert!(check_answer(RequestStatus::Done, None).unwrap().is_none());
        let e = check_answer(RequestStatus::Refused, Some("  ")).unwrap_err();
        assert_eq!(e.errors()[0].field, "answer");
        assert_eq!(e.errors()[0].kind, ViolationKind::Required);
        let e = check_answer(RequestStatus::Open, Some("x")).unwrap_err();
        assert_eq!(e.errors()[0].field, "status");
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            check_answer(RequestStatus::Done, Some(&long)).unwrap_err().errors()[0].kind,
            ViolationKind::TooLong
        );
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.code()), Some(k));
        }
    }
}
