//! A segment's form (« Nouveau segment », « Modifier ») with its rule builder: nested
//! « toutes / au moins une / aucune de » groups over the fields the domain offers, drawn
//! by `segments.js` from the catalogue this page gives it, and the live count of the
//! contacts the rule holds while it is edited (`POST /segments/preview`, the reader's
//! scope). Without the script, the rule is edited as JSON.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, faults_text, render};
use askama::Template;
use crm_domain::SegmentId;
use crm_domain::segment::{Definition, catalogue};
use crm_domain::visibility::{Capability, allows};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};

#[derive(Template)]
#[template(path = "segment_form.html")]
pub(crate) struct SegmentForm {
    pub(crate) page: Page,
    /// Id and version when editing.
    pub(crate) id: Option<(String, i64)>,
    pub(crate) name: String,
    pub(crate) dynamic: bool,
    /// The rule as JSON (what the builder starts from).
    pub(crate) rule: String,
    /// The builder's catalogue (fields, operators, choices, labels) as JSON.
    pub(crate) catalogue: String,
    pub(crate) fault: Option<String>,
}

/// The builder's catalogue: each field with its label, value kind and operators; the
/// choices of the fields that take one (kinds, sizes, lead statuses, users); its words.
fn builder_catalogue(lang: Lang, users: &[(String, String)]) -> String {
    let key = |code: &str| code.replace('.', "_");
    let fields: Vec<Value> = catalogue()
        .into_iter()
        .filter(|(code, _, _)| *code != "organization_id")
        .map(|(code, kind, ops)| {
            json!({
                "code": code,
                "label": lang.t(&format!("segments.field_{}", key(code))),
                "kind": kind,
                "ops": ops.iter().map(|o| json!({"code": o, "label": lang.t(&format!("segments.op_{o}"))})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let choices = |section: &str, codes: &[&str]| -> Vec<Value> {
        codes
            .iter()
            .map(|c| json!({"code": c, "label": lang.t(&format!("{section}.{c}"))}))
            .collect()
    };
    let words: serde_json::Map<String, Value> = [
        "all",
        "any",
        "none",
        "add_condition",
        "add_group",
        "remove",
        "days_ago",
        "on_date",
        "value",
        "field",
        "op",
        "group",
        "choose",
    ]
    .iter()
    .map(|w| ((*w).to_owned(), json!(lang.t(&format!("segments.b_{w}")))))
    .collect();
    json!({
        "fields": fields,
        "choices": {
            "kind": choices("contact_kind", &["prospect", "client", "partner", "former_client"]),
            "size": choices("organization_size", &["micro", "small", "medium", "intermediate", "large"]),
            "lead": choices("lead_status", &["new", "working", "qualified", "disqualified"]),
            "id": users.iter().map(|(id, name)| json!({"code": id, "label": name})).collect::<Vec<_>>(),
        },
        "words": words,
    })
    .to_string()
}

/// The form, filled.
pub(crate) async fn form_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    id: Option<(String, i64)>,
    (name, dynamic, rule): (String, bool, String),
    fault: Option<String>,
) -> Response {
    let users: Vec<(String, String)> = web
        .app
        .list_users(actor)
        .await
        .unwrap_or_default()
        .iter()
        .map(|u| (u.id.to_string(), u.display_name.to_string()))
        .collect();
    let status = if fault.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let p = SegmentForm {
        catalogue: builder_catalogue(page.lang, &users),
        id,
        name,
        dynamic,
        rule,
        fault,
        page,
    };
    render(status, &p)
}

/// `GET /segments/new` (`?static=1` for a list kept by hand).
pub(crate) async fn new_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !allows(&auth.actor, Capability::ManageSegments) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let dynamic = Form::query(&req).get("static").is_none();
    let start = json!({"all": []}).to_string();
    form_of(web, &auth.actor, page, None, (String::new(), dynamic, start), None).await
}

/// `GET /segments/:id/edit`.
pub(crate) async fn edit_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(SegmentId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let s = match web.app.segment(&auth.actor, id).await {
        Ok(s) if allows(&auth.actor, Capability::ManageSegments) => s,
        Ok(_) => return error_page(page, &ServiceError::Forbidden),
        Err(e) => return error_page(page, &e),
    };
    let (dynamic, rule) = match &s.definition {
        Definition::Static => (false, json!({"all": []}).to_string()),
        Definition::Dynamic(r) => (true, r.to_json().to_string()),
    };
    form_of(
        web,
        &auth.actor,
        page,
        Some((s.id.to_string(), s.version)),
        (s.name.to_string(), dynamic, rule),
        None,
    )
    .await
}

/// `POST /segments/preview`: how many contacts the rule being edited holds now, in the
/// reader's scope; or what is wrong with it.
pub(crate) async fn preview<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "segments").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let count = match serde_json::from_str::<Value>(&form.text("rule")) {
        Err(_) => Err(page.t("segments.rule_unreadable")),
        Ok(rule) => match web.app.preview_segment(&auth.actor, &rule).await {
            Ok(n) => Ok(n),
            Err(ServiceError::Invalid(e)) => Err(faults_text(page.lang, "segments", &e)),
            Err(e) => return error_page(page, &e),
        },
    };
    let p = SegmentCount {
        word: page.t(if matches!(count, Ok(1)) {
            "segments.contact_one"
        } else {
            "segments.contact_many"
        }),
        count,
    };
    render(StatusCode::OK, &p)
}

/// The live count of the rule being edited.
#[derive(Template)]
#[template(path = "segment_count.html")]
pub(crate) struct SegmentCount {
    pub(crate) count: Result<u64, String>,
    pub(crate) word: String,
}
