//! The sales figures of a period from the deals as they are: won and lost in the period
//! (by their close time, read in the company's time zone), the win rate, the average deal
//! won, the sales cycle (creation to win), the deals created; and the pipeline open now,
//! its value and weighted value. Money is summed per currency, never converted; averages
//! and weighted values are rounded once, half to even, to the minor unit.
//!
//! The figures are made from totals ([`PeriodTotals`], [`OpenGroup`]) that the store counts
//! in SQL; [`PeriodTotals::of`] and [`open_groups`] count the same from the deals themselves,
//! the reference the store is checked against.

use super::{ReportPeriod, average_minor, div_half_even, median, permille};
use crate::ids::{TeamId, UserId};
use crate::money::Currency;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a deal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DealState {
    /// In progress.
    Open,
    /// Won.
    Won,
    /// Lost.
    Lost,
}

/// A deal as the figures read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DealFact {
    /// Where it is.
    pub state: DealState,
    /// Its amount, minor units.
    pub value_minor: i64,
    /// Its currency.
    pub currency: Currency,
    /// Its probability, percent (open deals' weighted value).
    pub probability: u8,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who is responsible for it.
    pub owner_id: UserId,
}

/// The sales of one owner in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSales {
    /// The owner.
    pub owner_id: UserId,
    /// Won in the period, per currency (with the average deal).
    pub won: Vec<Amounts>,
    /// Deals won.
    pub won_count: u64,
    /// Deals lost.
    pub lost_count: u64,
    /// Won among closed, in tenths of a percent.
    pub win_rate_permille: Option<i64>,
}

/// Amounts of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    /// The currency.
    pub currency: Currency,
    /// How many deals.
    pub count: u64,
    /// Their total, minor units.
    pub total_minor: i128,
    /// Their average (won deals) or weighted total (open deals), minor units, half to even.
    pub derived_minor: i128,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFigures {
    /// The period.
    pub period: ReportPeriod,
    /// Won in the period, per currency, with the average deal (`derived_minor`).
    pub won: Vec<Amounts>,
    /// Deals won in the period.
    pub won_count: u64,
    /// Deals lost in the period.
    pub lost_count: u64,
    /// Won among those closed in the period, in tenths of a percent.
    pub win_rate_permille: Option<i64>,
    /// The median time from creation to win of the deals won in the period, seconds.
    pub median_cycle_seconds: Option<i64>,
    /// Deals created in the period.
    pub created_count: u64,
}

/// Deals closed in a period, per owner, outcome and currency: what the store counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClosedGroup {
    /// Who was responsible.
    pub owner_id: UserId,
    /// Won (`false`: lost).
    pub won: bool,
    /// The currency.
    pub currency: Currency,
    /// How many deals.
    pub count: u64,
    /// Their total, minor units.
    pub total_minor: i128,
}

/// What the figures of one period are made of, as the store counts them in SQL: the deals
/// closed in it (grouped), the sales cycles of those won, the deals created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodTotals {
    /// Closed in the period, in (owner, outcome, currency) order.
    pub closed: Vec<ClosedGroup>,
    /// The median time from creation to win of the deals won in the period, seconds (each
    /// deal's truncated, then [`median`]).
    pub median_cycle_seconds: Option<i64>,
    /// Deals created in the period.
    pub created: u64,
}

/// Open deals of one currency and probability: what the store counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenGroup {
    /// The currency.
    pub currency: Currency,
    /// The probability, percent.
    pub probability: u8,
    /// How many deals.
    pub count: u64,
    /// Their total, minor units.
    pub total_minor: i128,
}

/// Sums per currency of (count, total) pairs.
fn per_currency(parts: impl Iterator<Item = (Currency, u64, i128)>) -> BTreeMap<Currency, (u64, i128)> {
    let mut acc: BTreeMap<Currency, (u64, i128)> = BTreeMap::new();
    for (currency, count, total) in parts {
        let e = acc.entry(currency).or_insert((0, 0));
        e.0 += count;
        e.1 += total;
    }
    acc
}

/// Won per currency with the average deal, from closed groups.
fn won_amounts<'a>(groups: impl Iterator<Item = &'a ClosedGroup>) -> Vec<Amounts> {
    per_currency(groups.filter(|g| g.won).map(|g| (g.currency, g.count, g.total_minor)))
        .into_iter()
        .map(|(currency, (count, total))| Amounts {
            currency,
            count,
            total_minor: total,
            derived_minor: average_minor(total, count).unwrap_or(0),
        })
        .collect()
}

/// Won and lost counts of closed groups.
fn outcomes<'a>(groups: impl Iterator<Item = &'a ClosedGroup>) -> (u64, u64) {
    groups.fold((0, 0), |(w, l), g| if g.won { (w + g.count, l) } else { (w, l + g.count) })
}

impl PeriodTotals {
    /// The reference count, from the deals themselves, over `[start, end)`.
    pub fn of(deals: &[DealFact], (start, end): (DateTime<Utc>, DateTime<Utc>)) -> Self {
        let within = |t: DateTime<Utc>| start <= t && t < end;
        let mut groups: BTreeMap<(UserId, bool, Currency), (u64, i128)> = BTreeMap::new();
        let mut cycles = Vec::new();
        for d in deals {
            let Some(closed) = d.closed_at.filter(|c| within(*c)) else {
                continue;
            };
            let won = match d.state {
                DealState::Won => true,
                DealState::Lost => false,
                DealState::Open => continue,
            };
            let e = groups.entry((d.owner_id, won, d.currency)).or_insert((0, 0));
            e.0 += 1;
            e.1 += i128::from(d.value_minor);
            if won {
                cycles.push((closed - d.created_at).num_seconds());
            }
        }
        Self {
            median_cycle_seconds: median(&mut cycles),
            closed: groups
                .into_iter()
                .map(|((owner_id, won, currency), (count, total_minor))| ClosedGroup {
                    owner_id,
                    won,
                    currency,
                    count,
                    total_minor,
                })
                .collect(),
            created: deals.iter().filter(|d| within(d.created_at)).count() as u64,
        }
    }

    /// The figures of `period`, which these totals count.
    pub fn figures(&self, period: ReportPeriod) -> SalesFigures {
        let (won_count, lost_count) = outcomes(self.closed.iter());
        SalesFigures {
            period,
            won: won_amounts(self.closed.iter()),
            won_count,
            lost_count,
            win_rate_permille: permille(won_count, won_count + lost_count),
            median_cycle_seconds: self.median_cycle_seconds,
            created_count: self.created,
        }
    }

    /// The closings per group of owners (`key`), in key order.
    fn closed_by<K: Ord>(&self, key: impl Fn(UserId) -> K) -> Vec<(K, Vec<Amounts>, u64, u64)> {
        let mut by: BTreeMap<K, Vec<&ClosedGroup>> = BTreeMap::new();
        for g in &self.closed {
            by.entry(key(g.owner_id)).or_default().push(g);
        }
        by.into_iter()
            .map(|(k, groups)| {
                let (won, lost) = outcomes(groups.iter().copied());
                (k, won_amounts(groups.into_iter()), won, lost)
            })
            .collect()
    }

    /// The sales per owner who closed a deal, by owner id.
    pub fn by_owner(&self) -> Vec<OwnerSales> {
        self.closed_by(|o| o)
            .into_iter()
            .map(|(owner_id, won, won_count, lost_count)| OwnerSales {
                owner_id,
                won,
                won_count,
                lost_count,
                win_rate_permille: permille(won_count, won_count + lost_count),
            })
            .collect()
    }

    /// The sales per team of the owners (`team_of`: the owner's team now), teams that
    /// closed nothing left out; the owners in no team last.
    pub fn by_team(&self, team_of: impl Fn(UserId) -> Option<TeamId>) -> Vec<TeamSales> {
        self.closed_by(|o| {
            let team = team_of(o);
            (team.is_none(), team)
        })
        .into_iter()
        .map(|((_, team_id), won, won_count, lost_count)| TeamSales {
            team_id,
            won,
            won_count,
            lost_count,
            win_rate_permille: permille(won_count, won_count + lost_count),
        })
        .collect()
    }
}

/// The reference count of the open deals, per currency and probability.
pub fn open_groups(deals: &[DealFact]) -> Vec<OpenGroup> {
    let mut acc: BTreeMap<(Currency, u8), (u64, i128)> = BTreeMap::new();
    for d in deals.iter().filter(|d| d.state == DealState::Open) {
        let e = acc.entry((d.currency, d.probability)).or_insert((0, 0));
        e.0 += 1;
        e.1 += i128::from(d.value_minor);
    }
    acc.into_iter()
        .map(|((currency, probability), (count, total_minor))| OpenGroup {
            currency,
            probability,
            count,
            total_minor,
        })
        .collect()
}

/// The open pipeline per currency: its total and weighted value (value × probability,
/// summed exactly, rounded once).
pub fn open_amounts(groups: &[OpenGroup]) -> Vec<Amounts> {
    let mut acc: BTreeMap<Currency, (u64, i128, i128)> = BTreeMap::new();
    for g in groups {
        let e = acc.entry(g.currency).or_insert((0, 0, 0));
        e.0 += g.count;
        e.1 += g.total_minor;
        e.2 += g.total_minor * i128::from(g.probability);
    }
    acc.into_iter()
        .map(|(currency, (count, total_minor, weighted))| Amounts {
            currency,
            count,
            total_minor,
            derived_minor: div_half_even(weighted, 100).unwrap_or(0),
        })
        .collect()
}

/// The figures of `period` read in `tz`, from the deals themselves (the reference).
pub fn sales_figures<Tz: TimeZone>(deals: &[DealFact], period: ReportPeriod, tz: &Tz) -> SalesFigures {
    PeriodTotals::of(deals, period.bounds(tz)).figures(period)
}

/// The sales of `period` per owner who closed a deal in it, by owner id (the reference).
pub fn sales_by_owner<Tz: TimeZone>(deals: &[DealFact], period: ReportPeriod, tz: &Tz) -> Vec<OwnerSales> {
    PeriodTotals::of(deals, period.bounds(tz)).by_owner()
}

/// The sales of one team in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSales {
    /// The team (`None`: owners in no team).
    pub team_id: Option<TeamId>,
    /// Won in the period, per currency (with the average deal).
    pub won: Vec<Amounts>,
    /// Deals won.
    pub won_count: u64,
    /// Deals lost.
    pub lost_count: u64,
    /// Won among closed, in tenths of a percent.
    pub win_rate_permille: Option<i64>,
}

/// The sales of `period` per team of the deals' owners (the reference).
pub fn sales_by_team<Tz: TimeZone>(
    deals: &[DealFact],
    period: ReportPeriod,
    tz: &Tz,
    team_of: impl Fn(UserId) -> Option<TeamId>,
) -> Vec<TeamSales> {
    PeriodTotals::of(deals, period.bounds(tz)).by_team(team_of)
}

/// The open pipeline per currency (the reference).
pub fn open_pipeline(deals: &[DealFact]) -> Vec<Amounts> {
    open_amounts(&open_groups(deals))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::report::PeriodKind;
    use chrono::NaiveDate;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn deal(state: DealState, value_minor: i64, currency: &str, probability: u8, created: &str, closed: Option<&str>) -> DealFact {
        DealFact {
            state,
            value_minor,
            currency: Currency::parse(currency).unwrap(),
            probability,
            created_at: t(created),
            closed_at: closed.map(t),
            owner_id: UserId::from_uuid(uuid::Uuid::from_u128(u128::from(probability) % 2)),
        }
    }

    #[test]
    fn a_month_of_sales_to_the_cent_in_paris_time() {
        use DealState::{Lost, Open, Won};
        let deals = [
            // Won in March (Paris): 1,000.00 € and 2,500.01 €, and 300.00 $.
            deal(Won, 100_000, "EUR", 100, "2026-01-10T09:00:00Z", Some("2026-03-02T10:00:00Z")),
            deal(Won, 250_001, "EUR", 100, "2026-03-01T09:00:00Z", Some("2026-03-31T21:30:00Z")),
            deal(Won, 30_000, "USD", 100, "2026-02-20T09:00:00Z", Some("2026-03-15T12:00:00Z")),
            // Won at 00:30 on April 1st in Paris: April's, not March's.
            deal(Won, 999_999, "EUR", 100, "2026-03-05T09:00:00Z", Some("2026-03-31T22:30:00Z")),
            // Lost in March; lost in February.
            deal(Lost, 50_000, "EUR", 0, "2026-02-01T09:00:00Z", Some("2026-03-20T09:00:00Z")),
            deal(Lost, 50_000, "EUR", 0, "2026-01-01T09:00:00Z", Some("2026-02-20T09:00:00Z")),
            // Open: 10,000.00 € at 30 % and 333.33 € at 50 %.
            deal(Open, 1_000_000, "EUR", 30, "2026-03-10T09:00:00Z", None),
            deal(Open, 33_333, "EUR", 50, "2026-02-10T09:00:00Z", None),
        ];
        let march = ReportPeriod::containing(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), PeriodKind::Month);
        let f = sales_figures(&deals, march, &chrono_tz::Europe::Paris);
        assert_eq!((f.won_count, f.lost_count), (3, 1));
        // 3 won of 4 closed: 75.0 %.
        assert_eq!(f.win_rate_permille, Some(750));
        let eur = f.won.iter().find(|a| a.currency.as_str() == "EUR").unwrap();
        // 3,500.01 € over 2 deals: 1,750.005 € → 1,750.00 € (half to even).
        assert_eq!((eur.count, eur.total_minor, eur.derived_minor), (2, 350_001, 175_000));
        let usd = f.won.iter().find(|a| a.currency.as_str() == "USD").unwrap();
        assert_eq!((usd.count, usd.total_minor), (1, 30_000));
        // Cycles: 51 days 1 h, 30 days 12 h 30 min, 23 days 3 h → the middle one.
        assert_eq!(f.median_cycle_seconds, Some(30 * 86_400 + 12 * 3600 + 1800));
        // Created in March (Paris): the 2nd, the 4th (March 5) and the first open one.
        assert_eq!(f.created_count, 3);
        // April holds the deal won at 00:30 Paris time on the 1st; February, the other lost one.
        assert_eq!(sales_figures(&deals, march.previous(), &chrono_tz::Europe::Paris).lost_count, 1);
        let next = ReportPeriod::containing(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), PeriodKind::Month);
        assert_eq!(sales_figures(&deals, next, &chrono_tz::Europe::Paris).won_count, 1);
        // The open pipeline: 10,333.33 €, weighted 3,000.00 + 166.665 → 3,166.66 € (half to even
        // on the exact sum, rounded once).
        let open = open_pipeline(&deals);
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].count, open[0].total_minor, open[0].derived_minor), (2, 1_033_333, 316_666));
        // Per owner: one owner here (the test's deals all have an even probability); the
        // open deals close nothing, so only this owner's closings count.
        let by = sales_by_owner(&deals, march, &chrono_tz::Europe::Paris);
        assert_eq!(by.len(), 1);
        assert_eq!((by[0].won_count, by[0].lost_count, by[0].win_rate_permille), (3, 1, Some(750)));
        // Per team: that owner's team, then nobody's for none.
        let team = TeamId::from_uuid(uuid::Uuid::from_u128(5));
        let teams = sales_by_team(&deals, march, &chrono_tz::Europe::Paris, |_| Some(team));
        assert_eq!(teams.len(), 1);
        assert_eq!((teams[0].team_id, teams[0].won_count, teams[0].lost_count), (Some(team), 3, 1));
        let split = sales_by_team(&deals, march, &chrono_tz::Europe::Paris, |o| {
            (o.as_uuid().as_u128() == 0).then_some(team)
        });
        assert_eq!(split.iter().map(|t| t.team_id).collect::<Vec<_>>(), vec![Some(team)]);
    }
}
