//! Reports (issue 18, first slice): the sales figures of a period beside the period before,
//! and the open pipeline, over the deals the reader may see — mine, my team's or the
//! company's, never beyond the reader's visibility — counted in the company's time zone.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::Scope;
use crate::store::{ActivityCounts, ActivityFacts, PipelineStore, ReportStore, TenantStore, UserStore};
use chrono::NaiveDate;
use crm_domain::Actor;
use crm_domain::report::FunnelStep;
use crm_domain::report::{Amounts, OwnerSales, PeriodKind, ReportPeriod, ReportScope, SalesFigures, TeamSales, open_amounts};
use crm_domain::visibility::{Capability, Owned, RecordScope, read_scope};
use crm_domain::{PipelineId, TeamId};

/// The sales of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesReport {
    /// Whose deals.
    pub scope: ReportScope,
    /// The company's time zone the periods are read in.
    pub time_zone: String,
    /// The period asked.
    pub current: SalesFigures,
    /// The period before.
    pub previous: SalesFigures,
    /// The instants each runs over (`current`, `previous`), the end excluded.
    pub bounds: [(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>); 2],
    /// The pipeline open now, per currency (total and weighted).
    pub open: Vec<Amounts>,
    /// The period asked, per owner who closed a deal in it.
    pub by_owner: Vec<OwnerSales>,
    /// The period asked, per team of the owners (now) that closed a deal in it, with the
    /// team's name.
    pub by_team: Vec<(TeamSales, Option<String>)>,
    /// What the people of the scope did: activities done, tasks overdue, new prospects
    /// (`[current, previous]`), in all and per person.
    pub activity: ActivityFacts,
    /// The same per team of the people (now), with the team's name; the people in no team
    /// last.
    pub activity_by_team: Vec<(Option<TeamId>, Option<String>, ActivityCounts)>,
}

/// The conversion funnel of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelReport {
    /// Whose deals.
    pub scope: ReportScope,
    /// The pipeline.
    pub pipeline_id: PipelineId,
    /// The deals counted: those created in this period (all when `None`).
    pub period: Option<ReportPeriod>,
    /// One step per stage in order (with its name), then the deals won (no stage).
    pub steps: Vec<(FunnelStep, Option<String>)>,
}

/// Reading reports.
impl<S: ReportStore + TenantStore + PipelineStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The funnel of a pipeline over the reader's deals of `scope` created in `period`
    /// (all when `None`).
    ///
    /// # Errors
    /// `Forbidden` for Marketing; `pipeline_id: unknown`.
    pub async fn funnel_report(
        &self,
        actor: &Actor,
        scope: ReportScope,
        pipeline_id: PipelineId,
        period: Option<ReportPeriod>,
    ) -> Result<FunnelReport, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReadForecast)?;
        let pipeline = crate::app::known(self.store.pipeline(tenant, pipeline_id).await, "pipeline_id")?;
        let tz = self.store.tenant(tenant).await?.settings.time_zone.tz();
        let records = self.report_records(actor, scope);
        let stages: Vec<_> = pipeline.stages.iter().map(|s| s.id).collect();
        let steps = self
            .store
            .funnel_totals(
                Scope {
                    tenant_id: tenant,
                    records,
                },
                pipeline_id,
                &stages,
                period.map(|p| p.bounds(&tz)),
            )
            .await?
            .steps(&stages);
        Ok(FunnelReport {
            scope,
            pipeline_id,
            period,
            steps: steps
                .into_iter()
                .map(|s| {
                    let name = s
                        .stage_id
                        .and_then(|id| pipeline.stages.iter().find(|x| x.id == id))
                        .map(|x| x.name.as_str().to_owned());
                    (s, name)
                })
                .collect(),
        })
    }

    /// What a report counts: the asked scope within the reader's visibility.
    fn report_records(&self, actor: &Actor, scope: ReportScope) -> RecordScope {
        let read = read_scope(actor, Owned::Opportunity);
        match actor.user_id() {
            Some(me) => scope.narrow(read, me),
            None if scope == ReportScope::Company => read,
            None => RecordScope::Nothing,
        }
    }

    /// The company's time zone.
    ///
    /// # Errors
    /// Store failures.
    pub async fn company_time_zone(&self, actor: &Actor) -> Result<crm_domain::tenant::TimeZone, ServiceError> {
        Ok(self.store.tenant(tenant_of(actor)?).await?.settings.time_zone)
    }

    /// Today in the company's calendar.
    ///
    /// # Errors
    /// Store failures.
    pub async fn company_today(&self, actor: &Actor) -> Result<NaiveDate, ServiceError> {
        let tz = self.store.tenant(tenant_of(actor)?).await?.settings.time_zone.tz();
        Ok(self.clock.now().with_timezone(&tz).date_naive())
    }

    /// The sales figures of `period` and the one before, and the open pipeline, over the
    /// reader's deals of `scope` (Admin, Manager, Sales rep, Observer).
    ///
    /// # Errors
    /// `Forbidden` for Marketing.
    pub async fn sales_report(&self, actor: &Actor, scope: ReportScope, period: ReportPeriod) -> Result<SalesReport, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReadForecast)?;
        let tz = self.store.tenant(tenant).await?.settings.time_zone.tz();
        let records = self.report_records(actor, scope);
        let within = Scope {
            tenant_id: tenant,
            records,
        };
        let bounds = [period.bounds(&tz), period.previous().bounds(&tz)];
        let current = self.store.period_totals(within, bounds[0]).await?;
        let previous = self.store.period_totals(within, bounds[1]).await?;
        let open = self.store.open_totals(within).await?;
        let now = self.clock.now();
        let activity = self.store.activity_facts(within, bounds, now).await?;
        let users = self.store.list_users(tenant).await?;
        let teams = self.store.list_teams(tenant).await?;
        let team_of = |u: crm_domain::UserId| users.iter().find(|x| x.id == u).and_then(|x| x.team_id);
        let team_name = |team: Option<TeamId>| {
            team.and_then(|id| teams.iter().find(|x| x.id == id))
                .map(|x| x.name.as_str().to_owned())
        };
        let by_team = current
            .by_team(team_of)
            .into_iter()
            .map(|t| {
                let name = team_name(t.team_id);
                (t, name)
            })
            .collect();
        let activity_by_team = activity
            .by_team(team_of)
            .into_iter()
            .map(|(team, counts)| (team, team_name(team), counts))
            .collect();
        Ok(SalesReport {
            by_team,
            activity_by_team,
            activity,
            scope,
            time_zone: tz.name().to_owned(),
            by_owner: current.by_owner(),
            current: current.figures(period),
            bounds,
            previous: previous.figures(period.previous()),
            open: open_amounts(&open),
        })
    }
}

/// The period a request names: `kind` with a day in it (default: today), or a custom range.
///
/// # Errors
/// `first`/`last` required for a custom period, `last` before `first` or too long.
pub fn period_of(
    kind: PeriodKind,
    day: Option<NaiveDate>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<ReportPeriod, ServiceError> {
    match kind {
        PeriodKind::Custom => match (first, last) {
            (Some(f), Some(l)) => Ok(ReportPeriod::custom(f, l)?),
            (None, _) => Err(crm_domain::ValidationError::field("first", crm_domain::ViolationKind::Required).into()),
            (_, None) => Err(crm_domain::ValidationError::field("last", crm_domain::ViolationKind::Required).into()),
        },
        kind => Ok(ReportPeriod::containing(day.unwrap_or(today), kind)),
    }
}
