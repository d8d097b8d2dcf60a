//! A team's validated forecast: the Manager submits, for a month or a quarter, the weighted
//! pipeline of each rep of the team (the open deals expected to close in the period, per
//! currency) as it stood then, with their own figure beside it where they disagree and a
//! comment. The snapshot is kept as submitted; later it is set against what was actually
//! won in the period.

use super::{PeriodKind, ReportPeriod, permille};
use crate::error::{ValidationError, ViolationKind};
use crate::forecast::ForecastItem;
use crate::ids::{SubmissionId, TeamId, TenantId, UserId};
use crate::money::Currency;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 2_000;
/// The largest adjusted amount, minor units (ten trillion of the currency's major unit).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// One rep's forecast in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionLine {
    /// The rep.
    pub owner_id: UserId,
    /// The currency.
    pub currency: Currency,
    /// Open deals expected to close in the period.
    pub count: u64,
    /// Their total value, minor units.
    pub total_minor: i128,
    /// Their weighted value (value × probability, summed exactly, rounded half to even
    /// once), minor units.
    pub weighted_minor: i128,
    /// The Manager's figure: the weighted value unless adjusted.
    pub adjusted_minor: i128,
}

/// A Manager's own figure for one rep and currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjustment {
    /// The rep.
    pub owner_id: UserId,
    /// The currency.
    pub currency: Currency,
    /// The figure, minor units.
    pub amount_minor: i64,
}

/// A submitted forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Id.
    pub id: SubmissionId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The team.
    pub team_id: TeamId,
    /// The month or quarter forecast.
    pub period: ReportPeriod,
    /// Who submitted it.
    pub submitted_by: UserId,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// The Manager's comment.
    pub comment: Option<String>,
    /// One line per rep and currency, in rep then currency order.
    pub lines: Vec<SubmissionLine>,
}

impl Submission {
    /// Totals per currency: (count, total, weighted, adjusted).
    pub fn totals(&self) -> Vec<(Currency, SubmissionTotals)> {
        totals(&self.lines)
    }
}

/// The sums of a submission in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionTotals {
    /// Open deals.
    pub count: u64,
    /// Their value.
    pub total_minor: i128,
    /// Their weighted value.
    pub weighted_minor: i128,
    /// The Manager's figure.
    pub adjusted_minor: i128,
}

/// Sums lines per currency, in currency order.
pub fn totals(lines: &[SubmissionLine]) -> Vec<(Currency, SubmissionTotals)> {
    let mut acc: BTreeMap<Currency, SubmissionTotals> = BTreeMap::new();
    for l in lines {
        let t = acc.entry(l.currency).or_default();
        t.count += l.count;
        t.total_minor += l.total_minor;
        t.weighted_minor += l.weighted_minor;
        t.adjusted_minor += l.adjusted_minor;
    }
    acc.into_iter().collect()
}

/// Checks the period a forecast is submitted for: a month or a quarter.
///
/// # Errors
/// `kind: not_allowed` for a year or a custom range.
pub fn check_period(period: &ReportPeriod) -> Result<(), ValidationError> {
    match period.kind {
        PeriodKind::Month | PeriodKind::Quarter => Ok(()),
        PeriodKind::Year | PeriodKind::Custom => Err(ValidationError::field("kind", ViolationKind::NotAllowed)),
    }
}

/// The lines of a team's forecast for `period`: the open deals of `items` owned by one of
/// `members` and expected to close in the period, per rep and currency, with the Manager's
/// `adjustments` (a rep of the team with no deal may be given a figure). Each member with
/// neither deal nor adjustment gets no line.
///
/// # Errors
/// `adjustments[i].owner_id: unknown` for someone outside the team,
/// `adjustments[i].amount_minor: too_small/too_large` outside `0..=MAX_AMOUNT`,
/// `adjustments[i]: repeated` for a rep and currency given twice; `kind: not_allowed` for a
/// year or custom period.
pub fn lines(
    items: &[ForecastItem],
    members: &[UserId],
    period: &ReportPeriod,
    adjustments: &[Adjustment],
) -> Result<Vec<SubmissionLine>, ValidationError> {
    check_period(period)?;
    // (rep, currency) -> (deals, total, value × percent, the Manager's figure)
    type Sums = (u64, i128, i128, Option<i128>);
    let mut acc: BTreeMap<(UserId, Currency), Sums> = BTreeMap::new();
    for it in items {
        let due = it.expected_close.is_some_and(|d| period.first <= d && d <= period.last);
        if !due || !members.contains(&it.owner_id) {
            continue;
        }
        let e = acc.entry((it.owner_id, it.currency)).or_insert((0, 0, 0, None));
        e.0 += 1;
        e.1 += i128::from(it.value_minor);
        e.2 += i128::from(it.value_minor) * i128::from(it.probability.percent());
    }
    for (i, a) in adjustments.iter().enumerate() {
        let at = |f: &str| format!("adjustments[{i}].{f}");
        if !members.contains(&a.owner_id) {
            return Err(ValidationError::field(at("owner_id"), ViolationKind::Unknown));
        }
        if a.amount_minor < 0 {
            return Err(ValidationError::field(at("amount_minor"), ViolationKind::TooSmall));
        }
        if a.amount_minor > MAX_AMOUNT {
            return Err(ValidationError::field(at("amount_minor"), ViolationKind::TooLarge));
        }
        let e = acc.entry((a.owner_id, a.currency)).or_insert((0, 0, 0, None));
        if e.3.is_some() {
            return Err(ValidationError::field(format!("adjustments[{i}]"), ViolationKind::Repeated));
        }
        e.3 = Some(i128::from(a.amount_minor));
    }
    Ok(acc
        .into_iter()
        .map(|((owner_id, currency), (count, total, weighted, adjusted))| {
            let weighted_minor = crate::forecast::div100_half_even(weighted);
            SubmissionLine {
                owner_id,
                currency,
                count,
                total_minor: total,
                weighted_minor,
                adjusted_minor: adjusted.unwrap_or(weighted_minor),
            }
        })
        .collect())
}

/// Checks and trims a comment (blank is none).
///
/// # Errors
/// `comment: too_long` beyond [`MAX_COMMENT`] characters.
pub fn comment(text: Option<&str>) -> Result<Option<String>, ValidationError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > MAX_COMMENT {
        return Err(ValidationError::field("comment", ViolationKind::TooLong));
    }
    Ok(Some(t.to_owned()))
}

/// A past period's forecast set against what was won, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accuracy {
    /// The period.
    pub period: ReportPeriod,
    /// The currency.
    pub currency: Currency,
    /// The weighted pipeline submitted (none when nothing was submitted).
    pub weighted_minor: Option<i128>,
    /// The Manager's figure submitted.
    pub adjusted_minor: Option<i128>,
    /// Won in the period by the team's reps.
    pub won_minor: i128,
    /// Won over the Manager's figure, in tenths of a percent (1000 = on target).
    pub attainment_permille: Option<i64>,
}

/// Sets the latest submission of each period against the amounts won in it
/// (`won[(period index, currency)]`), one row per period and currency that has either.
pub fn accuracy(periods: &[ReportPeriod], submitted: &[Option<&Submission>], won: &BTreeMap<(usize, Currency), i128>) -> Vec<Accuracy> {
    let mut out = Vec::new();
    for (i, period) in periods.iter().enumerate() {
        let sub: BTreeMap<Currency, SubmissionTotals> = submitted
            .get(i)
            .copied()
            .flatten()
            .map(|s| s.totals().into_iter().collect())
            .unwrap_or_default();
        let mut currencies: Vec<Currency> = sub.keys().copied().collect();
        currencies.extend(won.keys().filter(|(p, _)| *p == i).map(|(_, c)| *c));
        currencies.sort();
        currencies.dedup();
        for currency in currencies {
            let t = sub.get(&currency);
            let won_minor = won.get(&(i, currency)).copied().unwrap_or(0);
            let adjusted = t.map(|t| t.adjusted_minor);
            out.push(Accuracy {
                period: *period,
                currency,
                weighted_minor: t.map(|t| t.weighted_minor),
                adjusted_minor: adjusted,
                won_minor,
                attainment_permille: adjusted.and_then(|a| {
                    let (w, a) = (u64::try_from(won_minor).ok()?, u64::try_from(a).ok()?);
                    permille(w, a)
                }),
            });
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::{PipelineId, StageId};
    use crate::money::Probability;
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn u(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn item(v: i64, p: i64, close: NaiveDate, owner: u128, cur: &str) -> ForecastItem {
        ForecastItem {
            value_minor: v,
            currency: Currency::parse(cur).unwrap(),
            probability: Probability::new(p).unwrap(),
            expected_close: Some(close),
            owner_id: u(owner),
            team_id: None,
            pipeline_id: PipelineId::from_uuid(Uuid::from_u128(9)),
            stage_id: StageId::from_uuid(Uuid::from_u128(1)),
        }
    }

    #[test]
    fn a_team_forecast_holds_its_reps_deals_due_in_the_period_weighted_and_adjusted() {
        let q2 = ReportPeriod::containing(d(2026, 5, 1), PeriodKind::Quarter);
        let items = vec![
            item(10_000_00, 30, d(2026, 4, 1), 1, "EUR"),
            item(5_000_01, 50, d(2026, 6, 30), 1, "EUR"),
            item(2_000_00, 50, d(2026, 7, 1), 1, "EUR"), // next quarter
            item(1_000_00, 10, d(2026, 5, 5), 3, "EUR"), // not in the team
            item(800_00, 25, d(2026, 5, 5), 2, "USD"),
        ];
        let members = [u(1), u(2), u(4)];
        let adj = [
            Adjustment {
                owner_id: u(2),
                currency: Currency::parse("USD").unwrap(),
                amount_minor: 0,
            },
            Adjustment {
                owner_id: u(4),
                currency: Currency::EUR,
                amount_minor: 1_500_00,
            },
        ];
        let l = lines(&items, &members, &q2, &adj).unwrap();
        assert_eq!(l.len(), 3);
        // 10,000.00 × 30 % + 5,000.01 × 50 % = 3,000.00 + 2,500.005 → 5,500.00 (half to even).
        assert_eq!((l[0].owner_id, l[0].count, l[0].total_minor), (u(1), 2, 15_000_01));
        assert_eq!((l[0].weighted_minor, l[0].adjusted_minor), (5_500_00, 5_500_00));
        assert_eq!((l[1].owner_id, l[1].weighted_minor, l[1].adjusted_minor), (u(2), 200_00, 0));
        assert_eq!((l[2].owner_id, l[2].count, l[2].adjusted_minor), (u(4), 0, 1_500_00));
        let t = totals(&l);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].0, t[0].1.weighted_minor, t[0].1.adjusted_minor),
            (Currency::EUR, 5_500_00, 7_000_00)
        );
    }

    #[test]
    fn adjustments_are_checked() {
        let m = ReportPeriod::containing(d(2026, 5, 1), PeriodKind::Month);
        let a = |o, v| Adjustment {
            owner_id: u(o),
            currency: Currency::EUR,
            amount_minor: v,
        };
        let err = |r: Result<Vec<SubmissionLine>, ValidationError>| r.unwrap_err().errors()[0].field.clone();
        assert_eq!(err(lines(&[], &[u(1)], &m, &[a(2, 1)])), "adjustments[0].owner_id");
        assert_eq!(err(lines(&[], &[u(1)], &m, &[a(1, -1)])), "adjustments[0].amount_minor");
        assert_eq!(err(lines(&[], &[u(1)], &m, &[a(1, MAX_AMOUNT + 1)])), "adjustments[0].amount_minor");
        assert_eq!(err(lines(&[], &[u(1)], &m, &[a(1, 1), a(1, 2)])), "adjustments[1]");
        let y = ReportPeriod::containing(d(2026, 5, 1), PeriodKind::Year);
        assert_eq!(err(lines(&[], &[u(1)], &y, &[])), "kind");
        assert_eq!(comment(Some("  ")).unwrap(), None);
        assert_eq!(comment(Some(" ok ")).unwrap().as_deref(), Some("ok"));
        assert!(comment(Some(&"é".repeat(MAX_COMMENT + 1))).is_err());
    }

    #[test]
    fn past_forecasts_are_set_against_what_was_won() {
        let p1 = ReportPeriod::containing(d(2026, 4, 1), PeriodKind::Month);
        let p2 = p1.previous();
        let l = SubmissionLine {
            owner_id: u(1),
            currency: Currency::EUR,
            count: 2,
            total_minor: 10_000_00,
            weighted_minor: 4_000_00,
            adjusted_minor: 3_000_00,
        };
        let s = Submission {
            id: SubmissionId::from_uuid(Uuid::from_u128(1)),
            tenant_id: TenantId::from_uuid(Uuid::from_u128(1)),
            team_id: TeamId::from_uuid(Uuid::from_u128(1)),
            period: p1,
            submitted_by: u(9),
            submitted_at: DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap(),
            comment: None,
            lines: vec![l],
        };
        let won = BTreeMap::from([((0, Currency::EUR), 3_600_00), ((1, Currency::EUR), 100_00)]);
        let a = accuracy(&[p1, p2], &[Some(&s), None], &won);
        assert_eq!(a.len(), 2);
        assert_eq!(
            (a[0].adjusted_minor, a[0].won_minor, a[0].attainment_permille),
            (Some(3_000_00), 3_600_00, Some(1200))
        );
        assert_eq!(
            (a[1].adjusted_minor, a[1].won_minor, a[1].attainment_permille),
            (None, 100_00, None)
        );
    }
}
