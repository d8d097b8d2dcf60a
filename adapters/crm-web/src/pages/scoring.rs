//! Lead scoring rules (Admin, Marketing, menu « Score des prospects »): the rules — what each
//! looks at, its points and half-life, on or off — a form to add one, and the spread of the
//! scores of the company's first contacts drawn as bars, with the rule being typed added
//! (refreshed as the form changes, through htmx; a button without script).

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_domain::organization::OrganizationSize;
use crm_domain::scoring::{Engagement, ScoringRule, ScoringRuleInput, Signal};
use crm_ports::services::scoring::Distribution;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// The kinds of signal the form offers.
const KINDS: [&str; 6] = ["job_title", "industry", "organization_size", "source", "tag", "engagement"];
/// The sizes, in order.
const SIZES: [OrganizationSize; 5] = [
    OrganizationSize::Micro,
    OrganizationSize::Small,
    OrganizationSize::Medium,
    OrganizationSize::Intermediate,
    OrganizationSize::Large,
];

struct Line {
    id: String,
    name: String,
    what: String,
    points: i32,
    half_life: String,
    active: bool,
    version: i64,
}

/// One bar of a spread: label, count, length in hundredths of the longest.
struct Bar {
    label: String,
    count: u64,
    width: u64,
}

/// The learned model, in words.
#[derive(Default)]
struct ModelView {
    /// What it is (never trained, too little history, trained on when).
    state: String,
    /// Its judgement beside the rules', when trained.
    verdict: Option<String>,
    /// Factor and effect, the strongest first.
    factors: Vec<(String, String)>,
}

fn model_view(
    page: &Page,
    m: Option<&(chrono::DateTime<chrono::Utc>, crm_domain::scoring::learned::Training)>,
    tz: chrono_tz::Tz,
) -> ModelView {
    use crm_domain::scoring::learned::{MIN_EACH, MIN_EXAMPLES, Training, explain};
    let Some((at, t)) = m else {
        return ModelView {
            state: page.t("scoring.model_none"),
            ..ModelView::default()
        };
    };
    let when = page.lang.date_time(*at, tz);
    let pct = |p: u32| format!("{},{}", p / 10, p % 10);
    match t {
        Training::TooFew { examples, won } => ModelView {
            state: page
                .t("scoring.model_too_few")
                .replace("{when}", &when)
                .replace("{examples}", &examples.to_string())
                .replace("{won}", &won.to_string())
                .replace("{min}", &MIN_EXAMPLES.to_string())
                .replace("{each}", &MIN_EACH.to_string()),
            ..ModelView::default()
        },
        Training::Trained {
            model,
            trained_on,
            held_out,
            auc_permille,
            rules_auc_permille,
        } => ModelView {
            state: page
                .t("scoring.model_trained")
                .replace("{when}", &when)
                .replace("{trained}", &trained_on.to_string())
                .replace("{held}", &held_out.to_string()),
            verdict: Some(
                page.t(if t.beats_rules() {
                    "scoring.model_better"
                } else {
                    "scoring.model_not_better"
                })
                .replace("{auc}", &pct(*auc_permille))
                .replace("{rules}", &pct(*rules_auc_permille)),
            ),
            factors: explain(model)
                .into_iter()
                .filter(|(_, e)| *e != "weak")
                .map(|(f, e)| (page.t(&format!("scoring.feature_{f}")), page.t(&format!("scoring.effect_{e}"))))
                .collect(),
        },
    }
}

/// The form as typed.
#[derive(Default)]
struct Typed {
    name: String,
    kind: String,
    values: String,
    sizes: Vec<String>,
    engagement: String,
    points: String,
    half_life: String,
}

#[derive(Template)]
#[template(path = "scoring.html")]
struct ScoringPage {
    page: Page,
    lines: Vec<Line>,
    typed: Typed,
    kinds: Vec<(&'static str, String)>,
    sizes: Vec<(&'static str, String)>,
    engagements: Vec<(&'static str, String)>,
    faults: Vec<(String, String)>,
    message: Option<String>,
    /// The learned model as said: its state line, its AUC line, its factors.
    model: ModelView,
    /// The spread now (the same parts as [`Preview`], for its template included).
    contacts: u64,
    now: Vec<Bar>,
    with: Option<Vec<Bar>>,
}

/// The spread now, and with the rule typed.
#[derive(Template)]
#[template(path = "scoring_preview.html")]
struct Preview {
    page: Page,
    contacts: u64,
    now: Vec<Bar>,
    with: Option<Vec<Bar>>,
}

fn bars(page: &Page, d: &Distribution, widest: u64) -> Vec<Bar> {
    d.bands
        .iter()
        .enumerate()
        .map(|(i, n)| Bar {
            label: page.t(&format!("scoring.band_{i}")),
            count: *n,
            width: n * 100 / widest.max(1),
        })
        .collect()
}

fn preview(page: &Page, now: &Distribution, with: Option<&Distribution>) -> Preview {
    let widest = now
        .bands
        .iter()
        .chain(with.iter().flat_map(|w| w.bands.iter()))
        .copied()
        .max()
        .unwrap_or(0);
    Preview {
        page: page.clone(),
        contacts: now.contacts,
        now: bars(page, now, widest),
        with: with.map(|w| bars(page, w, widest)),
    }
}

fn what(page: &Page, s: &Signal) -> String {
    let kind = |k: &str| page.t(&format!("scoring.kind_{k}"));
    match s {
        Signal::JobTitle { words } => format!("{} : {}", kind("job_title"), words.join(", ")),
        Signal::Industry { values } => format!("{} : {}", kind("industry"), values.join(", ")),
        Signal::Source { values } => format!("{} : {}", kind("source"), values.join(", ")),
        Signal::OrganizationSize { sizes } => format!(
            "{} : {}",
            kind("organization_size"),
            sizes
                .iter()
                .map(|z| page.t(&format!("organization_size.{}", z.code())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Signal::Tag { tag } => format!("{} : {tag}", kind("tag")),
        Signal::Engagement { engagement } => page.t(&format!("scoring.engagement_{}", engagement.code())),
    }
}

fn line(page: &Page, r: &ScoringRule) -> Line {
    Line {
        id: r.id.to_string(),
        name: r.spec.name.as_str().to_owned(),
        what: what(page, &r.spec.signal),
        points: r.spec.points,
        half_life: r
            .spec
            .half_life_days
            .map(|d| format!("{d} {}", page.t("scoring.days")))
            .unwrap_or_default(),
        active: r.spec.active,
        version: r.version,
    }
}

fn typed(form: &Form) -> Typed {
    Typed {
        name: form.text("name"),
        kind: form.get("kind").unwrap_or_else(|| "job_title".to_owned()),
        values: form.text("values"),
        sizes: form.all("sizes"),
        engagement: form.get("engagement").unwrap_or_else(|| "email_opened".to_owned()),
        points: form.text("points"),
        half_life: form.text("half_life_days"),
    }
}

/// The rule typed (its points 0 when not a number: refused with their field).
fn input_of(t: &Typed) -> ScoringRuleInput {
    let list = || {
        t.values
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let signal = match t.kind.as_str() {
        "industry" => Signal::Industry { values: list() },
        "source" => Signal::Source { values: list() },
        "organization_size" => Signal::OrganizationSize {
            sizes: t.sizes.iter().filter_map(|s| OrganizationSize::parse(s).ok()).collect(),
        },
        "tag" => Signal::Tag {
            tag: t.values.trim().to_owned(),
        },
        "engagement" => Signal::Engagement {
            engagement: Engagement::parse(&t.engagement).unwrap_or(Engagement::EmailOpened),
        },
        _ => Signal::JobTitle { words: list() },
    };
    let engagement = matches!(signal, Signal::Engagement { .. });
    ScoringRuleInput {
        name: t.name.clone(),
        signal,
        points: t.points.trim().parse().unwrap_or(0),
        half_life_days: if engagement { t.half_life.trim().parse().ok() } else { None },
        active: true,
    }
}

#[allow(clippy::too_many_arguments)] // the page's parts
async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    typed: Typed,
    faults: Vec<(String, String)>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let read = async {
        let rules = web.app.scoring_rules(actor).await?;
        let (now, _) = web.app.score_preview(actor, None).await?;
        let model = web.app.scoring_model(actor).await?;
        Ok::<_, ServiceError>((rules, now, model))
    }
    .await;
    let tz = super::company_tz(web, actor).await;
    let (rules, now, model) = match read {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let p = ScoringPage {
        lines: rules.iter().map(|r| line(&page, r)).collect(),
        typed,
        kinds: KINDS.iter().map(|k| (*k, page.t(&format!("scoring.kind_{k}")))).collect(),
        sizes: SIZES
            .iter()
            .map(|s| (s.code(), page.t(&format!("organization_size.{}", s.code()))))
            .collect(),
        engagements: Engagement::ALL
            .iter()
            .map(|e| (e.code(), page.t(&format!("scoring.engagement_{}", e.code()))))
            .collect(),
        faults,
        message,
        model: model_view(&page, model.as_ref(), tz),
        contacts: now.contacts,
        now: bars(&page, &now, now.bands.iter().copied().max().unwrap_or(0)),
        with: None,
        page,
    };
    render(status, &p)
}

/// `GET /settings/scoring`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("scoring.done_{d}")));
    page_of(web, &auth.actor, page, Typed::default(), Vec::new(), message, StatusCode::OK).await
}

/// `POST /settings/scoring`: a rule added.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let typed = typed(&form);
    match web.app.create_scoring_rule(&auth.actor, &input_of(&typed)).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/scoring?done=created"),
        Err(ServiceError::Invalid(e)) => {
            let faults = e
                .errors()
                .iter()
                .map(|f| {
                    let field = f.field.split(['.', '[']).next().unwrap_or_default().to_owned();
                    (field, fault_text(page.lang, f.kind))
                })
                .collect();
            page_of(web, &auth.actor, page, typed, faults, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/scoring/preview`: the spread with the rule typed (a fragment for htmx;
/// the spread now alone while the rule is incomplete).
pub(crate) async fn preview_fragment<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let draft = input_of(&typed(&form));
    let result = match web.app.score_preview(&auth.actor, Some(&draft)).await {
        Err(ServiceError::Invalid(_)) => web.app.score_preview(&auth.actor, None).await,
        other => other,
    };
    match result {
        Ok((now, with)) => render(StatusCode::OK, &preview(&page, &now, with.as_ref())),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/scoring/{id}/toggle`: on, or off.
pub(crate) async fn toggle<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let changed = async {
        let rules = web.app.scoring_rules(&auth.actor).await?;
        let r = rules.iter().find(|r| r.id == id).ok_or(ServiceError::NotFound)?;
        let input = ScoringRuleInput {
            name: r.spec.name.as_str().to_owned(),
            signal: r.spec.signal.clone(),
            points: r.spec.points,
            half_life_days: r.spec.half_life_days,
            active: !r.spec.active,
        };
        web.app.update_scoring_rule(&auth.actor, id, version, &input).await
    }
    .await;
    match changed {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/scoring?done=changed"),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/settings/scoring?done=stale"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/scoring/model`: the learned model trained now.
pub(crate) async fn train<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.train_scoring_model(&auth.actor).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/scoring?done=trained"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/scoring/{id}/delete`.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "scoring").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.delete_scoring_rule(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/scoring?done=deleted"),
        Err(e) => error_page(page, &e),
    }
}
