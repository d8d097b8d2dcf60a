//! The search palette's results (Ctrl/Cmd+K): a fragment of hits grouped by kind, the
//! matched words marked, each a link to its page.

use super::{Form, session_of};
use crate::Web;
use crate::view::{Page, render};
use askama::Template;
use crm_ports::search::{Highlight, SearchEntity, SearchFilters, SearchIndex};
use crm_ports::services::search::SearchRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Hit {
    id: uuid::Uuid,
    href: String,
    /// The title in pieces, each marked when matched.
    title: Vec<(String, bool)>,
    subtitle: String,
}

struct Group {
    label: &'static str,
    hits: Vec<Hit>,
}

#[derive(Template)]
#[template(path = "search_results.html")]
struct Results {
    page: Page,
    query: String,
    groups: Vec<Group>,
}

/// The title cut into matched and unmatched pieces, from the title's highlight.
fn pieces(title: &str, highlights: &[Highlight]) -> Vec<(String, bool)> {
    let Some(h) = highlights.iter().find(|h| h.text == title) else {
        return vec![(title.to_owned(), false)];
    };
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in &h.ranges {
        if start < at || end > title.len() || !title.is_char_boundary(start) || !title.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push((title[at..start].to_owned(), false));
        }
        out.push((title[start..end].to_owned(), true));
        at = end;
    }
    if at < title.len() {
        out.push((title[at..].to_owned(), false));
    }
    out
}

/// `GET /search?q=…`: the fragment of hits (contacts, organizations, opportunities).
pub(crate) async fn results<S: Store, K: Credentials, C: Clock, I: IdGenerator, X: SearchIndex>(
    web: &Web<S, K, C, I, X>,
    req: Request,
) -> Response {
    let (auth, page) = match session_of(web, &req, "search").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let query = Form::query(&req).text("q");
    let mut groups = Vec::new();
    if !query.is_empty() {
        let request = SearchRequest {
            query: query.clone(),
            entities: vec![SearchEntity::Contact, SearchEntity::Organization, SearchEntity::Opportunity],
            filters: SearchFilters::default(),
            limit: Some(8),
        };
        if let Ok(r) = web.app.search(&*web.search, &auth.actor, request).await {
            for (entity, hits) in r.groups {
                let (label, path) = match entity {
                    SearchEntity::Contact => ("search.contact", "/contacts/"),
                    SearchEntity::Organization => ("search.organization", "/organizations/"),
                    SearchEntity::Opportunity => ("search.opportunity", "/opportunities/"),
                };
                if hits.is_empty() {
                    continue;
                }
                groups.push(Group {
                    label,
                    hits: hits
                        .iter()
                        .map(|h| Hit {
                            id: h.id,
                            href: page.url(&format!("{path}{}", h.id)),
                            title: pieces(&h.title, &h.highlights),
                            subtitle: h.subtitle.clone().unwrap_or_default(),
                        })
                        .collect(),
                });
            }
        }
    }
    render(StatusCode::OK, &Results { page, query, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_cut_at_the_matches() {
        let h = Highlight {
            field: "name".into(),
            text: "Hélène Dupont".into(),
            ranges: vec![(0, 8)],
        };
        assert_eq!(
            pieces("Hélène Dupont", &[h]),
            [("Hélène".to_owned(), true), (" Dupont".to_owned(), false)]
        );
        assert_eq!(pieces("X", &[]), [("X".to_owned(), false)]);
    }
}
