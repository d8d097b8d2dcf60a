//! A union of a few alternatives that moves only when asked: [`AnyOf`] matches a document
//! when one of its clauses does and scores it with the sum of those that do, as a
//! `BooleanQuery` of `Should` clauses would, but seeks each clause to where an
//! intersection asks instead of buffering every document of every clause.
//!
//! Why: tantivy's union (`BufferedUnionScorer`) reads each clause's documents window by
//! window, scoring each one, even when it only follows another clause of an intersection:
//! for `marie la` in a company of 300,000 contacts, every document with a word starting
//! with `la` was read and scored to find the few that also hold `marie`. Seeking each
//! clause instead skips the blocks of postings no candidate falls in, and only the
//! candidates are scored.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError};

/// Any of `clauses` (each a `Should` of a `BooleanQuery`), for a few clauses.
#[derive(Debug)]
pub(crate) struct AnyOfQuery {
    clauses: Vec<Box<dyn Query>>,
}

impl AnyOfQuery {
    pub(crate) fn new(clauses: Vec<Box<dyn Query>>) -> Self {
        Self { clauses }
    }
}

impl Clone for AnyOfQuery {
    fn clone(&self) -> Self {
        Self {
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for AnyOfQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AnyOfWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for q in &self.clauses {
            q.query_terms(visitor);
        }
    }
}

struct AnyOfWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for w in &self.weights {
            let s = w.scorer(reader, boost)?;
            if s.doc() != TERMINATED {
                scorers.push(s);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.swap_remove(0),
            _ => Box::new(AnyOf::new(scorers)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!("Document #({doc}) does not match")));
        }
        Ok(Explanation::new("AnyOf", scorer.score()))
    }
}

/// The scorer: the clauses not yet ended, and the lowest document among them.
pub(crate) struct AnyOf {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl AnyOf {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> Self {
        let mut any = Self { scorers, doc: 0 };
        any.settle();
        any
    }

    /// Drops the ended clauses and finds the lowest document.
    fn settle(&mut self) -> DocId {
        self.scorers.retain(|s| s.doc() != TERMINATED);
        self.doc = self.scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for AnyOf {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for s in &mut self.scorers {
            if s.doc() == current {
                s.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for s in &mut self.scorers {
            if s.doc() < target {
                s.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).fold(0, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AnyOf {
    /// The sum of the clauses on the document, in their order (as tantivy's union adds them).
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut sum = 0.0;
        for s in &mut self.scorers {
            if s.doc() == doc {
                sum += s.score();
            }
        }
        sum
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, TantivyDocument, Term};

    /// On documents of a few words, `AnyOf` finds and scores what a `BooleanQuery` of the
    /// same `Should` clauses does, alone and inside an intersection.
    #[test]
    fn any_of_matches_and_scores_as_should_clauses_do() {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("w", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..3_000_u32 {
            let mut doc = TantivyDocument::default();
            for (m, w) in [(2, "a"), (3, "b"), (5, "c"), (7, "d"), (300, "e")] {
                if i % m == 0 {
                    doc.add_text(word, w);
                }
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |w: &str| Box::new(TermQuery::new(Term::from_field_text(word, w), IndexRecordOption::WithFreqs)) as Box<dyn Query>;
        let should = |ws: &[&str]| ws.iter().map(|w| (Occur::Should, term(w))).collect::<Vec<_>>();
        let any = |ws: &[&str]| Box::new(AnyOfQuery::new(ws.iter().map(|w| term(w)).collect())) as Box<dyn Query>;
        let top = |q: &dyn Query| searcher.search(q, &TopDocs::with_limit(5_000).order_by_score()).unwrap();
        let cases: [(Box<dyn Query>, Box<dyn Query>); 3] = [
            (Box::new(BooleanQuery::new(should(&["a", "b", "c"]))), any(&["a", "b", "c"])),
            (
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(BooleanQuery::new(should(&["a", "b"])))),
                    (Occur::Must, Box::new(BooleanQuery::new(should(&["d", "e"])))),
                ])),
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, any(&["a", "b"])),
                    (Occur::Must, any(&["d", "e"])),
                ])),
            ),
            (Box::new(BooleanQuery::new(should(&["e", "zz"]))), any(&["e", "zz"])),
        ];
        for (boolean, any_of) in &cases {
            let (expected, found) = (top(boolean.as_ref()), top(any_of.as_ref()));
            assert!(!expected.is_empty());
            assert_eq!(found.len(), expected.len());
            let sorted = |mut v: Vec<(Score, tantivy::DocAddress)>| {
                v.sort_by_key(|(_, a)| a.doc_id);
                v
            };
            for ((s1, a1), (s2, a2)) in sorted(expected).into_iter().zip(sorted(found)) {
                assert_eq!(a1, a2);
                assert!((s1 - s2).abs() < 1e-5, "{s1} {s2}");
            }
        }
    }
}
