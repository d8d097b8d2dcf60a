//! The search index of this process and its indexer, a reader of the event log run by the
//! runtime (`crm_ports::runtime::consumers`). Each tenant's cursor is committed with the
//! index, so a restart continues where the last commit stopped, and a deleted index is
//! rebuilt.

use crate::assemble::CrmApp;
use crm_domain::TenantId;
use crm_domain::event::EntityType;
use crm_ports::ServiceError;
use crm_ports::query::EventRecord;
use crm_ports::runtime::BoxFuture;
use crm_ports::runtime::consumers::{Consumer, Interest, Positions};
use crm_ports::search::SearchIndex as _;
use crm_ports::store::{Advance, ConsumerStore as _, TenantStore as _};
use crm_search_tantivy::TantivyIndex;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The index directory inside a data directory.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

/// Why the index cannot be opened, for people.
#[derive(Debug, thiserror::Error)]
pub enum OpenSearchError {
    /// A running server holds it.
    #[error(
        "l'index de recherche {0} est tenu par un autre processus (un serveur `crm serve` en marche ?) : \
         arrêtez-le, ou demandez la reconstruction au serveur (POST /api/v1/search/reindex, rôle Admin) \
         / the search index is held by another process (a running server?)"
    )]
    Busy(PathBuf),
    /// Unusable.
    #[error("index de recherche inutilisable / search index unusable: {0}")]
    Unusable(String),
}

/// Opens the index of a data directory (`<data_dir>/search`), taking its write lock. The
/// data directory and the index's are made private to this user (0700) before the index
/// writes anything, and the index's files present at open 0600.
///
/// # Errors
/// `Busy` when another process holds it.
pub fn open(data_dir: &Path) -> Result<SearchHandle, OpenSearchError> {
    let dir = index_dir(data_dir);
    for d in [data_dir, dir.as_path()] {
        crate::assemble::private_dir(d).map_err(|e| OpenSearchError::Unusable(format!("{}: {e}", d.display())))?;
    }
    let index = match TantivyIndex::open(&dir) {
        Ok(i) => i,
        Err(crm_search_tantivy::OpenError::Busy(p)) => return Err(OpenSearchError::Busy(p)),
        Err(e) => return Err(OpenSearchError::Unusable(e.to_string())),
    };
    // Files of earlier versions, or just made by the index under a lax umask (the `crm`
    // binary sets 0o077; a host application may not): the directory protects them anyway.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            crate::assemble::restrict(&entry.path(), 0o600);
        }
    }
    Ok(SearchHandle::new(index))
}

/// The process's index and the lock that serializes its maintenance (catch-ups and
/// rebuilds), shared by the indexer and the API.
#[derive(Clone, Debug)]
pub struct SearchHandle {
    index: TantivyIndex,
    maintenance: Arc<tokio::sync::Mutex<()>>,
    merge: Arc<MergeAfterRebuilds>,
}

/// A rebuild leaves many small segments (it commits every few thousand documents), and a
/// search walks each one: once rebuilds have been quiet for [`QUIET`], the server merges
/// them in the background (the indexer keeps indexing meanwhile).
#[derive(Debug, Default)]
struct MergeAfterRebuilds {
    last_rebuild: std::sync::Mutex<Option<Instant>>,
    scheduled: AtomicBool,
}

/// How long rebuilds must have stopped before the merge starts (a first start rebuilds
/// the tenants one after the other).
const QUIET: Duration = Duration::from_secs(2);

impl SearchHandle {
    /// Wraps an open index.
    pub fn new(index: TantivyIndex) -> Self {
        Self {
            index,
            maintenance: Arc::default(),
            merge: Arc::default(),
        }
    }

    /// Asks for a merge of the index's segments once rebuilds have been quiet for
    /// [`QUIET`], in the background (outside a Tokio runtime, nothing happens).
    pub fn merge_soon(&self) {
        if let Ok(mut last) = self.merge.last_rebuild.lock() {
            *last = Some(Instant::now());
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.merge.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        // The task holds neither the index nor its write lock while it waits: a server
        // that stops meanwhile closes the index (a restart may take it at once).
        let (merge, weak) = (Arc::clone(&self.merge), self.index.downgrade());
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(QUIET).await;
                let quiet = merge.last_rebuild.lock().map_or(true, |l| l.is_none_or(|t| t.elapsed() >= QUIET));
                if quiet {
                    break;
                }
            }
            // A rebuild from now on asks for another merge.
            merge.scheduled.store(false, Ordering::Release);
            let Some(index) = weak.upgrade() else {
                return;
            };
            let started = Instant::now();
            match tokio::task::spawn_blocking(move || index.merge_all()).await {
                Ok(Ok(())) => tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    "search index: segments merged after a rebuild"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "search index: merge after a rebuild failed"),
                Err(e) => tracing::warn!(error = %e, "search index: merge after a rebuild stopped"),
            }
        });
    }

    /// The index.
    pub fn index(&self) -> &TantivyIndex {
        &self.index
    }

    /// Waits for other maintenance to finish and holds it off while the guard lives.
    pub async fn maintenance(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.maintenance.lock().await
    }

    /// Rebuilds every tenant from the store; returns (tenants, documents).
    ///
    /// # Errors
    /// The first failure.
    pub async fn rebuild_all(&self, app: &CrmApp) -> Result<(usize, u64), crm_ports::ServiceError> {
        self.rebuild_all_with_progress(app, &|_, _, _| {}).await
    }

    /// [`Self::rebuild_all`], calling `progress(tenants done, tenants, documents so far)`
    /// once the tenants are listed and after each one.
    ///
    /// # Errors
    /// The first failure.
    pub async fn rebuild_all_with_progress(
        &self,
        app: &CrmApp,
        progress: &(dyn Fn(usize, usize, u64) + Sync),
    ) -> Result<(usize, u64), crm_ports::ServiceError> {
        let _guard = self.maintenance().await;
        let tenants = app.store().list_tenants().await?;
        let mut documents = 0;
        progress(0, tenants.len(), 0);
        for (i, t) in tenants.iter().enumerate() {
            documents += app.index_rebuild(&self.index, t.id).await?.documents;
            progress(i + 1, tenants.len(), documents);
        }
        Ok((tenants.len(), documents))
    }
}

/// The search indexer as a reader of the event log: its cursor per tenant is committed
/// with the index (each replica keeps its own index), a tenant the index does not know is
/// rebuilt from the store first, and each batch is one index commit. Maintenance
/// (rebuilds asked through the API) and the indexer take turns.
#[derive(Debug, Clone)]
pub struct SearchConsumer {
    app: CrmApp,
    search: SearchHandle,
}

/// The indexer's name among the readers of the log.
pub const INDEXER: &str = "search_indexer";

const INDEXED: &[EntityType] = &[EntityType::Contact, EntityType::Organization, EntityType::Opportunity];

impl SearchConsumer {
    /// The indexer of `search` over `app`.
    pub fn new(app: CrmApp, search: SearchHandle) -> Self {
        Self { app, search }
    }
}

impl Consumer for SearchConsumer {
    fn name(&self) -> &'static str {
        INDEXER
    }

    fn interest(&self) -> Interest {
        Interest::Entities(INDEXED)
    }

    fn positions(&self) -> Positions {
        // Kept with the index: a tenant it lacks is visited, and rebuilt there.
        Positions::Known(self.search.index().cursors())
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move {
            if let Some(c) = self.search.index().cursors().get(&tenant) {
                return Ok(*c);
            }
            let _guard = self.search.maintenance().await;
            if !self.search.index().cursors().contains_key(&tenant) {
                let r = self.app.index_rebuild(self.search.index(), tenant).await?;
                tracing::info!(%tenant, documents = r.documents, "search index: tenant rebuilt from the store");
                self.search.merge_soon();
            }
            Ok(self.search.index().cursors().get(&tenant).copied().unwrap_or(0))
        })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            let _guard = self.search.maintenance().await;
            match advance {
                Advance::To { from, to } => {
                    // A rebuild may have moved the cursor meanwhile: read again.
                    if self.search.index().cursors().get(&tenant).copied() != Some(from) {
                        return Err(ServiceError::Conflict);
                    }
                    self.app.index_events(self.search.index(), tenant, events, Some(to)).await?;
                }
                Advance::Replay { seq } => {
                    self.app.index_events(self.search.index(), tenant, events, None).await?;
                    self.app
                        .store()
                        .consumer_commit(tenant, INDEXER, Advance::Replay { seq }, &[], self.app.now())
                        .await?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::UserId;
    use crm_ports::search::{DocFilters, DocText, IndexChanges, SearchDoc, SearchEntity};

    fn doc(tenant: TenantId, name: String) -> SearchDoc {
        SearchDoc {
            tenant_id: tenant,
            entity: SearchEntity::Organization,
            id: uuid::Uuid::now_v7(),
            owner_id: None::<UserId>,
            title: name.clone(),
            subtitle: None,
            texts: vec![DocText {
                field: "name",
                text: name,
                primary: true,
            }],
            hashes: vec![],
            filters: DocFilters::default(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_rebuilds_the_segments_are_merged_in_the_background() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let handle = SearchHandle::new(TantivyIndex::open(dir.path())?);
        let t = TenantId::from_uuid(uuid::Uuid::now_v7());
        for i in 0..5 {
            let upserts = (0..50).map(|j| doc(t, format!("Société {i}-{j}"))).collect();
            handle
                .index()
                .apply(IndexChanges {
                    upserts,
                    ..IndexChanges::default()
                })
                .await?;
        }
        assert!(handle.index().segments() >= 2);
        handle.merge_soon();
        handle.merge_soon();
        let started = Instant::now();
        while handle.index().segments() > 1 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "still {} segments",
                handle.index().segments()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(started.elapsed() >= QUIET, "the merge waits for rebuilds to be quiet");
        assert_eq!(handle.index().num_docs(), 250);

        // A server that stops while a merge waits closes its index: a restart takes it.
        handle.merge_soon();
        drop(handle);
        let reopened = TantivyIndex::open(dir.path())?;
        assert_eq!(reopened.num_docs(), 250);
        Ok(())
    }
}
