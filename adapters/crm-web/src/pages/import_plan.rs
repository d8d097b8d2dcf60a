//! The wizard's second step: the file's columns mapped to fields (guessed from the
//! headers, editable) and the dry run of every row, shown at once and again after each
//! change, with the button that starts the import.

use super::imports::note_text;
use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render};
use askama::Template;
use crm_domain::import::ImportField;
use crm_ports::ServiceError;
use crm_ports::services::import::{ImportEntity, ImportOptions, RowAction, UpsertKey};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// Rows of a dry run shown in full (the counts cover every row planned).
const SHOWN_ROWS: usize = 20;
/// Rows left out or to check listed under the dry run.
const SHOWN_NOTES: usize = 200;

/// A column of the file and the field it goes to.
struct Column {
    index: usize,
    header: String,
    example: String,
    field: String,
}

/// A row of the dry run.
struct PlanRow {
    line: u64,
    action: &'static str,
    action_text: String,
    cells: String,
    note: String,
    /// The territory whose team gets the new contact (an import by territory).
    territory: String,
}

/// The dry run's result.
struct Checked {
    total: u64,
    create: usize,
    update: usize,
    unchanged: usize,
    skip: usize,
    first: Vec<PlanRow>,
    noted: Vec<PlanRow>,
    noted_more: bool,
    /// An import by territory: new contacts per territory, and those none covers.
    territories: Vec<(String, usize)>,
    unrouted: usize,
}

#[derive(Template)]
#[template(path = "import_plan.html")]
struct PlanPage {
    page: Page,
    /// What the file holds (`contacts`, `organizations`, `opportunities`).
    entity: &'static str,
    /// What the file holds, in words.
    entity_text: String,
    file_id: Uuid,
    file_name: String,
    columns: Vec<Column>,
    fields: Vec<(String, String)>,
    key: String,
    anyway: bool,
    all_or_nothing: bool,
    /// The new contacts may be given by territory (Admin, Manager, Marketing): whether
    /// they are.
    territory_choice: Option<bool>,
    checked: Option<Checked>,
    error: Option<String>,
    /// The date of the earlier import whose mapping is proposed.
    saved_from: Option<String>,
}

/// The mapping and options of the wizard's form.
pub(crate) fn read_form(form: &Form, columns: usize) -> (Vec<Option<ImportField>>, ImportOptions) {
    let mapping = (0..columns)
        .map(|i| form.get(&format!("col_{i}")).and_then(|c| ImportField::parse(&c)))
        .collect();
    let key = form.get("key").and_then(|k| UpsertKey::parse(&k)).unwrap_or(UpsertKey::Email);
    let options = ImportOptions {
        create_possible_duplicates: form.get("anyway").is_some(),
        all_or_nothing: form.get("all_or_nothing").is_some(),
        by_territory: form.get("by_territory").is_some(),
        ..ImportOptions::by(key)
    };
    (mapping, options)
}

/// What the wizard's file holds (`entity` of its query or form; contacts by default).
pub(crate) fn entity_of(form: &Form) -> ImportEntity {
    form.get("entity")
        .and_then(|e| ImportEntity::parse(&e))
        .unwrap_or(ImportEntity::Contacts)
}

/// The fields a file of `entity` may hold, in the order the mapping lists them.
fn fields_of(entity: ImportEntity) -> &'static [ImportField] {
    match entity {
        ImportEntity::Contacts => &ImportField::CONTACT,
        ImportEntity::Organizations => &crm_domain::import::ORGANIZATION_FIELDS,
        ImportEntity::Opportunities => &crm_domain::import::OPPORTUNITY_FIELDS,
    }
}

/// `GET /imports/new?file=…&entity=…`: the guessed mapping and its dry run.
pub(crate) async fn new_plan<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let query = Form::query(&req);
    let Some(file_id) = query.get("file").and_then(|f| Uuid::parse_str(&f).ok()) else {
        return error_page(page, &ServiceError::NotFound);
    };
    plan_page(web, &auth.actor, page, file_id, entity_of(&query), None).await
}

/// `POST /imports/check`: the dry run of the mapping chosen.
pub(crate) async fn check<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(file_id) = form.get("file").and_then(|f| Uuid::parse_str(&f).ok()) else {
        return error_page(page, &ServiceError::NotFound);
    };
    plan_page(web, &auth.actor, page, file_id, entity_of(&form), Some(&form)).await
}

async fn plan_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    file_id: Uuid,
    entity: ImportEntity,
    form: Option<&Form>,
) -> Response {
    let u = &web.uploads;
    let file = match web.app.file(actor, file_id).await {
        Ok(f) => f,
        Err(e) => return error_page(page, &e),
    };
    let table = match web.app.import_table(actor, u.files.as_ref(), u.tables.as_ref(), file_id).await {
        Ok(t) => t,
        Err(ServiceError::Invalid(_)) => return render_unreadable(page, entity, file_id, file.name),
        Err(e) => return error_page(page, &e),
    };
    let (mapping, options, saved_from) = match form {
        Some(f) => {
            let (m, o) = read_form(f, table.headers.len());
            (m, o, None)
        }
        None => match web.app.mapping_for_entity(actor, entity, &table.headers).await {
            Ok((m, from)) => (m, ImportOptions::by(UpsertKey::Email), from),
            Err(e) => return error_page(page, &e),
        },
    };
    let tz = super::company_tz(web, actor).await;
    let saved_from = saved_from.map(|t| t.with_timezone(&tz).format("%d/%m/%Y").to_string());
    let (files, tables) = (u.files.as_ref(), u.tables.as_ref());
    let preview = match entity {
        ImportEntity::Contacts => {
            web.app
                .preview_contact_import(actor, files, tables, file_id, Some(&mapping), &options)
                .await
        }
        ImportEntity::Organizations => {
            web.app
                .preview_organization_import(actor, files, tables, file_id, Some(&mapping), &options)
                .await
        }
        ImportEntity::Opportunities => {
            web.app
                .preview_opportunity_import(actor, files, tables, file_id, Some(&mapping))
                .await
        }
    };
    let lang = page.lang;
    let (checked, error) = match preview {
        Ok(p) => (Some(checked(lang, p, options.by_territory)), None),
        Err(ServiceError::Invalid(v)) => (
            None,
            Some(v.errors().iter().map(|e| e.field.clone()).collect::<Vec<_>>().join(", ")),
        ),
        Err(e) => return error_page(page, &e),
    };
    let columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| Column {
            index,
            header: header.clone(),
            example: table
                .rows
                .iter()
                .take(20)
                .filter_map(|(_, r)| r.get(index).filter(|c| !c.trim().is_empty()))
                .next()
                .cloned()
                .unwrap_or_default(),
            field: mapping
                .get(index)
                .copied()
                .flatten()
                .map(|f| f.code().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let fields = fields_of(entity)
        .iter()
        .map(|f| (f.code().to_owned(), lang.t(&format!("import_field.{}", f.code()))))
        .collect();
    render(
        StatusCode::OK,
        &PlanPage {
            entity: entity.code(),
            entity_text: page.t(&format!("imports.entity_{}", entity.code())),
            file_id,
            file_name: file.name,
            columns,
            fields,
            key: options.key.code().to_owned(),
            anyway: options.create_possible_duplicates,
            all_or_nothing: options.all_or_nothing,
            territory_choice: (entity == ImportEntity::Contacts && offers_territory(actor)).then_some(options.by_territory),
            checked,
            error,
            saved_from,
            page,
        },
    )
}

fn render_unreadable(page: Page, entity: ImportEntity, file_id: Uuid, file_name: String) -> Response {
    let error = Some(page.t("imports.unreadable"));
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PlanPage {
            entity_text: page.t(&format!("imports.entity_{}", entity.code())),
            page,
            entity: entity.code(),
            file_id,
            file_name,
            columns: Vec::new(),
            fields: Vec::new(),
            key: "email".into(),
            anyway: false,
            all_or_nothing: false,
            territory_choice: None,
            checked: None,
            error,
            saved_from: None,
        },
    )
}

/// Whether the reader may give the new contacts by territory (those who hand leads over).
pub(crate) fn offers_territory(actor: &crm_domain::Actor) -> bool {
    crm_domain::visibility::allows(actor, crm_domain::visibility::Capability::QualifyLeads)
}

fn checked(lang: Lang, p: crm_ports::services::import::ImportPreview, by_territory: bool) -> Checked {
    let mut c = Checked {
        total: p.total,
        create: 0,
        update: 0,
        unchanged: 0,
        skip: 0,
        first: Vec::new(),
        noted: Vec::new(),
        noted_more: false,
        territories: Vec::new(),
        unrouted: 0,
    };
    for (i, (cells, plan)) in p.rows.iter().enumerate() {
        let action = match plan.action {
            RowAction::Create => {
                c.create += 1;
                match &plan.territory {
                    Some(t) => match c.territories.iter_mut().find(|(n, _)| n == t) {
                        Some((_, k)) => *k += 1,
                        None => c.territories.push((t.clone(), 1)),
                    },
                    None if by_territory => c.unrouted += 1,
                    None => {}
                }
                "create"
            }
            RowAction::Update(_) => {
                c.update += 1;
                "update"
            }
            RowAction::Unchanged(_) => {
                c.unchanged += 1;
                "unchanged"
            }
            RowAction::Skip => {
                c.skip += 1;
                "skip"
            }
        };
        let row = || PlanRow {
            line: plan.line,
            action,
            action_text: lang.t(&format!("imports.action_{action}")),
            cells: shorten(
                &cells
                    .iter()
                    .filter(|c| !c.trim().is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · "),
            ),
            note: plan.note.as_ref().map(|n| note_text(lang, n)).unwrap_or_default(),
            territory: plan.territory.clone().unwrap_or_default(),
        };
        if i < SHOWN_ROWS {
            c.first.push(row());
        }
        if plan.note.is_some() {
            if c.noted.len() < SHOWN_NOTES {
                c.noted.push(row());
            } else {
                c.noted_more = true;
            }
        }
    }
    c.territories.sort();
    c
}

fn shorten(s: &str) -> String {
    const MAX: usize = 140;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}
