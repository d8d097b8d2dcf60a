//! Segments (menu « Segments »; every role reads them, Admins, Managers and Marketing make
//! them): the list with each segment's kind and member count in the reader's scope, a
//! link to its members in the contact list (where a selection is added to a static list),
//! saving from the form with its rule builder, deleting, and filling a static list from a
//! search.

use super::segment_form::form_of;
use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::SegmentId;
use crm_domain::segment::Definition;
use crm_domain::visibility::{Capability, allows};
use crm_ports::search::{SearchEntity, SearchFilters, SearchIndex};
use crm_ports::services::search::SearchRequest;
use crm_ports::services::segments::SegmentInput;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Line {
    id: String,
    name: String,
    dynamic: bool,
    count: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "segments.html")]
struct SegmentsPage {
    page: Page,
    lines: Vec<Line>,
    manage: bool,
    message: Option<String>,
}

/// `GET /segments`.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let segments = match web.app.list_segments(&auth.actor).await {
        Ok(s) => s,
        Err(e) => return error_page(page, &e),
    };
    let mut lines = Vec::with_capacity(segments.len());
    for s in &segments {
        let count = match web.app.count_segment(&auth.actor, s).await {
            Ok(n) => n.to_string(),
            Err(e) => {
                tracing::warn!(error = %e, "a segment could not be counted");
                String::from("—")
            }
        };
        lines.push(Line {
            id: s.id.to_string(),
            name: s.name.to_string(),
            dynamic: matches!(s.definition, Definition::Dynamic(_)),
            count,
            version: s.version,
        });
    }
    let q = Form::query(&req);
    let message = q.get("done").map(|d| match q.get("n") {
        Some(n) => format!("{} {n}", page.t(&format!("segments.done_{d}"))),
        None => page.t(&format!("segments.done_{d}")),
    });
    let p = SegmentsPage {
        lines,
        manage: allows(&auth.actor, Capability::ManageSegments),
        message,
        page,
    };
    render(StatusCode::OK, &p)
}

/// `POST /segments` (new) and `POST /segments/:id` (at `version`): name, `type` (`dynamic`
/// or `static`) and the rule's JSON; back to the form with the faults named.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = path_id(&req).map(SegmentId::from_uuid);
    let dynamic = form.text("type") != "static";
    let rule_text = form.text("rule");
    let typed = (form.text("name"), dynamic, rule_text.clone());
    let rule = if dynamic {
        match serde_json::from_str(&rule_text) {
            Ok(r) => Some(r),
            Err(_) => {
                let fault = Some(page.t("segments.rule_unreadable"));
                let id = id.map(|i| (i.to_string(), form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0)));
                return form_of(web, &auth.actor, page, id, typed, fault).await;
            }
        }
    } else {
        None
    };
    let input = SegmentInput {
        name: form.text("name"),
        rule,
    };
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let done = match id {
        Some(id) => web.app.update_segment(&auth.actor, id, version, &input).await,
        None => web.app.create_segment(&auth.actor, &input).await,
    };
    match done {
        Ok(s) => see_other(&req, &web.settings.base_path, &format!("/segments?done=saved&segment={}", s.id)),
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "segments", &e));
            let id = id.map(|i| (i.to_string(), version));
            form_of(web, &auth.actor, page, id, typed, fault).await
        }
        Err(ServiceError::Conflict) => {
            let fault = Some(page.t("segments.conflict"));
            let id = id.map(|i| (i.to_string(), version));
            form_of(web, &auth.actor, page, id, typed, fault).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /segments/:id/delete`: the segment goes (its contacts stay).
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(SegmentId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    match web.app.delete_segment(&auth.actor, id, version).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/segments?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /segments/:id/search`: the contacts a search finds (at most 1,000 of the
/// reader's) join the static list.
pub(crate) async fn add_found<S: Store, K: Credentials, C: Clock, I: IdGenerator, X: SearchIndex>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(SegmentId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let request = SearchRequest {
        query: form.text("q"),
        entities: vec![SearchEntity::Contact],
        filters: SearchFilters::default(),
        limit: None,
    };
    match web
        .app
        .add_segment_members_from_search(&*web.search, &auth.actor, id, request)
        .await
    {
        Ok(n) => see_other(&req, &web.settings.base_path, &format!("/segments?done=added&n={n}")),
        Err(ServiceError::Invalid(_)) => see_other(&req, &web.settings.base_path, "/segments?done=search_empty"),
        Err(e) => error_page(page, &e),
    }
}
