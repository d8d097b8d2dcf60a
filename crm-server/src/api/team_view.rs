//! `/api/v1/teams/{id}/view` and `/api/v1/opportunities/reassign`: a Manager's view of a
//! team they lead (an Admin's or an Observer's of any team) — each active member's open
//! deals, overdue tasks and activities of the week — and one person's open deals given to
//! another in bulk.

use super::ApiTags;
use super::problem::ApiResult;
use super::reports::{OpenAmountsDto, open};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::NaiveDate;
use crm_domain::{TeamId, UserId};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// One member's work.
#[derive(Debug, Clone, Object)]
pub struct MemberWorkDto {
    /// The member.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their open deals, per currency.
    pub open: Vec<OpenAmountsDto>,
    /// Their tasks overdue now.
    pub overdue_tasks: u64,
    /// Activities they did this week (tasks completed, calls, meetings, emails, notes).
    pub activities_done: u64,
}

/// A team's view.
#[derive(Debug, Clone, Object)]
pub struct TeamViewDto {
    /// The team.
    pub team_id: Uuid,
    /// Its name.
    pub name: String,
    /// Monday of this week, in the company's zone.
    pub week_first: NaiveDate,
    /// Sunday of this week.
    pub week_last: NaiveDate,
    /// Its active members.
    pub members: Vec<MemberWorkDto>,
}

/// Whose open deals go to whom.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ReassignBody {
    /// Their owner now.
    pub from_owner_id: Uuid,
    /// Their new owner.
    pub to_owner_id: Uuid,
}

/// What a bulk reassignment did.
#[derive(Debug, Clone, Object)]
pub struct ReassignedDto {
    /// Deals given to the new owner.
    pub changed: u64,
    /// Deals the rules kept.
    pub refused: u64,
}

pub struct TeamViewApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Reports")]
impl TeamViewApi {
    /// A team's view: each active member's open deals, overdue tasks and activities of the
    /// week (a Manager: the teams they lead; Admin and Observer: any team).
    #[oai(path = "/api/v1/teams/:id/view", method = "get", operation_id = "team_view")]
    async fn view(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<TeamViewDto>> {
        let v = self.app.team_view(&auth.actor(), TeamId::from_uuid(id.0)).await?;
        Ok(Json(TeamViewDto {
            team_id: v.team.id.as_uuid(),
            name: v.team.name.to_string(),
            week_first: v.week.first,
            week_last: v.week.last,
            members: v
                .members
                .iter()
                .map(|m| MemberWorkDto {
                    user_id: m.user.id.as_uuid(),
                    display_name: m.user.display_name.to_string(),
                    open: m.open.iter().map(open).collect(),
                    overdue_tasks: m.activity.overdue_tasks[0],
                    activities_done: m.activity.done_total()[0],
                })
                .collect(),
        }))
    }

    /// Give every open deal of one person that you may reassign to another (up to 2,000 at
    /// once), each under the rules of one by one; the deals refused are counted.
    #[oai(path = "/api/v1/opportunities/reassign", method = "post", operation_id = "reassign_opportunities")]
    async fn reassign(&self, auth: Auth, body: Json<ReassignBody>) -> ApiResult<Json<ReassignedDto>> {
        let r = self
            .app
            .reassign_open_deals(
                &auth.actor(),
                UserId::from_uuid(body.0.from_owner_id),
                UserId::from_uuid(body.0.to_owner_id),
            )
            .await?;
        Ok(Json(ReassignedDto {
            changed: r.changed,
            refused: r.refused,
        }))
    }
}
