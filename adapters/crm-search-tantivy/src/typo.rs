//! Typo search: the words of a scope within one edit of a query word, found with a
//! Levenshtein automaton in the term dictionaries.

use crate::index_error;
use crate::layout::Fields;
use crm_domain::search::MIN_FUZZY_CHARS;
use crm_ports::search::{IndexTerm, SearchError};
use std::collections::HashMap;
use tantivy::Term;
use tantivy::schema::Field;

/// The terms of one scope ([`scope_key`](crate::document::scope_key)) whose word is within one edit of a word (a
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
pub(crate) type Typos = HashMap<String, [Vec<Term>; 2]>;

pub(crate) fn typos(searcher: &tantivy::Searcher, f: &Fields, scope: &str, terms: &[IndexTerm]) -> Result<Typos, SearchError> {
    let mut out = Typos::new();
    for w in terms.iter().flat_map(|t| &t.words) {
        if w.chars().count() >= MIN_FUZZY_CHARS && !out.contains_key(w) {
            out.insert(w.clone(), typo_terms(searcher, [f.primary_words, f.other_words], scope, w)?);
        }
    }
    Ok(out)
}
