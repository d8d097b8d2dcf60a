//! The conversion funnel of a pipeline, from its deals' stage histories: for each stage in
//! order, how many deals entered it, how many reached it or a later one (a deal created
//! further on, or moved past a stage, reached the stages before too), the conversion to the
//! next step and the drop-off, and the median time a deal spent in it; then the deals won.

use super::{median, permille};
use crate::ids::StageId;
use crate::opportunity::StageChange;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A deal as the funnel reads it.
#[derive(Debug, Clone, Copy)]
pub struct FunnelDeal<'a> {
    /// Every stage it entered, oldest first.
    pub history: &'a [StageChange],
    /// Whether it was won.
    pub won: bool,
    /// When it was won or lost (the end of its time in its last stage).
    pub closed_at: Option<DateTime<Utc>>,
}

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// The stage (`None`: the last step, the deals won).
    pub stage_id: Option<StageId>,
    /// Deals that entered this stage (once each, however often).
    pub entered: u64,
    /// Deals that reached this stage or a later one (or were won).
    pub reached: u64,
    /// Share of `reached` that reached the next step, in tenths of a percent (half to
    /// even); `None` on the last step or when nothing reached this one.
    pub conversion_permille: Option<i64>,
    /// Deals that reached this step and not the next.
    pub dropped: u64,
    /// The median time spent in this stage, in seconds, over the stays that ended (a move
    /// on, back, or the deal closed); `None` without one.
    pub median_seconds: Option<i64>,
}

/// What a funnel is made of, as the store counts it in SQL, for stages `0..n` in the
/// pipeline's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelTotals {
    /// Per stage, the deals that entered it (once each, however often).
    pub entered: Vec<u64>,
    /// Per step `0..=n` (`n`: won), the deals whose furthest step it is.
    pub furthest: Vec<u64>,
    /// Per stage, the median stay that ended, seconds (truncated stays, [`median`]).
    pub median_seconds: Vec<Option<i64>>,
}

impl FunnelTotals {
    /// The reference count, from the deals' histories; stages a deal entered that are not
    /// listed (another pipeline's) are ignored.
    pub fn of<'a>(stages: &[StageId], deals: impl IntoIterator<Item = FunnelDeal<'a>>) -> Self {
        let n = stages.len();
        let mut entered = vec![0u64; n];
        let mut furthest = vec![0u64; n + 1];
        let mut stays: Vec<Vec<i64>> = vec![Vec::new(); n];
        for deal in deals {
            let mut seen = vec![false; n];
            let mut top: Option<usize> = None;
            for (k, change) in deal.history.iter().enumerate() {
                let Some(i) = stages.iter().position(|s| *s == change.to) else {
                    continue;
                };
                if !seen[i] {
                    seen[i] = true;
                    entered[i] += 1;
                }
                top = Some(top.map_or(i, |t| t.max(i)));
                let left = deal.history.get(k + 1).map(|next| next.at).or(deal.closed_at);
                if let Some(left) = left
                    && left >= change.at
                {
                    stays[i].push((left - change.at).num_seconds());
                }
            }
            let step = if deal.won { Some(n) } else { top };
            if let Some(step) = step {
                furthest[step] += 1;
            }
        }
        Self {
            entered,
            furthest,
            median_seconds: stays.iter_mut().map(|s| median(s)).collect(),
        }
    }

    /// The steps: one per stage of `stages`, then the deals won.
    pub fn steps(&self, stages: &[StageId]) -> Vec<FunnelStep> {
        let n = stages.len();
        // reached[i] = deals whose furthest step is i or beyond.
        let mut reached = vec![0u64; n + 1];
        let mut acc = 0;
        for i in (0..=n).rev() {
            acc += self.furthest.get(i).copied().unwrap_or(0);
            reached[i] = acc;
        }
        (0..=n)
            .map(|i| {
                let next = reached.get(i + 1).copied();
                FunnelStep {
                    stage_id: stages.get(i).copied(),
                    entered: if i < n {
                        self.entered.get(i).copied().unwrap_or(0)
                    } else {
                        reached[n]
                    },
                    reached: reached[i],
                    conversion_permille: next.and_then(|x| permille(x, reached[i])),
                    dropped: next.map_or(0, |x| reached[i] - x),
                    median_seconds: if i < n {
                        self.median_seconds.get(i).copied().flatten()
                    } else {
                        None
                    },
                }
            })
            .collect()
    }
}

/// The funnel of deals over `stages`, in the pipeline's order (the reference).
pub fn funnel<'a>(stages: &[StageId], deals: impl IntoIterator<Item = FunnelDeal<'a>>) -> Vec<FunnelStep> {
    FunnelTotals::of(stages, deals).steps(stages)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap() + Duration::hours(h)
    }

    fn moves(stages: &[(StageId, i64)]) -> Vec<StageChange> {
        let mut out = Vec::new();
        let mut from = None;
        for (s, h) in stages {
            out.push(StageChange {
                from,
                to: *s,
                at: at(*h),
                by: None,
            });
            from = Some(*s);
        }
        out
    }

    fn deal(history: &[StageChange], won: bool, closed: Option<i64>) -> FunnelDeal<'_> {
        FunnelDeal {
            history,
            won,
            closed_at: closed.map(at),
        }
    }

    #[test]
    fn a_funnel_counts_entries_reach_conversion_drop_off_and_time_in_stage() {
        let [a, b, c] = [1u128, 2, 3].map(|n| StageId::from_uuid(uuid::Uuid::from_u128(n)));
        // 1: a → b → c, won at h 30.  2: a → b, lost at h 10.  3: a, still open.
        // 4: created at c, won at h 4.  5: a → c → b (moved back), lost at h 9.
        let d1 = moves(&[(a, 0), (b, 2), (c, 10)]);
        let d2 = moves(&[(a, 0), (b, 4)]);
        let d3 = moves(&[(a, 0)]);
        let d4 = moves(&[(c, 0)]);
        let d5 = moves(&[(a, 0), (c, 1), (b, 3)]);
        let f = funnel(
            &[a, b, c],
            [
                deal(&d1, true, Some(30)),
                deal(&d2, false, Some(10)),
                deal(&d3, false, None),
                deal(&d4, true, Some(4)),
                deal(&d5, false, Some(9)),
            ],
        );
        assert_eq!(f.len(), 4);
        // Entered: a by 1, 2, 3, 5; b by 1, 2, 5; c by 1, 4, 5.
        assert_eq!(f.iter().map(|s| s.entered).collect::<Vec<_>>(), [4, 3, 3, 2]);
        // Furthest: 1 won, 2 b, 3 a, 4 won, 5 c → reached a 5, b 4, c 3, won 2.
        assert_eq!(f.iter().map(|s| s.reached).collect::<Vec<_>>(), [5, 4, 3, 2]);
        assert_eq!(f.iter().map(|s| s.dropped).collect::<Vec<_>>(), [1, 1, 1, 0]);
        assert_eq!(
            f.iter().map(|s| s.conversion_permille).collect::<Vec<_>>(),
            [Some(800), Some(750), Some(667), None]
        );
        // Stays in a: 2 h, 4 h, (3 open: none), 1 h → median 2 h. In b: 8 h, 6 h (closed),
        // 6 h (5: b from h 3 to lost at 9) → 6 h. In c: 20 h, 4 h, 2 h → 4 h.
        assert_eq!(
            f.iter().map(|s| s.median_seconds).collect::<Vec<_>>(),
            [Some(2 * 3600), Some(6 * 3600), Some(4 * 3600), None]
        );
        assert_eq!(f[3].stage_id, None);
    }

    #[test]
    fn no_deal_no_share() {
        let a = StageId::from_uuid(uuid::Uuid::from_u128(1));
        let f = funnel(&[a], []);
        assert_eq!((f[0].reached, f[0].conversion_permille, f[0].median_seconds), (0, None, None));
    }
}
