//! Forecast: weighted value = value x probability, summed exactly per bucket (period of
//! expected close, group, currency) and rounded half-even once per bucket.

use crate::ids::{PipelineId, StageId, TeamId, UserId};
use crate::money::{Currency, Probability};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar month.
    Month,
    /// Calendar quarter.
    Quarter,
}

/// How buckets are split besides period and currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group.
    Nothing,
    /// By owner.
    Owner,
    /// By the owner's team.
    Team,
    /// By pipeline.
    Pipeline,
}

/// One open opportunity as the forecast sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastItem {
    /// Amount in minor units.
    pub value_minor: i64,
    /// Currency.
    pub currency: Currency,
    /// Probability.
    pub probability: Probability,
    /// Expected close date (tenant's calendar).
    pub expected_close: Option<NaiveDate>,
    /// Owner.
    pub owner_id: UserId,
    /// Owner's team.
    pub team_id: Option<TeamId>,
    /// Pipeline.
    pub pipeline_id: PipelineId,
    /// Current stage.
    pub stage_id: StageId,
}

/// The key of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GroupKey {
    /// Single group.
    All,
    /// An owner.
    Owner(UserId),
    /// A team (`None`: owners in no team).
    Team(Option<TeamId>),
    /// A pipeline.
    Pipeline(PipelineId),
}

/// One forecast line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// First day of the period, `None` for opportunities without an expected close date.
    pub period_start: Option<NaiveDate>,
    /// Group.
    pub group: GroupKey,
    /// Currency (amounts are never summed across currencies).
    pub currency: Currency,
    /// Number of opportunities.
    pub count: u64,
    /// Sum of values, minor units.
    pub total_minor: i128,
    /// Sum of value x probability, minor units, rounded half-even once.
    pub weighted_minor: i128,
}

/// First day of the period containing `d`.
pub fn period_start(d: NaiveDate, period: Period) -> NaiveDate {
    let month = match period {
        Period::Month => d.month(),
        Period::Quarter => (d.month0() / 3) * 3 + 1,
    };
    NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d)
}

/// Divides by 100 rounding half to even (banker's rounding), for non-negative and negative
/// numerators alike.
pub fn div100_half_even(n: i128) -> i128 {
    crate::report::div_half_even(n, 100).unwrap_or(0)
}

/// Aggregates items into buckets, ordered by period (undated last), group, currency.
pub fn aggregate<I: IntoIterator<Item = ForecastItem>>(items: I, period: Period, group: GroupBy) -> Vec<Bucket> {
    // (undated?, start, group, currency) -> (count, total, value x percent)
    type Key = (bool, Option<NaiveDate>, GroupKey, Currency);
    let mut acc: BTreeMap<Key, (u64, i128, i128)> = BTreeMap::new();
    for it in items {
        let start = it.expected_close.map(|d| period_start(d, period));
        let key = match group {
            GroupBy::Nothing => GroupKey::All,
            GroupBy::Owner => GroupKey::Owner(it.owner_id),
            GroupBy::Team => GroupKey::Team(it.team_id),
            GroupBy::Pipeline => GroupKey::Pipeline(it.pipeline_id),
        };
        let e = acc.entry((start.is_none(), start, key, it.currency)).or_insert((0, 0, 0));
        e.0 += 1;
        e.1 += i128::from(it.value_minor);
        e.2 += i128::from(it.value_minor) * i128::from(it.probability.percent());
    }
    acc.into_iter()
        .map(|((_, period_start, group, currency), (count, total, weighted))| Bucket {
            period_start,
            group,
            currency,
            count,
            total_minor: total,
            weighted_minor: div100_half_even(weighted),
        })
        .collect()
}

/// The open value at one stage of a board, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTotal {
    /// Stage.
    pub stage_id: StageId,
    /// Currency (amounts are never summed across currencies).
    pub currency: Currency,
    /// Number of opportunities.
    pub count: u64,
    /// Sum of values, minor units.
    pub total_minor: i128,
    /// Sum of value x probability, minor units, rounded half-even once.
    pub weighted_minor: i128,
}

/// Totals per stage and currency (a board's column heads), ordered by stage id then
/// currency; the weighted sum is exact and rounded once per stage and currency, as in
/// [`aggregate`].
pub fn totals_by_stage<I: IntoIterator<Item = ForecastItem>>(items: I) -> Vec<StageTotal> {
    let mut acc: BTreeMap<(StageId, Currency), (u64, i128, i128)> = BTreeMap::new();
    for it in items {
        let e = acc.entry((it.stage_id, it.currency)).or_insert((0, 0, 0));
        e.0 += 1;
        e.1 += i128::from(it.value_minor);
        e.2 += i128::from(it.value_minor) * i128::from(it.probability.percent());
    }
    acc.into_iter()
        .map(|((stage_id, currency), (count, total, weighted))| StageTotal {
            stage_id,
            currency,
            count,
            total_minor: total,
            weighted_minor: div100_half_even(weighted),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn item(v: i64, p: i64, d: Option<(i32, u32, u32)>, owner: u128) -> ForecastItem {
        ForecastItem {
            value_minor: v,
            currency: Currency::EUR,
            probability: Probability::new(p).unwrap(),
            expected_close: d.map(|(y, m, dd)| NaiveDate::from_ymd_opt(y, m, dd).unwrap()),
            owner_id: UserId::from_uuid(Uuid::from_u128(owner)),
            team_id: None,
            pipeline_id: PipelineId::from_uuid(Uuid::from_u128(9)),
            stage_id: StageId::from_uuid(Uuid::from_u128(1)),
        }
    }

    #[test]
    fn stage_totals_split_stages_and_currencies_and_round_once() {
        let mut second = item(100_00, 40, None, 1);
        second.stage_id = StageId::from_uuid(Uuid::from_u128(2));
        let mut usd = item(5_00, 10, None, 1);
        usd.currency = Currency::parse("USD").unwrap();
        let t = totals_by_stage(vec![item(1, 50, None, 1), item(1, 50, None, 2), item(1, 50, None, 3), second, usd]);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].count, t[0].total_minor, t[0].weighted_minor), (3, 3, 2));
        assert_eq!(t[0].currency, Currency::EUR);
        assert_eq!((t[1].currency.as_str(), t[1].weighted_minor), ("USD", 50));
        assert_eq!((t[2].count, t[2].weighted_minor), (1, 40_00));
    }

    #[test]
    fn half_even() {
        assert_eq!(div100_half_even(250), 2);
        assert_eq!(div100_half_even(350), 4);
        assert_eq!(div100_half_even(251), 3);
        assert_eq!(div100_half_even(249), 2);
        assert_eq!(div100_half_even(-250), -2);
        assert_eq!(div100_half_even(-350), -4);
    }

    #[test]
    fn rounds_once_per_bucket_not_per_item() {
        // Three deals of 0.01 EUR at 50 %: per-item rounding would give 0+0+0 (half-even) or
        // 1+1+1; the exact sum is 1.5 cents, rounded once to 2.
        let b = aggregate((0..3).map(|_| item(1, 50, Some((2026, 2, 3)), 1)), Period::Month, GroupBy::Nothing);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].weighted_minor, 2);
        assert_eq!(b[0].total_minor, 3);
    }

    #[test]
    fn quarters_owners_and_undated() {
        let items = vec![
            item(100_00, 10, Some((2026, 1, 31)), 1),
            item(200_00, 50, Some((2026, 3, 1)), 1),
            item(300_00, 50, Some((2026, 4, 1)), 2),
            item(999_00, 90, None, 1),
        ];
        let b = aggregate(items, Period::Quarter, GroupBy::Owner);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].period_start, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(b[0].weighted_minor, 10_00 + 100_00);
        assert_eq!(b[1].period_start, NaiveDate::from_ymd_opt(2026, 4, 1));
        assert_eq!(b[2].period_start, None);
    }

    #[test]
    fn currencies_are_never_mixed() {
        let mut usd = item(100, 100, Some((2026, 1, 1)), 1);
        usd.currency = Currency::parse("USD").unwrap();
        let b = aggregate(vec![item(100, 100, Some((2026, 1, 1)), 1), usd], Period::Month, GroupBy::Nothing);
        assert_eq!(b.len(), 2);
    }

    proptest! {
        #[test]
        fn exact_and_within_half_a_cent(vals in proptest::collection::vec((0i64..=1_000_000_000_000_000, 0i64..=100), 1..200)) {
            let items: Vec<_> = vals.iter().map(|(v, p)| item(*v, *p, Some((2026, 5, 5)), 1)).collect();
            let b = aggregate(items, Period::Month, GroupBy::Nothing);
            let exact: i128 = vals.iter().map(|(v, p)| i128::from(*v) * i128::from(*p)).sum();
            prop_assert!((b[0].weighted_minor * 100 - exact).abs() <= 50);
            prop_assert_eq!(b[0].total_minor, vals.iter().map(|(v, _)| i128::from(*v)).sum::<i128>());
        }
    }
}
