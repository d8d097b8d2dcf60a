//! A team's forecast for a month or a quarter: what its reps' open deals due in the period
//! weigh now, the Manager's validated (submitted) figures, and how past submissions
//! compared with what was won. A Manager reads and submits for the teams they lead, an
//! Admin for every team; an Observer reads every team's; another team is not found.

use crate::app::{App, added, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{OpportunityFilter, Scope};
use crate::store::{ForecastStore, OpportunityStore, ReportStore, SubmissionFilter, TenantStore, UserStore};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::report::ReportPeriod;
use crm_domain::report::submission::{Accuracy, Adjustment, Submission, SubmissionLine, accuracy, check_period, comment, lines};
use crm_domain::user::{Role, Team};
use crm_domain::visibility::{Capability, RecordScope};
use crm_domain::{Actor, SubmissionId, TeamId, UserId, ValidationError, ViolationKind};
use std::collections::BTreeMap;

/// How many past periods a team's forecast is set against what was won.
pub const PAST_PERIODS: usize = 6;

/// A team's forecast for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamForecast {
    /// The team.
    pub team: Team,
    /// The month or quarter.
    pub period: ReportPeriod,
    /// Its reps' open deals due in the period now, per rep and currency (not adjusted).
    pub lines: Vec<SubmissionLine>,
    /// The latest submission for the period, if any.
    pub submitted: Option<Submission>,
    /// The periods before, newest first: what was submitted against what was won.
    pub history: Vec<Accuracy>,
}

/// What a Manager submits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmitForecast {
    /// Their own figures, per rep and currency (the weighted value elsewhere).
    pub adjustments: Vec<Adjustment>,
    /// Their comment.
    pub comment: Option<String>,
}

impl<S, K, C: Clock, I: IdGenerator> App<S, K, C, I>
where
    S: ForecastStore + ReportStore + OpportunityStore + UserStore + TenantStore,
{
    /// The team, if the actor may read its forecast (`write`: submit it).
    pub(crate) async fn forecast_team(&self, actor: &Actor, team_id: TeamId, write: bool) -> Result<Team, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(
            actor,
            if write {
                Capability::SubmitForecast
            } else {
                Capability::ReadTeamForecasts
            },
        )?;
        let team = self.store.team(tenant, team_id).await?;
        match actor {
            Actor::User {
                role: Role::Manager,
                user_id,
                ..
            } if team.manager_id != *user_id => Err(ServiceError::NotFound),
            _ => Ok(team),
        }
    }

    /// The teams whose forecasts the actor reads (`None`: every team).
    pub(crate) async fn forecast_teams(&self, actor: &Actor) -> Result<Option<Vec<TeamId>>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReadTeamForecasts)?;
        Ok(match actor {
            Actor::User {
                role: Role::Manager,
                user_id,
                ..
            } => Some(
                self.store
                    .list_teams(tenant)
                    .await?
                    .into_iter()
                    .filter(|t| t.manager_id == *user_id)
                    .map(|t| t.id)
                    .collect(),
            ),
            _ => None,
        })
    }

    /// The reps of a team.
    async fn members(&self, team: &Team) -> Result<Vec<UserId>, ServiceError> {
        Ok(self
            .store
            .list_users(team.tenant_id)
            .await?
            .into_iter()
            .filter(|u| u.team_id == Some(team.id))
            .map(|u| u.id)
            .collect())
    }

    /// The team's open deals due in `period`, per rep and currency, with `adjustments`.
    async fn team_lines(
        &self,
        team: &Team,
        members: &[UserId],
        period: &ReportPeriod,
        adjustments: &[Adjustment],
    ) -> Result<Vec<SubmissionLine>, ServiceError> {
        check_period(period)?;
        let filter = OpportunityFilter {
            status: Some("open"),
            team_id: Some(team.id),
            close_from: Some(period.first),
            close_to: Some(period.last),
            ..OpportunityFilter::default()
        };
        let scope = Scope {
            tenant_id: team.tenant_id,
            records: RecordScope::Tenant,
        };
        let items = self.store.forecast_items(scope, &filter).await?;
        Ok(lines(&items, members, period, adjustments)?)
    }

    /// A team's forecast for a month or a quarter: the live figures, the latest
    /// submission, and the [`PAST_PERIODS`] before set against what was won.
    ///
    /// # Errors
    /// `Forbidden` for a sales rep and Marketing; `NotFound` for a team the actor does not
    /// read; `kind: not_allowed` for a year or a custom range.
    pub async fn team_forecast(&self, actor: &Actor, team_id: TeamId, period: ReportPeriod) -> Result<TeamForecast, ServiceError> {
        let team = self.forecast_team(actor, team_id, false).await?;
        let members = self.members(&team).await?;
        let lines = self.team_lines(&team, &members, &period, &[]).await?;
        let mut periods = vec![period];
        for _ in 0..PAST_PERIODS {
            let before = periods.last().map_or(period, ReportPeriod::previous);
            periods.push(before);
        }
        let submissions = self
            .store
            .forecast_submissions(
                team.tenant_id,
                &SubmissionFilter {
                    team_ids: Some(vec![team.id]),
                    kind: Some(period.kind),
                    first_from: periods.last().map(|p| p.first),
                    first_to: Some(period.first),
                },
            )
            .await?;
        let latest = |p: &ReportPeriod| submissions.iter().find(|s| s.period == *p);
        let submitted = latest(&period).cloned();
        let past = &periods[1..];
        let tz = self.store.tenant(team.tenant_id).await?.settings.time_zone.tz();
        let within = Scope {
            tenant_id: team.tenant_id,
            records: RecordScope::TeamsLedBy(team.manager_id),
        };
        let mut won: BTreeMap<(usize, crm_domain::money::Currency), i128> = BTreeMap::new();
        let bounds: Vec<_> = past.iter().map(|p| p.bounds(&tz)).collect();
        for (i, groups) in self.store.closed_totals(within, &bounds).await?.iter().enumerate() {
            for g in groups.iter().filter(|g| g.won && members.contains(&g.owner_id)) {
                *won.entry((i, g.currency)).or_insert(0) += g.total_minor;
            }
        }
        let subs: Vec<Option<&Submission>> = past.iter().map(latest).collect();
        Ok(TeamForecast {
            team,
            period,
            lines,
            submitted,
            history: accuracy(past, &subs, &won),
        })
    }

    /// The Manager validates the team's forecast for a month or a quarter that has not
    /// ended: the live figures with their adjustments and comment are kept as submitted.
    ///
    /// # Errors
    /// `Forbidden` for roles other than Admin and Manager; `NotFound` for a team the
    /// Manager does not lead; `kind: not_allowed`; `day: too_small` for a period already
    /// over; adjustment and comment errors (see [`lines`]).
    pub async fn submit_forecast(
        &self,
        actor: &Actor,
        team_id: TeamId,
        period: ReportPeriod,
        input: &SubmitForecast,
    ) -> Result<Submission, ServiceError> {
        let team = self.forecast_team(actor, team_id, true).await?;
        let by = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let tz = self.store.tenant(team.tenant_id).await?.settings.time_zone.tz();
        let today = self.clock.now().with_timezone(&tz).date_naive();
        check_period(&period)?;
        if period.last < today {
            return Err(ValidationError::field("day", ViolationKind::TooSmall).into());
        }
        let comment = comment(input.comment.as_deref())?;
        let members = self.members(&team).await?;
        let lines = self.team_lines(&team, &members, &period, &input.adjustments).await?;
        let s = Submission {
            id: SubmissionId::from_uuid(self.new_id()),
            tenant_id: team.tenant_id,
            team_id: team.id,
            period,
            submitted_by: by,
            submitted_at: self.clock.now(),
            comment,
            lines,
        };
        let ev = self.event(
            actor,
            EntityType::Team,
            team.id.as_uuid(),
            EventKind::ForecastSubmitted,
            None,
            vec![
                added("submission_id", serde_json::json!(s.id)),
                added("period_kind", serde_json::json!(period.kind.code())),
                added("period_first", serde_json::json!(period.first)),
            ],
        );
        self.store.submit_forecast(&s, &ev).await?;
        Ok(s)
    }

    /// Submitted forecasts of the teams the actor reads, newest first (`team_id`: one
    /// team's; `period`: those for this period).
    ///
    /// # Errors
    /// `Forbidden` for a sales rep and Marketing; `NotFound` for a team the actor does not
    /// read.
    pub async fn forecast_submissions(
        &self,
        actor: &Actor,
        team_id: Option<TeamId>,
        period: Option<ReportPeriod>,
    ) -> Result<Vec<Submission>, ServiceError> {
        let team_ids = match team_id {
            Some(t) => Some(vec![self.forecast_team(actor, t, false).await?.id]),
            None => self.forecast_teams(actor).await?,
        };
        let filter = SubmissionFilter {
            team_ids,
            kind: period.map(|p| p.kind),
            first_from: period.map(|p| p.first),
            first_to: period.map(|p| p.first),
        };
        Ok(self.store.forecast_submissions(tenant_of(actor)?, &filter).await?)
    }

    /// One submitted forecast of a team the actor reads.
    ///
    /// # Errors
    /// `NotFound` when absent or of a team the actor does not read.
    pub async fn forecast_submission(&self, actor: &Actor, id: SubmissionId) -> Result<Submission, ServiceError> {
        let s = self.store.forecast_submission(tenant_of(actor)?, id).await?;
        self.forecast_team(actor, s.team_id, false).await?;
        Ok(s)
    }
}
