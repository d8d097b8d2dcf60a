//! A Manager's view of a team they lead (an Admin: any team): each active member's open
//! deals (per currency, total and weighted), tasks overdue now and activities done this
//! week (Monday to Sunday in the company's zone); and the bulk reassignment of one
//! member's open deals to another, each under the same rules as one by one.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{MAX_PAGE_SIZE, OpportunityFilter, PageRequest, Scope};
use crate::store::{ActivityCounts, Store};
use chrono::Datelike;
use crm_domain::report::{Amounts, PeriodKind, ReportPeriod, open_amounts};
use crm_domain::user::{Team, User};
use crm_domain::visibility::{Capability, RecordScope, allows};
use crm_domain::{Actor, TeamId, UserId};

/// One member's work.
#[derive(Debug, Clone)]
pub struct MemberWork {
    /// The member.
    pub user: User,
    /// Their open deals, per currency (count, total, weighted).
    pub open: Vec<Amounts>,
    /// Activities done this week and tasks overdue now (`[0]` of each).
    pub activity: ActivityCounts,
}

/// A team's view.
#[derive(Debug, Clone)]
pub struct TeamView {
    /// The team.
    pub team: Team,
    /// This week, in the company's zone.
    pub week: ReportPeriod,
    /// Its active members, by name.
    pub members: Vec<MemberWork>,
}

/// What a bulk reassignment did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reassigned {
    /// Records given to the new owner.
    pub changed: u64,
    /// Records the rules kept (a conflict, a closed deal meanwhile…).
    pub refused: u64,
}

/// Most open deals a bulk reassignment moves at once (pages of the largest size).
pub const MAX_BULK_DEALS: u64 = 2_000;

impl<S: Store, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The teams the actor may open a view of (a Manager: those they lead; an Admin or an
    /// Observer: every team).
    ///
    /// # Errors
    /// `Forbidden` for a sales rep and Marketing.
    pub async fn viewable_teams(&self, actor: &Actor) -> Result<Vec<Team>, ServiceError> {
        let led = self.forecast_teams(actor).await?;
        let tenant = crate::app::tenant_of(actor)?;
        Ok(self
            .store
            .list_teams(tenant)
            .await?
            .into_iter()
            .filter(|t| led.as_ref().is_none_or(|l| l.contains(&t.id)))
            .collect())
    }

    /// A team's view.
    ///
    /// # Errors
    /// `Forbidden` for a sales rep and Marketing; `NotFound` for a team a Manager does not
    /// lead.
    pub async fn team_view(&self, actor: &Actor, team_id: TeamId) -> Result<TeamView, ServiceError> {
        let team = self.forecast_team(actor, team_id, false).await?;
        let tenant = team.tenant_id;
        let tz = self.store.tenant(tenant).await?.settings.time_zone.tz();
        let now = self.clock.now();
        let today = now.with_timezone(&tz).date_naive();
        let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let week = ReportPeriod {
            kind: PeriodKind::Custom,
            first: monday,
            last: monday + chrono::Duration::days(6),
        };
        let within = Scope {
            tenant_id: tenant,
            records: RecordScope::TeamsLedBy(team.manager_id),
        };
        let facts = self
            .store
            .activity_facts(within, [week.bounds(&tz), week.previous().bounds(&tz)], now)
            .await?;
        let mut members = Vec::new();
        for user in self.store.list_users(tenant).await? {
            if user.team_id != Some(team.id) || !user.is_active() {
                continue;
            }
            let mine = Scope {
                tenant_id: tenant,
                records: RecordScope::OwnedBy(user.id),
            };
            let open = open_amounts(&self.store.open_totals(mine).await?);
            let activity = facts
                .by_person
                .iter()
                .find(|(u, _)| *u == user.id)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            members.push(MemberWork { user, open, activity });
        }
        Ok(TeamView { team, week, members })
    }

    /// Gives every open deal of `from` the actor may reassign to `to` (at most
    /// [`MAX_BULK_DEALS`] at once), each as [`App::assign_opportunity`] would.
    ///
    /// # Errors
    /// `Forbidden` but for an Admin or a Manager; `Invalid` when the first deal names why
    /// none can go (`owner_id: not_allowed` for a deactivated person); a deal refused
    /// later is counted, not an error.
    pub async fn reassign_open_deals(&self, actor: &Actor, from: UserId, to: UserId) -> Result<Reassigned, ServiceError> {
        // Those who run teams: an Admin, a Manager (for the deals in their scope).
        if !(allows(actor, Capability::ReadTeamForecasts) && allows(actor, Capability::WriteOpportunities)) {
            return Err(ServiceError::Forbidden);
        }
        let filter = OpportunityFilter {
            owner_id: Some(from),
            status: Some("open"),
            ..OpportunityFilter::default()
        };
        let mut done = Reassigned::default();
        // Each page is the first of what `from` still owns: a round that moves nothing ends.
        while done.changed + done.refused < MAX_BULK_DEALS {
            let page = self
                .list_opportunities(
                    actor,
                    &filter,
                    &PageRequest {
                        limit: Some(MAX_PAGE_SIZE),
                        ..PageRequest::default()
                    },
                )
                .await?;
            let before = done.changed;
            for o in &page.items {
                match self.assign_opportunity(actor, o.id, o.version, to).await {
                    Ok(_) => done.changed += 1,
                    Err(ServiceError::Forbidden) if done.changed == 0 && done.refused == 0 => return Err(ServiceError::Forbidden),
                    Err(ServiceError::Invalid(e)) if done.changed == 0 && done.refused == 0 => return Err(ServiceError::Invalid(e)),
                    Err(_) => done.refused += 1,
                }
            }
            if page.items.is_empty() || done.changed == before {
                break;
            }
        }
        Ok(done)
    }
}
