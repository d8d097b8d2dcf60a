//! Contacts: the list (filters, pages), creation with the duplicate warning, the contact's
//! page with its details edited in place and its timeline.

use super::{Form, encode, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::contact::ContactKind;
use crm_domain::event::EntityType;
use crm_domain::{ContactId, UserId};
use crm_ports::query::{ContactFilter, PageRequest, SortKey};
use crm_ports::services::names::NameRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) use super::contact_form::{Faults, FormView, full_name, input_from, input_of, kinds};

// --- the list ---

struct Row {
    id: Uuid,
    name: String,
    kind: String,
    organization: String,
    email: String,
    owner: String,
    pooled: bool,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    page: Page,
    kinds: Vec<(String, String, bool)>,
    owners: Vec<(String, String, bool)>,
    segments: Vec<(String, String, bool)>,
    lists: Vec<(String, String)>,
    sorts: Vec<(String, String, bool)>,
    organization: Option<(String, String)>,
    /// The query of the filters alone (for the bulk form's way back).
    filters_query: String,
    /// The reader may import, create and change contacts, or leads of the pool (the
    /// wizard's link, the new contact's, the ticks and their actions; an Observer none).
    can_import: bool,
    /// The reader may give contacts to someone (not Marketing, whose leads are handed
    /// over one by one once qualified).
    can_assign: bool,
    /// What the last bulk action did: (changed, refused).
    done: Option<(String, String)>,
    tag: String,
    rows: Vec<Row>,
    has_previous: bool,
    first_query: String,
    next_query: Option<String>,
    /// How many contacts the filters hold, when some filter is set.
    total: Option<u64>,
    /// The static list the list is filtered on (its members may be taken out of it).
    current_list: Option<String>,
}

/// `GET /contacts`.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = auth.actor;
    let q = Form::query(&req);
    let lang = page.lang;
    let kind = q.get("kind").and_then(|k| ContactKind::parse(&k).ok());
    let owner = q.get("owner_id").and_then(|o| Uuid::parse_str(&o).ok());
    let tag = q.get("tag").and_then(|t| crm_domain::text::Tag::parse(&t).ok());
    let organization = q.get("organization_id").and_then(|o| Uuid::parse_str(&o).ok());
    let segment = q.get("segment_id").and_then(|o| Uuid::parse_str(&o).ok());
    let sort = q.get("sort").unwrap_or_else(|| "name".to_owned());
    let (sort_key, descending) = match sort.as_str() {
        "created_desc" => (SortKey::CreatedAt, true),
        "updated_desc" => (SortKey::UpdatedAt, true),
        _ => (SortKey::Name, false),
    };
    let segments = web.app.list_segments(&actor).await.unwrap_or_default();
    let membership = match segment {
        Some(s) => match web.app.segment_filter(&actor, crm_domain::SegmentId::from_uuid(s)).await {
            Ok(m) => Some(m),
            Err(e) => return error_page(page, &e),
        },
        None => None,
    };
    let filter = ContactFilter {
        kind,
        owner_id: owner.map(UserId::from_uuid),
        tag: tag.clone(),
        organization_id: organization.map(crm_domain::OrganizationId::from_uuid),
        segment: membership,
        ..ContactFilter::default()
    };
    let cursor = q.get("cursor");
    let request = PageRequest {
        sort: sort_key,
        descending,
        cursor: cursor.clone(),
        limit: Some(50),
    };
    let (contacts, users) = match (
        web.app.list_contacts(&actor, &filter, &request).await,
        web.app.list_users(&actor).await,
    ) {
        (Ok(c), Ok(u)) => (c, u),
        (Err(e), _) | (_, Err(e)) => return error_page(page, &e),
    };
    // Their emails were read: the access log, one entry naming everyone shown.
    let shown: Vec<crm_domain::ContactId> = contacts.items.iter().map(|c| c.id).collect();
    if let Err(e) = web.app.record_list_access(&actor, &shown).await {
        return error_page(page, &e);
    }
    let mut names = NameRequest::default();
    for c in &contacts.items {
        if let Some(o) = c.fields.organization_id {
            names.record(EntityType::Organization, o.as_uuid());
        }
    }
    if let Some(o) = organization {
        names.record(EntityType::Organization, o);
    }
    let names = web.app.names(&actor, &names).await.ok();
    let user_name: HashMap<Uuid, String> = users.iter().map(|u| (u.id.as_uuid(), u.display_name.to_string())).collect();
    let rows = contacts
        .items
        .iter()
        .map(|c| Row {
            id: c.id.as_uuid(),
            name: full_name(c),
            kind: lang.t(&format!("contact_kind.{}", c.kind.code())),
            organization: c
                .fields
                .organization_id
                .and_then(|o| names.as_ref().and_then(|n| n.get(o.as_uuid())))
                .unwrap_or_default(),
            email: c.fields.emails.first().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            owner: user_name.get(&c.owner_id.as_uuid()).cloned().unwrap_or_default(),
            pooled: c.lead.as_ref().is_some_and(|l| l.pooled),
        })
        .collect();
    let mut filters = Vec::new();
    if let Some(k) = kind {
        filters.push(format!("kind={}", k.code()));
    }
    if let Some(o) = owner {
        filters.push(format!("owner_id={o}"));
    }
    if let Some(t) = &tag {
        filters.push(format!("tag={}", encode(t.as_str())));
    }
    if let Some(o) = organization {
        filters.push(format!("organization_id={o}"));
    }
    if let Some(s) = segment {
        filters.push(format!("segment_id={s}"));
    }
    if sort != "name" {
        filters.push(format!("sort={}", encode(&sort)));
    }
    let first_query = filters.join("&");
    let filtered = filters.iter().any(|f| !f.starts_with("sort="));
    let total = if filtered {
        web.app.count_contacts(&actor, &filter).await.ok()
    } else {
        None
    };
    let current_list = segment.filter(|s| {
        segments
            .iter()
            .any(|x| x.id.as_uuid() == *s && matches!(x.definition, crm_domain::segment::Definition::Static))
    });
    let next_query = contacts.next_cursor.map(|c| {
        let mut q = filters.clone();
        q.push(format!("cursor={}", encode(&c)));
        q.join("&")
    });
    let selected_kind = kind.map(ContactKind::code).unwrap_or_default();
    let sorts = ["name", "created_desc", "updated_desc"]
        .into_iter()
        .map(|s| (s.to_owned(), lang.t(&format!("contacts.sort_{s}")), s == sort))
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            kinds: kinds(lang, selected_kind),
            owners: users
                .iter()
                .map(|u| (u.id.to_string(), u.display_name.to_string(), owner == Some(u.id.as_uuid())))
                .collect(),
            segments: segments
                .iter()
                .map(|s| (s.id.to_string(), s.name.to_string(), segment == Some(s.id.as_uuid())))
                .collect(),
            lists: segments
                .iter()
                .filter(|s| matches!(s.definition, crm_domain::segment::Definition::Static))
                .map(|s| (s.id.to_string(), s.name.to_string()))
                .collect(),
            sorts,
            organization: organization.map(|o| (o.to_string(), names.as_ref().and_then(|n| n.get(o)).unwrap_or_default())),
            filters_query: first_query.clone(),
            can_assign: crm_domain::visibility::allows(&actor, crm_domain::visibility::Capability::WriteContacts),
            can_import: crm_domain::visibility::allows(&actor, crm_domain::visibility::Capability::WriteContacts)
                || crm_domain::visibility::allows(&actor, crm_domain::visibility::Capability::QualifyLeads),
            done: q.get("changed").map(|c| (c, q.get("refused").unwrap_or_else(|| "0".to_owned()))),
            tag: tag.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            rows,
            has_previous: cursor.is_some(),
            first_query,
            next_query,
            total,
            current_list: current_list.map(|l| l.to_string()),
            page,
        },
    )
}

/// `POST /contacts/bulk`: one action on the contacts ticked in the list — give them to an
/// owner, add a tag, add them to a static list — each under the same rules as one by one;
/// back to the list with how many changed and how many were refused.
pub(crate) async fn bulk<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, _) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = auth.actor;
    let ids: Vec<ContactId> = form
        .all("ids")
        .iter()
        .filter_map(|i| Uuid::parse_str(i).ok())
        .map(ContactId::from_uuid)
        .take(200)
        .collect();
    let (mut changed, mut refused) = (0_u64, 0_u64);
    match form.get("action").as_deref() {
        Some("list") => match form.get("list_id").and_then(|s| Uuid::parse_str(&s).ok()) {
            Some(list) => match web
                .app
                .add_segment_members(&actor, crm_domain::SegmentId::from_uuid(list), &ids)
                .await
            {
                Ok(n) => changed = n,
                Err(_) => refused = ids.len() as u64,
            },
            None => refused = ids.len() as u64,
        },
        Some("unlist") => match form.get("unlist_id").and_then(|s| Uuid::parse_str(&s).ok()) {
            Some(list) => match web
                .app
                .remove_segment_members(&actor, crm_domain::SegmentId::from_uuid(list), &ids)
                .await
            {
                Ok(n) => changed = n,
                Err(_) => refused = ids.len() as u64,
            },
            None => refused = ids.len() as u64,
        },
        Some(action @ ("assign" | "tag")) => {
            let owner = form.get("owner_id").and_then(|o| Uuid::parse_str(&o).ok()).map(UserId::from_uuid);
            let tag = form.get("tag");
            for id in &ids {
                let done = match web.app.contact(&actor, *id).await {
                    Ok(c) => match (action, owner, &tag) {
                        ("assign", Some(o), _) => web.app.assign_contact(&actor, c.id, c.version, o).await.is_ok(),
                        ("tag", _, Some(t)) => {
                            let mut input = input_from(&c);
                            input.tags.push(t.clone());
                            web.app.update_contact(&actor, c.id, c.version, &input).await.is_ok()
                        }
                        _ => false,
                    },
                    Err(_) => false,
                };
                if done {
                    changed += 1;
                } else {
                    refused += 1;
                }
            }
        }
        _ => refused = ids.len() as u64,
    }
    // The list's own filters only (their values were encoded by the list).
    let back: String = form
        .get("back")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '&' | '%' | '_' | '.' | '-'))
        .collect();
    let sep = if back.is_empty() { "" } else { "&" };
    see_other(
        &req,
        &web.settings.base_path,
        &format!("/contacts?{back}{sep}changed={changed}&refused={refused}"),
    )
}

// --- creation ---

struct Duplicate {
    id: Option<Uuid>,
    name: String,
    reasons: String,
}

#[derive(Template)]
#[template(path = "contact_new.html")]
struct NewPage {
    page: Page,
    form: FormView,
    faults: Faults,
    duplicates: Vec<Duplicate>,
    /// The owner may be left to the territories (Admin, Manager): whether it is.
    territory_choice: Option<bool>,
    /// The reader brings leads into the pool rather than contacts (Marketing).
    lead_only: bool,
}

/// Whether what the reader creates is a lead of the pool (they qualify leads but do not
/// write contacts: Marketing).
fn lead_only(actor: &crm_domain::Actor) -> bool {
    use crm_domain::visibility::{Capability, allows};
    allows(actor, Capability::QualifyLeads) && !allows(actor, Capability::WriteContacts)
}

/// Whether the reader may leave a new contact's owner to the territories.
fn offers_territory(actor: &crm_domain::Actor) -> bool {
    matches!(
        actor,
        crm_domain::Actor::User {
            role: crm_domain::user::Role::Admin | crm_domain::user::Role::Manager,
            ..
        }
    )
}

/// `GET /contacts/new`.
pub(crate) async fn new_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut form = FormView::new(page.lang, "prospect", &Form::default());
    if lead_only(&auth.actor) {
        form.only_prospect();
    }
    render(
        StatusCode::OK,
        &NewPage {
            page,
            form,
            faults: Faults::default(),
            duplicates: Vec::new(),
            territory_choice: offers_territory(&auth.actor).then_some(false),
            lead_only: lead_only(&auth.actor),
        },
    )
}

/// `POST /contacts`: creates, or shows the faults, or the likely duplicates with a button to
/// create anyway.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = page.lang;
    let confirm = form.get("confirm_duplicates").as_deref() == Some("true");
    let lead_only = lead_only(&auth.actor);
    let mut input = input_of(&form, None);
    if lead_only {
        ContactKind::Prospect.code().clone_into(&mut input.kind);
    }
    let mut view = FormView::new(lang, &input.kind, &form);
    if lead_only {
        view.only_prospect();
    }
    let by_territory = offers_territory(&auth.actor) && form.get("owner_by_territory").as_deref() == Some("1");
    let territory_choice = offers_territory(&auth.actor).then_some(by_territory);
    let owner = if by_territory {
        match web
            .app
            .owner_by_territory(&auth.actor, input.address.postal_code.as_deref(), input.organization_id)
            .await
        {
            Ok(o) => o,
            Err(e) => return error_page(page, &e),
        }
    } else {
        None
    };
    let created = if lead_only {
        web.app.create_lead(&auth.actor, &input, confirm).await
    } else {
        web.app.create_contact(&auth.actor, &input, owner, confirm).await
    };
    match created {
        Ok(c) => {
            super::drafts::forget(web, &auth.actor, "contact_new", None).await;
            see_other(&req, &web.settings.base_path, &format!("/contacts/{}", c.id))
        }
        Err(ServiceError::Invalid(v)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                faults: Faults::from_error(lang, &v),
                page,
                form: view,
                duplicates: Vec::new(),
                territory_choice,
                lead_only,
            },
        ),
        Err(ServiceError::PossibleDuplicates(found)) => render(
            StatusCode::CONFLICT,
            &NewPage {
                duplicates: found
                    .into_iter()
                    .map(|d| Duplicate {
                        id: d.contact_id.map(|c| c.as_uuid()),
                        name: d.display_name.unwrap_or_default(),
                        reasons: d
                            .reasons
                            .iter()
                            .map(|r| lang.t(&format!("duplicate.{}", r.code())))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                    .collect(),
                page,
                form: view,
                faults: Faults::default(),
                territory_choice,
                lead_only,
            },
        ),
        Err(e) => error_page(page, &e),
    }
}
