//! The search port on Tantivy: one on-disk index for every tenant, where each document
//! carries its tenant, kind and owner as terms, so that every query is filtered by the
//! actor's tenant and visibility inside the index itself.
//!
//! Words are indexed already folded (see [`crm_domain::search`]) with the `raw` tokenizer,
//! each word also as its leading prefixes (type-ahead is then one exact term lookup);
//! typos are matched with Levenshtein automata on the whole words. Every word and prefix
//! term starts with its document's tenant and kind ([`scope_key`](document::scope_key)): a search reads only
//! the postings of the company and kind it looks in (a word common in a large company
//! costs nothing to a small one), and word frequencies for ranking are the company's own.
//! Email and phone tokens arrive as keyed hashes (6 bytes kept). The cursor of every tenant (the last event
//! applied) is committed with the documents, in the commit's payload.

mod any_of;
mod document;
mod layout;
mod query;
mod search;
mod searchers;
mod typo;
mod writing;

use crm_domain::TenantId;
use crm_ports::search::{IndexChanges, IndexQuery, IndexResults, SearchError, SearchIndex};
use layout::{Fields, LAYOUT_VERSION, schema};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};
use writing::{commit_with, read_payload, wipe, writer};

/// Writer memory budget.
const DEFAULT_WRITER_BYTES: usize = 64 * 1024 * 1024;

/// Why the index could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Another process (a running server) holds the index for writing.
    #[error("the search index at {0} is held by another process (is the server running?)")]
    Busy(PathBuf),
    /// The directory or the index is unusable.
    #[error("search index at {path}: {message}")]
    Unusable {
        /// Directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

struct Inner {
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    cursors: RwLock<HashMap<TenantId, i64>>,
    /// The search threads, one per core. Searches are short and CPU-bound; run first
    /// come, first served, a burst finishes in order instead of every search of the burst
    /// sharing the cores and finishing late.
    searchers: searchers::Searchers,
}

/// A [`TantivyIndex`] that may have been closed since.
#[derive(Clone)]
pub struct WeakIndex(std::sync::Weak<Inner>);

impl WeakIndex {
    /// The index, if still open.
    pub fn upgrade(&self) -> Option<TantivyIndex> {
        self.0.upgrade().map(|inner| TantivyIndex { inner })
    }
}

/// The Tantivy index. Cheap to clone; one per process (it holds the index's write lock).
#[derive(Clone)]
pub struct TantivyIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex").finish_non_exhaustive()
    }
}

fn unusable(path: &Path, e: impl std::fmt::Display) -> OpenError {
    OpenError::Unusable {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn index_error(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(e.to_string())
}

impl TantivyIndex {
    /// Opens (or creates) the index in `dir`, taking its write lock. An index written by
    /// another layout version is dropped: the cursors start empty and the indexer rebuilds.
    ///
    /// # Errors
    /// `Busy` when another process holds it; `Unusable` otherwise.
    pub fn open(dir: &Path) -> Result<Self, OpenError> {
        Self::open_with_memory(dir, DEFAULT_WRITER_BYTES)
    }

    /// [`TantivyIndex::open`] with a chosen writer memory budget (bulk loads).
    ///
    /// # Errors
    /// As [`TantivyIndex::open`].
    pub fn open_with_memory(dir: &Path, writer_bytes: usize) -> Result<Self, OpenError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|e| unusable(dir, e))?;
        let mut index = if dir.join("meta.json").exists() {
            Index::open_in_dir(dir).map_err(|e| unusable(dir, e))?
        } else {
            Index::create_in_dir(dir, schema.clone()).map_err(|e| unusable(dir, e))?
        };
        let payload = read_payload(&index);
        let stale = index.schema() != schema || payload.as_ref().is_some_and(|p| p.version != LAYOUT_VERSION);
        if stale {
            tracing::warn!(dir = %dir.display(), "search index of another layout: dropping it, it will be rebuilt from the store");
            // Make sure nobody holds it before wiping it.
            drop(writer(&index, writer_bytes, dir)?);
            drop(index);
            wipe(dir).map_err(|e| unusable(dir, e))?;
            index = Index::create_in_dir(dir, schema).map_err(|e| unusable(dir, e))?;
        }
        let cursors = if stale {
            HashMap::new()
        } else {
            payload.map(|p| p.cursors).unwrap_or_default()
        };
        let writer = writer(&index, writer_bytes, dir)?;
        // Reloaded by `apply` at once after its commit, and by tantivy (which watches
        // `meta.json`) after the writer's background merges too: with a reader reloaded only
        // by `apply`, an idle server searched the segments merged away (and kept their files
        // mapped) until the next change came, each search walking every small segment.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e| unusable(dir, e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                fields,
                writer: Mutex::new(writer),
                reader,
                cursors: RwLock::new(cursors.into_iter().map(|(t, s)| (TenantId::from_uuid(t), s)).collect()),
                searchers: searchers::Searchers::start(std::thread::available_parallelism().map_or(2, usize::from))
                    .map_err(|e| unusable(dir, e))?,
            }),
        })
    }

    /// Documents in the index (all tenants).
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// A handle that does not keep the index open (nor its write lock held): for tasks that
    /// may outlive the process's use of it.
    pub fn downgrade(&self) -> WeakIndex {
        WeakIndex(Arc::downgrade(&self.inner))
    }

    /// Searchable segments (a search walks each one).
    pub fn segments(&self) -> usize {
        self.inner.reader.searcher().segment_readers().len()
    }

    /// Merges the searchable segments into one and waits for it (bulk loads, before
    /// measuring size; the server after a rebuild). Changes keep being indexed meanwhile.
    ///
    /// # Errors
    /// `Index`.
    pub fn merge_all(&self) -> Result<(), SearchError> {
        self.merge_segments(false, false)
    }

    /// Commits, merges the searchable segments into one (a lone segment too when
    /// `rewrite_lone`: only a rewrite drops its deleted documents), commits again and
    /// reloads the reader; then removes the files no segment uses when `collect_garbage`.
    /// The writer is held to start the merge and to commit, not while the merge runs:
    /// changes keep being indexed (into new segments) meanwhile.
    fn merge_segments(&self, rewrite_lone: bool, collect_garbage: bool) -> Result<(), SearchError> {
        // Every commit carries the cursors as they are then: a commit without them would
        // make the next opening rebuild every tenant.
        self.commit_held()?;
        let fewest = if rewrite_lone { 1 } else { 2 };
        // A background merge that began before the deletes may end after this merge with a
        // segment that still stores a deleted document (marked deleted): a purge goes round
        // again until one segment without deletes is left.
        let rounds = if rewrite_lone { 5 } else { 1 };
        for _ in 0..rounds {
            // Background merges may take some of the segments first: ask again then.
            for attempt in 0..10 {
                let merging = {
                    let mut w = self.lock_writer()?;
                    let ids = w.index().searchable_segment_ids().map_err(index_error)?;
                    if ids.len() < fewest {
                        break;
                    }
                    w.merge(&ids)
                };
                match merging.wait() {
                    Ok(_) => break,
                    Err(e) if attempt == 9 => return Err(index_error(e)),
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
                }
            }
            self.commit_held()?;
            self.inner.reader.reload().map_err(index_error)?;
            let w = self.lock_writer()?;
            if collect_garbage {
                w.garbage_collect_files().wait().map_err(index_error)?;
            }
            let metas = w.index().searchable_segment_metas().map_err(index_error)?;
            if !rewrite_lone || (metas.len() <= 1 && metas.iter().all(|m| !m.has_deletes())) {
                break;
            }
        }
        if collect_garbage {
            self.collect_stale_files()?;
        }
        Ok(())
    }

    /// Collects again until only the live segments' files are left: a segment still held
    /// when the collection ran (the reader reloading on its own thread as `meta.json`
    /// changed, with the segments of the meta before) keeps its files, and a purge must
    /// leave none of a deleted document's bytes. Gives up after a second.
    fn collect_stale_files(&self) -> Result<(), SearchError> {
        for _ in 0..20 {
            let stale = {
                let w = self.lock_writer()?;
                let live: std::collections::HashSet<String> = w
                    .index()
                    .searchable_segment_metas()
                    .map_err(index_error)?
                    .iter()
                    .map(|m| m.id().uuid_string())
                    .collect();
                w.index().directory().list_managed_files().iter().any(|f| {
                    let stem = f.to_string_lossy();
                    let id = stem.split('.').next().unwrap_or_default();
                    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !live.contains(id)
                })
            };
            if !stale {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            self.inner.reader.reload().map_err(index_error)?;
            self.lock_writer()?.garbage_collect_files().wait().map_err(index_error)?;
        }
        tracing::warn!("search index: files of merged segments still held after the purge");
        Ok(())
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.inner
            .writer
            .lock()
            .map_err(|_| SearchError::Index("writer lock poisoned".into()))
    }

    /// Commits what the writer holds, with the cursors of now.
    fn commit_held(&self) -> Result<(), SearchError> {
        let mut w = self.lock_writer()?;
        let payload = self.inner.payload()?;
        commit_with(&mut w, &payload)
    }
}

impl SearchIndex for TantivyIndex {
    fn cursors(&self) -> HashMap<TenantId, i64> {
        self.inner.cursors.read().map(|c| c.clone()).unwrap_or_default()
    }

    async fn apply(&self, changes: IndexChanges) -> Result<(), SearchError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.apply(changes))
            .await
            .map_err(index_error)?
    }

    async fn search(&self, query: IndexQuery) -> Result<IndexResults, SearchError> {
        let inner = Arc::clone(&self.inner);
        self.inner.searchers.run(move || inner.search(&query)).await.map_err(index_error)?
    }

    async fn purge(&self) -> Result<(), SearchError> {
        // Every segment rewritten without its deleted documents, then the old files gone.
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.merge_segments(true, true))
            .await
            .map_err(index_error)?
    }
}

impl TantivyIndex {
    /// [`SearchIndex::search`] on the calling thread (benchmarks of the port itself).
    ///
    /// # Errors
    /// `Index`.
    pub fn search_now(&self, query: &IndexQuery) -> Result<IndexResults, SearchError> {
        self.inner.search(query)
    }

    /// [`SearchIndex::apply`] on the calling thread (bulk loads).
    ///
    /// # Errors
    /// `Index`.
    pub fn apply_now(&self, changes: IndexChanges) -> Result<(), SearchError> {
        self.inner.apply(changes)
    }
}
