//! Automation rules (Admin, Marketing, menu « Automatismes »): the rules in words with their
//! runs counted, the builder (a trigger, a condition on the contact, up to five actions),
//! tried on the last 30 days before it is saved (through htmx; a button without script),
//! and each rule's run log — every start and every skip, with its reason.

use super::automation_form::{
    ACTIONS, CONDITION_FIELDS, Names, SUBJECTS, TRIGGERS, Typed, action_words, fault_place, trigger_words, typed_of,
};
use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_domain::automation::{AutomationRule, RunState};
use crm_domain::segment::Definition;
use crm_ports::services::automation::DryRun;
use crm_ports::store::{AutomationRun, Store};
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Line {
    id: String,
    name: String,
    trigger: String,
    actions: Vec<String>,
    active: bool,
    version: i64,
    counts: String,
}

/// One run as the log shows it.
pub(crate) struct RunLine {
    at: String,
    record: String,
    link: Option<String>,
    state: String,
    state_code: &'static str,
    reason: String,
    steps: Vec<String>,
    depth: u8,
}

#[derive(Template)]
#[template(path = "automations.html")]
struct AutomationsPage {
    page: Page,
    lines: Vec<Line>,
    form: FormView,
    message: Option<String>,
}

/// The builder's parts: what was typed, the choices, the faults, where it posts.
pub(crate) struct FormView {
    typed: Typed,
    action: String,
    editing: Option<(String, i64)>,
    triggers: Vec<(&'static str, String)>,
    subjects: Vec<(&'static str, String)>,
    condition_fields: Vec<(&'static str, String)>,
    actions: Vec<(&'static str, String)>,
    fields: Vec<(&'static str, String)>,
    names: Names,
    dynamic_segments: Vec<(String, String)>,
    faults: Vec<String>,
}

#[derive(Template)]
#[template(path = "automation_dry_run.html")]
struct DryRunView {
    page: Page,
    dry: Option<DryRunLines>,
    faults: Vec<String>,
}

struct DryRunLines {
    summary: String,
    skipped: Vec<String>,
    samples: Vec<RunLine>,
    truncated: bool,
}

#[derive(Template)]
#[template(path = "automation_runs.html")]
struct RunsPage {
    page: Page,
    id: String,
    name: String,
    trigger: String,
    actions: Vec<String>,
    runs: Vec<RunLine>,
    states: Vec<(&'static str, String, bool)>,
    /// No state chosen: every run shown.
    state_all: bool,
}

async fn names_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
) -> (Names, Vec<(String, String)>) {
    let mut n = Names::default();
    let mut dynamic = Vec::new();
    if let Ok(list) = web.app.email_templates(actor).await {
        n.templates = list.iter().map(|t| (t.id.to_string(), t.name.as_str().to_owned())).collect();
    }
    if let Ok(list) = web.app.list_segments(actor).await {
        for s in &list {
            match s.definition {
                Definition::Static => n.lists.push((s.id.to_string(), s.name.as_str().to_owned())),
                Definition::Dynamic(_) => dynamic.push((s.id.to_string(), s.name.as_str().to_owned())),
            }
        }
    }
    if let Ok(list) = web.app.list_teams(actor).await {
        n.teams = list.iter().map(|t| (t.id.to_string(), t.name.as_str().to_owned())).collect();
    }
    if let Ok(list) = web.app.list_pipelines(actor).await {
        for p in &list {
            for s in &p.stages {
                n.stages
                    .push((s.id.to_string(), format!("{} — {}", p.name.as_str(), s.name.as_str())));
            }
        }
    }
    if let Ok(list) = web.app.webhooks(actor).await {
        n.webhooks = list.iter().map(|w| (w.id.to_string(), w.spec.url.as_str().to_owned())).collect();
    }
    (n, dynamic)
}

fn form_view(
    page: &Page,
    typed: Typed,
    names: Names,
    dynamic: Vec<(String, String)>,
    faults: Vec<String>,
    editing: Option<(String, i64)>,
) -> FormView {
    let list = |prefix: &str, codes: &[&'static str]| {
        codes
            .iter()
            .map(|c| (*c, page.t(&format!("{prefix}{}", c.replace('.', "_")))))
            .collect()
    };
    FormView {
        action: match &editing {
            Some((id, _)) => page.url(&format!("/settings/automations/{id}")),
            None => page.url("/settings/automations"),
        },
        editing,
        typed,
        triggers: list("automations.trigger_", &TRIGGERS),
        subjects: list("automations.subject_", &SUBJECTS),
        condition_fields: list("automations.cond_", &CONDITION_FIELDS),
        actions: list("automations.action_", &ACTIONS),
        fields: list("automations.field_", &["source", "job_title", "kind"]),
        names,
        dynamic_segments: dynamic,
        faults,
    }
}

/// The names of the records of some runs, as the reader may see them.
async fn record_names<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    runs: &[AutomationRun],
) -> crm_ports::services::names::Names {
    let mut req = crm_ports::services::names::NameRequest::default();
    for r in runs {
        if matches!(
            r.entity_type,
            crm_domain::event::EntityType::Contact
                | crm_domain::event::EntityType::Opportunity
                | crm_domain::event::EntityType::Organization
        ) {
            req.record(r.entity_type, r.entity_id);
        }
    }
    web.app.names(actor, &req).await.unwrap_or_default()
}

fn run_line(page: &Page, r: &AutomationRun, tz: chrono_tz::Tz, names: &crm_ports::services::names::Names) -> RunLine {
    let link = match r.entity_type {
        crm_domain::event::EntityType::Contact => Some(format!("/contacts/{}", r.entity_id)),
        crm_domain::event::EntityType::Opportunity => Some(format!("/opportunities/{}", r.entity_id)),
        crm_domain::event::EntityType::Organization => Some(format!("/organizations/{}", r.entity_id)),
        _ => r.contact_id.map(|c| format!("/contacts/{c}")),
    };
    RunLine {
        at: page.lang.date_time(r.created_at, tz),
        record: {
            let kind = page.t(&format!("automations.subject_{}", r.entity_type.code()));
            match names.get(r.entity_id) {
                Some(n) => format!("{n} ({kind})"),
                None => kind,
            }
        },
        link: link.map(|l| page.url(&l)),
        state: page.t(&format!("automations.state_{}", r.state.name())),
        state_code: r.state.name(),
        reason: r.reason.as_deref().map(|why| reason_text(page, why)).unwrap_or_default(),
        steps: r
            .steps
            .iter()
            .map(|s| {
                let mut line = format!(
                    "{} — {}",
                    page.t(&format!("automations.action_{}", s.action)),
                    page.t(&format!("automations.outcome_{}", s.outcome))
                );
                if let Some(d) = s.detail.as_deref().filter(|_| s.outcome != "done") {
                    line.push_str(&format!(" ({})", reason_text(page, d)));
                }
                line
            })
            .collect(),
        depth: r.depth,
    }
}

/// A reason code in words (the code itself when the catalogue has none).
fn reason_text(page: &Page, code: &str) -> String {
    if let Some(detail) = code.strip_prefix("error:") {
        return format!("{} ({detail})", page.t("automations.reason_error"));
    }
    let key = format!("automations.reason_{}", code.replace([':', '.'], "_"));
    let t = page.t(&key);
    if t == key { code.to_owned() } else { t }
}

async fn list_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    form: (Typed, Vec<String>, Option<(String, i64)>),
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let read = async {
        let rules = web.app.automations(actor).await?;
        let counts = web.app.automation_run_counts(actor).await?;
        Ok::<_, ServiceError>((rules, counts))
    }
    .await;
    let (rules, counts) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let (names, dynamic) = names_of(web, actor).await;
    let lines = rules
        .iter()
        .map(|r| {
            let mine: Vec<String> = RunState::ALL
                .iter()
                .filter_map(|s| {
                    let n: u64 = counts.iter().filter(|c| c.rule_id == r.id && c.state == *s).map(|c| c.count).sum();
                    (n > 0).then(|| format!("{n} {}", page.t(&format!("automations.state_{}", s.name())).to_lowercase()))
                })
                .collect();
            Line {
                id: r.id.to_string(),
                name: r.spec.name.as_str().to_owned(),
                trigger: trigger_words(&page, &r.spec.trigger, &names),
                actions: r.spec.actions.iter().map(|a| action_words(&page, a, &names)).collect(),
                active: r.spec.active,
                version: r.version,
                counts: if mine.is_empty() {
                    page.t("automations.no_runs")
                } else {
                    mine.join(", ")
                },
            }
        })
        .collect();
    let (typed, faults, editing) = form;
    let p = AutomationsPage {
        lines,
        form: form_view(&page, typed, names, dynamic, faults, editing),
        message,
        page,
    };
    render(status, &p)
}

/// `GET /settings/automations`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("automations.done_{d}")));
    let editing = match Form::query(&req).get("edit").and_then(|id| id.parse().ok()) {
        Some(id) => match web.app.automation(&auth.actor, id).await {
            Ok(r) => Some(r),
            Err(e) => return error_page(page, &e),
        },
        None => None,
    };
    let form = match editing {
        Some(r) => (typed_of(&r), Vec::new(), Some((r.id.to_string(), r.version))),
        None => (Typed::blank(), Vec::new(), None),
    };
    list_page(web, &auth.actor, page, form, message, StatusCode::OK).await
}

/// The rule typed, with the chosen segment's rule as its condition.
async fn input_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    typed: &Typed,
    active: bool,
) -> crm_domain::automation::AutomationInput {
    let segment_rule = match typed.segment.parse() {
        Ok(id) => match web.app.segment(actor, id).await {
            Ok(s) => match s.definition {
                Definition::Dynamic(rule) => Some(rule.to_json()),
                Definition::Static => None,
            },
            Err(_) => None,
        },
        Err(_) => None,
    };
    typed.input(segment_rule, active)
}

fn faults_of(page: &Page, e: &crm_domain::ValidationError) -> Vec<String> {
    e.errors()
        .iter()
        .map(|f| format!("{} : {}", fault_place(page, &f.field), fault_text(page.lang, f.kind)))
        .collect()
}

/// `POST /settings/automations` (a new rule) and `POST /settings/automations/{id}` (a
/// rule changed, at the version shown).
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let typed = Typed::read(&form);
    let id = path_id(&req);
    let version: i64 = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let active = form.get("active").is_none_or(|a| a != "false");
    let input = input_of(web, &auth.actor, &typed, active).await;
    let saved = match id {
        Some(id) => web.app.update_automation(&auth.actor, id, version, &input).await.map(|_| "changed"),
        None => web.app.create_automation(&auth.actor, &input).await.map(|_| "created"),
    };
    match saved {
        Ok(done) => see_other(&req, &web.settings.base_path, &format!("/settings/automations?done={done}")),
        Err(ServiceError::Invalid(e)) => {
            let faults = faults_of(&page, &e);
            let editing = id.map(|i| (i.to_string(), version));
            list_page(
                web,
                &auth.actor,
                page,
                (typed, faults, editing),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/automations?done=stale"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/automations/dry-run`: what the rule typed would have done over the last
/// 30 days (a fragment for htmx).
pub(crate) async fn dry_run<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = input_of(web, &auth.actor, &Typed::read(&form), true).await;
    let tz = super::company_tz(web, &auth.actor).await;
    let view = match web.app.dry_run_automation(&auth.actor, &input).await {
        Ok(d) => DryRunView {
            dry: Some(dry_lines(&page, &d, tz, &record_names(web, &auth.actor, &d.samples).await)),
            faults: Vec::new(),
            page,
        },
        Err(ServiceError::Invalid(e)) => DryRunView {
            faults: faults_of(&page, &e),
            dry: None,
            page,
        },
        Err(e) => return error_page(page, &e),
    };
    render(StatusCode::OK, &view)
}

fn dry_lines(page: &Page, d: &DryRun, tz: chrono_tz::Tz, names: &crm_ports::services::names::Names) -> DryRunLines {
    DryRunLines {
        summary: page
            .t("automations.dry_summary")
            .replace("{events}", &d.events.to_string())
            .replace("{matched}", &d.matched.to_string())
            .replace("{started}", &d.started.to_string()),
        skipped: d
            .skipped
            .iter()
            .map(|(why, n)| format!("{n} — {}", reason_text(page, why)))
            .collect(),
        samples: d.samples.iter().map(|r| run_line(page, r, tz, names)).collect(),
        truncated: d.truncated,
    }
}

/// `GET /settings/automations/{id}`: the rule's run log (`?state=` one state).
pub(crate) async fn runs<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let state = Form::query(&req).get("state").and_then(|s| RunState::parse(&s));
    let read = async {
        let rule: AutomationRule = web.app.automation(&auth.actor, id).await?;
        let runs = web.app.automation_runs(&auth.actor, id, state, 200).await?;
        Ok::<_, ServiceError>((rule, runs))
    }
    .await;
    let (rule, runs) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, &auth.actor).await;
    let (names, _) = names_of(web, &auth.actor).await;
    let records = record_names(web, &auth.actor, &runs).await;
    let p = RunsPage {
        id: rule.id.to_string(),
        name: rule.spec.name.as_str().to_owned(),
        trigger: trigger_words(&page, &rule.spec.trigger, &names),
        actions: rule.spec.actions.iter().map(|a| action_words(&page, a, &names)).collect(),
        runs: runs.iter().map(|r| run_line(&page, r, tz, &records)).collect(),
        states: RunState::ALL
            .iter()
            .map(|s| (s.name(), page.t(&format!("automations.state_{}", s.name())), state == Some(*s)))
            .collect(),
        state_all: state.is_none(),
        page,
    };
    render(StatusCode::OK, &p)
}

/// `POST /settings/automations/{id}/toggle`: on, or paused.
pub(crate) async fn toggle<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let changed = async {
        let r = web.app.automation(&auth.actor, id).await?;
        let input = crm_domain::automation::AutomationInput {
            active: !r.spec.active,
            ..r.spec.input()
        };
        web.app.update_automation(&auth.actor, id, version, &input).await
    }
    .await;
    match changed {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/automations?done=changed"),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/automations?done=stale"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/automations/{id}/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "automations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.delete_automation(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/automations?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}
