//! Exporting organizations, opportunities and activities: page by page like contacts,
//! each within the actor's visibility, as rows of typed cells (amounts as money, dates as
//! dates). Linked records are written twice: by name, for the person reading the file, and
//! by id, so that a company's full export can be imported back with its links.

use super::{LIST_SEPARATOR, Labels};
use crate::app::{App, scope, tenant_of};
use crate::error::ServiceError;
use crate::query::{ActivityScope, MAX_PAGE_SIZE, OpportunityFilter, PageRequest, SortKey};
use crate::services::names::{NameRequest, Names};
use crate::store::{ActivityStore, ContactStore, OpportunityStore, OrganizationStore, PipelineStore, UserStore};
use crate::tables::Cell;
use crm_domain::activity::Activity;
use crm_domain::opportunity::{Opportunity, Status};
use crm_domain::organization::Organization;
use crm_domain::visibility::{Owned, RecordScope};
use crm_domain::{Actor, UserId};
use std::collections::HashMap;
use uuid::Uuid;

/// The columns of an organization export.
pub const ORGANIZATION_COLUMNS: [&str; 13] = [
    "id",
    "external_id",
    "name",
    "website",
    "industry",
    "size",
    "street",
    "postal_code",
    "city",
    "country",
    "created_at",
    "updated_at",
    "version",
];

/// The columns of an opportunity export.
pub const OPPORTUNITY_COLUMNS: [&str; 18] = [
    "id",
    "title",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close",
    "organization",
    "organization_id",
    "contacts",
    "contact_ids",
    "owner",
    "lost_reason",
    "closed_at",
    "created_at",
    "updated_at",
];

/// The columns of an activity export.
pub const ACTIVITY_COLUMNS: [&str; 20] = [
    "id",
    "activity_kind",
    "subject",
    "body",
    "concerns",
    "links",
    "assignee",
    "due_at",
    "priority",
    "done_at",
    "starts_at",
    "ends_at",
    "place",
    "direction",
    "duration_seconds",
    "outcome",
    "system",
    "created_by",
    "created_at",
    "updated_at",
];

/// Which records an export gives, and where it stands.
pub(super) enum Source {
    Organizations,
    Opportunities(OpportunityFilter),
    Activities(ActivityScope),
}

/// What a page of records needs beside them: the owners' emails, and names of the linked
/// records and stages.
pub(super) struct Lookup {
    pub(super) owners: HashMap<UserId, String>,
    pub(super) stages: HashMap<Uuid, String>,
}

fn join(items: impl Iterator<Item = String>) -> Cell {
    Cell::text(items.collect::<Vec<_>>().join(LIST_SEPARATOR))
}

fn opt_instant(t: Option<chrono::DateTime<chrono::Utc>>) -> Cell {
    t.map_or(Cell::Empty, Cell::Instant)
}

pub(super) fn organization_row(o: &Organization, labels: &Labels) -> Vec<Cell> {
    let a = &o.address;
    vec![
        Cell::Text(o.id.to_string()),
        Cell::opt(o.external_id.as_ref().map(|x| x.as_str())),
        Cell::text(o.name.as_str()),
        Cell::opt(o.domain.as_ref().map(|d| d.as_str())),
        Cell::opt(o.industry.as_ref().map(|i| i.as_str())),
        o.size.map_or(Cell::Empty, |s| Cell::Text(labels(&format!("size_{}", s.code())))),
        Cell::opt(a.street.as_ref().map(|s| s.as_str())),
        Cell::opt(a.postal_code.as_ref().map(|s| s.as_str())),
        Cell::opt(a.city.as_ref().map(|s| s.as_str())),
        Cell::opt(a.country.as_ref().map(|s| s.as_str())),
        Cell::Instant(o.created_at),
        Cell::Instant(o.updated_at),
        Cell::Integer(o.version),
    ]
}

pub(super) fn opportunity_row(o: &Opportunity, labels: &Labels, lookup: &Lookup, names: &Names) -> Vec<Cell> {
    let f = &o.fields;
    let reason = match &o.status {
        Status::Lost { reason } => Cell::text(reason.as_str()),
        _ => Cell::Empty,
    };
    vec![
        Cell::Text(o.id.to_string()),
        Cell::text(f.title.as_str()),
        Cell::opt(lookup.stages.get(&o.pipeline_id.as_uuid())),
        Cell::opt(lookup.stages.get(&o.stage_id.as_uuid())),
        Cell::Text(labels(&format!("status_{}", o.status.code()))),
        Cell::Money {
            minor: f.value.minor(),
            currency: f.value.currency().to_string(),
        },
        Cell::Text(f.value.currency().to_string()),
        Cell::Integer(i64::from(o.probability.percent())),
        f.expected_close.map_or(Cell::Empty, Cell::Date),
        Cell::opt(f.organization_id.and_then(|id| names.get(id.as_uuid()))),
        Cell::opt(f.organization_id),
        join(f.contact_ids.iter().filter_map(|c| names.get(c.as_uuid()))),
        join(f.contact_ids.iter().map(ToString::to_string)),
        Cell::opt(lookup.owners.get(&o.owner_id)),
        reason,
        opt_instant(o.closed_at),
        Cell::Instant(o.created_at),
        Cell::Instant(o.updated_at),
    ]
}

pub(super) fn activity_row(a: &Activity, labels: &Labels, lookup: &Lookup, names: &Names) -> Vec<Cell> {
    let f = &a.fields;
    let user = |u: Option<UserId>| Cell::opt(u.and_then(|u| lookup.owners.get(&u)));
    vec![
        Cell::Text(a.id.to_string()),
        Cell::Text(labels(&format!("activity_{}", a.kind.code()))),
        Cell::text(f.subject.as_str()),
        Cell::opt(f.body.as_ref().map(|b| b.as_str())),
        join(f.links.iter().filter_map(|l| names.get(l.entity_id))),
        join(f.links.iter().map(|l| format!("{}:{}", l.entity_type.code(), l.entity_id))),
        user(Some(f.assignee_id)),
        opt_instant(f.due_at),
        Cell::Text(labels(&format!("priority_{}", f.priority.code()))),
        opt_instant(a.done_at),
        opt_instant(f.starts_at),
        opt_instant(f.ends_at),
        Cell::opt(f.place.as_ref().map(|p| p.as_str())),
        f.direction
            .map_or(Cell::Empty, |d| Cell::Text(labels(&format!("direction_{}", d.code())))),
        f.duration_seconds.map_or(Cell::Empty, Cell::Integer),
        Cell::opt(f.outcome.as_ref().map(|o| o.as_str())),
        Cell::Text(labels(if a.system { "yes" } else { "no" })),
        user(a.created_by),
        Cell::Instant(a.created_at),
        Cell::Instant(a.updated_at),
    ]
}

/// Reading records for an export.
impl<S, K, C, I> App<S, K, C, I>
where
    S: ActivityStore + ContactStore + OpportunityStore + OrganizationStore + PipelineStore + UserStore,
    C: crate::env::Clock,
    I: crate::env::IdGenerator,
{
    /// The owners' emails and the pipelines' and stages' names of the actor's tenant.
    pub(super) async fn export_lookup(&self, actor: &Actor) -> Result<Lookup, ServiceError> {
        let tenant = tenant_of(actor)?;
        let owners = self
            .store
            .list_users(tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email.as_str().to_owned()))
            .collect();
        let mut stages = HashMap::new();
        for p in self.store.list_pipelines(tenant).await? {
            stages.insert(p.id.as_uuid(), p.name.to_string());
            for s in &p.stages {
                stages.insert(s.id.as_uuid(), s.name.to_string());
            }
        }
        Ok(Lookup { owners, stages })
    }
}

/// Checks that the actor may export this kind of record.
pub(super) fn export_source(actor: &Actor, source: Source) -> Result<Source, ServiceError> {
    match &source {
        Source::Organizations => {
            tenant_of(actor)?;
        }
        Source::Opportunities(filter) => {
            if scope(actor, Owned::Opportunity)?.records == RecordScope::Nothing {
                return Err(ServiceError::Forbidden);
            }
            filter.check()?;
        }
        Source::Activities(_) => {}
    }
    Ok(source)
}

impl<S, K, C, I> App<S, K, C, I>
where
    S: ActivityStore + ContactStore + OpportunityStore + OrganizationStore + PipelineStore + UserStore,
    C: crate::env::Clock,
    I: crate::env::IdGenerator,
{
    /// The next page of records: rows, and whether it was the last.
    pub(super) async fn next_record_rows(
        &self,
        actor: &Actor,
        source: &Source,
        page: &PageRequest,
        labels: &Labels,
        lookup: &Lookup,
    ) -> Result<(Vec<Vec<Cell>>, Option<String>), ServiceError> {
        match source {
            Source::Organizations => {
                let p = self.store.list_organizations(tenant_of(actor)?, page).await?;
                Ok((p.items.iter().map(|o| organization_row(o, labels)).collect(), p.next_cursor))
            }
            Source::Opportunities(filter) => {
                let p = self
                    .store
                    .list_opportunities(scope(actor, Owned::Opportunity)?, filter, page)
                    .await?;
                let mut req = NameRequest::default();
                for o in &p.items {
                    if let Some(org) = o.fields.organization_id {
                        req.record(crm_domain::event::EntityType::Organization, org.as_uuid());
                    }
                    for c in &o.fields.contact_ids {
                        req.record(crm_domain::event::EntityType::Contact, c.as_uuid());
                    }
                }
                let names = self.names(actor, &req).await?;
                let rows = p.items.iter().map(|o| opportunity_row(o, labels, lookup, &names)).collect();
                Ok((rows, p.next_cursor))
            }
            Source::Activities(sc) => {
                let p = self.store.list_activities(*sc, page).await?;
                let mut req = NameRequest::default();
                for a in &p.items {
                    for l in &a.fields.links {
                        req.record(l.entity_type, l.entity_id);
                    }
                }
                let names = self.names(actor, &req).await?;
                let rows = p.items.iter().map(|a| activity_row(a, labels, lookup, &names)).collect();
                Ok((rows, p.next_cursor))
            }
        }
    }
}

/// The first page of an export: oldest first, the largest pages.
pub(super) fn first_page() -> PageRequest {
    PageRequest {
        sort: SortKey::CreatedAt,
        limit: Some(MAX_PAGE_SIZE),
        ..PageRequest::default()
    }
}
