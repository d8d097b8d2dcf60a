//! Pipelines and stages (Admin, menu « Pipelines »): add a pipeline, rename it, add,
//! rename, reorder (dragged, or moved up and down with buttons) and remove stages, edit
//! their probabilities — strictly increasing, checked in the page as they are typed and by
//! the domain when saved — and delete a pipeline that holds no deal.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_domain::pipeline::{Pipeline, StageInput, StageMove};
use crm_domain::visibility::{Capability, allows};
use crm_domain::{Actor, PipelineId, StageId};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// One stage row as shown.
pub(crate) struct Row {
    id: String,
    name: String,
    probability: String,
}

/// The empty row at the end of every form (a new stage, typed without the page's script).
pub(crate) const EMPTY_ROW: &Row = &Row {
    id: String::new(),
    name: String::new(),
    probability: String::new(),
};

/// A stage taken out with open deals: its id, its name, the kept stages (id, name, chosen).
type MoveChoice = (String, String, Vec<(String, String, bool)>);

/// One pipeline's form.
struct Editor {
    /// Empty for the new pipeline's form.
    id: String,
    name: String,
    version: i64,
    rows: Vec<Row>,
    /// The refusal of this form's last try.
    fault: Option<String>,
    /// Stages taken out that hold open deals, each with where they may go: the stage's id
    /// and name, the kept stages (id, name, chosen).
    moves: Vec<MoveChoice>,
    /// Archived stages' names (closed deals still name them).
    archived: Vec<String>,
}

#[derive(Template)]
#[template(path = "pipeline_settings.html")]
struct PipelinesPage {
    page: Page,
    editors: Vec<Editor>,
    /// The form to add a pipeline.
    new: Editor,
    message: Option<String>,
}

fn editor(p: &Pipeline) -> Editor {
    Editor {
        id: p.id.to_string(),
        name: p.name.to_string(),
        version: p.version,
        rows: p
            .stages
            .iter()
            .map(|s| Row {
                id: s.id.to_string(),
                name: s.name.to_string(),
                probability: s.probability.percent().to_string(),
            })
            .collect(),
        fault: None,
        moves: Vec::new(),
        archived: p.archived.iter().map(|s| s.name.to_string()).collect(),
    }
}

fn blank() -> Editor {
    Editor {
        id: String::new(),
        name: String::new(),
        version: 0,
        rows: Vec::new(),
        fault: None,
        moves: Vec::new(),
        archived: Vec::new(),
    }
}

/// The destinations chosen for the stages taken out (`move_from` / `move_to` pairs).
fn moves_of(form: &Form) -> Vec<StageMove> {
    form.all("move_from")
        .iter()
        .zip(form.all("move_to"))
        .filter_map(|(f, t)| {
            Some(StageMove {
                from: StageId::from_uuid(uuid::Uuid::parse_str(f).ok()?),
                to: StageId::from_uuid(uuid::Uuid::parse_str(&t).ok()?),
            })
        })
        .collect()
}

/// For each stage of `saved` the rows leave out, where its open deals may go: the kept
/// stages (rows with an id), the one chosen before first.
fn move_choices(saved: &Pipeline, rows: &[Row], chosen: &[StageMove]) -> Vec<MoveChoice> {
    saved
        .stages
        .iter()
        .filter(|s| !rows.iter().any(|r| r.id == s.id.to_string()))
        .map(|s| {
            let pick = chosen.iter().find(|m| m.from == s.id).map(|m| m.to.to_string());
            let options = rows
                .iter()
                .filter(|r| saved.stages.iter().any(|k| k.id.to_string() == r.id))
                .map(|r| (r.id.clone(), r.name.clone(), pick.as_deref() == Some(r.id.as_str())))
                .collect();
            (s.id.to_string(), s.name.to_string(), options)
        })
        .collect()
}

/// The rows as sent, in the page's order; a row without a name is dropped (an empty new
/// row, or a stage the person cleared to remove it).
fn rows_of(form: &Form) -> Vec<Row> {
    let ids = form.all("stage_id");
    let names = form.all("stage_name");
    let probabilities = form.all("stage_probability");
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Row {
            id: ids.get(i).cloned().unwrap_or_default(),
            name: n.trim().to_owned(),
            probability: probabilities.get(i).map(|p| p.trim().to_owned()).unwrap_or_default(),
        })
        .filter(|r| !r.name.is_empty())
        .collect()
}

/// The domain's refusal in the reader's words, each stage named by its number and name:
/// « Étape 3 (Proposition) — probabilité : doit dépasser celle de l'étape précédente ».
fn refusal(page: &Page, rows: &[Row], e: &crm_domain::ValidationError) -> String {
    e.errors()
        .iter()
        .map(|f| {
            let parts: Vec<&str> = f.field.split('.').collect();
            let kind = fault_text(page.lang, f.kind);
            match parts.as_slice() {
                ["stages", i, what] => {
                    let n = i.parse::<usize>().unwrap_or_default();
                    let name = rows.get(n).map(|r| r.name.as_str()).unwrap_or_default();
                    format!(
                        "{} {} ({name}) — {} : {kind}.",
                        page.t("stages.stage"),
                        n + 1,
                        page.t(&format!("stages.field_{what}"))
                    )
                }
                _ => format!("{} : {kind}.", page.t(&format!("stages.field_{}", f.field))),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stages to save; `None` when a probability is not a whole number (said like the
/// domain's own refusals).
fn stages_of(rows: &[Row]) -> Result<Vec<StageInput>, crm_domain::ValidationError> {
    let mut v = crm_domain::error::Validator::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let probability = match r.probability.parse::<i64>() {
            Ok(p) => p,
            Err(_) => {
                v.push(format!("stages.{i}.probability"), crm_domain::ViolationKind::Malformed);
                0
            }
        };
        out.push(StageInput {
            id: uuid::Uuid::parse_str(&r.id).ok().map(StageId::from_uuid),
            name: r.name.clone(),
            probability,
        });
    }
    v.finish()?;
    Ok(out)
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    message: Option<String>,
    tried: Option<Editor>,
    status: StatusCode,
) -> Response {
    if !allows(actor, Capability::ManagePipelines) {
        return error_page(page, &ServiceError::Forbidden);
    }
    let pipelines = match web.app.list_pipelines(actor).await {
        Ok(p) => p,
        Err(e) => return error_page(page, &e),
    };
    let mut editors: Vec<Editor> = pipelines.iter().map(editor).collect();
    let mut new = blank();
    match tried {
        Some(t) if t.id.is_empty() => new = t,
        Some(t) => {
            if let Some(e) = editors.iter_mut().find(|e| e.id == t.id) {
                *e = t;
            }
        }
        None => {}
    }
    render(
        status,
        &PipelinesPage {
            page,
            editors,
            new,
            message,
        },
    )
}

/// `GET /settings/pipelines`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "pipelines").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("stages.done_{d}")));
    page_of(web, &auth.actor, page, message, None, StatusCode::OK).await
}

/// `POST /settings/pipelines` (a new pipeline) and `POST /settings/pipelines/{id}`.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "pipelines").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = path_id(&req).map(PipelineId::from_uuid);
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let name = form.text("name");
    let rows = rows_of(&form);
    let moves = moves_of(&form);
    let saved = match stages_of(&rows) {
        Err(e) => Err(ServiceError::Invalid(e)),
        Ok(stages) => match id {
            Some(id) => web.app.update_pipeline(&auth.actor, id, version, &name, &stages, &moves).await,
            None => web.app.create_pipeline(&auth.actor, &name, &stages).await,
        },
    };
    let tried = |fault: String| Editor {
        id: id.map(|i| i.to_string()).unwrap_or_default(),
        name: name.clone(),
        version,
        rows: rows_of(&form),
        fault: Some(fault),
        moves: Vec::new(),
        archived: Vec::new(),
    };
    let base = &web.settings.base_path;
    match saved {
        Ok(p) => see_other(
            &req,
            base,
            &format!(
                "/settings/pipelines?done={}#pipeline-{}",
                if id.is_some() { "saved" } else { "created" },
                p.id
            ),
        ),
        Err(ServiceError::Conflict) => see_other(&req, base, "/settings/pipelines?done=stale"),
        Err(ServiceError::Invalid(e)) => {
            let mut fault = tried(refusal(&page, &rows, &e));
            // Stages taken out with open deals: ask where they go.
            if let Some(id) = id
                && e.errors().iter().any(|f| f.field == "stages" || f.field.starts_with("moves."))
                && let Ok(saved) = web.app.pipeline(&auth.actor, id).await
            {
                fault.moves = move_choices(&saved, &rows, &moves);
                fault.archived = saved.archived.iter().map(|s| s.name.to_string()).collect();
                if e.errors().iter().any(|f| f.field == "stages") {
                    fault.fault = Some(page.t("stages.needs_moves"));
                }
            }
            page_of(web, &auth.actor, page, None, Some(fault), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::InUse(_)) => {
            let fault = tried(page.t("stages.in_use"));
            page_of(web, &auth.actor, page, None, Some(fault), StatusCode::CONFLICT).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/pipelines/{id}/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "pipelines").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(PipelineId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let base = &web.settings.base_path;
    match web.app.delete_pipeline(&auth.actor, id, version).await {
        Ok(()) => see_other(&req, base, "/settings/pipelines?done=deleted"),
        Err(ServiceError::Conflict) => see_other(&req, base, "/settings/pipelines?done=stale"),
        Err(ServiceError::InUse(_)) => see_other(&req, base, "/settings/pipelines?done=not_empty"),
        Err(e) => error_page(page, &e),
    }
}
