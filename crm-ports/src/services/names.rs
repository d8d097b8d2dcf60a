//! Names beside ids: what a person reading an answer needs (the contact or deal a task
//! concerns, the stage and owner of an opportunity, who made a change), looked up for many
//! ids at once with the actor's visibility — a record the actor may not see gets no name.

use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, OpportunityStore, OrganizationStore, PipelineStore, UserStore};
use crm_domain::event::EntityType;
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Ids whose names are wanted.
#[derive(Debug, Clone, Default)]
pub struct NameRequest {
    /// Records (contacts, organizations, opportunities).
    pub records: HashSet<(EntityType, Uuid)>,
    /// Users.
    pub users: HashSet<Uuid>,
    /// Whether stage, pipeline and team names are wanted (read once per request).
    pub pipelines_and_teams: bool,
}

impl NameRequest {
    /// Asks for a record's name.
    pub fn record(&mut self, entity_type: EntityType, id: Uuid) -> &mut Self {
        self.records.insert((entity_type, id));
        self
    }

    /// Asks for a user's name.
    pub fn user(&mut self, id: Uuid) -> &mut Self {
        self.users.insert(id);
        self
    }
}

/// Names found, by id (stages, pipelines, teams, users and records share one map: ids
/// are UUIDs and never collide).
#[derive(Debug, Clone, Default)]
pub struct Names {
    by_id: HashMap<Uuid, String>,
}

impl Names {
    /// The name of an id, when known and visible.
    pub fn get(&self, id: Uuid) -> Option<String> {
        self.by_id.get(&id).cloned()
    }
}

fn visible<T>(r: Result<T, ServiceError>) -> Result<Option<T>, ServiceError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ServiceError::NotFound | ServiceError::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

impl<S: ContactStore + OpportunityStore + OrganizationStore + PipelineStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The names of the requested ids that the actor may see.
    ///
    /// # Errors
    /// `Forbidden` for the operator; store failures.
    pub async fn names(&self, actor: &Actor, req: &NameRequest) -> Result<Names, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let mut by_id = HashMap::new();
        if !req.users.is_empty() {
            for u in self.store.list_users(tenant_id).await? {
                if req.users.contains(&u.id.as_uuid()) {
                    by_id.insert(u.id.as_uuid(), u.display_name.to_string());
                }
            }
        }
        if req.pipelines_and_teams {
            for p in self.store.list_pipelines(tenant_id).await? {
                by_id.insert(p.id.as_uuid(), p.name.to_string());
                for s in &p.stages {
                    by_id.insert(s.id.as_uuid(), s.name.to_string());
                }
            }
            for t in self.store.list_teams(tenant_id).await? {
                by_id.insert(t.id.as_uuid(), t.name.to_string());
            }
        }
        for (kind, id) in &req.records {
            let name = match kind {
                EntityType::Contact => visible(self.contact(actor, ContactId::from_uuid(*id)).await)?
                    .map(|c| format!("{} {}", c.fields.first_name.as_str(), c.fields.last_name.as_str())),
                EntityType::Organization => {
                    visible(self.organization(actor, OrganizationId::from_uuid(*id)).await)?.map(|o| o.name.to_string())
                }
                EntityType::Opportunity => {
                    visible(self.opportunity(actor, OpportunityId::from_uuid(*id)).await)?.map(|o| o.fields.title.to_string())
                }
                _ => None,
            };
            if let Some(n) = name {
                by_id.insert(*id, n);
            }
        }
        Ok(Names { by_id })
    }
}
