//! Importing contacts, as a wizard (the mapping and dry run in `import_plan.rs`): the file sent (`POST /imports`, streamed to the file
//! store), its columns mapped to fields (guessed from the headers, editable) with the dry
//! run of every row shown at once and again after each change, then the import started in
//! the background and followed on its page (a progress bar refreshed every second) until
//! its report of the rows left out. The same use cases as the API's `/api/v1/imports`.

use super::{Form, csrf_ok, path_id, session_of, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_ports::ServiceError;
use crm_ports::services::import::{ImportEntity, ImportJob, RowNote};
use crm_ports::store::{JobState, Store};
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::web::Multipart;
use poem::{FromRequest, Request, Response};
use uuid::Uuid;

/// One past import in the list.
struct ImportLine {
    id: Uuid,
    file: String,
    when: String,
    state: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ListPage {
    page: Page,
    imports: Vec<ImportLine>,
    error: Option<String>,
    /// Whether the reader keeps the suppression list (the Admin).
    admin: bool,
}

/// The text of a row's note.
pub(crate) fn note_text(lang: Lang, note: &RowNote) -> String {
    let t = |key: &str| lang.t(&format!("import_note.{key}"));
    match note {
        RowNote::Invalid(v) => {
            let fields: Vec<String> = v
                .errors()
                .iter()
                .map(|e| {
                    let base = e.field.split('.').next().unwrap_or(&e.field);
                    let key = format!("field_name.{base}");
                    let name = lang.t(&key);
                    let name = if name == key { e.field.clone() } else { name };
                    format!("{name} ({})", fault_text(lang, e.kind).to_lowercase())
                })
                .collect();
            format!("{} {}", t("invalid"), fields.join(", "))
        }
        RowNote::RepeatedInFile(line) => t("repeated_in_file").replace("{line}", &line.to_string()),
        RowNote::Ambiguous => t("ambiguous"),
        RowNote::NotVisible => t("not_visible"),
        RowNote::NotEditable => t("not_editable"),
        RowNote::PossibleDuplicate(reasons) => {
            let r: Vec<String> = reasons.iter().map(|r| lang.t(&format!("duplicate.{}", r.code()))).collect();
            format!("{} ({})", t("possible_duplicate"), r.join(", "))
        }
        RowNote::UnknownOrganization => t("unknown_organization"),
        RowNote::Suppressed => t("suppressed"),
    }
}

fn state_text(lang: Lang, import: &ImportJob) -> String {
    let key = match import.job.state {
        JobState::Done if import.progress.refused => "refused",
        JobState::Queued => "queued",
        JobState::Running => "running",
        JobState::Done => "done",
        JobState::Failed => "failed",
        JobState::Cancelled => "cancelled",
    };
    lang.t(&format!("imports.state_{key}"))
}

fn summary(lang: Lang, p: &crm_ports::services::import::ImportProgress) -> String {
    lang.t("imports.summary")
        .replace("{created}", &p.created.to_string())
        .replace("{updated}", &p.updated.to_string())
        .replace("{unchanged}", &p.unchanged.to_string())
        .replace("{skipped}", &p.skipped.to_string())
}

/// `GET /imports`: the form to send a file, and the past imports.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let error = Form::query(&req).get("error").map(|e| match e.as_str() {
        "too_large" => page.t("imports.too_large"),
        "name" => page.t("imports.bad_name"),
        _ => page.t("imports.no_file"),
    });
    list_page(web, &auth.actor, page, error).await
}

async fn list_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    error: Option<String>,
) -> Response {
    let jobs = match web.app.import_jobs(actor, 20).await {
        Ok(j) => j,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, actor).await;
    let mut imports = Vec::with_capacity(jobs.len());
    // The wizard imports contacts; organizations are imported through the API for now.
    for j in jobs
        .iter()
        .filter(|j| j.spec.entity == crm_ports::services::import::ImportEntity::Contacts)
    {
        let file = web
            .app
            .file(actor, j.spec.file_id)
            .await
            .map_or_else(|_| page.t("imports.file_gone"), |f| f.name);
        imports.push(ImportLine {
            id: j.job.id,
            file,
            when: j.job.created_at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string(),
            state: state_text(page.lang, j),
            summary: format!(
                "{} : {}",
                page.t(&format!("imports.entity_{}", j.spec.entity.code())),
                summary(page.lang, &j.progress)
            ),
        });
    }
    let admin = crm_domain::visibility::allows(actor, crm_domain::visibility::Capability::ManageTenant);
    render(
        StatusCode::OK,
        &ListPage {
            page,
            imports,
            error,
            admin,
        },
    )
}

/// `POST /imports` (multipart: `csrf` first, then `file`): stores the file, then shows its
/// mapping and dry run.
pub(crate) async fn upload<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let base = web.settings.base_path.clone();
    let (parts, mut body) = req.split();
    let mut multipart = match Multipart::from_request(&parts, &mut body).await {
        Ok(m) => m,
        Err(_) => return see_other(&parts, &base, "/imports?error=no_file"),
    };
    let mut csrf = Form::default();
    let mut entity = ImportEntity::Contacts;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = Form(vec![("csrf".to_owned(), field.text().await.unwrap_or_default())]),
            Some("entity") => {
                entity = ImportEntity::parse(&field.text().await.unwrap_or_default()).unwrap_or(ImportEntity::Contacts);
            }
            Some("file") => {
                if !csrf_ok(&web.app, &auth, &parts, &csrf) {
                    return error_page(page, &ServiceError::Forbidden);
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                if name.is_empty() {
                    return see_other(&parts, &base, "/imports?error=no_file");
                }
                let source = Box::pin(field.into_async_read());
                let u = &web.uploads;
                return match web
                    .app
                    .upload_file(&auth.actor, u.files.as_ref(), &name, source, u.max_upload)
                    .await
                {
                    Ok(f) => see_other(&parts, &base, &format!("/imports/new?file={}&entity={}", f.id, entity.code())),
                    Err(ServiceError::Invalid(v)) => {
                        let large = v.errors().iter().any(|e| e.kind == crm_domain::ViolationKind::TooLarge);
                        see_other(
                            &parts,
                            &base,
                            if large { "/imports?error=too_large" } else { "/imports?error=name" },
                        )
                    }
                    Err(e) => error_page(page, &e),
                };
            }
            _ => {}
        }
    }
    see_other(&parts, &base, "/imports?error=no_file")
}

/// `POST /imports/start`: starts the import of the mapping chosen, then follows it.
pub(crate) async fn start<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(file_id) = form.get("file").and_then(|f| Uuid::parse_str(&f).ok()) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let columns = form.pairs().iter().filter(|(k, _)| k.starts_with("col_")).count();
    let (mapping, options) = super::import_plan::read_form(&form, columns);
    let entity = super::import_plan::entity_of(&form);
    match web.app.start_import(&auth.actor, entity, file_id, &mapping, &options).await {
        Ok(job) => see_other(&req, &web.settings.base_path, &format!("/imports/{}", job.job.id)),
        Err(ServiceError::Conflict) => {
            let error = Some(page.t("imports.already_running"));
            list_page(web, &auth.actor, page, error).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// What the progress of an import shows.
struct Progress {
    id: Uuid,
    /// What the file holds.
    entity: &'static str,
    running: bool,
    state: String,
    done: u64,
    total: u64,
    percent: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    skipped: u64,
    organizations: u64,
    refused: bool,
    failed: bool,
    notes: Vec<(u64, String)>,
}

impl Progress {
    fn of(lang: Lang, import: &ImportJob) -> Self {
        let p = &import.progress;
        let running = matches!(import.job.state, JobState::Queued | JobState::Running);
        Self {
            id: import.job.id,
            entity: import.spec.entity.code(),
            running,
            state: state_text(lang, import),
            done: p.done,
            total: p.total,
            percent: (p.done * 100).checked_div(p.total).unwrap_or(0),
            created: p.created,
            updated: p.updated,
            unchanged: p.unchanged,
            skipped: p.skipped,
            organizations: p.organizations,
            refused: p.refused,
            failed: matches!(import.job.state, JobState::Failed),
            notes: p.noted.iter().take(50).map(|n| (n.line, note_text(lang, &n.note))).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    page: Page,
    file_name: String,
    p: Progress,
}

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressFragment {
    page: Page,
    p: Progress,
}

/// `GET /imports/{id}`: an import and where it stands.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.import_job(&auth.actor, id).await {
        Ok(import) => {
            let file_name = web
                .app
                .file(&auth.actor, import.spec.file_id)
                .await
                .map_or_else(|_| page.t("imports.file_gone"), |f| f.name);
            let p = Progress::of(page.lang, &import);
            render(StatusCode::OK, &ImportPage { page, file_name, p })
        }
        Err(e) => error_page(page, &e),
    }
}

/// `GET /imports/{id}/progress`: the progress fragment, polled while the import runs.
pub(crate) async fn progress<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match session_of(web, &req, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.import_job(&auth.actor, id).await {
        Ok(import) => {
            let p = Progress::of(page.lang, &import);
            render(StatusCode::OK, &ProgressFragment { page, p })
        }
        Err(e) => error_page(page, &e),
    }
}
