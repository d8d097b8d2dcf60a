//! Search: one query across contacts, organizations and opportunities through the search
//! index, filtered by the actor's tenant and visibility inside the index; and the indexer,
//! which keeps the index current from the event log (its cursor is committed with the
//! index) or rebuilds a tenant's part from the store.

use crate::app::{App, require, tenant_of};
use crate::auth::Credentials;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{ContactFilter, OpportunityFilter, PageRequest, Scope};
use crate::search::{
    DocFilters, DocText, Highlight, IndexChanges, IndexQuery, IndexResults, IndexTerm, OwnerFilter, RebuildStep, SearchDoc, SearchEntity,
    SearchError, SearchFilters, SearchIndex,
};
use crate::store::{SearchHasher, Store};
use crm_domain::contact::Contact;
use crm_domain::error::Validator;
use crm_domain::event::EntityType;
use crm_domain::opportunity::Opportunity;
use crm_domain::organization::Organization;
use crm_domain::search::{email_tokens, parse_query, phone_tokens};
use crm_domain::visibility::{Capability, Owned, RecordScope, read_scope};
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId, TenantId, UserId, ViolationKind};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most hits per kind.
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Hits per kind when none is asked for.
pub const DEFAULT_SEARCH_LIMIT: u32 = 10;
/// Events read per step of a catch-up.
const EVENTS_PER_STEP: u32 = 500;
/// Documents per commit of a rebuild.
const DOCS_PER_COMMIT: usize = 5_000;

/// A search as asked.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// What was typed.
    pub query: String,
    /// Kinds asked for; all when empty.
    pub entities: Vec<SearchEntity>,
    /// List filters.
    pub filters: SearchFilters,
    /// Most hits per kind, 1 to [`MAX_SEARCH_LIMIT`].
    pub limit: Option<u32>,
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Events read.
    pub events: u64,
    /// Documents written or removed.
    pub documents: u64,
    /// Whether the tenant was rebuilt from the store.
    pub rebuilt: bool,
}

impl From<SearchError> for ServiceError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Busy => ServiceError::Unavailable,
            SearchError::Index(m) => ServiceError::Internal(m),
        }
    }
}

/// The email and phone hashes of a contact, as the index holds them.
fn contact_hashes<H: SearchHasher + ?Sized>(hasher: &H, c: &Contact) -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    for e in &c.fields.emails {
        out.extend(email_tokens(e).iter().map(|t| hasher.search_hash(c.tenant_id, "email", t)));
    }
    for p in &c.fields.phones {
        out.extend(phone_tokens(p).iter().map(|t| hasher.search_hash(c.tenant_id, "phone", t)));
    }
    out
}

/// The index document of a contact.
pub fn contact_doc<H: SearchHasher + ?Sized>(hasher: &H, c: &Contact, organization: Option<&str>) -> SearchDoc {
    let f = &c.fields;
    let name = format!("{} {}", f.first_name.as_str(), f.last_name.as_str());
    let mut texts = vec![DocText {
        field: "name",
        text: name.clone(),
        primary: true,
    }];
    if let Some(o) = organization {
        texts.push(DocText {
            field: "organization",
            text: o.to_owned(),
            primary: false,
        });
    }
    if let Some(j) = &f.job_title {
        texts.push(DocText {
            field: "job_title",
            text: j.as_str().to_owned(),
            primary: false,
        });
    }
    texts.extend(f.tags.iter().map(|t| DocText {
        field: "tag",
        text: t.as_str().to_owned(),
        primary: false,
    }));
    let subtitle = match (organization, &f.job_title) {
        (Some(o), Some(j)) => Some(format!("{} · {o}", j.as_str())),
        (Some(o), None) => Some(o.to_owned()),
        (None, Some(j)) => Some(j.as_str().to_owned()),
        (None, None) => None,
    };
    SearchDoc {
        tenant_id: c.tenant_id,
        entity: SearchEntity::Contact,
        id: c.id.as_uuid(),
        owner_id: Some(c.owner_id),
        title: name,
        subtitle,
        texts,
        hashes: contact_hashes(hasher, c),
        filters: DocFilters {
            kind: Some(c.kind.code()),
            tags: f.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            organization_id: f.organization_id.map(|o| o.as_uuid()),
            updated_at: Some(c.updated_at),
            ..DocFilters::default()
        },
    }
}

/// The index document of an organization.
pub fn organization_doc(o: &Organization) -> SearchDoc {
    let mut texts = vec![DocText {
        field: "name",
        text: o.name.as_str().to_owned(),
        primary: true,
    }];
    if let Some(d) = &o.domain {
        texts.push(DocText {
            field: "domain",
            text: d.as_str().to_owned(),
            primary: false,
        });
    }
    if let Some(i) = &o.industry {
        texts.push(DocText {
            field: "industry",
            text: i.as_str().to_owned(),
            primary: false,
        });
    }
    SearchDoc {
        tenant_id: o.tenant_id,
        entity: SearchEntity::Organization,
        id: o.id.as_uuid(),
        owner_id: None,
        title: o.name.as_str().to_owned(),
        subtitle: o.domain.as_ref().map(|d| d.as_str().to_owned()),
        texts,
        hashes: Vec::new(),
        filters: DocFilters {
            updated_at: Some(o.updated_at),
            ..DocFilters::default()
        },
    }
}

/// The index document of an opportunity.
pub fn opportunity_doc(o: &Opportunity, organization: Option<&str>) -> SearchDoc {
    let f = &o.fields;
    let mut texts = vec![DocText {
        field: "title",
        text: f.title.as_str().to_owned(),
        primary: true,
    }];
    if let Some(org) = organization {
        texts.push(DocText {
            field: "organization",
            text: org.to_owned(),
            primary: false,
        });
    }
    SearchDoc {
        tenant_id: o.tenant_id,
        entity: SearchEntity::Opportunity,
        id: o.id.as_uuid(),
        owner_id: Some(o.owner_id),
        title: f.title.as_str().to_owned(),
        subtitle: organization.map(str::to_owned),
        texts,
        hashes: Vec::new(),
        filters: DocFilters {
            organization_id: f.organization_id.map(|x| x.as_uuid()),
            pipeline_id: Some(o.pipeline_id.as_uuid()),
            stage_id: Some(o.stage_id.as_uuid()),
            status: Some(o.status.code()),
            expected_close: f.expected_close,
            updated_at: Some(o.updated_at),
            ..DocFilters::default()
        },
    }
}

/// Records touched by a run of events.
#[derive(Default)]
struct Touched {
    contacts: HashSet<Uuid>,
    organizations: HashSet<Uuid>,
    opportunities: HashSet<Uuid>,
}

impl<S: Store, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Searches contacts, organizations and opportunities the actor may see.
    ///
    /// # Errors
    /// `Forbidden` for the operator; `Invalid` for a query over [`MAX_QUERY_CHARS`] or a
    /// limit outside 1..=[`MAX_SEARCH_LIMIT`].
    pub async fn search<X: SearchIndex>(&self, index: &X, actor: &Actor, req: SearchRequest) -> Result<IndexResults, ServiceError> {
        let (query, looks_secret) = self.index_query(actor, req, MAX_SEARCH_LIMIT).await?;
        let mut results = index.search(query.clone()).await?;
        self.secret_snippets(&query, looks_secret, &mut results).await?;
        Ok(results)
    }

    /// The index query of a search, with a limit of at most `max_limit` per kind; and
    /// whether a term looks like an address or a number.
    pub(crate) async fn index_query(&self, actor: &Actor, req: SearchRequest, max_limit: u32) -> Result<(IndexQuery, bool), ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let mut invalid = Validator::new();
        if req.query.chars().count() > MAX_QUERY_CHARS {
            invalid.push("q", ViolationKind::TooLong);
        }
        let limit = req.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        if limit == 0 {
            invalid.push("limit", ViolationKind::TooSmall);
        } else if limit > max_limit {
            invalid.push("limit", ViolationKind::TooLarge);
        }
        if let Err(e) = req.filters.check() {
            for f in e.errors() {
                invalid.push(f.field.clone(), f.kind);
            }
        }
        invalid.finish()?;
        let parsed = parse_query(&req.query);
        let terms: Vec<IndexTerm> = parsed
            .iter()
            .map(|t| IndexTerm {
                words: t.words.clone(),
                hashes: t
                    .email_probe
                    .iter()
                    .map(|p| self.store.search_hash(tenant_id, "email", p))
                    .chain(t.phone_probe.iter().map(|p| self.store.search_hash(tenant_id, "phone", p)))
                    .collect(),
            })
            .collect();
        // A term that looks like an address or a number may have matched one even when its
        // words matched a name too ("claire.moreau"): look at the record then.
        let looks_secret = parsed
            .iter()
            .any(|t| t.phone_probe.is_some() || t.email_probe.as_deref().is_some_and(|p| p.contains(['@', '.'])));
        let query = IndexQuery {
            tenant_id,
            terms,
            entities: if req.entities.is_empty() {
                SearchEntity::ALL.to_vec()
            } else {
                req.entities
            },
            contacts: self.owner_filter(tenant_id, read_scope(actor, Owned::Contact)).await?,
            opportunities: self.owner_filter(tenant_id, read_scope(actor, Owned::Opportunity)).await?,
            filters: req.filters,
            limit: limit as usize,
        };
        Ok((query, looks_secret))
    }

    /// Whose records of a kind a scope lets through, as owners the index can filter on.
    async fn owner_filter(&self, tenant: TenantId, scope: RecordScope) -> Result<OwnerFilter, ServiceError> {
        Ok(match scope {
            RecordScope::Tenant => OwnerFilter::Any,
            RecordScope::Nothing => OwnerFilter::Nothing,
            RecordScope::OwnedBy(u) => OwnerFilter::Owners(vec![u]),
            RecordScope::TeamsLedBy(m) => {
                let teams: HashSet<_> = self
                    .store
                    .list_teams(tenant)
                    .await?
                    .into_iter()
                    .filter(|t| t.manager_id == m)
                    .map(|t| t.id)
                    .collect();
                let mut owners: Vec<UserId> = self
                    .store
                    .list_users(tenant)
                    .await?
                    .into_iter()
                    .filter(|u| u.team_id.is_some_and(|t| teams.contains(&t)))
                    .map(|u| u.id)
                    .collect();
                owners.push(m);
                OwnerFilter::Owners(owners)
            }
        })
    }

    /// For contacts found through an email or phone token, the snippet comes from the
    /// decrypted record: the addresses and numbers whose tokens the query hit.
    async fn secret_snippets(&self, query: &IndexQuery, every_hit: bool, results: &mut IndexResults) -> Result<(), ServiceError> {
        let wanted: HashSet<[u8; 32]> = query.terms.iter().flat_map(|t| t.hashes.iter().copied()).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let scope = Scope {
            tenant_id: query.tenant_id,
            records: RecordScope::Tenant,
        };
        for (entity, hits) in &mut results.groups {
            if *entity != SearchEntity::Contact {
                continue;
            }
            for hit in hits.iter_mut().filter(|h| every_hit || h.matched_secret) {
                let Ok(c) = self.store.contact(scope, ContactId::from_uuid(hit.id)).await else {
                    continue;
                };
                for e in &c.fields.emails {
                    if email_tokens(e)
                        .iter()
                        .any(|t| wanted.contains(&self.store.search_hash(c.tenant_id, "email", t)))
                    {
                        hit.highlights.push(whole("email", e.as_str()));
                    }
                }
                for p in &c.fields.phones {
                    if phone_tokens(p)
                        .iter()
                        .any(|t| wanted.contains(&self.store.search_hash(c.tenant_id, "phone", t)))
                    {
                        hit.highlights.push(whole("phone", p.as_str()));
                    }
                }
            }
        }
        Ok(())
    }

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
            report.events += events.len() as u64;
            let mut touched = Touched::default();
            for e in &events {
                match e.entity_type {
                    EntityType::Contact => touched.contacts.insert(e.entity_id),
                    EntityType::Organization => touched.organizations.insert(e.entity_id),
                    EntityType::Opportunity => touched.opportunities.insert(e.entity_id),
                    _ => false,
                };
            }
            let changes = self.changes_for(tenant, touched, last).await?;
            report.documents += (changes.upserts.len() + changes.deletes.len()) as u64;
            index.apply(changes).await?;
            cursor = last;
        }
        Ok(report)
    }

    async fn changes_for(&self, tenant: TenantId, touched: Touched, last: i64) -> Result<IndexChanges, ServiceError> {
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let mut names = OrgNames::default();
        let mut changes = IndexChanges {
            cursors: vec![(tenant, last)],
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
    async fn get<S: Store, K: Credentials, C: Clock, I: IdGenerator>(
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

fn whole(field: &str, text: &str) -> Highlight {
    Highlight {
        field: field.to_owned(),
        text: text.to_owned(),
        ranges: vec![(0, text.len())],
    }
}
