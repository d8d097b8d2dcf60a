//! Running a search: the best documents of each kind (whole words first, then prefixes),
//! their hits and highlights.

use crate::layout::{Fields, StoredText};
use crate::query::{NAME_PREFIX, OTHER_PREFIX, Plan, entity_plan, hash_alternatives, prefix_query, term_query, whole_word_alternatives};
use crate::typo::{Typos, typos};
use crate::{Inner, index_error};
use crm_domain::search::{WordSpan, word_matches, word_spans};
use crm_ports::search::{Highlight, IndexHit, IndexQuery, IndexResults, IndexTerm, SearchEntity, SearchError};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, DocSet as _, TantivyDocument};

/// The best `limit` documents of one kind.
///
/// A query of one word (the common case while typing) is answered in two parts, so that
/// a short prefix matching thousands of records in a large company does not cost a score
/// for each: the records matching the word whole, with a typo or by a hash, fully scored;
/// then, only while those do not fill the page with scores above what a prefix alone
/// gives, the records matching only by prefix — in the name and another text, in the
/// name, in another text — each in index order, stopping at `limit` (within each part
/// every record has the same score, and on equal scores index order is what a scored
/// search gives too). The scores are those of the whole query.
///
/// Several words are scored together (each word's alternatives an `AnyOfQuery` that
/// follows the others in their intersection), first without typos: the typo words are
/// looked up, and the query run again with them, only when the words as typed (whole or
/// as prefixes) do not fill the page, as in a large company a few common words do.
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
        _ => {
            let as_typed = scored_top(searcher, &plan.with(all_terms(f, q, entity, plan, &Typos::new())), k)?;
            if as_typed.len() >= k {
                return Ok(as_typed);
            }
            let typos = typos(searcher, f, &plan.scope, &q.terms)?;
            if typos.values().all(|[primary, other]| primary.is_empty() && other.is_empty()) {
                return Ok(as_typed);
            }
            return scored_top(searcher, &plan.with(all_terms(f, q, entity, plan, &typos)), k);
        }
    };
    let scoped = format!("{}{w}", plan.scope);
    let typos = typos(searcher, f, &plan.scope, &q.terms)?;
    let mut strong = whole_word_alternatives(f, &scoped, w, &typos);
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
        top.extend(first_docs(searcher, &both, k)?);
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
fn all_terms(f: &Fields, q: &IndexQuery, entity: SearchEntity, plan: &Plan, typos: &Typos) -> Vec<(Occur, Box<dyn Query>)> {
    q.terms
        .iter()
        .map(|t| (Occur::Must, term_query(f, &plan.scope, entity, t, typos)))
        .collect()
}

/// The matched words of the stored texts, and whether some term matched none of them
/// (it matched through a hash).
fn highlights(stored: &str, terms: &[IndexTerm]) -> (Vec<Highlight>, bool) {
    let texts: Vec<StoredText> = serde_json::from_str(stored).unwrap_or_default();
    let words: Vec<&str> = terms.iter().flat_map(|t| t.words.iter().map(String::as_str)).collect();
    // Each text's words, whether each matches a query word, and which query words matched.
    let mut found_words = vec![false; words.len()];
    let spans: Vec<Vec<(WordSpan, bool)>> = texts
        .iter()
        .map(|t| {
            word_spans(&t.t)
                .into_iter()
                .map(|s| {
                    let mut matched = false;
                    for (w, found) in words.iter().zip(found_words.iter_mut()) {
                        if word_matches(w, &s.folded) {
                            (matched, *found) = (true, true);
                        }
                    }
                    (s, matched)
                })
                .collect()
        })
        .collect();
    let mut next = 0;
    let secret = terms.iter().any(|t| {
        let first = next;
        next += t.words.len();
        t.words.is_empty() || found_words[first..next].contains(&false)
    });
    let found = texts
        .into_iter()
        .zip(spans)
        .filter_map(|(t, spans)| {
            let ranges: Vec<(usize, usize)> = spans
                .into_iter()
                .filter(|(_, matched)| *matched)
                .map(|(s, _)| (s.start, s.end))
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
    pub(crate) fn search(&self, q: &IndexQuery) -> Result<IndexResults, SearchError> {
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
            let Some(plan) = entity_plan(f, q, entity) else {
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
