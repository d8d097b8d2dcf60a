//! The scores follow the log: a reader of the event log that, for each batch, finds the
//! contacts whose score may have changed — the contact changed (an email to them opened,
//! clicked or answered is an event of the contact), an activity linked to them logged,
//! changed or moved, their company changed (its industry or size) — scores them again and
//! writes the scores in the transaction that moves its cursor. A change of the rules queues
//! the company's full rescoring instead.

use super::rescore::{ON_DEMAND, RescoreJob};
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{ActivityScope, ContactFilter, EventRecord, PageRequest, Scope};
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Interest, StoreConsumer};
use crate::store::{ActivityStore, ConsumerWrite, ContactStore, NewJob, ScoringStore};
use crm_domain::event::EntityType;
use crm_domain::visibility::RecordScope;
use crm_domain::{ActivityId, ContactId, OrganizationId, TenantId};
use std::collections::BTreeSet;

/// The consumer's name (its cursors and parked events are kept under it).
pub const SCORING: &str = "scoring";

const ENTITIES: &[EntityType] = &[
    EntityType::Contact,
    EntityType::Activity,
    EntityType::Organization,
    EntityType::ScoringRule,
];

/// The score keeper (run it wrapped in [`InStore`](crate::runtime::consumers::InStore)).
pub struct ScoreKeeper<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> ScoreKeeper<S, K, C, I> {
    /// The consumer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

/// The contacts an activity's links name, in its event's changes (before and after).
fn linked_contacts(e: &EventRecord, into: &mut BTreeSet<ContactId>) {
    for c in e.changes.iter().filter(|c| c.field == "links") {
        for v in [&c.before, &c.after].into_iter().flatten() {
            for l in v.as_array().map(Vec::as_slice).unwrap_or_default() {
                if l.get("entity_type").and_then(|t| t.as_str()) == Some("contact")
                    && let Some(id) = l
                        .get("entity_id")
                        .and_then(|i| i.as_str())
                        .and_then(|i| uuid::Uuid::parse_str(i).ok())
                {
                    into.insert(ContactId::from_uuid(id));
                }
            }
        }
    }
}

impl<
    S: ScoringStore + ContactStore + ActivityStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> ScoreKeeper<S, K, C, I>
{
    /// The live contacts of an organization, page by page.
    async fn organization_contacts(
        &self,
        tenant: TenantId,
        org: OrganizationId,
        into: &mut BTreeSet<ContactId>,
    ) -> Result<(), ServiceError> {
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let filter = ContactFilter {
            organization_id: Some(org),
            ..ContactFilter::default()
        };
        let mut cursor = None;
        loop {
            let page = PageRequest {
                cursor,
                limit: Some(crate::query::MAX_PAGE_SIZE),
                ..PageRequest::default()
            };
            let found = self.app.store.list_contacts(scope, &filter, &page).await?;
            into.extend(found.items.iter().map(|c| c.id));
            match found.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// The contacts an activity concerns now (none when it is gone).
    async fn activity_contacts(&self, tenant: TenantId, id: ActivityId, into: &mut BTreeSet<ContactId>) -> Result<(), ServiceError> {
        let scope = ActivityScope {
            tenant_id: tenant,
            contacts: RecordScope::Tenant,
            opportunities: RecordScope::Tenant,
            user: None,
        };
        match self.app.store.activity(scope, id).await {
            Ok(a) => {
                into.extend(
                    a.fields
                        .links
                        .iter()
                        .filter(|l| l.entity_type == EntityType::Contact)
                        .map(|l| ContactId::from_uuid(l.entity_id)),
                );
                Ok(())
            }
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl<
    S: ScoringStore + ContactStore + ActivityStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> StoreConsumer for ScoreKeeper<S, K, C, I>
{
    fn name(&self) -> &'static str {
        SCORING
    }

    fn interest(&self) -> Interest {
        Interest::Entities(ENTITIES)
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut contacts = BTreeSet::new();
            for e in events {
                match e.entity_type {
                    EntityType::ScoringRule if out.is_empty() => {
                        let job = NewJob {
                            id: self.app.new_id(),
                            tenant_id: tenant,
                            kind: ON_DEMAND.to_owned(),
                            payload: serde_json::to_value(RescoreJob::default()).unwrap_or_default(),
                            due_at: self.app.clock.now(),
                            key: Some(ON_DEMAND.to_owned()),
                        };
                        out.push(ConsumerWrite::Enqueue(job));
                    }
                    // Its own score changes ask for nothing new.
                    EntityType::Contact if e.kind != crm_domain::event::EventKind::ScoreChanged => {
                        contacts.insert(ContactId::from_uuid(e.entity_id));
                    }
                    EntityType::Organization if e.changes.iter().any(|c| c.field == "industry" || c.field == "size") => {
                        self.organization_contacts(tenant, OrganizationId::from_uuid(e.entity_id), &mut contacts)
                            .await?;
                    }
                    EntityType::Activity => {
                        linked_contacts(e, &mut contacts);
                        self.activity_contacts(tenant, ActivityId::from_uuid(e.entity_id), &mut contacts)
                            .await?;
                    }
                    _ => {}
                }
            }
            if !contacts.is_empty() {
                let ids: Vec<ContactId> = contacts.into_iter().collect();
                let scores = self.app.compute_scores(tenant, &ids).await?;
                if !scores.is_empty() {
                    out.push(ConsumerWrite::Scores(scores));
                }
            }
            Ok(out)
        })
    }
}
