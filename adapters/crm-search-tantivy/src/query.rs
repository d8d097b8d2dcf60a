//! Query building: the clauses of a word, of a term, and the filters and scope of one
//! kind of record (its [`Plan`]).

use crate::any_of::AnyOfQuery;
use crate::document::{date, day, scope_key};
use crate::layout::{Fields, hash_term};
use crate::typo::Typos;
use crm_ports::search::{IndexQuery, IndexTerm, OwnerFilter, SearchEntity};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

pub(crate) fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
}

fn scored(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(
        Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs)),
        boost,
    ))
}

pub(crate) fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

/// Any of `terms`, with a constant score (`None` when there is none).
pub(crate) fn any_of(terms: &[Term], score: f32) -> Option<Box<dyn Query>> {
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

/// Score of a match by prefix only: in the name, in another text.
pub(crate) const NAME_PREFIX: f32 = 1.0;
pub(crate) const OTHER_PREFIX: f32 = 0.5;

/// One word: exactly (best), as a prefix, or with one typo; in the name or another text.
fn word_query(f: &Fields, scope: &str, word: &str, typos: &Typos) -> Box<dyn Query> {
    let scoped = format!("{scope}{word}");
    let mut alts = whole_word_alternatives(f, &scoped, word, typos);
    alts.push((Occur::Should, prefix_query(f.primary_prefix, &scoped, NAME_PREFIX)));
    alts.push((Occur::Should, prefix_query(f.other_prefix, &scoped, OTHER_PREFIX)));
    any_of_clauses(alts)
}

/// `Should` clauses as an [`AnyOfQuery`]: each word of a search of several words follows
/// the others in their intersection.
fn any_of_clauses(alts: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    Box::new(AnyOfQuery::new(alts.into_iter().map(|(_, q)| q).collect()))
}

/// A word (`scoped` by [`scope_key`]) as a prefix of a word of `field`, at `score`.
pub(crate) fn prefix_query(field: Field, scoped: &str, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(term(field, scoped), score))
}

/// A word whole, in the name or another text, or with one typo.
pub(crate) fn whole_word_alternatives(f: &Fields, scoped: &str, word: &str, typos: &Typos) -> Vec<(Occur, Box<dyn Query>)> {
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
pub(crate) fn hash_alternatives(f: &Fields, entity: SearchEntity, hashes: &[[u8; 32]]) -> Vec<(Occur, Box<dyn Query>)> {
    if entity != SearchEntity::Contact {
        return Vec::new();
    }
    hashes
        .iter()
        .map(|h| {
            let q = TermQuery::new(Term::from_field_bytes(f.hash, &hash_term(h)), IndexRecordOption::Basic);
            (Occur::Should, Box::new(ConstScoreQuery::new(Box::new(q), 4.0)) as Box<dyn Query>)
        })
        .collect()
}

/// One term of the query: all its words, or one of its hashes (contacts only have them).
pub(crate) fn term_query(f: &Fields, scope: &str, entity: SearchEntity, t: &IndexTerm, typos: &Typos) -> Box<dyn Query> {
    let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !t.words.is_empty() {
        let all: Vec<(Occur, Box<dyn Query>)> = t.words.iter().map(|w| (Occur::Must, word_query(f, scope, w, typos))).collect();
        alts.push((Occur::Should, Box::new(BooleanQuery::new(all))));
    }
    alts.extend(hash_alternatives(f, entity, &t.hashes));
    any_of_clauses(alts)
}

/// How one kind of record is searched: the filters every clause goes with and the scope
/// of its terms (the typo words of the query in that scope are looked up only when a
/// search needs them, see `search::top_docs`).
pub(crate) struct Plan {
    filters: Vec<(Occur, Box<dyn Query>)>,
    pub(crate) scope: String,
}

impl Plan {
    /// The filters and `more`.
    pub(crate) fn with(&self, more: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
        let mut all: Vec<(Occur, Box<dyn Query>)> = self.filters.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        all.extend(more);
        Box::new(BooleanQuery::new(all))
    }
}

/// The plan for one kind of record, or `None` when the actor sees none or a filter rules
/// the kind out.
pub(crate) fn entity_plan(f: &Fields, q: &IndexQuery, entity: SearchEntity) -> Option<Plan> {
    let x = &q.filters;
    let owners = match entity {
        SearchEntity::Contact => &q.contacts,
        SearchEntity::Opportunity => &q.opportunities,
        SearchEntity::Organization => &OwnerFilter::Any,
    };
    let contact_only = x.kind.is_some() || x.tag.is_some() || x.lead_status.is_some();
    let deal_only = x.pipeline_id.is_some() || x.stage_id.is_some() || x.status.is_some() || x.close_from.is_some() || x.close_to.is_some();
    let excluded = match entity {
        SearchEntity::Contact => deal_only,
        SearchEntity::Opportunity => contact_only,
        SearchEntity::Organization => contact_only || deal_only || x.owner_id.is_some() || x.organization_id.is_some(),
    };
    if excluded || *owners == OwnerFilter::Nothing {
        return None;
    }
    // Every word and prefix term is scoped by tenant and kind, and the hashes are keyed by
    // tenant and only contacts have them: the terms themselves filter (a 48-bit collision
    // of two tenants' hashes is caught on the hits, see `Inner::search`).
    let mut must = Vec::new();
    if let OwnerFilter::Owners(users) = owners {
        // A union of the owners' postings (a term set query would mark every posting of
        // every owner in a bitset first).
        let terms: Vec<Term> = users.iter().map(|u| Term::from_field_text(f.owner, &u.to_string())).collect();
        let owned = any_of(&terms, 0.0)?;
        must.push((Occur::Must, owned));
    }
    if let Some(o) = x.owner_id {
        must.push(filter(term(f.owner, &o.to_string())));
    }
    for (field, v) in [(f.kind, x.kind), (f.lead_status, x.lead_status), (f.status, x.status)] {
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
    Some(Plan {
        filters: must,
        scope: scope_key(q.tenant_id, entity),
    })
}
