//! Organizations: the list and an organization's page (its contacts, its timeline).

use super::{Form, signed_in};
use crate::Web;
use crate::view::{Page, error_page, render};
use askama::Template;
use crm_domain::OrganizationId;
use crm_domain::activity::Link;
use crm_domain::event::EntityType;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

struct Row {
    id: Uuid,
    name: String,
    industry: String,
    city: String,
    domain: String,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    next_cursor: Option<String>,
}

/// `GET /organizations`.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "organizations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let request = PageRequest {
        cursor: q.get("cursor"),
        limit: Some(50),
        ..PageRequest::default()
    };
    match web.app.list_organizations(&auth.actor, &request).await {
        Ok(p) => render(
            StatusCode::OK,
            &ListPage {
                rows: p
                    .items
                    .iter()
                    .map(|o| Row {
                        id: o.id.as_uuid(),
                        name: o.name.to_string(),
                        industry: o.industry.as_ref().map(ToString::to_string).unwrap_or_default(),
                        city: o.address.city.as_ref().map(ToString::to_string).unwrap_or_default(),
                        domain: o.domain.as_ref().map(|d| d.as_str().to_owned()).unwrap_or_default(),
                    })
                    .collect(),
                next_cursor: p.next_cursor.map(|c| super::encode(&c)),
                page,
            },
        ),
        Err(e) => error_page(page, &e),
    }
}

struct View {
    name: String,
    industry: String,
    domain: String,
    size: String,
    city: String,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    page: Page,
    id: Uuid,
    o: View,
    contacts: Vec<(Uuid, String, String)>,
    timeline: super::timeline::Timeline,
    deals: Option<Vec<super::opportunity::DealLine>>,
}

/// `GET /organizations/{id}`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "organizations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = super::path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    let o = match web.app.organization(&actor, OrganizationId::from_uuid(id)).await {
        Ok(o) => o,
        Err(e) => return error_page(page, &e),
    };
    let filter = ContactFilter {
        organization_id: Some(o.id),
        ..ContactFilter::default()
    };
    let contacts = web
        .app
        .list_contacts(
            &actor,
            &filter,
            &PageRequest {
                limit: Some(100),
                ..PageRequest::default()
            },
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let link = Link {
        entity_type: EntityType::Organization,
        entity_id: id,
    };
    let tz = super::company_tz(web, &actor).await;
    let timeline = super::timeline::first_page(web, &actor, page.lang, tz, link).await;
    let filter = crm_ports::query::OpportunityFilter {
        organization_id: Some(o.id),
        ..crm_ports::query::OpportunityFilter::default()
    };
    let deals = super::opportunity::deals(web, &actor, page.lang, &filter).await;
    render(
        StatusCode::OK,
        &OrganizationPage {
            id,
            o: View {
                name: o.name.to_string(),
                industry: o.industry.as_ref().map(ToString::to_string).unwrap_or_default(),
                domain: o.domain.as_ref().map(|d| d.as_str().to_owned()).unwrap_or_default(),
                size: o
                    .size
                    .map(|s| page.lang.t(&format!("organization_size.{}", s.code())))
                    .unwrap_or_default(),
                city: o.address.city.as_ref().map(ToString::to_string).unwrap_or_default(),
            },
            contacts: contacts
                .iter()
                .map(|c| {
                    (
                        c.id.as_uuid(),
                        format!("{} {}", c.fields.first_name, c.fields.last_name),
                        c.fields.job_title.as_ref().map(ToString::to_string).unwrap_or_default(),
                    )
                })
                .collect(),
            timeline,
            deals,
            page,
        },
    )
}
