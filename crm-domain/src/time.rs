//! The one range of dates and times the CRM accepts: years 1900 to 2200 (UTC for instants,
//! the calendar for dates). Every date-taking field and filter is checked against it in
//! the domain, so that any stored value can be shown in any time zone, compared, and
//! shifted by the few years a rule or a read adds, without overflow. Arithmetic that could
//! still leave chrono's own range is done with the saturating helpers below, never with a
//! panicking operator.

use crate::error::{ValidationError, ViolationKind};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

/// First year accepted.
pub const MIN_YEAR: i32 = 1900;
/// Last year accepted.
pub const MAX_YEAR: i32 = 2200;

/// First accepted day, 1900-01-01.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(MIN_YEAR, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Last accepted day, 2200-12-31.
pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(MAX_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Whether a calendar date is in the accepted range.
pub fn day_in_range(d: NaiveDate) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&d.year())
}

/// Whether an instant is in the accepted range (its UTC year).
pub fn instant_in_range(t: DateTime<Utc>) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&t.year())
}

/// Checks a calendar date.
///
/// # Errors
/// `out_of_range` (on the field `""`, to be placed with [`ValidationError::at`]).
pub fn check_day(d: NaiveDate) -> Result<NaiveDate, ValidationError> {
    if day_in_range(d) {
        Ok(d)
    } else {
        Err(ValidationError::field("", ViolationKind::OutOfRange))
    }
}

/// Checks an instant.
///
/// # Errors
/// `out_of_range` (on the field `""`).
pub fn check_instant(t: DateTime<Utc>) -> Result<DateTime<Utc>, ValidationError> {
    if instant_in_range(t) {
        Ok(t)
    } else {
        Err(ValidationError::field("", ViolationKind::OutOfRange))
    }
}

/// Checks optional filters or fields given as `(name, value)` pairs, naming every one out
/// of range.
///
/// # Errors
/// `out_of_range` on each field at fault.
pub fn check_instants(fields: &[(&str, Option<DateTime<Utc>>)]) -> Result<(), ValidationError> {
    let mut v = crate::error::Validator::new();
    for (name, t) in fields {
        if let Some(t) = t {
            v.check(name, check_instant(*t));
        }
    }
    v.finish()
}

/// Checks optional calendar dates given as `(name, value)` pairs.
///
/// # Errors
/// `out_of_range` on each field at fault.
pub fn check_days(fields: &[(&str, Option<NaiveDate>)]) -> Result<(), ValidationError> {
    let mut v = crate::error::Validator::new();
    for (name, d) in fields {
        if let Some(d) = d {
            v.check(name, check_day(*d));
        }
    }
    v.finish()
}

/// `t + delta`, held at chrono's limits instead of panicking.
pub fn add(t: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(delta).unwrap_or(if delta < TimeDelta::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// `t - delta`, held at chrono's limits instead of panicking.
pub fn sub(t: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    t.checked_sub_signed(delta).unwrap_or(if delta < TimeDelta::zero() {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    })
}

/// The calendar date of an instant in a time zone; for an instant too close to chrono's
/// limits to be shifted, its UTC date.
pub fn local_day(t: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    use chrono::Offset as _;
    use chrono::TimeZone as _;
    let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    t.naive_utc()
        .checked_add_offset(offset)
        .map_or_else(|| t.date_naive(), |n| n.date())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_range_is_1900_to_2200() {
        assert!(check_day(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()).is_ok());
        assert!(check_day(NaiveDate::from_ymd_opt(2200, 12, 31).unwrap()).is_ok());
        assert!(check_day(NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()).is_err());
        assert!(check_day(NaiveDate::from_ymd_opt(2201, 1, 1).unwrap()).is_err());
        assert!(check_day(NaiveDate::from_ymd_opt(0, 1, 1).unwrap()).is_err());
        assert!(check_day(NaiveDate::from_ymd_opt(-1, 1, 1).unwrap()).is_err());
        assert!(check_instant(DateTime::<Utc>::MAX_UTC).is_err());
        assert!(check_instant(DateTime::<Utc>::MIN_UTC).is_err());
        let e = check_instants(&[("due_at", Some(DateTime::<Utc>::MAX_UTC)), ("starts_at", None)]).unwrap_err();
        assert_eq!(e.errors()[0].field, "due_at");
        assert_eq!(e.errors()[0].kind, ViolationKind::OutOfRange);
    }

    proptest! {
        #[test]
        fn arithmetic_never_panics(secs in any::<i64>(), delta in any::<i64>()) {
            let t = DateTime::<Utc>::from_timestamp(secs % 8_000_000_000_000, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
            let d = TimeDelta::try_seconds(delta / 1000).unwrap_or(TimeDelta::MAX);
            let _ = add(t, d);
            let _ = sub(t, d);
            let _ = local_day(t, chrono_tz::Pacific::Kiritimati);
            let _ = local_day(t, chrono_tz::Pacific::Pago_Pago);
        }
    }

    #[test]
    fn local_day_at_the_limits() {
        let _ = local_day(DateTime::<Utc>::MAX_UTC, chrono_tz::Europe::Paris);
        let _ = local_day(DateTime::<Utc>::MIN_UTC, chrono_tz::America::New_York);
        assert_eq!(add(DateTime::<Utc>::MAX_UTC, TimeDelta::days(1)), DateTime::<Utc>::MAX_UTC);
        assert_eq!(sub(DateTime::<Utc>::MIN_UTC, TimeDelta::days(1)), DateTime::<Utc>::MIN_UTC);
    }
}
