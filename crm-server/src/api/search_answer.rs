//! A search's answer written straight from the index's hits: the document described by
//! [`SearchResultsDto`] (the DTOs here are its OpenAPI description), without copying
//! every hit's title, second line and snippet texts into a DTO first (a search answers up
//! to 150 hits, each with its snippets cut into parts). A test checks that it writes what
//! poem-openapi writes for the DTO.

use super::direct_json::JsonAnswer;
use crm_ports::search::{Highlight, IndexHit, IndexResults, SearchEntity};
use poem_openapi::Object;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use uuid::Uuid;

/// A piece of a highlighted text.
#[derive(Debug, Clone, Object)]
pub struct SnippetPart {
    /// Text.
    pub text: String,
    /// Whether it matched the query.
    pub matched: bool,
}

/// A text of the record that matched, cut into matched and unmatched parts.
#[derive(Debug, Clone, Object)]
pub struct SnippetDto {
    /// `name`, `organization`, `job_title`, `tag`, `domain`, `industry`, `title`, `email`
    /// or `phone`.
    pub field: String,
    /// The text in parts.
    pub parts: Vec<SnippetPart>,
}

/// A search hit.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SearchHitDto {
    /// Record id (`/api/v1/contacts/{id}`, `/organizations/{id}` or `/opportunities/{id}`).
    pub id: Uuid,
    /// Title: the contact's or organization's name, the deal's title.
    pub title: String,
    /// Second line: organization and job title, web domain.
    pub subtitle: Option<String>,
    /// Relevance (higher is better), comparable within one group.
    pub score: f32,
    /// Matched texts.
    pub snippets: Vec<SnippetDto>,
}

/// Hits of one kind, best first.
#[derive(Debug, Clone, Object)]
pub struct SearchGroupDto {
    /// `contact`, `organization` or `opportunity`.
    #[oai(rename = "type")]
    pub kind: String,
    /// Hits.
    pub hits: Vec<SearchHitDto>,
}

/// Search results, grouped: contacts, organizations, opportunities.
#[derive(Debug, Clone, Object)]
pub struct SearchResultsDto {
    /// Groups (a kind you may not see, or that a filter rules out, is absent).
    pub groups: Vec<SearchGroupDto>,
}

/// The results of a search, as answered.
#[derive(Debug, Clone)]
pub struct SearchAnswer(pub IndexResults);

impl JsonAnswer for SearchAnswer {
    type Schema = SearchResultsDto;

    /// A hit's id, score and names, and its snippets: some 300 bytes.
    fn json_size(&self) -> usize {
        64 + self.0.groups.iter().map(|(_, hits)| 32 + 320 * hits.len()).sum::<usize>()
    }
}

impl Serialize for SearchAnswer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("SearchResultsDto", 1)?;
        o.serialize_field("groups", &Each(&self.0.groups, |(kind, hits)| Group { kind: *kind, hits }))?;
        o.end()
    }
}

/// A list written as each of its items seen through `.1`.
struct Each<'a, T, V>(&'a [T], fn(&'a T) -> V);

impl<'a, T, V: Serialize> Serialize for Each<'a, T, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

struct Group<'a> {
    kind: SearchEntity,
    hits: &'a [IndexHit],
}

impl Serialize for Group<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("SearchGroupDto", 2)?;
        o.serialize_field("type", self.kind.code())?;
        o.serialize_field("hits", &Each(self.hits, Hit))?;
        o.end()
    }
}

struct Hit<'a>(&'a IndexHit);

impl Serialize for Hit<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut o = s.serialize_struct("SearchHitDto", 5)?;
        o.serialize_field("id", &h.id)?;
        o.serialize_field("title", &h.title)?;
        match &h.subtitle {
            Some(sub) => o.serialize_field("subtitle", sub)?,
            None => o.skip_field("subtitle")?,
        }
        // As poem-openapi writes an `f32`: widened to `f64`.
        o.serialize_field("score", &f64::from(h.score))?;
        o.serialize_field("snippets", &Each(&h.highlights, Snippet))?;
        o.end()
    }
}

struct Snippet<'a>(&'a Highlight);

impl Serialize for Snippet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("SnippetDto", 2)?;
        o.serialize_field("field", &self.0.field)?;
        o.serialize_field("parts", &Parts(self.0))?;
        o.end()
    }
}

struct Parts<'a>(&'a Highlight);

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for_each_part(self.0, |text, matched| seq.serialize_element(&Part { text, matched }))?;
        seq.end()
    }
}

#[derive(Serialize)]
struct Part<'a> {
    text: &'a str,
    matched: bool,
}

/// Calls `f` with each part of a highlighted text in order: the text between matches
/// (when not empty) and each match. A range that does not fall on the text's characters
/// is skipped.
fn for_each_part<'a, E>(h: &'a Highlight, mut f: impl FnMut(&'a str, bool) -> Result<(), E>) -> Result<(), E> {
    let mut at = 0;
    for &(a, b) in &h.ranges {
        let (Some(before), Some(matched)) = (h.text.get(at..a), h.text.get(a..b)) else {
            continue;
        };
        if !before.is_empty() {
            f(before, false)?;
        }
        f(matched, true)?;
        at = b;
    }
    match h.text.get(at..).filter(|r| !r.is_empty()) {
        Some(rest) => f(rest, false),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use poem_openapi::types::ToJSON;

    /// The DTO poem-openapi would have written, built the way the route used to.
    fn dto(results: &IndexResults) -> SearchResultsDto {
        let snippet = |h: &Highlight| {
            let mut parts = Vec::new();
            for_each_part(h, |text, matched| {
                parts.push(SnippetPart {
                    text: text.to_owned(),
                    matched,
                });
                Ok::<(), ()>(())
            })
            .unwrap();
            SnippetDto {
                field: h.field.clone(),
                parts,
            }
        };
        SearchResultsDto {
            groups: results
                .groups
                .iter()
                .map(|(kind, hits)| SearchGroupDto {
                    kind: kind.code().to_owned(),
                    hits: hits
                        .iter()
                        .map(|h| SearchHitDto {
                            id: h.id,
                            title: h.title.clone(),
                            subtitle: h.subtitle.clone(),
                            score: h.score,
                            snippets: h.highlights.iter().map(snippet).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn hit(subtitle: Option<&str>, score: f32, highlights: Vec<Highlight>) -> IndexHit {
        IndexHit {
            entity: SearchEntity::Contact,
            id: uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0043),
            score,
            title: "Zoé \"la\" Lefèvre".into(),
            subtitle: subtitle.map(str::to_owned),
            highlights,
            matched_secret: false,
        }
    }

    fn highlight(field: &str, text: &str, ranges: Vec<(usize, usize)>) -> Highlight {
        Highlight {
            field: field.into(),
            text: text.into(),
            ranges,
        }
    }

    #[test]
    fn search_results_are_written_as_poem_openapi_writes_them() {
        let name = "Zoé <b>\u{1F600}</b> Zoé";
        let results = IndexResults {
            groups: vec![
                (
                    SearchEntity::Contact,
                    vec![
                        hit(
                            Some("Directrice · Brun et Gautier"),
                            29.908_564,
                            vec![
                                // Matched at the start, in the middle and at the end.
                                highlight("name", name, vec![(0, 2), (name.len() - 4, name.len())]),
                                // A range that cuts a character is skipped.
                                highlight("job_title", "Élise", vec![(1, 3), (3, 6)]),
                                highlight("email", "zoe@exemple.fr", vec![(0, 14)]),
                            ],
                        ),
                        hit(None, 0.1, vec![]),
                    ],
                ),
                (SearchEntity::Opportunity, vec![]),
            ],
        };
        let by_poem = dto(&results).to_json();
        assert_eq!(serde_json::to_value(SearchAnswer(results.clone())).ok(), by_poem);
        // The parts of the first snippet, as cut.
        let parts = &by_poem.as_ref().unwrap()["groups"][0]["hits"][0]["snippets"][0]["parts"];
        assert_eq!(parts.as_array().map(Vec::len), Some(3), "{parts}");
        // The score as written, not only as read back.
        let text = serde_json::to_string(&SearchAnswer(results.clone())).unwrap_or_default();
        let score = by_poem.map(|v| v["groups"][0]["hits"][0]["score"].to_string()).unwrap_or_default();
        assert!(score.starts_with("29.9085"), "{score}");
        assert!(text.contains(&format!("\"score\":{score},")), "{text}");
        // The buffer holds it at once.
        assert!(SearchAnswer(results).json_size() >= text.len(), "{}", text.len());
    }
}
