//! Audit history (by record, by user, by period) and the event feed.

use crate::app::{App, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{AuditFilter, EventRecord, HistoryQuery};
use crate::store::{ActivityStore, ContactStore, EventLog, OpportunityStore, OrganizationStore, UserStore};
use crm_domain::event::EntityType;
use crm_domain::visibility::{Capability, Owned};
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId};

/// Most events returned by one history call.
pub const MAX_HISTORY: u32 = 1000;

/// Reading the log: the log only.
impl<S: EventLog, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company-wide log: history by user or by period, newest first (Admin only).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn history(&self, actor: &Actor, query: &HistoryQuery, limit: u32) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ReadAudit)?;
        query.check()?;
        Ok(self.store.history(tenant_id, query, limit.clamp(1, MAX_HISTORY)).await?)
    }

    /// Events after a cursor, oldest first, for readers of the log (system or Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn events_after(&self, actor: &Actor, after: i64, limit: u32) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ReadAudit)?;
        Ok(self.store.events_after(tenant_id, after, limit.clamp(1, MAX_HISTORY)).await?)
    }

    /// The newest event number of the actor's tenant (where a new stream starts).
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn latest_event(&self, actor: &Actor) -> Result<i64, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let q = HistoryQuery::Period {
            from: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            to: chrono::DateTime::<chrono::Utc>::MAX_UTC,
        };
        Ok(self.store.history(tenant_id, &q, 1).await?.first().map_or(0, |e| e.seq))
    }
}

/// The audit screen: the Admin's whole log, a Manager's teams' records.
impl<S: EventLog + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The events of the filter, newest first. The Admin reads every event; a Manager the
    /// changes of the contacts and opportunities owned (after the change) by the members
    /// of the teams they lead or by themselves, the filter narrowed to them; every other
    /// role is refused.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`from`, `to` out of range).
    pub async fn audit(&self, actor: &Actor, filter: &AuditFilter, limit: u32) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let mut f = filter.clone();
        if !crm_domain::visibility::allows(actor, Capability::ReadAudit) {
            require(actor, Capability::ReadRecordHistory)?;
            let me = actor.user_id().ok_or(ServiceError::Forbidden)?;
            let led: Vec<_> = self
                .store
                .list_teams(tenant_id)
                .await?
                .into_iter()
                .filter(|t| t.manager_id == me)
                .map(|t| t.id)
                .collect();
            let mut owners: Vec<uuid::Uuid> = self
                .store
                .list_users(tenant_id)
                .await?
                .into_iter()
                .filter(|u| u.team_id.is_some_and(|t| led.contains(&t)))
                .map(|u| u.id.as_uuid())
                .collect();
            owners.push(me.as_uuid());
            let readable = [EntityType::Contact, EntityType::Opportunity];
            f.entity_types = if f.entity_types.is_empty() {
                readable.to_vec()
            } else {
                f.entity_types.into_iter().filter(|t| readable.contains(t)).collect()
            };
            if f.entity_types.is_empty() {
                return Ok(Vec::new());
            }
            f.owners = Some(match f.owners {
                Some(asked) => asked.into_iter().filter(|o| owners.contains(o)).collect(),
                None => owners,
            });
        }
        let q = HistoryQuery::Filtered(f);
        q.check()?;
        Ok(self.store.history(tenant_id, &q, limit.clamp(1, MAX_HISTORY)).await?)
    }
}

/// A record's history: the record must be visible.
impl<S: EventLog + ContactStore + OpportunityStore + OrganizationStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The history of one record, newest first. The audit is the Admin's: they read every
    /// record's; a Manager reads that of the contacts and opportunities in their scope
    /// (those of the teams they lead); every other role is refused, whatever the record.
    ///
    /// # Errors
    /// `Forbidden` without the right to read this kind of history (checked first, so a
    /// refused role learns nothing of the record); `NotFound` when the record is not
    /// visible (another team's contact for a Manager, another tenant's id).
    pub async fn history_of(
        &self,
        actor: &Actor,
        entity_type: EntityType,
        entity_id: uuid::Uuid,
        limit: u32,
    ) -> Result<Vec<EventRecord>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        match entity_type {
            EntityType::Contact => {
                require(actor, Capability::ReadRecordHistory)?;
                self.store
                    .contact(scope(actor, Owned::Contact)?, ContactId::from_uuid(entity_id))
                    .await?;
            }
            EntityType::Opportunity => {
                require(actor, Capability::ReadRecordHistory)?;
                self.store
                    .opportunity(scope(actor, Owned::Opportunity)?, OpportunityId::from_uuid(entity_id))
                    .await?;
            }
            EntityType::Organization => {
                require(actor, Capability::ReadAudit)?;
                self.store.organization(tenant_id, OrganizationId::from_uuid(entity_id)).await?;
            }
            EntityType::Tenant => {
                require(actor, Capability::ReadAudit)?;
                if entity_id != tenant_id.as_uuid() {
                    return Err(ServiceError::NotFound);
                }
            }
            _ => require(actor, Capability::ReadAudit)?,
        }
        let q = HistoryQuery::Entity {
            entity_type,
            entity_id,
            before: None,
        };
        Ok(self.store.history(tenant_id, &q, limit.clamp(1, MAX_HISTORY)).await?)
    }
}

/// The feed filtered by visibility: owners' managers and activities are looked up.
impl<S: EventLog + ActivityStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Events after a cursor that the actor may see, oldest first, for the real-time
    /// stream: changes of contacts and opportunities in their scopes (decided from the
    /// owner each event carries), of activities they may see, and of everything every role
    /// reads (organizations, pipelines, users, teams, the tenant). Returns the events and
    /// the cursor to continue from (past the hidden ones too).
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn visible_events_after(&self, actor: &Actor, after: i64, limit: u32) -> Result<(Vec<EventRecord>, i64), ServiceError> {
        use crm_domain::visibility::{RecordScope, read_scope};
        let tenant_id = tenant_of(actor)?;
        let events = self.store.events_after(tenant_id, after, limit.clamp(1, MAX_HISTORY)).await?;
        let cursor = events.last().map_or(after, |e| e.seq);
        let audit_reader = crm_domain::visibility::allows(actor, Capability::ReadAudit);
        let contacts = read_scope(actor, Owned::Contact);
        let opportunities = read_scope(actor, Owned::Opportunity);
        let mut managers: std::collections::HashMap<crm_domain::UserId, Option<crm_domain::UserId>> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        for mut e in events {
            let owner = e.owner_id.map(crm_domain::UserId::from_uuid);
            let by_owner = |scope: RecordScope, managers: &std::collections::HashMap<_, Option<crm_domain::UserId>>| match (scope, owner) {
                (RecordScope::Tenant, _) => Some(true),
                (RecordScope::Nothing, _) | (_, None) => Some(false),
                (RecordScope::OwnedBy(_), Some(o)) => Some(scope.admits(o, None)),
                (RecordScope::TeamsLedBy(_), Some(o)) => managers.get(&o).map(|m| scope.admits(o, *m)),
            };
            let visible = match e.entity_type {
                EntityType::Contact | EntityType::Opportunity => {
                    let scope = if e.entity_type == EntityType::Contact {
                        contacts
                    } else {
                        opportunities
                    };
                    match by_owner(scope, &managers) {
                        Some(v) => v,
                        None => {
                            let o = owner.ok_or(ServiceError::Internal("owner expected".into()))?;
                            let m = self.store.team_manager_of(tenant_id, o).await?;
                            managers.insert(o, m);
                            scope.admits(o, m)
                        }
                    }
                }
                EntityType::Activity => {
                    if (contacts == RecordScope::Tenant && opportunities == RecordScope::Tenant)
                        || (owner.is_some() && owner == actor.user_id())
                    {
                        true
                    } else {
                        let scope = crate::query::ActivityScope {
                            tenant_id,
                            contacts,
                            opportunities,
                            user: actor.user_id(),
                        };
                        self.store
                            .activity(scope, crm_domain::ActivityId::from_uuid(e.entity_id))
                            .await
                            .is_ok()
                    }
                }
                // A file is its owner's (and the Admin's): others do not learn of it.
                EntityType::File => audit_reader || (owner.is_some() && owner == actor.user_id()),
                // Webhook subscriptions are the Admin's.
                EntityType::Webhook => audit_reader,
                _ => true,
            };
            if visible {
                // Who changed which user, team or company setting (emails, roles) is the
                // audit's, the Admin's: other roles learn that it changed, not how.
                if !audit_reader && matches!(e.entity_type, EntityType::User | EntityType::Team | EntityType::Tenant) {
                    e.changes.clear();
                }
                out.push(e);
            }
        }
        Ok((out, cursor))
    }
}
