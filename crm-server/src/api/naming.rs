//! Names beside ids in answers a person reads: each handler collects the ids of its DTOs,
//! asks the names service once (with the reader's visibility), then fills the `*_name`
//! fields. An id the reader may not see keeps no name.

use super::dto::activities::ActivityDto;
use super::dto::events::EventDto;
use super::dto::opportunities::{ForecastLine, OpportunityDto};
use super::problem::ApiResult;
use crate::assemble::CrmApp;
use crm_domain::Actor;
use crm_domain::event::EntityType;
use crm_ports::services::names::{NameRequest, Names};
use uuid::Uuid;

/// Fields of the log whose values are ids worth naming.
const ID_FIELDS: [&str; 8] = [
    "stage_id",
    "pipeline_id",
    "owner_id",
    "assignee_id",
    "organization_id",
    "team_id",
    "manager_id",
    "created_by",
];

fn uuid_of(v: Option<&serde_json::Value>) -> Option<Uuid> {
    v.and_then(serde_json::Value::as_str).and_then(|s| Uuid::parse_str(s).ok())
}

/// What the DTOs of one answer need named.
#[derive(Debug, Default)]
pub struct Namer {
    req: NameRequest,
}

impl Namer {
    /// An activity's records and assignee.
    pub fn activity(&mut self, a: &ActivityDto) {
        for l in &a.links {
            if let Some(t) = EntityType::parse(&l.entity_type) {
                self.req.record(t, l.entity_id);
            }
        }
        self.req.user(a.assignee_id);
    }

    /// An opportunity's stage, pipeline, owner, organization and stage history.
    pub fn opportunity(&mut self, o: &OpportunityDto) {
        self.req.pipelines_and_teams = true;
        self.req.user(o.owner_id);
        if let Some(org) = o.organization_id {
            self.req.record(EntityType::Organization, org);
        }
        for h in &o.stage_history {
            if let Some(by) = h.by {
                self.req.user(by);
            }
        }
    }

    /// An event's actor and the ids it changed.
    pub fn event(&mut self, e: &EventDto) {
        if let Some(a) = e.actor_id {
            self.req.user(a);
        }
        for c in e.changes.iter().filter(|c| ID_FIELDS.contains(&c.field.as_str())) {
            for id in [uuid_of(c.before.as_ref()), uuid_of(c.after.as_ref())].into_iter().flatten() {
                match c.field.as_str() {
                    "organization_id" => {
                        self.req.record(EntityType::Organization, id);
                    }
                    "stage_id" | "pipeline_id" | "team_id" => self.req.pipelines_and_teams = true,
                    _ => {
                        self.req.user(id);
                    }
                }
            }
        }
    }

    /// A forecast line's group.
    pub fn forecast(&mut self, f: &ForecastLine) {
        if let Some(id) = f.group_id {
            self.req.pipelines_and_teams = true;
            self.req.user(id);
        }
    }

    /// Looks the names up.
    ///
    /// # Errors
    /// Store failures.
    pub async fn lookup(&self, app: &CrmApp, actor: &Actor) -> ApiResult<Names> {
        Ok(app.names(actor, &self.req).await?)
    }
}

/// Fills an activity's names.
pub fn name_activity(a: &mut ActivityDto, n: &Names) {
    for l in &mut a.links {
        l.name = n.get(l.entity_id);
    }
    a.assignee_name = n.get(a.assignee_id);
}

/// Fills an opportunity's names.
pub fn name_opportunity(o: &mut OpportunityDto, n: &Names) {
    o.owner_name = n.get(o.owner_id);
    o.stage_name = n.get(o.stage_id);
    o.pipeline_name = n.get(o.pipeline_id);
    o.organization_name = o.organization_id.and_then(|id| n.get(id));
    for h in &mut o.stage_history {
        h.from_name = h.from.and_then(|id| n.get(id));
        h.to_name = n.get(h.to);
        h.by_name = h.by.and_then(|id| n.get(id));
    }
}

/// Fills an event's names.
pub fn name_event(e: &mut EventDto, n: &Names) {
    e.actor_name = e.actor_id.and_then(|id| n.get(id));
    for c in e.changes.iter_mut().filter(|c| ID_FIELDS.contains(&c.field.as_str())) {
        c.before_name = uuid_of(c.before.as_ref()).and_then(|id| n.get(id));
        c.after_name = uuid_of(c.after.as_ref()).and_then(|id| n.get(id));
    }
}

/// Fills a forecast line's group name.
pub fn name_forecast(f: &mut ForecastLine, n: &Names) {
    f.group_name = f.group_id.and_then(|id| n.get(id));
}

/// DTOs of `items` with their names: `ask` says what each needs, `fill` writes the names.
///
/// # Errors
/// Store failures.
pub async fn named<T, D>(app: &CrmApp, actor: &Actor, items: &[T], ask: fn(&mut Namer, &D), fill: fn(&mut D, &Names)) -> ApiResult<Vec<D>>
where
    for<'a> D: From<&'a T>,
{
    let mut dtos: Vec<D> = items.iter().map(D::from).collect();
    let mut namer = Namer::default();
    for d in &dtos {
        ask(&mut namer, d);
    }
    let names = namer.lookup(app, actor).await?;
    for d in &mut dtos {
        fill(d, &names);
    }
    Ok(dtos)
}

/// Event DTOs with their actors' names and the names of the ids they changed.
///
/// # Errors
/// Store failures.
pub async fn named_events(app: &CrmApp, actor: &Actor, events: &[crm_ports::query::EventRecord]) -> ApiResult<Vec<EventDto>> {
    named(app, actor, events, Namer::event, name_event).await
}

/// Activity DTOs with the names of their records and assignees.
///
/// # Errors
/// Store failures.
pub async fn named_activities(app: &CrmApp, actor: &Actor, items: &[crm_domain::activity::Activity]) -> ApiResult<Vec<ActivityDto>> {
    named(app, actor, items, Namer::activity, name_activity).await
}

/// Opportunity DTOs with their stage, pipeline, owner and organization names.
///
/// # Errors
/// Store failures.
pub async fn named_opportunities(
    app: &CrmApp,
    actor: &Actor,
    items: &[crm_domain::opportunity::Opportunity],
) -> ApiResult<Vec<OpportunityDto>> {
    named(app, actor, items, Namer::opportunity, name_opportunity).await
}
