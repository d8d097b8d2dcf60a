//! Store port of reports: the totals a report is made of, counted in SQL within a
//! visibility scope; and the teams' submitted forecasts.

use super::StoreResult;
use crate::query::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::event::NewEvent;
use crm_domain::report::PeriodKind;
use crm_domain::report::submission::Submission;
use crm_domain::report::{ClosedGroup, FunnelTotals, OpenGroup, PeriodTotals};
use crm_domain::{PipelineId, StageId, SubmissionId, TeamId, TenantId, UserId};
use std::future::Future;

/// What reports read: totals counted in SQL (a report never loads the deals themselves).
pub trait ReportStore: Send + Sync {
    /// The live deals of the scope closed in `[from, to)` (grouped), the median sales
    /// cycle of those won, and the deals created in it.
    fn period_totals(&self, scope: Scope, bounds: (DateTime<Utc>, DateTime<Utc>))
    -> impl Future<Output = StoreResult<PeriodTotals>> + Send;
    /// The live deals of the scope closed in each of `periods` (`[from, to)`, not
    /// overlapping), grouped: one list per period, in order.
    fn closed_totals(
        &self,
        scope: Scope,
        periods: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> impl Future<Output = StoreResult<Vec<Vec<ClosedGroup>>>> + Send;
    /// The live open deals of the scope, per currency and probability, in that order.
    fn open_totals(&self, scope: Scope) -> impl Future<Output = StoreResult<Vec<OpenGroup>>> + Send;
    /// What the people of the scope did in two periods (`[from, to)` each; the current
    /// one first): activities done by kind, tasks overdue (now, and at the end of the
    /// period before), prospects created — counted in SQL, by the activity's assignee and
    /// the contact's owner.
    fn activity_facts(
        &self,
        scope: Scope,
        periods: [(DateTime<Utc>, DateTime<Utc>); 2],
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<ActivityFacts>> + Send;
    /// The funnel of the live deals of a pipeline in the scope, created in `[from, to)`
    /// when given, over its `stages` in order.
    fn funnel_totals(
        &self,
        scope: Scope,
        pipeline: PipelineId,
        stages: &[StageId],
        created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> impl Future<Output = StoreResult<FunnelTotals>> + Send;
}

/// What people did in a period and the one before (`[current, previous]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityCounts {
    /// Activities done, per kind code: tasks completed in the period; calls, meetings,
    /// emails and notes that took place in it.
    pub done: Vec<(String, [u64; 2])>,
    /// Tasks overdue now, and at the end of the period before.
    pub overdue_tasks: [u64; 2],
    /// Prospects created.
    pub new_leads: [u64; 2],
}

impl ActivityCounts {
    /// Activities done, every kind.
    pub fn done_total(&self) -> [u64; 2] {
        self.done.iter().fold([0, 0], |a, (_, d)| [a[0] + d[0], a[1] + d[1]])
    }

    /// Activities of `kind` done.
    pub fn done_of(&self, kind: &str) -> [u64; 2] {
        self.done.iter().find(|(k, _)| k == kind).map_or([0, 0], |(_, d)| *d)
    }

    /// Whether nothing at all was counted.
    pub fn is_empty(&self) -> bool {
        self.done_total() == [0, 0] && self.overdue_tasks == [0, 0] && self.new_leads == [0, 0]
    }

    /// Adds `other`'s counts to these (kinds kept in order).
    pub fn add(&mut self, other: &Self) {
        for (kind, d) in &other.done {
            match self.done.iter_mut().find(|(k, _)| k == kind) {
                Some((_, mine)) => *mine = [mine[0] + d[0], mine[1] + d[1]],
                None => self.done.push((kind.clone(), *d)),
            }
        }
        self.done.sort();
        for i in 0..2 {
            self.overdue_tasks[i] += other.overdue_tasks[i];
            self.new_leads[i] += other.new_leads[i];
        }
    }
}

/// What the people of a scope did in a period and the one before: in all, and per person
/// (activities by their assignee, prospects by their owner).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFacts {
    /// Everyone's.
    pub total: ActivityCounts,
    /// Per person who did, was late with or created anything, by id.
    pub by_person: Vec<(UserId, ActivityCounts)>,
}

impl ActivityFacts {
    /// The facts of the people's teams (`team_of`: a person's team now), the people in no
    /// team last.
    pub fn by_team(&self, team_of: impl Fn(UserId) -> Option<TeamId>) -> Vec<(Option<TeamId>, ActivityCounts)> {
        let mut acc: std::collections::BTreeMap<(bool, Option<TeamId>), ActivityCounts> = std::collections::BTreeMap::new();
        for (user, counts) in &self.by_person {
            let team = team_of(*user);
            acc.entry((team.is_none(), team)).or_default().add(counts);
        }
        acc.into_iter().map(|((_, team), counts)| (team, counts)).collect()
    }
}

/// Which submitted forecasts to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionFilter {
    /// Of these teams only (`None`: every team).
    pub team_ids: Option<Vec<TeamId>>,
    /// Of this kind of period (month or quarter).
    pub kind: Option<PeriodKind>,
    /// For periods starting on or after this day.
    pub first_from: Option<NaiveDate>,
    /// For periods starting on or before this day.
    pub first_to: Option<NaiveDate>,
}

/// The forecasts teams' Managers submitted: kept as submitted, never changed (a new
/// submission for the same period supersedes the earlier one, which stays).
pub trait ForecastStore: Send + Sync {
    /// Keeps a submission, with its event.
    fn submit_forecast(&self, submission: &Submission, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One submission. `NotFound` when absent.
    fn forecast_submission(&self, tenant: TenantId, id: SubmissionId) -> impl Future<Output = StoreResult<Submission>> + Send;
    /// The submissions matching `filter`, newest first, at most [`MAX_SUBMISSIONS`].
    fn forecast_submissions(
        &self,
        tenant: TenantId,
        filter: &SubmissionFilter,
    ) -> impl Future<Output = StoreResult<Vec<Submission>>> + Send;
}

/// The most submissions one read returns.
pub const MAX_SUBMISSIONS: u64 = 500;
