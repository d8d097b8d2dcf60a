//! The duplicates queue (menu « Doublons »): the groups of likely duplicates the last scan
//! found, each with its records side by side, field by field; the reader picks the record
//! that stays and, for each field where they differ, the value kept, then merges the
//! others into it (each merge under the use case's rules and versions) or dismisses the
//! group. Admins and Managers scan and dismiss; whoever writes contacts merges what they
//! see.

use super::{Form, company_tz, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::ContactId;
use crm_domain::contact::{Contact, MergeField};
use crm_domain::event::EntityType;
use crm_domain::visibility::{Capability, allows};
use crm_ports::services::names::{NameRequest, Names};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// One record of a group (a column).
struct Member {
    id: String,
    name: String,
    version: i64,
    created: String,
}

/// One field of a group (a row): each record's value, which one is chosen, and whether
/// they differ (a choice to make).
struct Row {
    code: &'static str,
    label: String,
    /// Value as shown, chosen.
    cells: Vec<(String, bool)>,
    differs: bool,
}

struct Group {
    id: String,
    reasons: String,
    found: String,
    members: Vec<Member>,
    rows: Vec<Row>,
    /// Emails, phones and tags of all the records (united by the merge).
    united: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    page: Page,
    groups: Vec<Group>,
    review: bool,
    message: Option<String>,
    fault: Option<String>,
}

fn value(c: &Contact, f: MergeField, names: &Names) -> String {
    let x = &c.fields;
    let opt = |v: Option<String>| v.unwrap_or_default();
    match f {
        MergeField::FirstName => x.first_name.to_string(),
        MergeField::LastName => x.last_name.to_string(),
        MergeField::JobTitle => opt(x.job_title.as_ref().map(ToString::to_string)),
        MergeField::Source => opt(x.source.as_ref().map(ToString::to_string)),
        MergeField::Organization => opt(x.organization_id.and_then(|o| names.get(o.as_uuid()))),
        MergeField::Owner => opt(names.get(c.owner_id.as_uuid())),
        MergeField::Address => {
            let a = &x.address;
            let city = [
                a.postal_code.as_ref().map(ToString::to_string),
                a.city.as_ref().map(ToString::to_string),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            [
                a.street.as_ref().map(|s| s.as_str().replace('\n', ", ")),
                Some(city).filter(|c| !c.is_empty()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        }
    }
}

fn group_of(page: &Page, g: &crm_ports::services::duplicates::DuplicateGroupView, names: &Names, tz: chrono_tz::Tz) -> Group {
    let lang = page.lang;
    let rows = MergeField::ALL
        .iter()
        .map(|f| {
            let values: Vec<String> = g.contacts.iter().map(|c| value(c, *f, names)).collect();
            // The kept record's value by default; an empty one gives way to the first filled.
            let chosen = if values[0].is_empty() {
                values.iter().position(|v| !v.is_empty()).unwrap_or(0)
            } else {
                0
            };
            Row {
                code: f.code(),
                label: page.t(&format!("field_name.{}", f.code())),
                differs: values.iter().any(|v| *v != values[0]),
                cells: values.into_iter().enumerate().map(|(i, v)| (v, i == chosen)).collect(),
            }
        })
        .collect();
    let list = |items: Vec<String>| {
        let mut items = items;
        items.sort();
        items.dedup();
        items.join(", ")
    };
    let united = vec![
        (
            page.t("field_name.emails"),
            list(
                g.contacts
                    .iter()
                    .flat_map(|c| c.fields.emails.iter().map(|e| e.as_str().to_owned()))
                    .collect(),
            ),
        ),
        (
            page.t("field_name.phones"),
            list(
                g.contacts
                    .iter()
                    .flat_map(|c| c.fields.phones.iter().map(|p| p.as_str().to_owned()))
                    .collect(),
            ),
        ),
        (
            page.t("field_name.tags"),
            list(
                g.contacts
                    .iter()
                    .flat_map(|c| c.fields.tags.iter().map(|t| t.as_str().to_owned()))
                    .collect(),
            ),
        ),
    ];
    Group {
        id: g.id.to_string(),
        reasons: g
            .reasons
            .iter()
            .map(|r| lang.t(&format!("duplicate.{}", r.code())))
            .collect::<Vec<_>>()
            .join(", "),
        found: lang.date_time(g.created_at, tz),
        members: g
            .contacts
            .iter()
            .map(|c| Member {
                id: c.id.to_string(),
                name: format!("{} {}", c.fields.first_name, c.fields.last_name),
                version: c.version,
                created: lang.date_time(c.created_at, tz),
            })
            .collect(),
        rows,
        united,
    }
}

/// `GET /duplicates`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "duplicates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = q.get("done").map(|d| {
        let text = page.t(&format!("duplicates.done_{d}"));
        match q.get("n") {
            Some(n) => format!("{text} {n}"),
            None => text,
        }
    });
    page_of(web, &auth.actor, page, message, None).await
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    message: Option<String>,
    fault: Option<String>,
) -> Response {
    let groups = match web.app.duplicate_groups(actor).await {
        Ok(g) => g,
        Err(e) => return error_page(page, &e),
    };
    let mut req = NameRequest::default();
    for c in groups.iter().flat_map(|g| &g.contacts) {
        req.user(c.owner_id.as_uuid());
        if let Some(o) = c.fields.organization_id {
            req.record(EntityType::Organization, o.as_uuid());
        }
    }
    let names = web.app.names(actor, &req).await.unwrap_or_default();
    let tz = company_tz(web, actor).await;
    let p = DuplicatesPage {
        groups: groups.iter().map(|g| group_of(&page, g, &names, tz)).collect(),
        review: allows(actor, Capability::ReviewDuplicates),
        message,
        fault,
        page,
    };
    render(StatusCode::OK, &p)
}

/// `POST /duplicates/scan`: looks for duplicates in the whole company again.
pub(crate) async fn scan<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "duplicates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.scan_duplicates(&auth.actor).await {
        Ok(n) => see_other(&req, &web.settings.base_path, &format!("/duplicates?done=scanned&n={n}")),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /duplicates/:id/dismiss`: they are not duplicates.
pub(crate) async fn dismiss<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "duplicates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.dismiss_duplicates(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/duplicates?done=dismissed"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /duplicates/:id/merge`: the records of the group merged into the one chosen
/// (`kept`), at the versions the page showed (`v_<id>`), each field taking the value of
/// the record chosen for it (`f_<field>` = a record's id).
pub(crate) async fn merge<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "duplicates").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let uuid = |k: &str| form.get(k).and_then(|v| Uuid::parse_str(&v).ok());
    let members: Vec<Uuid> = form.all("member").iter().filter_map(|m| Uuid::parse_str(m).ok()).collect();
    let Some(kept) = uuid("kept").filter(|k| members.contains(k)) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = |id: Uuid| form.get(&format!("v_{id}")).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let mut kept_version = version(kept);
    let mut merged = 0;
    for other in members.iter().copied().filter(|m| *m != kept) {
        let take: Vec<String> = MergeField::ALL
            .iter()
            .filter(|f| uuid(&format!("f_{}", f.code())) == Some(other))
            .map(|f| f.code().to_owned())
            .collect();
        let done = web
            .app
            .merge_contacts_choosing(
                &auth.actor,
                (ContactId::from_uuid(kept), kept_version),
                (ContactId::from_uuid(other), version(other)),
                &take,
            )
            .await;
        match done {
            Ok(c) => {
                kept_version = c.version;
                merged += 1;
            }
            Err(ServiceError::Invalid(e)) => {
                let fault = Some(if e.errors().iter().any(|f| f.field.starts_with("take")) {
                    page.t("duplicates.fault_take")
                } else {
                    faults_text(page.lang, "duplicates", &e)
                });
                return page_of(web, &auth.actor, page, None, fault).await;
            }
            Err(ServiceError::Conflict) if merged == 0 => {
                let fault = Some(page.t("duplicates.conflict"));
                return page_of(web, &auth.actor, page, None, fault).await;
            }
            Err(e) => return error_page(page, &e),
        }
    }
    see_other(
        &req,
        &web.settings.base_path,
        &format!("/duplicates?done=merged&n={merged}&kept={kept}"),
    )
}
