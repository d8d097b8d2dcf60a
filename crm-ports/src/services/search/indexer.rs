//! The indexer: keeps the index current from the event log (its cursor committed with the
//! index), or rebuilds a tenant's part from the store without a gap.

use super::{DOCS_PER_COMMIT, EVENTS_PER_STEP, IndexReport, contact_doc, opportunity_doc, organization_doc};
use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{ContactFilter, OpportunityFilter, PageRequest, Scope};
use crate::search::{IndexChanges, RebuildStep, SearchDoc, SearchIndex};
use crate::store::{ContactStore, EventLog, OpportunityStore, OrganizationStore, SearchHasher};
use crm_domain::contact::Contact;
use crm_domain::event::EntityType;
use crm_domain::opportunity::Opportunity;
use crm_domain::visibility::{Capability, RecordScope};
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId, TenantId};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Records touched by a run of events.
#[derive(Default)]
struct Touched {
    contacts: HashSet<Uuid>,
    organizations: HashSet<Uuid>,
    opportunities: HashSet<Uuid>,
}

/// Keeping the index: the log, and the records (and search hashes) the documents are made of.
impl<S: EventLog + ContactStore + OpportunityStore + OrganizationStore + SearchHasher, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Brings the index up to date with the tenant's event log, from the cursor committed
    /// with the index; rebuilds the tenant from the store when the index has no cursor for
    /// it (a new or deleted index).
    ///
    /// # Errors
    /// Store or index failures; the cursor then stays where it was, so nothing is lost.
    pub async fn index_catch_up<X: SearchIndex>(&self, index: &X, tenant: TenantId) -> Result<IndexReport, ServiceError> {
        let Some(mut cursor) = index.cursors().get(&tenant).copied() else {
            return self.index_rebuild(index, tenant).await;
        };
        let mut report = IndexReport::default();
        loop {
            let events = self.store.events_after(tenant, cursor, EVENTS_PER_STEP).await?;
            let Some(last) = events.last().map(|e| e.seq) else { break };
            let r = self.index_events(index, tenant, &events, Some(last)).await?;
            report.events += r.events;
            report.documents += r.documents;
            cursor = last;
        }
        Ok(report)
    }

    /// Applies a run of the tenant's events to the index in one commit, with the tenant's
    /// new cursor when given (`None`: a replay, the cursor stays). The records they touch
    /// are read again from the store, so applying an event twice is harmless.
    ///
    /// # Errors
    /// Store or index failures; nothing is committed then.
    pub async fn index_events<X: SearchIndex>(
        &self,
        index: &X,
        tenant: TenantId,
        events: &[crate::query::EventRecord],
        cursor: Option<i64>,
    ) -> Result<IndexReport, ServiceError> {
        let mut touched = Touched::default();
        for e in events {
            match e.entity_type {
                EntityType::Contact => touched.contacts.insert(e.entity_id),
                EntityType::Organization => touched.organizations.insert(e.entity_id),
                EntityType::Opportunity => touched.opportunities.insert(e.entity_id),
                _ => false,
            };
        }
        let changes = self.changes_for(tenant, touched, cursor).await?;
        let report = IndexReport {
            events: events.len() as u64,
            documents: (changes.upserts.len() + changes.deletes.len()) as u64,
            ..IndexReport::default()
        };
        index.apply(changes).await?;
        // A person erased or anonymised: their old document must not wait in its segment
        // for a merge.
        if events.iter().any(|e| {
            matches!(
                e.kind,
                crm_domain::event::EventKind::Erased | crm_domain::event::EventKind::Anonymised
            )
        }) {
            index.purge().await?;
        }
        Ok(report)
    }

    async fn changes_for(&self, tenant: TenantId, touched: Touched, cursor: Option<i64>) -> Result<IndexChanges, ServiceError> {
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let mut names = OrgNames::default();
        let mut changes = IndexChanges {
            cursors: cursor.map(|c| (tenant, c)).into_iter().collect(),
            ..IndexChanges::default()
        };
        let mut contacts = touched.contacts;
        let mut opportunities = touched.opportunities;
        for id in touched.organizations {
            match self.store.organization(tenant, OrganizationId::from_uuid(id)).await {
                Ok(o) => {
                    names.0.insert(o.id, Some(o.name.as_str().to_owned()));
                    changes.upserts.push(organization_doc(&o));
                    // Its name is in its contacts' and deals' documents.
                    let of_org = ContactFilter {
                        organization_id: Some(o.id),
                        ..ContactFilter::default()
                    };
                    self.for_each_contact(scope, &of_org, usize::MAX, |c| {
                        contacts.insert(c.id.as_uuid());
                    })
                    .await?;
                    self.for_each_opportunity(scope, Some(o.id), |x| {
                        opportunities.insert(x.id.as_uuid());
                    })
                    .await?;
                }
                Err(crate::StoreError::NotFound) => {
                    names.0.insert(OrganizationId::from_uuid(id), None);
                    changes.deletes.push(id);
                }
                Err(e) => return Err(e.into()),
            }
        }
        for id in contacts {
            match self.store.contact(scope, ContactId::from_uuid(id)).await {
                Ok(c) => {
                    let org = names.get(self, tenant, c.fields.organization_id).await?;
                    changes.upserts.push(contact_doc(&*self.store, &c, org.as_deref()));
                }
                Err(crate::StoreError::NotFound) => changes.deletes.push(id),
                Err(e) => return Err(e.into()),
            }
        }
        for id in opportunities {
            match self.store.opportunity(scope, OpportunityId::from_uuid(id)).await {
                Ok(o) => {
                    let org = names.get(self, tenant, o.fields.organization_id).await?;
                    changes.upserts.push(opportunity_doc(&o, org.as_deref()));
                }
                Err(crate::StoreError::NotFound) => changes.deletes.push(id),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(changes)
    }

    async fn for_each_opportunity(
        &self,
        scope: Scope,
        organization: Option<OrganizationId>,
        mut f: impl FnMut(&Opportunity),
    ) -> Result<(), ServiceError> {
        let filter = OpportunityFilter {
            organization_id: organization,
            ..OpportunityFilter::default()
        };
        let mut page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        loop {
            let p = self.store.list_opportunities(scope, &filter, &page).await?;
            p.items.iter().for_each(&mut f);
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Rebuilds the actor's tenant's part of the index (Admin).
    ///
    /// # Errors
    /// `Forbidden` unless the actor manages the tenant; store or index failures.
    pub async fn reindex<X: SearchIndex>(&self, index: &X, actor: &Actor) -> Result<IndexReport, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        self.index_rebuild(index, tenant).await
    }

    /// Rebuilds the tenant's part of the index from the store: writes every live contact,
    /// organization and opportunity, [`DOCS_PER_COMMIT`] at a time (the earlier documents
    /// stay searchable meanwhile), drops with the last commit those it did not write, and
    /// sets the cursor to the event the store was at before reading (later events are
    /// applied again by the next catch-up, which is harmless).
    ///
    /// # Errors
    /// Store or index failures; a rebuild cut short leaves no cursor and starts again.
    pub async fn index_rebuild<X: SearchIndex>(&self, index: &X, tenant: TenantId) -> Result<IndexReport, ServiceError> {
        let head = self.latest_event(&Actor::System { tenant_id: tenant }).await?;
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let mut out = RebuildWriter {
            index,
            step: RebuildStep {
                tenant_id: tenant,
                id: self.ids.new_uuid(),
                last: false,
            },
            pending: Vec::new(),
            documents: 0,
        };
        let mut names = OrgNames::default();
        let first_page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        let mut page = first_page.clone();
        loop {
            let p = self.store.list_organizations(tenant, &page).await?;
            for o in &p.items {
                names.0.insert(o.id, Some(o.name.as_str().to_owned()));
                out.push(organization_doc(o)).await?;
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        // Paged here rather than through `for_each_contact`: each document is written as it
        // is built, which needs an await in the callback (an async closure there makes the
        // API handlers' futures lose `Send`).
        let mut page = first_page.clone();
        loop {
            let p = self.store.list_contacts(scope, &ContactFilter::default(), &page).await?;
            for c in &p.items {
                let org = names.get(self, tenant, c.fields.organization_id).await?;
                out.push(contact_doc(&*self.store, c, org.as_deref())).await?;
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let mut page = first_page;
        loop {
            let p = self.store.list_opportunities(scope, &OpportunityFilter::default(), &page).await?;
            for o in &p.items {
                let org = names.get(self, tenant, o.fields.organization_id).await?;
                out.push(opportunity_doc(o, org.as_deref())).await?;
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let documents = out.finish(head).await?;
        Ok(IndexReport {
            events: 0,
            documents,
            rebuilt: true,
        })
    }
}

/// Paging through contacts (also for segments): the contacts only.
impl<S: ContactStore, K, C, I> App<S, K, C, I> {
    /// Calls `f` on every contact of the scope matching the filter, page by page, until
    /// at least `max` were seen.
    pub(crate) async fn for_each_contact(
        &self,
        scope: Scope,
        filter: &ContactFilter,
        max: usize,
        mut f: impl FnMut(&Contact),
    ) -> Result<(), ServiceError> {
        let mut page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        let mut seen = 0;
        while seen < max {
            let p = self.store.list_contacts(scope, filter, &page).await?;
            seen += p.items.len();
            p.items.iter().for_each(&mut f);
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        Ok(())
    }
}

/// The documents of a rebuild, written [`DOCS_PER_COMMIT`] at a time.
struct RebuildWriter<'a, X> {
    index: &'a X,
    step: RebuildStep,
    pending: Vec<SearchDoc>,
    documents: u64,
}

impl<X: SearchIndex> RebuildWriter<'_, X> {
    async fn push(&mut self, doc: SearchDoc) -> Result<(), ServiceError> {
        self.pending.push(doc);
        self.documents += 1;
        if self.pending.len() >= DOCS_PER_COMMIT {
            self.write(Vec::new()).await?;
        }
        Ok(())
    }

    async fn write(&mut self, cursors: Vec<(TenantId, i64)>) -> Result<(), ServiceError> {
        self.index
            .apply(IndexChanges {
                rebuild: Some(self.step),
                deletes: Vec::new(),
                upserts: std::mem::take(&mut self.pending),
                cursors,
            })
            .await?;
        Ok(())
    }

    /// The last step: what is left, the cursor, and the old documents dropped.
    async fn finish(mut self, head: i64) -> Result<u64, ServiceError> {
        self.step.last = true;
        let tenant = self.step.tenant_id;
        self.write(vec![(tenant, head)]).await?;
        Ok(self.documents)
    }
}

/// Organization names met while building documents.
#[derive(Default)]
struct OrgNames(HashMap<OrganizationId, Option<String>>);

impl OrgNames {
    async fn get<S: OrganizationStore, K, C, I>(
        &mut self,
        app: &App<S, K, C, I>,
        tenant: TenantId,
        id: Option<OrganizationId>,
    ) -> Result<Option<String>, ServiceError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = match app.store.organization(tenant, id).await {
            Ok(o) => Some(o.name.as_str().to_owned()),
            Err(crate::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.0.insert(id, name.clone());
        Ok(name)
    }
}
