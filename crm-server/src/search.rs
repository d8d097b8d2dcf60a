//! The search index of this process and its indexer: a task that keeps the index current
//! from the event log. Writers wake it (in this process directly, from other processes
//! through PostgreSQL `NOTIFY`); it also sweeps every tenant every [`SWEEP`], so a lost
//! wake-up only delays a change. Each tenant's cursor is committed with the index, so a
//! restart continues where the last commit stopped, and a deleted index is rebuilt.

use crate::assemble::CrmApp;
use crm_domain::TenantId;
use crm_ports::store::TenantStore as _;
use crm_search_tantivy::TantivyIndex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// Longest time between two sweeps of every tenant.
pub const SWEEP: Duration = Duration::from_secs(30);
/// How long the indexer gathers wake-ups before writing (one commit for a burst).
const GATHER: Duration = Duration::from_millis(20);

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
}

impl SearchHandle {
    /// Wraps an open index.
    pub fn new(index: TantivyIndex) -> Self {
        Self {
            index,
            maintenance: Arc::default(),
        }
    }

    /// The index.
    pub fn index(&self) -> &TantivyIndex {
        &self.index
    }

    /// Waits for other maintenance to finish and holds it off while the guard lives.
    pub async fn maintenance(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.maintenance.lock().await
    }

    /// Catches one tenant up; logs failures (the next wake-up or sweep retries).
    async fn catch_up(&self, app: &CrmApp, tenant: TenantId) -> bool {
        let _guard = self.maintenance().await;
        match app.index_catch_up(&self.index, tenant).await {
            Ok(r) => {
                if r.rebuilt {
                    tracing::info!(%tenant, documents = r.documents, "search index: tenant rebuilt from the store");
                }
                true
            }
            Err(e) => {
                tracing::warn!(%tenant, error = %e, "search index: catch-up failed; retrying later");
                false
            }
        }
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

    async fn sweep(&self, app: &CrmApp) -> bool {
        match app.store().list_tenants().await {
            Ok(tenants) => {
                let mut ok = true;
                for t in tenants {
                    ok &= self.catch_up(app, t.id).await;
                }
                ok
            }
            Err(e) => {
                tracing::warn!(error = %e, "search index: cannot list tenants");
                false
            }
        }
    }
}

/// Starts the indexer: a sweep of every tenant now (rebuilding those the index does not
/// know), then catch-ups on every wake-up and a sweep every [`SWEEP`].
pub fn spawn_indexer(app: CrmApp, search: SearchHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wake = app.store().subscribe();
        let mut sweep_due = !search.sweep(&app).await;
        let mut last_sweep = tokio::time::Instant::now();
        loop {
            let mut dirty: HashSet<TenantId> = HashSet::new();
            let until = last_sweep + SWEEP;
            tokio::select! {
                r = wake.recv() => match r {
                    Ok(c) => { dirty.insert(c.tenant_id); }
                    Err(RecvError::Lagged(_)) => sweep_due = true,
                    Err(RecvError::Closed) => return,
                },
                () = tokio::time::sleep_until(until) => sweep_due = true,
            }
            if !dirty.is_empty() {
                tokio::time::sleep(GATHER).await;
                loop {
                    match wake.try_recv() {
                        Ok(c) => {
                            dirty.insert(c.tenant_id);
                        }
                        Err(TryRecvError::Lagged(_)) => sweep_due = true,
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
            }
            if sweep_due {
                sweep_due = !search.sweep(&app).await;
                last_sweep = tokio::time::Instant::now();
                if sweep_due {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            } else {
                for t in dirty {
                    sweep_due |= !search.catch_up(&app, t).await;
                }
            }
        }
    })
}
