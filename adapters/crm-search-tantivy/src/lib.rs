//! The search port on Tantivy: one on-disk index for every tenant, where each document
//! carries its tenant, kind and owner as terms, so that every query is filtered by the
//! actor's tenant and visibility inside the index itself.
//!
//! Words are indexed already folded (see [`crm_domain::search`]) with the `raw` tokenizer,
//! each word also as its leading prefixes (type-ahead is then one exact term lookup);
//! typos are matched with Levenshtein automata on the whole words. Every word and prefix
//! term starts with its document's tenant and kind ([`scope_key`]): a search reads only
//! the postings of the company and kind it looks in (a word common in a large company
//! costs nothing to a small one), and word frequencies for ranking are the company's own.
//! Email and phone tokens arrive as keyed hashes (8 bytes kept). The cursor of every tenant (the last event
//! applied) is committed with the documents, in the commit's payload.

use crm_domain::TenantId;
use crm_domain::search::{MIN_FUZZY_CHARS, word_matches, word_spans};
use crm_ports::search::{
    Highlight, IndexChanges, IndexHit, IndexQuery, IndexResults, IndexTerm, OwnerFilter, SearchDoc, SearchEntity, SearchError, SearchIndex,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{BytesOptions, DateOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::{DateTime, DocAddress, DocSet as _, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped when the schema or the way documents are built changes: an index of another
/// version is dropped and rebuilt from the store.
const LAYOUT_VERSION: u32 = 7;
/// Longest prefix indexed for type-ahead, in characters.
const MAX_PREFIX_CHARS: usize = 20;
/// Bytes of each keyed hash kept in the index: 64 bits. Each is a distinct term (a phone
/// gives some thirty), so this is most of the index's size; a false match needs two tokens
/// of one tenant to agree on 64 bits of a keyed hash.
const HASH_BYTES: usize = 8;
/// Writer memory budget.
const DEFAULT_WRITER_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    tenant: Field,
    entity: Field,
    owner: Field,
    title: Field,
    subtitle: Field,
    texts: Field,
    primary_words: Field,
    other_words: Field,
    primary_prefix: Field,
    other_prefix: Field,
    hash: Field,
    kind: Field,
    tag: Field,
    organization: Field,
    pipeline: Field,
    stage: Field,
    status: Field,
    close: Field,
    updated: Field,
    /// The rebuild that wrote the document, if one did.
    build: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let prefixes = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let date = DateOptions::default().set_indexed().set_fast();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        tenant: b.add_text_field("tenant", STRING | STORED),
        entity: b.add_text_field("entity", STRING | STORED),
        owner: b.add_text_field("owner", STRING),
        title: b.add_text_field("title", STORED),
        subtitle: b.add_text_field("subtitle", STORED),
        texts: b.add_text_field("texts", STORED),
        primary_words: b.add_text_field("primary_words", words.clone()),
        other_words: b.add_text_field("other_words", words),
        primary_prefix: b.add_text_field("primary_prefix", prefixes.clone()),
        other_prefix: b.add_text_field("other_prefix", prefixes),
        hash: b.add_bytes_field("hash", BytesOptions::default().set_indexed()),
        kind: b.add_text_field("kind", STRING),
        tag: b.add_text_field("tag", STRING),
        organization: b.add_text_field("organization", STRING),
        pipeline: b.add_text_field("pipeline", STRING),
        stage: b.add_text_field("stage", STRING),
        status: b.add_text_field("status", STRING),
        close: b.add_date_field("close", date.clone()),
        updated: b.add_date_field("updated", date),
        build: b.add_text_field("build", STRING),
    };
    (b.build(), f)
}

/// What the commit payload holds.
#[derive(Serialize, Deserialize, Default)]
struct Payload {
    version: u32,
    cursors: HashMap<uuid::Uuid, i64>,
}

/// A stored text, for highlighting.
#[derive(Serialize, Deserialize)]
struct StoredText {
    f: String,
    t: String,
}

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
    /// Searches running at once: one per core. Searches are short and CPU-bound; run
    /// first come, first served, a burst finishes in order instead of every search of the
    /// burst sharing the cores and finishing late.
    searching: tokio::sync::Semaphore,
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
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| unusable(dir, e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                fields,
                writer: Mutex::new(writer),
                reader,
                cursors: RwLock::new(cursors.into_iter().map(|(t, s)| (TenantId::from_uuid(t), s)).collect()),
                searching: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)),
            }),
        })
    }

    /// Documents in the index (all tenants).
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Waits for background merges (bulk loads, before measuring size).
    ///
    /// # Errors
    /// `Index`.
    pub fn merge_all(&self) -> Result<(), SearchError> {
        let mut w = self
            .inner
            .writer
            .lock()
            .map_err(|_| SearchError::Index("writer lock poisoned".into()))?;
        // Every commit carries the cursors: a commit without them would make the next
        // opening rebuild every tenant.
        let payload = self.inner.payload()?;
        commit_with(&mut w, &payload)?;
        // Background merges may take some of the segments first: ask again then.
        for attempt in 0..10 {
            let ids = w.index().searchable_segment_ids().map_err(index_error)?;
            if ids.len() <= 1 {
                break;
            }
            match w.merge(&ids).wait() {
                Ok(_) => break,
                Err(e) if attempt == 9 => return Err(index_error(e)),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        }
        commit_with(&mut w, &payload)?;
        drop(w);
        self.inner.reader.reload().map_err(index_error)
    }
}

/// Commits what the writer holds with `payload`; rolls back on failure.
fn commit_with(w: &mut IndexWriter, payload: &str) -> Result<(), SearchError> {
    let mut prepared = match w.prepare_commit() {
        Ok(p) => p,
        Err(e) => {
            let _ = w.rollback();
            return Err(index_error(e));
        }
    };
    prepared.set_payload(payload);
    if let Err(e) = prepared.commit() {
        let _ = w.rollback();
        return Err(index_error(e));
    }
    Ok(())
}

fn payload_json(cursors: &HashMap<TenantId, i64>) -> Result<String, SearchError> {
    let payload = Payload {
        version: LAYOUT_VERSION,
        cursors: cursors.iter().map(|(t, s)| (t.as_uuid(), *s)).collect(),
    };
    serde_json::to_string(&payload).map_err(index_error)
}

/// Segments of one size merged together: fewer than tantivy's eight, because every
/// search walks each segment (its term dictionaries for typos, its postings for every
/// term) and a rebuild commits every few thousand documents.
const SEGMENTS_PER_MERGE: usize = 4;

fn writer(index: &Index, bytes: usize, dir: &Path) -> Result<IndexWriter, OpenError> {
    let w = index.writer_with_num_threads(1, bytes).map_err(|e| match e {
        tantivy::TantivyError::LockFailure(..) => OpenError::Busy(dir.to_owned()),
        other => unusable(dir, other),
    })?;
    let mut policy = tantivy::merge_policy::LogMergePolicy::default();
    policy.set_min_num_segments(SEGMENTS_PER_MERGE);
    w.set_merge_policy(Box::new(policy));
    Ok(w)
}

fn read_payload(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Removes the index files (not the directory, not foreign files).
fn wipe(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".idx")
            || name.ends_with(".pos")
            || name.ends_with(".term")
            || name.ends_with(".store")
            || name.ends_with(".fast")
            || name.ends_with(".fieldnorm")
            || name.ends_with(".del");
        if ours && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn prefixes(word: &str) -> impl Iterator<Item = &str> {
    word.char_indices()
        .skip(1)
        .map(|(i, _)| &word[..i])
        .chain(std::iter::once(word))
        .take(MAX_PREFIX_CHARS)
}

fn date(d: chrono::DateTime<chrono::Utc>) -> DateTime {
    DateTime::from_timestamp_micros(d.timestamp_micros())
}

fn day(d: chrono::NaiveDate) -> DateTime {
    date(d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// What every word and prefix term of a document starts with: its tenant and kind.
fn scope_key(tenant: TenantId, entity: SearchEntity) -> String {
    let kind = match entity {
        SearchEntity::Contact => 'c',
        SearchEntity::Organization => 'o',
        SearchEntity::Opportunity => 'd',
    };
    format!("{}{kind}", tenant.as_uuid().simple())
}

fn to_document(f: &Fields, d: &SearchDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    let key = scope_key(d.tenant_id, d.entity);
    doc.add_text(f.id, d.id.to_string());
    doc.add_text(f.tenant, d.tenant_id.to_string());
    doc.add_text(f.entity, d.entity.code());
    if let Some(o) = d.owner_id {
        doc.add_text(f.owner, o.to_string());
    }
    doc.add_text(f.title, &d.title);
    if let Some(s) = &d.subtitle {
        doc.add_text(f.subtitle, s);
    }
    let stored: Vec<StoredText> = d
        .texts
        .iter()
        .map(|t| StoredText {
            f: t.field.to_owned(),
            t: t.text.clone(),
        })
        .collect();
    if let Ok(json) = serde_json::to_string(&stored) {
        doc.add_text(f.texts, json);
    }
    for t in &d.texts {
        let (words, prefix) = if t.primary {
            (f.primary_words, f.primary_prefix)
        } else {
            (f.other_words, f.other_prefix)
        };
        for w in word_spans(&t.text) {
            for p in prefixes(&w.folded) {
                doc.add_text(prefix, format!("{key}{p}"));
            }
            doc.add_text(words, format!("{key}{}", w.folded));
        }
    }
    for h in &d.hashes {
        doc.add_bytes(f.hash, &h[..HASH_BYTES]);
    }
    let x = &d.filters;
    if let Some(k) = x.kind {
        doc.add_text(f.kind, k);
    }
    for t in &x.tags {
        doc.add_text(f.tag, t);
    }
    for (field, v) in [
        (f.organization, x.organization_id),
        (f.pipeline, x.pipeline_id),
        (f.stage, x.stage_id),
    ] {
        if let Some(v) = v {
            doc.add_text(field, v.to_string());
        }
    }
    if let Some(s) = x.status {
        doc.add_text(f.status, s);
    }
    if let Some(c) = x.expected_close {
        doc.add_date(f.close, day(c));
    }
    if let Some(u) = x.updated_at {
        doc.add_date(f.updated, date(u));
    }
    doc
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
}

fn scored(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(
        Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs)),
        boost,
    ))
}

fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

/// Any of `terms`, with a constant score (`None` when there is none).
fn any_of(terms: &[Term], score: f32) -> Option<Box<dyn Query>> {
    let alts: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|t| {
            (
                Occur::Should,
                Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic)) as Box<dyn Query>,
            )
        })
        .collect();
    (!alts.is_empty()).then(|| Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(alts)), score)) as Box<dyn Query>)
}

/// The terms of one scope ([`scope_key`]) whose word is within one edit of a word (a
/// transposition counting as one), as the term dictionaries walk them: the scope's bytes
/// exactly, then the word's Levenshtein automaton.
struct Typo<'a> {
    scope: &'a [u8],
    dfa: levenshtein_automata::DFA,
}

/// Where a walk of [`Typo`] stands.
#[derive(Clone, Copy)]
enum TypoState {
    /// This many bytes of the scope read.
    Scope(usize),
    /// In the word, at this automaton state.
    Word(u32),
    /// Off the scope.
    Out,
}

impl tantivy_fst::Automaton for Typo<'_> {
    type State = TypoState;

    fn start(&self) -> TypoState {
        if self.scope.is_empty() {
            TypoState::Word(self.dfa.initial_state())
        } else {
            TypoState::Scope(0)
        }
    }

    fn is_match(&self, state: &TypoState) -> bool {
        match state {
            TypoState::Word(s) => matches!(self.dfa.distance(*s), levenshtein_automata::Distance::Exact(_)),
            TypoState::Scope(_) | TypoState::Out => false,
        }
    }

    fn can_match(&self, state: &TypoState) -> bool {
        match state {
            TypoState::Word(s) => *s != levenshtein_automata::SINK_STATE,
            TypoState::Scope(_) => true,
            TypoState::Out => false,
        }
    }

    fn accept(&self, state: &TypoState, byte: u8) -> TypoState {
        match *state {
            TypoState::Scope(n) if self.scope.get(n) == Some(&byte) => {
                if n + 1 == self.scope.len() {
                    TypoState::Word(self.dfa.initial_state())
                } else {
                    TypoState::Scope(n + 1)
                }
            }
            TypoState::Word(s) => TypoState::Word(self.dfa.transition(s, byte)),
            TypoState::Scope(_) | TypoState::Out => TypoState::Out,
        }
    }
}

/// Most words one typo may reach in one field (beyond that, the rarest are dropped).
const MAX_TYPO_TERMS: usize = 64;

fn typo_builder() -> &'static levenshtein_automata::LevenshteinAutomatonBuilder {
    static BUILDER: std::sync::OnceLock<levenshtein_automata::LevenshteinAutomatonBuilder> = std::sync::OnceLock::new();
    BUILDER.get_or_init(|| levenshtein_automata::LevenshteinAutomatonBuilder::new(1, true))
}

/// The words of `fields` in one scope within one typo of `word`, found once per search
/// and kind in the term dictionaries (tantivy's fuzzy query would mark every posting of
/// every match in a bitset, once per query).
fn typo_terms(searcher: &tantivy::Searcher, fields: [Field; 2], scope: &str, word: &str) -> Result<[Vec<Term>; 2], SearchError> {
    let automaton = Typo {
        scope: scope.as_bytes(),
        dfa: typo_builder().build_dfa(word),
    };
    let mut out: [Vec<Term>; 2] = [Vec::new(), Vec::new()];
    for (field, terms) in fields.into_iter().zip(out.iter_mut()) {
        let mut found: HashMap<Vec<u8>, u32> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field).map_err(index_error)?;
            let mut stream = inverted.terms().search(&automaton).ge(scope).into_stream().map_err(index_error)?;
            while stream.advance() {
                *found.entry(stream.key().to_vec()).or_default() += stream.value().doc_freq;
            }
        }
        let mut found: Vec<(Vec<u8>, u32)> = found.into_iter().collect();
        found.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.truncate(MAX_TYPO_TERMS);
        *terms = found
            .into_iter()
            .filter_map(|(k, _)| String::from_utf8(k).ok())
            .map(|k| Term::from_field_text(field, &k))
            .collect();
    }
    Ok(out)
}

/// The words within one typo of each query word (of [`MIN_FUZZY_CHARS`] or more), in
/// the names and in the other texts.
type Typos = HashMap<String, [Vec<Term>; 2]>;

fn typos(searcher: &tantivy::Searcher, f: &Fields, scope: &str, terms: &[IndexTerm]) -> Result<Typos, SearchError> {
    let mut out = Typos::new();
    for w in terms.iter().flat_map(|t| &t.words) {
        if w.chars().count() >= MIN_FUZZY_CHARS && !out.contains_key(w) {
            out.insert(w.clone(), typo_terms(searcher, [f.primary_words, f.other_words], scope, w)?);
        }
    }
    Ok(out)
}

/// Score of a match by prefix only: in the name, in another text.
const NAME_PREFIX: f32 = 1.0;
const OTHER_PREFIX: f32 = 0.5;

/// One word: exactly (best), as a prefix, or with one typo; in the name or another text.
fn word_query(f: &Fields, scope: &str, word: &str, typos: &Typos) -> Box<dyn Query> {
    let scoped = format!("{scope}{word}");
    let mut alts = whole_word_alternatives(f, &scoped, word, typos);
    alts.push((Occur::Should, prefix_query(f.primary_prefix, &scoped, NAME_PREFIX)));
    alts.push((Occur::Should, prefix_query(f.other_prefix, &scoped, OTHER_PREFIX)));
    Box::new(BooleanQuery::new(alts))
}

/// A word (`scoped` by [`scope_key`]) as a prefix of a word of `field`, at `score`.
fn prefix_query(field: Field, scoped: &str, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(term(field, scoped), score))
}

/// A word whole, in the name or another text, or with one typo.
fn whole_word_alternatives(f: &Fields, scoped: &str, word: &str, typos: &Typos) -> Vec<(Occur, Box<dyn Query>)> {
    let mut alts: Vec<(Occur, Box<dyn Query>)> = vec![
        (Occur::Should, scored(f.primary_words, scoped, 3.0)),
        (Occur::Should, scored(f.other_words, scoped, 1.5)),
    ];
    if let Some([primary, other]) = typos.get(word) {
        for (terms, score) in [(primary, 0.8), (other, 0.4)] {
            alts.extend(any_of(terms, score).map(|q| (Occur::Should, q)));
        }
    }
    alts
}

/// The hashes of a term (contacts only have them).
fn hash_alternatives(f: &Fields, entity: SearchEntity, hashes: &[[u8; 32]]) -> Vec<(Occur, Box<dyn Query>)> {
    if entity != SearchEntity::Contact {
        return Vec::new();
    }
    hashes
        .iter()
        .map(|h| {
            let q = TermQuery::new(Term::from_field_bytes(f.hash, &h[..HASH_BYTES]), IndexRecordOption::Basic);
            (Occur::Should, Box::new(ConstScoreQuery::new(Box::new(q), 4.0)) as Box<dyn Query>)
        })
        .collect()
}

/// One term of the query: all its words, or one of its hashes (contacts only have them).
fn term_query(f: &Fields, scope: &str, entity: SearchEntity, t: &IndexTerm, typos: &Typos) -> Box<dyn Query> {
    let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !t.words.is_empty() {
        let all: Vec<(Occur, Box<dyn Query>)> = t.words.iter().map(|w| (Occur::Must, word_query(f, scope, w, typos))).collect();
        alts.push((Occur::Should, Box::new(BooleanQuery::new(all))));
    }
    alts.extend(hash_alternatives(f, entity, &t.hashes));
    Box::new(BooleanQuery::new(alts))
}

/// How one kind of record is searched: the filters every clause goes with, the scope of
/// its terms and the typo words of the query in that scope.
struct Plan {
    filters: Vec<(Occur, Box<dyn Query>)>,
    scope: String,
    typos: Typos,
}

impl Plan {
    /// The filters and `more`.
    fn with(&self, more: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
        let mut all: Vec<(Occur, Box<dyn Query>)> = self.filters.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        all.extend(more);
        Box::new(BooleanQuery::new(all))
    }
}

/// The plan for one kind of record, or `None` when the actor sees none or a filter rules
/// the kind out.
fn entity_plan(f: &Fields, q: &IndexQuery, entity: SearchEntity, searcher: &tantivy::Searcher) -> Result<Option<Plan>, SearchError> {
    let x = &q.filters;
    let owners = match entity {
        SearchEntity::Contact => &q.contacts,
        SearchEntity::Opportunity => &q.opportunities,
        SearchEntity::Organization => &OwnerFilter::Any,
    };
    let contact_only = x.kind.is_some() || x.tag.is_some();
    let deal_only = x.pipeline_id.is_some() || x.stage_id.is_some() || x.status.is_some() || x.close_from.is_some() || x.close_to.is_some();
    let excluded = match entity {
        SearchEntity::Contact => deal_only,
        SearchEntity::Opportunity => contact_only,
        SearchEntity::Organization => contact_only || deal_only || x.owner_id.is_some() || x.organization_id.is_some(),
    };
    if excluded || *owners == OwnerFilter::Nothing {
        return Ok(None);
    }
    // Every word and prefix term is scoped by tenant and kind, and the hashes are keyed by
    // tenant and only contacts have them: the terms themselves filter (a 64-bit collision
    // of two tenants' hashes is caught on the hits, see `Inner::search`).
    let mut must = Vec::new();
    if let OwnerFilter::Owners(users) = owners {
        // A union of the owners' postings (a term set query would mark every posting of
        // every owner in a bitset first).
        let terms: Vec<Term> = users.iter().map(|u| Term::from_field_text(f.owner, &u.to_string())).collect();
        let Some(owned) = any_of(&terms, 0.0) else { return Ok(None) };
        must.push((Occur::Must, owned));
    }
    if let Some(o) = x.owner_id {
        must.push(filter(term(f.owner, &o.to_string())));
    }
    for (field, v) in [(f.kind, x.kind), (f.status, x.status)] {
        if let Some(v) = v {
            must.push(filter(term(field, v)));
        }
    }
    if let Some(t) = &x.tag {
        must.push(filter(term(f.tag, t)));
    }
    for (field, v) in [
        (f.organization, x.organization_id),
        (f.pipeline, x.pipeline_id),
        (f.stage, x.stage_id),
    ] {
        if let Some(v) = v {
            must.push(filter(term(field, &v.to_string())));
        }
    }
    if x.close_from.is_some() || x.close_to.is_some() {
        let lo = x
            .close_from
            .map_or(Bound::Unbounded, |d| Bound::Included(Term::from_field_date(f.close, day(d))));
        let hi = x
            .close_to
            .map_or(Bound::Unbounded, |d| Bound::Included(Term::from_field_date(f.close, day(d))));
        must.push(filter(Box::new(RangeQuery::new(lo, hi))));
    }
    if let Some(since) = x.updated_since {
        let lo = Bound::Included(Term::from_field_date(f.updated, date(since)));
        must.push(filter(Box::new(RangeQuery::new(lo, Bound::Unbounded))));
    }
    let scope = scope_key(q.tenant_id, entity);
    let typos = typos(searcher, f, &scope, &q.terms)?;
    Ok(Some(Plan {
        filters: must,
        scope,
        typos,
    }))
}

/// The best `limit` documents of one kind.
///
/// A query of one word (the common case while typing) is answered in two parts, so that
/// a short prefix matching thousands of records in a large company does not cost a score
/// for each: the records matching the word whole, with a typo or by a hash, fully scored;
/// then, only while those do not fill the page with scores above what a prefix alone
/// gives, the records matching only by prefix — in the name and another text, in the
/// name, in another text — the last two in index order, stopping at `limit`. The scores
/// are those of the whole query. Several words are scored together (their intersection
/// is small).
fn top_docs(
    f: &Fields,
    q: &IndexQuery,
    entity: SearchEntity,
    plan: &Plan,
    searcher: &tantivy::Searcher,
) -> Result<Vec<(f32, DocAddress)>, SearchError> {
    let k = q.limit;
    let (w, hashes) = match q.terms.as_slice() {
        [IndexTerm { words, hashes }] if words.len() == 1 => (&words[0], hashes),
        _ => return scored_top(searcher, &plan.with(all_terms(f, q, entity, plan)), k),
    };
    let scoped = format!("{}{w}", plan.scope);
    let mut strong = whole_word_alternatives(f, &scoped, w, &plan.typos);
    strong.extend(hash_alternatives(f, entity, hashes));
    let strong = || -> Box<dyn Query> { Box::new(BooleanQuery::new(strong.iter().map(|(o, q)| (*o, q.box_clone())).collect())) };
    let name_prefix = || prefix_query(f.primary_prefix, &scoped, NAME_PREFIX);
    let other_prefix = || prefix_query(f.other_prefix, &scoped, OTHER_PREFIX);
    let mut top = scored_top(
        searcher,
        &plan.with(vec![
            (Occur::Must, strong()),
            (Occur::Should, name_prefix()),
            (Occur::Should, other_prefix()),
        ]),
        k,
    )?;
    let full = |top: &[(f32, DocAddress)], above: f32| top.iter().filter(|(s, _)| *s >= above).count() >= k;
    if !full(&top, NAME_PREFIX + OTHER_PREFIX) {
        // A prefix in the name and in another text: the smaller of the two leads.
        let both = plan.with(vec![
            (Occur::Must, name_prefix()),
            (Occur::Must, other_prefix()),
            (Occur::MustNot, strong()),
        ]);
        top.extend(scored_top(searcher, &both, k)?);
    }
    if !full(&top, NAME_PREFIX) {
        let by_name = plan.with(vec![
            (Occur::Must, name_prefix()),
            (Occur::MustNot, other_prefix()),
            (Occur::MustNot, strong()),
        ]);
        top.extend(first_docs(searcher, &by_name, k)?);
    }
    if !full(&top, OTHER_PREFIX) {
        let by_other = plan.with(vec![
            (Occur::Must, other_prefix()),
            (Occur::MustNot, name_prefix()),
            (Occur::MustNot, strong()),
        ]);
        top.extend(first_docs(searcher, &by_other, k)?);
    }
    // Stable: on equal scores, whole-word matches, then index order.
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    top.truncate(k);
    Ok(top)
}

fn scored_top(searcher: &tantivy::Searcher, query: &dyn Query, k: usize) -> Result<Vec<(f32, DocAddress)>, SearchError> {
    searcher
        .search(query, &TopDocs::with_limit(k).order_by_score())
        .map_err(index_error)
}

/// The first `k` live documents matching `query`, in index order, with their scores.
fn first_docs(searcher: &tantivy::Searcher, query: &dyn Query, k: usize) -> Result<Vec<(f32, DocAddress)>, SearchError> {
    let weight = query
        .weight(tantivy::query::EnableScoring::enabled_from_searcher(searcher))
        .map_err(index_error)?;
    let mut out = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let mut scorer = weight.scorer(segment, 1.0).map_err(index_error)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED && out.len() < k {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                out.push((scorer.score(), DocAddress::new(ord as u32, doc)));
            }
            doc = scorer.advance();
        }
        if out.len() >= k {
            break;
        }
    }
    Ok(out)
}

/// Every term of the query, each a required clause.
fn all_terms(f: &Fields, q: &IndexQuery, entity: SearchEntity, plan: &Plan) -> Vec<(Occur, Box<dyn Query>)> {
    q.terms
        .iter()
        .map(|t| (Occur::Must, term_query(f, &plan.scope, entity, t, &plan.typos)))
        .collect()
}

/// The matched words of the stored texts, and whether some term matched none of them
/// (it matched through a hash).
fn highlights(stored: &str, terms: &[IndexTerm]) -> (Vec<Highlight>, bool) {
    let texts: Vec<StoredText> = serde_json::from_str(stored).unwrap_or_default();
    let spans: Vec<Vec<String>> = texts
        .iter()
        .map(|t| word_spans(&t.t).into_iter().map(|s| s.folded).collect())
        .collect();
    let by_text = |w: &str| spans.iter().flatten().any(|s| word_matches(w, s));
    let secret = terms.iter().any(|t| t.words.is_empty() || !t.words.iter().all(|w| by_text(w)));
    let words: Vec<&str> = terms.iter().flat_map(|t| t.words.iter().map(String::as_str)).collect();
    let found = texts
        .into_iter()
        .filter_map(|t| {
            let ranges: Vec<(usize, usize)> = word_spans(&t.t)
                .into_iter()
                .filter(|s| words.iter().any(|w| word_matches(w, &s.folded)))
                .map(|s| (s.start, s.end))
                .collect();
            (!ranges.is_empty()).then_some(Highlight {
                field: t.f,
                text: t.t,
                ranges,
            })
        })
        .collect();
    (found, secret)
}

fn stored_str(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned)
}

impl Inner {
    /// The commit payload for the cursors as they stand.
    fn payload(&self) -> Result<String, SearchError> {
        let cursors = self.cursors.read().map_err(|_| SearchError::Index("cursor lock poisoned".into()))?;
        payload_json(&cursors)
    }

    fn apply(&self, changes: IndexChanges) -> Result<(), SearchError> {
        let f = &self.fields;
        let mut cursors = self
            .cursors
            .read()
            .map_err(|_| SearchError::Index("cursor lock poisoned".into()))?
            .clone();
        let mut w = self.writer.lock().map_err(|_| SearchError::Index("writer lock poisoned".into()))?;
        for id in &changes.deletes {
            w.delete_term(Term::from_field_text(f.id, &id.to_string()));
        }
        let build = changes.rebuild.map(|r| r.id.to_string());
        for d in &changes.upserts {
            w.delete_term(Term::from_field_text(f.id, &d.id.to_string()));
            let mut doc = to_document(f, d);
            if let Some(b) = &build {
                doc.add_text(f.build, b);
            }
            if let Err(e) = w.add_document(doc) {
                let _ = w.rollback();
                return Err(index_error(e));
            }
        }
        if let Some(r) = changes.rebuild {
            // Until its last step, a rebuild leaves the tenant without a cursor: cut
            // short, it starts again. The last step drops what it did not write.
            cursors.remove(&r.tenant_id);
            if r.last {
                let stale = BooleanQuery::new(vec![
                    (Occur::Must, term(f.tenant, &r.tenant_id.to_string())),
                    (Occur::MustNot, term(f.build, &r.id.to_string())),
                ]);
                if let Err(e) = w.delete_query(Box::new(stale)) {
                    let _ = w.rollback();
                    return Err(index_error(e));
                }
            }
        }
        for (t, seq) in &changes.cursors {
            cursors.insert(*t, *seq);
        }
        commit_with(&mut w, &payload_json(&cursors)?)?;
        drop(w);
        self.reader.reload().map_err(index_error)?;
        *self
            .cursors
            .write()
            .map_err(|_| SearchError::Index("cursor lock poisoned".into()))? = cursors;
        Ok(())
    }

    fn search(&self, q: &IndexQuery) -> Result<IndexResults, SearchError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut out = IndexResults::default();
        if q.terms.is_empty() || q.limit == 0 {
            return Ok(out);
        }
        let tenant = q.tenant_id.to_string();
        for entity in SearchEntity::ALL {
            if !q.entities.contains(&entity) {
                continue;
            }
            let Some(plan) = entity_plan(f, q, entity, &searcher)? else {
                continue;
            };
            let top = top_docs(f, q, entity, &plan, &searcher)?;
            let mut hits = Vec::with_capacity(top.len());
            for (score, addr) in top {
                let doc: TantivyDocument = searcher.doc(addr).map_err(index_error)?;
                // The terms filtered by tenant and kind; the stored values say it again.
                if stored_str(&doc, f.tenant).as_deref() != Some(tenant.as_str())
                    || stored_str(&doc, f.entity).as_deref() != Some(entity.code())
                {
                    tracing::warn!("search index: a hit of another tenant or kind was dropped (hash collision?)");
                    continue;
                }
                let Some(id) = stored_str(&doc, f.id).and_then(|s| s.parse().ok()) else {
                    continue;
                };
                let (highlights, matched_secret) = highlights(&stored_str(&doc, f.texts).unwrap_or_default(), &q.terms);
                hits.push(IndexHit {
                    entity,
                    id,
                    score,
                    title: stored_str(&doc, f.title).unwrap_or_default(),
                    subtitle: stored_str(&doc, f.subtitle),
                    highlights,
                    matched_secret,
                });
            }
            out.groups.push((entity, hits));
        }
        Ok(out)
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
        let _turn = self.inner.searching.acquire().await.map_err(index_error)?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.search(&query))
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
