//! The bounds of a company's password and session rules (its settings), and their
//! defaults: passwords of 12 characters or more, common ones refused, 12-hour sessions.

use crate::error::{ValidationError, ViolationKind};

/// The shortest password a company may allow, and the longest minimum it may ask.
pub const PASSWORD_MIN_RANGE: std::ops::RangeInclusive<u16> = 12..=64;
/// The session lifetimes a company may choose, in hours (an hour to a week).
pub const SESSION_HOURS_RANGE: std::ops::RangeInclusive<u16> = 1..=168;

pub(crate) fn default_password_min() -> u16 {
    12
}

pub(crate) fn default_session_hours() -> u16 {
    12
}

pub(crate) fn yes() -> bool {
    true
}

/// `n` within `range`, else `too_small` or `too_large`.
pub(crate) fn in_range(n: i64, range: &std::ops::RangeInclusive<u16>) -> Result<u16, ValidationError> {
    if n < i64::from(*range.start()) {
        return Err(ValidationError::field("", ViolationKind::TooSmall));
    }
    u16::try_from(n)
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ValidationError::field("", ViolationKind::TooLarge))
}
