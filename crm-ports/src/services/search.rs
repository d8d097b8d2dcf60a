//! Search: one query across contacts, organizations and opportunities through the search
//! index, filtered by the actor's tenant and visibility inside the index; and the indexer,
//! which keeps the index current from the event log (its cursor is committed with the
//! index) or rebuilds a tenant's part from the store.

use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::Scope;
use crate::search::{Highlight, IndexQuery, IndexResults, IndexTerm, OwnerFilter, SearchEntity, SearchError, SearchFilters, SearchIndex};
use crate::store::{ContactStore, SearchHasher, UserStore};
use crm_domain::error::Validator;
use crm_domain::search::{email_tokens, parse_query, phone_tokens};
use crm_domain::visibility::{Owned, RecordScope, read_scope};
use crm_domain::{Actor, ContactId, TenantId, UserId, ViolationKind};
use std::collections::HashSet;

mod documents;
mod indexer;

pub use documents::{contact_doc, opportunity_doc, organization_doc};

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

/// Searching: the query (search hashes, the owners a scope admits) and the snippets of
/// contacts found by an email or phone.
impl<S: SearchHasher + ContactStore + UserStore + crate::store::ScoringStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Searches contacts, organizations and opportunities the actor may see. A minimum
    /// score (a filter of contacts only) is applied to the index's best hits, read as many
    /// as a search may give, then cut to the limit asked.
    ///
    /// # Errors
    /// `Forbidden` for the operator; `Invalid` for a query over [`MAX_QUERY_CHARS`] or a
    /// limit outside 1..=[`MAX_SEARCH_LIMIT`].
    pub async fn search<X: SearchIndex>(&self, index: &X, actor: &Actor, req: SearchRequest) -> Result<IndexResults, ServiceError> {
        let (mut query, looks_secret) = self.index_query(actor, req, MAX_SEARCH_LIMIT).await?;
        let wanted = query.limit;
        let min_score = query.filters.min_score;
        if min_score.is_some() {
            query.entities.retain(|e| *e == SearchEntity::Contact);
            query.limit = MAX_SEARCH_LIMIT as usize;
        }
        let mut results = index.search(query.clone()).await?;
        if let Some(min) = min_score {
            for (_, hits) in &mut results.groups {
                let ids: Vec<ContactId> = hits.iter().map(|h| ContactId::from_uuid(h.id)).collect();
                let scores: std::collections::HashMap<ContactId, i32> =
                    self.store.scores_of(query.tenant_id, &ids).await?.into_iter().collect();
                hits.retain(|h| scores.get(&ContactId::from_uuid(h.id)).copied().unwrap_or(0) >= min);
                hits.truncate(wanted);
            }
        }
        self.secret_snippets(&query, looks_secret, &mut results).await?;
        Ok(results)
    }

    /// For contacts found through an email or phone token, the snippet comes from the
    /// decrypted records (read at once): the addresses and numbers whose tokens the query
    /// hit.
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
            // The contacts concerned, in one read (by primary key, in no order).
            let ids: Vec<ContactId> = hits
                .iter()
                .filter(|h| every_hit || h.matched_secret)
                .map(|h| ContactId::from_uuid(h.id))
                .take(crate::store::MAX_CONTACTS_BY_IDS)
                .collect();
            // A contact that cannot be read (a seal that does not open) loses its snippets,
            // not the search.
            let found = match self.store.contacts_by_ids(scope, &ids).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, "the contacts of a search's snippets could not be read");
                    Vec::new()
                }
            };
            for hit in hits.iter_mut() {
                let Some(c) = found.iter().find(|c| c.id.as_uuid() == hit.id) else {
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
}

/// The index query of a search: search hashes and the owners a scope admits.
impl<S: SearchHasher + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
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
                    .chain(t.phone_probes.iter().map(|p| self.store.search_hash(tenant_id, "phone", p)))
                    .collect(),
            })
            .collect();
        // A term that looks like an address or a number may have matched one even when its
        // words matched a name too ("claire.moreau"): look at the record then.
        let looks_secret = parsed
            .iter()
            .any(|t| !t.phone_probes.is_empty() || t.email_probe.as_deref().is_some_and(|p| p.contains(['@', '.'])));
        let query = IndexQuery {
            tenant_id,
            terms,
            entities: if req.entities.is_empty() {
                SearchEntity::ALL.to_vec()
            } else {
                req.entities
            },
            contacts: self
                .owner_filter(tenant_id, read_scope(actor, Owned::Contact), Owned::Contact)
                .await?,
            opportunities: self
                .owner_filter(tenant_id, read_scope(actor, Owned::Opportunity), Owned::Opportunity)
                .await?,
            filters: req.filters,
            limit: limit as usize,
        };
        Ok((query, looks_secret))
    }

    /// Whose records of a kind a scope lets through, as owners the index can filter on.
    async fn owner_filter(&self, tenant: TenantId, scope: RecordScope, kind: Owned) -> Result<OwnerFilter, ServiceError> {
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
                if kind == Owned::Contact {
                    // A Manager also sees the leads waiting in the pool.
                    owners.push(crate::search::pool_owner());
                }
                OwnerFilter::Owners(owners)
            }
        })
    }
}

fn whole(field: &str, text: &str) -> Highlight {
    Highlight {
        field: field.to_owned(),
        text: text.to_owned(),
        ranges: vec![(0, text.len())],
    }
}
