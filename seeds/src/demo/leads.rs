//! The demo's leads: brought in by Marketing over the last 18 months (each step dated when
//! it happened, through the same application under a clock set to that day), in every
//! status, handed over to the teams in turn, some turned into opportunities and won — so
//! that the funnel from lead to sale tells a story. A won deal's contacts become clients
//! when the log's reader runs (`crm serve` starts it).

use crate::Generator;
use chrono::{DateTime, Duration, Months, Utc};
use crm_domain::lead::{BUILT_IN_REASONS, LeadStatus};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::pipeline::Pipeline;
use crm_domain::{Actor, OrganizationId, TeamId};
use crm_ports::services::leads::HandOver;
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};

/// Where the demo's leads come from.
const SOURCES: [&str; 4] = ["Salon professionnel", "Site web", "Webinaire", "Recommandation"];

/// What a company's leads need.
pub(super) struct LeadPlan<'a> {
    /// Who brings them in.
    pub marketing: Actor,
    /// Who hands them over and sells.
    pub admin: Actor,
    /// The teams whose reps receive them in turn.
    pub teams: &'a [TeamId],
    /// Where their opportunities go.
    pub pipeline: &'a Pipeline,
    /// What the company sells (their opportunities' titles).
    pub trade: &'static crate::trades::Trade,
    /// The company's organizations (a lead may belong to one).
    pub organizations: &'a [OrganizationId],
    /// How many.
    pub count: u64,
}

/// Loads a company's leads; (leads brought in, opportunities opened from them).
///
/// # Errors
/// The first service error.
pub(super) async fn load_leads<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    g: &Generator,
    plan: &LeadPlan<'_>,
) -> Result<(usize, usize), ServiceError> {
    let today = app.now();
    let mut opened = 0;
    let at = |when: DateTime<Utc>| app.with_clock(FixedClock(when.min(today)));
    let organizations = plan.organizations.len() as u64;
    for i in 0..plan.count {
        // Spread over 18 months, the newest few days old.
        let age = u32::try_from(17 - i % 18).unwrap_or(0);
        let came_in = today.checked_sub_months(Months::new(age)).unwrap_or(today) - Duration::days(i64::try_from(i % 23).unwrap_or(0) + 3);
        let (mut input, org) = g.contact(100_000 + i, organizations);
        input.kind = "prospect".into();
        input.organization_id = org.and_then(|o| plan.organizations.get(o as usize)).copied();
        input.source = Some(SOURCES[(i % 4) as usize].into());
        let lead = at(came_in).create_lead(&plan.marketing, &input, true).await?;
        // What became of it: 5 in 20 stay new, 4 are being worked, 3 disqualified, 8
        // qualified; of these, 6 handed over, 4 with an opportunity, 2 of them won.
        let fate = i % 20;
        if fate < 5 {
            continue;
        }
        let step = |days: i64| at(came_in + Duration::days(days));
        let lead = step(2)
            .set_lead_status(&plan.marketing, lead.id, lead.version, LeadStatus::Working, None)
            .await?;
        if fate < 9 {
            continue;
        }
        if fate < 12 {
            let reason = BUILT_IN_REASONS[(i % 5) as usize];
            step(6)
                .set_lead_status(&plan.marketing, lead.id, lead.version, LeadStatus::Disqualified, Some(reason))
                .await?;
            continue;
        }
        let lead = step(6)
            .set_lead_status(&plan.marketing, lead.id, lead.version, LeadStatus::Qualified, None)
            .await?;
        if fate >= 18 {
            // Qualified, still waiting in the pool.
            continue;
        }
        let team = plan.teams[(i % plan.teams.len() as u64) as usize];
        let lead = step(7)
            .hand_over_lead(&plan.marketing, lead.id, lead.version, HandOver::RoundRobin(team))
            .await?;
        if fate < 14 {
            continue;
        }
        // What the company sells, as its other deals.
        let (deal, _) = g.opportunity(plan.trade, 10_000 + i, today.date_naive(), plan.pipeline.stages.len());
        let mut o = step(10)
            .open_lead_opportunity(
                &plan.admin,
                lead.id,
                plan.pipeline.id,
                &OpportunityInput {
                    title: deal.title,
                    value_minor: deal.value_minor,
                    ..OpportunityInput::default()
                },
            )
            .await?;
        opened += 1;
        if fate < 16 {
            continue;
        }
        for (k, stage) in plan.pipeline.stages.iter().enumerate().skip(1) {
            let days = 10 + 5 * i64::try_from(k).unwrap_or(0);
            o = step(days).move_opportunity(&plan.admin, o.id, o.version, stage.id).await?;
        }
        step(40).win_opportunity(&plan.admin, o.id, o.version).await?;
    }
    Ok((usize::try_from(plan.count).unwrap_or(usize::MAX), opened))
}
