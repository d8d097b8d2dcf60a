//! Reports: the periods figures are counted over — a month, a quarter, a year or a custom
//! range of days, in the company's time zone, as the instants that bound them (a day across
//! a daylight-saving change lasts 23 or 25 hours, and a figure belongs to the day the
//! company lived it) — with the period before each, and the figures computed from the
//! records: rates, averages and medians with their rounding stated, the sales figures of a
//! period (`report/sales.rs`) and the conversion funnel of a pipeline from its deals' stage
//! histories (`report/funnel.rs`). These are the reference the store's aggregate queries
//! are checked against.

mod funnel;
mod sales;
pub mod submission;

pub use funnel::{FunnelDeal, FunnelStep, FunnelTotals, funnel};
pub use sales::{
    Amounts, ClosedGroup, DealFact, DealState, OpenGroup, OwnerSales, PeriodTotals, SalesFigures, TeamSales, open_amounts, open_groups,
    open_pipeline, sales_by_owner, sales_by_team, sales_figures,
};

use crate::error::{ValidationError, ViolationKind};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Whose deals a report counts, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    /// The reader's own.
    Mine,
    /// Those of the teams the reader leads (and the reader's).
    Team,
    /// Everything the reader may see.
    Company,
}

impl ReportScope {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::Team => "team",
            Self::Company => "company",
        }
    }

    /// The scope of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Mine, Self::Team, Self::Company].into_iter().find(|s| s.code() == code)
    }

    /// The records counted: what is asked, never beyond what the reader `me` may read
    /// (`read`): a sales rep's "team" or "company" is their own deals.
    pub fn narrow(self, read: crate::visibility::RecordScope, me: crate::ids::UserId) -> crate::visibility::RecordScope {
        use crate::visibility::RecordScope as R;
        match (read, self) {
            (R::Nothing, _) => R::Nothing,
            (_, Self::Mine) => R::OwnedBy(me),
            (R::OwnedBy(u), _) => R::OwnedBy(u),
            (R::TeamsLedBy(m), _) => R::TeamsLedBy(m),
            (R::Tenant, Self::Team) => R::TeamsLedBy(me),
            (R::Tenant, Self::Company) => R::Tenant,
        }
    }
}

/// The longest custom period, in days (ten years).
pub const MAX_DAYS: u64 = 3_660;

/// How a period is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar year.
    Year,
    /// Any range of whole days.
    Custom,
}

impl PeriodKind {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
            Self::Custom => "custom",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Month, Self::Quarter, Self::Year, Self::Custom]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// A period of whole days of the company's calendar, first and last included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportPeriod {
    /// How it was cut.
    pub kind: PeriodKind,
    /// Its first day.
    pub first: NaiveDate,
    /// Its last day (included).
    pub last: NaiveDate,
}

fn months_of(kind: PeriodKind) -> u32 {
    match kind {
        PeriodKind::Quarter => 3,
        PeriodKind::Year => 12,
        PeriodKind::Month | PeriodKind::Custom => 1,
    }
}

impl ReportPeriod {
    /// The month, quarter or year that holds `day` (a custom kind gives that one day).
    pub fn containing(day: NaiveDate, kind: PeriodKind) -> Self {
        let first_month = match kind {
            PeriodKind::Month => day.month(),
            PeriodKind::Quarter => day.month0() / 3 * 3 + 1,
            PeriodKind::Year => 1,
            PeriodKind::Custom => {
                return Self {
                    kind,
                    first: day,
                    last: day,
                };
            }
        };
        let first = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
        let last = first
            .checked_add_months(Months::new(months_of(kind)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        Self { kind, first, last }
    }

    /// A custom range of days.
    ///
    /// # Errors
    /// `last: too_small` before `first`; `last: too_large` beyond [`MAX_DAYS`].
    pub fn custom(first: NaiveDate, last: NaiveDate) -> Result<Self, ValidationError> {
        if last < first {
            return Err(ValidationError::field("last", ViolationKind::TooSmall));
        }
        if u64::try_from((last - first).num_days()).unwrap_or(u64::MAX) >= MAX_DAYS {
            return Err(ValidationError::field("last", ViolationKind::TooLarge));
        }
        Ok(Self {
            kind: PeriodKind::Custom,
            first,
            last,
        })
    }

    /// How many days it has.
    pub fn days(&self) -> u64 {
        u64::try_from((self.last - self.first).num_days() + 1).unwrap_or(0)
    }

    /// The period just before, to compare with: the previous month, quarter or year; for a
    /// custom range, as many days ending the day before it starts.
    pub fn previous(&self) -> Self {
        match self.kind {
            PeriodKind::Custom => {
                let last = self.first.pred_opt().unwrap_or(self.first);
                let first = last.checked_sub_days(Days::new(self.days() - 1)).unwrap_or(last);
                Self {
                    kind: self.kind,
                    first,
                    last,
                }
            }
            kind => {
                let day = self.first.checked_sub_months(Months::new(months_of(kind))).unwrap_or(self.first);
                Self::containing(day, kind)
            }
        }
    }

    /// The instants it runs over in `tz`: from the start of its first day to the start of
    /// the day after its last, the end excluded.
    pub fn bounds<Tz: TimeZone>(&self, tz: &Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.last.succ_opt().unwrap_or(self.last);
        (start_of_day(self.first, tz), start_of_day(after, tz))
    }

    /// Whether an instant falls in it, read in `tz`.
    pub fn contains<Tz: TimeZone>(&self, at: DateTime<Utc>, tz: &Tz) -> bool {
        let (start, end) = self.bounds(tz);
        start <= at && at < end
    }
}

/// The first instant of a day in `tz` (midnight, or the first hour that exists where a
/// daylight-saving change skips midnight).
pub fn start_of_day<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    (0..24)
        .filter_map(|h| day.and_hms_opt(h, 0, 0))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(), |t| t.with_timezone(&Utc))
}

/// `numerator / denominator` rounded half to even (banker's rounding); `None` for a zero
/// denominator.
pub fn div_half_even(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    Some(match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 == 0 => q,
        std::cmp::Ordering::Equal => q + 1,
    })
}

/// A share in tenths of a percent (`part / whole × 1000`, half to even): `625` is 62.5 %.
pub fn permille(part: u64, whole: u64) -> Option<i64> {
    div_half_even(i128::from(part) * 1000, i128::from(whole)).and_then(|v| i64::try_from(v).ok())
}

/// The average of amounts in minor units, to the minor unit, half to even.
pub fn average_minor(total_minor: i128, count: u64) -> Option<i128> {
    div_half_even(total_minor, i128::from(count))
}

/// The median of values: the middle one, or for an even count the mean of the two middle
/// ones rounded half to even. `None` for none.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        return Some(values[n / 2]);
    }
    div_half_even(i128::from(values[n / 2 - 1]) + i128::from(values[n / 2]), 2).and_then(|v| i64::try_from(v).ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_calendar_months_quarters_and_years_with_the_one_before() {
        let m = ReportPeriod::containing(d(2026, 3, 17), PeriodKind::Month);
        assert_eq!((m.first, m.last, m.days()), (d(2026, 3, 1), d(2026, 3, 31), 31));
        assert_eq!(m.previous().first, d(2026, 2, 1));
        assert_eq!(m.previous().last, d(2026, 2, 28));
        let q = ReportPeriod::containing(d(2026, 5, 2), PeriodKind::Quarter);
        assert_eq!((q.first, q.last), (d(2026, 4, 1), d(2026, 6, 30)));
        assert_eq!((q.previous().first, q.previous().last), (d(2026, 1, 1), d(2026, 3, 31)));
        let y = ReportPeriod::containing(d(2024, 2, 29), PeriodKind::Year);
        assert_eq!((y.first, y.last, y.days()), (d(2024, 1, 1), d(2024, 12, 31), 366));
        assert_eq!(y.previous().first, d(2023, 1, 1));
        let c = ReportPeriod::custom(d(2026, 3, 10), d(2026, 3, 16)).unwrap();
        assert_eq!((c.previous().first, c.previous().last), (d(2026, 3, 3), d(2026, 3, 9)));
        assert!(ReportPeriod::custom(d(2026, 3, 10), d(2026, 3, 9)).is_err());
        assert!(ReportPeriod::custom(d(2000, 1, 1), d(2026, 1, 1)).is_err());
    }

    #[test]
    fn a_month_across_a_daylight_saving_change_is_counted_in_paris_time() {
        let paris = chrono_tz::Europe::Paris;
        // March 2026: clocks go forward on the 29th (UTC+1 to UTC+2).
        let march = ReportPeriod::containing(d(2026, 3, 5), PeriodKind::Month);
        let (start, end) = march.bounds(&paris);
        assert_eq!(start.to_rfc3339(), "2026-02-28T23:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-03-31T22:00:00+00:00");
        assert_eq!((end - start).num_hours(), 31 * 24 - 1);
        // A deal won at 00:30 on April 1st in Paris (22:30 UTC on March 31st) is April's.
        let late = DateTime::parse_from_rfc3339("2026-03-31T22:30:00Z").unwrap().with_timezone(&Utc);
        assert!(!march.contains(late, &paris));
        assert!(march.contains(late - chrono::Duration::hours(1), &paris));
        // October 2026: clocks go back on the 25th; the day lasts 25 hours.
        let day = ReportPeriod::custom(d(2026, 10, 25), d(2026, 10, 25)).unwrap();
        let (s, e) = day.bounds(&paris);
        assert_eq!((e - s).num_hours(), 25);
    }

    #[test]
    fn a_report_never_counts_beyond_what_its_reader_sees() {
        use crate::visibility::RecordScope as R;
        let me = crate::ids::UserId::from_uuid(uuid::Uuid::from_u128(7));
        let other = crate::ids::UserId::from_uuid(uuid::Uuid::from_u128(8));
        assert_eq!(ReportScope::Company.narrow(R::OwnedBy(me), me), R::OwnedBy(me));
        assert_eq!(ReportScope::Team.narrow(R::OwnedBy(me), me), R::OwnedBy(me));
        assert_eq!(ReportScope::Company.narrow(R::TeamsLedBy(me), me), R::TeamsLedBy(me));
        assert_eq!(ReportScope::Mine.narrow(R::TeamsLedBy(me), me), R::OwnedBy(me));
        assert_eq!(ReportScope::Team.narrow(R::Tenant, me), R::TeamsLedBy(me));
        assert_eq!(ReportScope::Company.narrow(R::Tenant, me), R::Tenant);
        assert_eq!(ReportScope::Mine.narrow(R::Nothing, me), R::Nothing);
        assert_ne!(ReportScope::Mine.narrow(R::Tenant, me), R::OwnedBy(other));
        for s in [ReportScope::Mine, ReportScope::Team, ReportScope::Company] {
            assert_eq!(ReportScope::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn rounding_is_half_to_even_and_stated() {
        assert_eq!(div_half_even(5, 2), Some(2));
        assert_eq!(div_half_even(7, 2), Some(4));
        assert_eq!(div_half_even(-5, 2), Some(-2));
        assert_eq!(div_half_even(1, 0), None);
        assert_eq!(permille(5, 8), Some(625));
        assert_eq!(permille(1, 3), Some(333));
        assert_eq!(permille(2, 3), Some(667));
        assert_eq!(permille(0, 0), None);
        // 3 deals of 100.00, 100.00 and 100.01 €: 100.003… € → 100.00 €.
        assert_eq!(average_minor(30_001, 3), Some(10_000));
        // 2 deals of 0.01 and 0.02 €: 0.015 € → 0.02 € (half to even).
        assert_eq!(average_minor(3, 2), Some(2));
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut [1, 2]), Some(2));
        assert_eq!(median(&mut []), None);
    }
}
