//! Reports (Admin, Manager, Sales rep, Observer): the sales of a month, quarter or year
//! beside the period before — won, lost, win rate, average deal, sales cycle, deals
//! created — the open pipeline, and a pipeline's funnel drawn as bars (SVG made here, no
//! script), over mine, my team's or the company's deals, never beyond what the reader sees.

use super::{Form, signed_in};
use crate::Web;
use crate::i18n::Lang;
use crate::report_activity::{ACTIVITY_COLUMNS, activity_cells, people_of};
use crate::report_export::{ReportFormat, days, percent};
use crate::view::{Page, error_page, render};
use askama::Template;
use chrono::NaiveDate;
use crm_domain::PipelineId;
use crm_domain::report::{Amounts, PeriodKind, ReportScope, SalesFigures};
use crm_ports::services::reports::period_of;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};

/// One figure with the period before.
struct Figure {
    key: &'static str,
    label: String,
    now: String,
    before: String,
}

/// One funnel step as drawn.
struct Step {
    name: String,
    reached: u64,
    entered: u64,
    conversion: String,
    median: String,
    /// Its bar's width, in hundredths of the widest.
    width: u64,
    /// Its bar's top in the drawing.
    y: u64,
}

/// An activity table as shown.
struct ActivityTable {
    id: &'static str,
    title: &'static str,
    /// The label key of the name column.
    first: &'static str,
    /// Name and this period's counts.
    rows: Vec<(String, [u64; 7])>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    page: Page,
    scope: &'static str,
    kind: &'static str,
    date: String,
    period: String,
    previous: String,
    figures: Vec<Figure>,
    open: Vec<(String, String)>,
    /// Per sales rep: name, won, lost, win rate.
    reps: Vec<(String, String, u64, String)>,
    /// Per team: name, won, lost, win rate.
    teams: Vec<(String, String, u64, String)>,
    /// The activity tables' column labels (after the name).
    activity_columns: Vec<String>,
    /// Per person, then per team.
    activity_tables: [ActivityTable; 2],
    pipelines: Vec<(String, String, bool)>,
    steps: Vec<Step>,
    /// The funnel drawing's height.
    height: u64,
    /// The query of the report shown, for its download links.
    query: String,
    /// The reports the reader receives by email: id, what, when next.
    subscriptions: Vec<(String, String, String)>,
    /// What was just done, or refused.
    message: Option<String>,
    alert: Option<String>,
}

pub(crate) fn money_list(lang: Lang, amounts: &[Amounts], derived: bool) -> String {
    if amounts.is_empty() {
        return lang.money(0, "EUR");
    }
    amounts
        .iter()
        .map(|a| lang.money(if derived { a.derived_minor } else { a.total_minor }, a.currency.as_str()))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn figures(lang: Lang, now: &SalesFigures, before: &SalesFigures) -> Vec<Figure> {
    let row = |key: &'static str, f: &dyn Fn(&SalesFigures) -> String| Figure {
        key,
        label: lang.t(&format!("reports.{key}")),
        now: f(now),
        before: f(before),
    };
    vec![
        row("won", &|s| format!("{} · {}", s.won_count, money_list(lang, &s.won, false))),
        row("lost", &|s| s.lost_count.to_string()),
        row("win_rate", &|s| percent(lang, s.win_rate_permille)),
        row("average", &|s| money_list(lang, &s.won, true)),
        row("cycle", &|s| days(lang, s.median_cycle_seconds)),
        row("created", &|s| s.created_count.to_string()),
    ]
}

/// `GET /reports?scope=&period=&date=&pipeline=`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "reports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let (scope, kind, day, asked_pipeline) = asked(&q);
    let lang = page.lang;
    let result = async {
        let today = web.app.company_today(&auth.actor).await?;
        let period = period_of(kind, day, None, None, today)?;
        let sales = web.app.sales_report(&auth.actor, scope, period).await?;
        let pipelines = web.app.list_pipelines(&auth.actor).await?;
        let chosen = asked_pipeline
            .filter(|p| pipelines.iter().any(|x| x.id == *p))
            .or_else(|| pipelines.first().map(|p| p.id));
        let funnel = match chosen {
            Some(p) => Some(web.app.funnel_report(&auth.actor, scope, p, Some(period)).await?),
            None => None,
        };
        Ok::<_, crm_ports::ServiceError>((period, sales, pipelines, chosen, funnel))
    }
    .await;
    let (period, sales, pipelines, chosen, funnel) = match result {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let widest = funnel
        .as_ref()
        .and_then(|f| f.steps.iter().map(|(s, _)| s.reached).max())
        .unwrap_or(0)
        .max(1);
    let steps: Vec<Step> = funnel
        .map(|f| {
            f.steps
                .iter()
                .enumerate()
                .map(|(i, (s, name))| Step {
                    name: name.clone().unwrap_or_else(|| lang.t("reports.won_step")),
                    reached: s.reached,
                    entered: s.entered,
                    conversion: percent(lang, s.conversion_permille),
                    median: days(lang, s.median_seconds),
                    width: s.reached * 100 / widest,
                    y: u64::try_from(i).unwrap_or(0) * 36,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut names = crm_ports::services::names::NameRequest::default();
    for id in people_of(&sales) {
        names.user(id);
    }
    let names = web.app.names(&auth.actor, &names).await.ok();
    let name_of = |id: uuid::Uuid| names.as_ref().and_then(|n| n.get(id)).unwrap_or_default();
    let reps = sales
        .by_owner
        .iter()
        .map(|o| {
            (
                name_of(o.owner_id.as_uuid()),
                format!("{} · {}", o.won_count, money_list(lang, &o.won, false)),
                o.lost_count,
                percent(lang, o.win_rate_permille),
            )
        })
        .collect();
    let activity_people = sales
        .activity
        .by_person
        .iter()
        .map(|(u, a)| (name_of(u.as_uuid()), activity_cells(a)))
        .collect();
    let activity_teams = sales
        .activity_by_team
        .iter()
        .map(|(_, name, a)| (name.clone().unwrap_or_else(|| lang.t("report_file.no_team")), activity_cells(a)))
        .collect();
    let mut figures = figures(lang, &sales.current, &sales.previous);
    let a = &sales.activity.total;
    let [done_now, done_before] = a.done_total();
    for (key, now, before) in [
        ("activities_done", done_now, done_before),
        ("overdue_tasks", a.overdue_tasks[0], a.overdue_tasks[1]),
        ("new_leads", a.new_leads[0], a.new_leads[1]),
    ] {
        figures.push(Figure {
            key,
            label: lang.t(&format!("reports.{key}")),
            now: now.to_string(),
            before: before.to_string(),
        });
    }
    let tz = super::company_tz(web, &auth.actor).await;
    let subscriptions = web
        .app
        .report_subscriptions(&auth.actor)
        .await
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s.id.to_string(),
                format!(
                    "{} · {} · {}",
                    lang.t(&format!("report_mail.{}", s.mail.frequency.code())),
                    lang.t(&format!("report_file.{}", s.mail.format)),
                    lang.t(&format!("reports.scope_{}", s.mail.scope.code()))
                ),
                lang.date_time(s.next_at, tz),
            )
        })
        .collect();
    let message = q.get("done").map(|d| lang.t(&format!("report_mail.done_{d}")));
    let alert = q.get("refused");
    let previous = period.previous();
    let p = ReportsPage {
        scope: scope.code(),
        kind: kind.code(),
        date: period.first.format("%Y-%m-%d").to_string(),
        period: format!("{} – {}", lang.date(period.first), lang.date(period.last)),
        previous: format!("{} – {}", lang.date(previous.first), lang.date(previous.last)),
        figures,
        open: sales
            .open
            .iter()
            .map(|a| {
                (
                    lang.money(a.total_minor, a.currency.as_str()),
                    lang.money(a.derived_minor, a.currency.as_str()),
                )
            })
            .collect(),
        reps,
        activity_columns: ACTIVITY_COLUMNS.iter().map(|k| lang.t(k)).collect(),
        activity_tables: [
            ActivityTable {
                id: "activity-by-rep",
                title: "reports.activity_by_rep",
                first: "reports.rep",
                rows: activity_people,
            },
            ActivityTable {
                id: "activity-by-team",
                title: "reports.activity_by_team",
                first: "forecast.team",
                rows: activity_teams,
            },
        ],
        teams: sales
            .by_team
            .iter()
            .map(|(t, name)| {
                (
                    name.clone().unwrap_or_else(|| lang.t("report_file.no_team")),
                    format!("{} · {}", t.won_count, money_list(lang, &t.won, false)),
                    t.lost_count,
                    percent(lang, t.win_rate_permille),
                )
            })
            .collect(),
        pipelines: pipelines
            .iter()
            .map(|p| (p.id.to_string(), p.name.as_str().to_owned(), Some(p.id) == chosen))
            .collect(),
        height: u64::try_from(steps.len()).unwrap_or(0) * 36,
        steps,
        query: format!(
            "scope={}&period={}&date={}{}",
            scope.code(),
            kind.code(),
            period.first.format("%Y-%m-%d"),
            chosen.map(|p| format!("&pipeline={p}")).unwrap_or_default()
        ),
        subscriptions,
        message,
        alert,
        page,
    };
    render(StatusCode::OK, &p)
}

/// What a report page or file asks for: `scope`, `period` (month, quarter, year), `date`,
/// `pipeline`.
fn asked(q: &Form) -> (ReportScope, PeriodKind, Option<NaiveDate>, Option<PipelineId>) {
    let scope = q.get("scope").and_then(|s| ReportScope::parse(&s)).unwrap_or(ReportScope::Company);
    let kind = q
        .get("period")
        .and_then(|p| PeriodKind::parse(&p))
        .filter(|k| *k != PeriodKind::Custom)
        .unwrap_or(PeriodKind::Month);
    let day = q.get("date").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let pipeline = q
        .get("pipeline")
        .and_then(|p| uuid::Uuid::parse_str(&p).ok())
        .map(PipelineId::from_uuid);
    (scope, kind, day, pipeline)
}

/// `GET /reports/export?format=pdf|xlsx|csv&scope=&period=&date=&pipeline=`: the report
/// shown, as a file.
pub(crate) async fn export<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "reports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let Some(format) = q.get("format").and_then(|f| ReportFormat::parse(&f)) else {
        return error_page(page, &crm_ports::ServiceError::NotFound);
    };
    let (scope, kind, day, pipeline) = asked(&q);
    let lang = page.lang;
    let result = async {
        let today = web.app.company_today(&auth.actor).await?;
        let period = period_of(kind, day, None, None, today)?;
        let g = crate::report_export::gather(&web.app, &auth.actor, scope, period, pipeline).await?;
        Ok::<_, crm_ports::ServiceError>((period, g))
    }
    .await;
    let (period, g) = match result {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let doc = crate::report_export::document(lang, &g);
    match crate::report_export::render(&doc, format, &period) {
        Ok((bytes, name)) => Response::builder()
            .content_type(format.content_type())
            .header("content-disposition", format!("attachment; filename=\"{name}\""))
            .header("cache-control", "no-store")
            .body(bytes),
        Err(e) => error_page(page, &crm_ports::ServiceError::Internal(e.to_string())),
    }
}
