//! The sales report as a file (PDF, Excel workbook, CSV): the same figures as the
//! Rapports page — the period's sales beside the period before, the open pipeline, the
//! sales per rep, a pipeline's funnel — read through the same use cases (so within the
//! reader's visibility), labelled in the reader's language, money per currency and never
//! converted. The web page's download links and the API's export route both use it.

use crate::Lang;
use crate::report_activity::{activity_table, count, people_of};
use chrono::{DateTime, Utc};
use crm_domain::report::{Amounts, ReportPeriod, ReportScope, SalesFigures};
use crm_domain::{Actor, PipelineId};
use crm_ports::services::reports::{FunnelReport, SalesReport};
use crm_ports::store::{ActivityCounts, Store};
use crm_ports::{App, Clock, IdGenerator, ServiceError};
use crm_reporting::{Cell, Chart, Document, Table};

/// A file format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// PDF.
    Pdf,
    /// Excel workbook.
    Xlsx,
    /// CSV as French Excel opens it.
    Csv,
}

impl ReportFormat {
    /// The format of a code (`pdf`, `xlsx`, `csv`).
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "pdf" => Some(Self::Pdf),
            "xlsx" => Some(Self::Xlsx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// Its media type.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Its file extension.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

/// What a report reads, gathered through the use cases.
pub struct Gathered {
    /// The sales.
    pub sales: SalesReport,
    /// The funnel of the chosen pipeline (none without a pipeline).
    pub funnel: Option<FunnelReport>,
    /// The chosen pipeline's name.
    pub pipeline_name: Option<String>,
    /// The reps' names, by id.
    pub names: std::collections::HashMap<uuid::Uuid, String>,
    /// The company's name.
    pub company: String,
    /// The company's time zone.
    pub tz: chrono_tz::Tz,
    /// When it was read.
    pub at: DateTime<Utc>,
}

/// Reads the report of `scope` over `period` (and the funnel of `pipeline`, else of the
/// first pipeline).
///
/// # Errors
/// The use cases' (`Forbidden` for Marketing, an unknown pipeline).
pub async fn gather<S: Store, K, C: Clock, I: IdGenerator>(
    app: &App<S, K, C, I>,
    actor: &Actor,
    scope: ReportScope,
    period: ReportPeriod,
    pipeline: Option<PipelineId>,
) -> Result<Gathered, ServiceError> {
    let sales = app.sales_report(actor, scope, period).await?;
    let pipelines = app.list_pipelines(actor).await?;
    let chosen = pipeline
        .and_then(|p| pipelines.iter().find(|x| x.id == p))
        .or_else(|| pipelines.first());
    let funnel = match chosen {
        Some(p) => Some(app.funnel_report(actor, scope, p.id, Some(period)).await?),
        None => None,
    };
    let people = people_of(&sales);
    let mut ask = crm_ports::services::names::NameRequest::default();
    for id in &people {
        ask.user(*id);
    }
    let found = app.names(actor, &ask).await?;
    let names = people.iter().map(|id| (*id, found.get(*id).unwrap_or_default())).collect();
    let tenant = app.tenant(actor).await?;
    Ok(Gathered {
        sales,
        funnel,
        pipeline_name: chosen.map(|p| p.name.as_str().to_owned()),
        names,
        company: tenant.name.as_str().to_owned(),
        tz: tenant.settings.time_zone.tz(),
        at: app.now(),
    })
}

/// A share in tenths of a percent as written (`62,5 %`), a dash for none.
pub(crate) fn percent(lang: Lang, permille: Option<i64>) -> String {
    permille.map_or_else(
        || "—".to_owned(),
        |p| {
            let sep = if lang == Lang::Fr { "," } else { "." };
            format!("{}{sep}{} %", p / 10, p % 10)
        },
    )
}

/// Seconds as days to a tenth, rounded half up (`12,5 jours`), a dash for none.
pub(crate) fn days(lang: Lang, seconds: Option<i64>) -> String {
    seconds.map_or_else(
        || "—".to_owned(),
        |s| {
            let tenths = tenths_of_day(s);
            let sep = if lang == Lang::Fr { "," } else { "." };
            format!("{}{sep}{} {}", tenths / 10, tenths % 10, lang.t("reports.days"))
        },
    )
}

fn tenths_of_day(seconds: i64) -> i64 {
    (seconds * 10 + 43_200) / 86_400
}

fn share(lang: Lang, permille: Option<i64>) -> Cell {
    permille.map_or(Cell::Empty, |p| Cell::Share {
        permille: p,
        shown: percent(lang, Some(p)),
    })
}

fn duration(lang: Lang, seconds: Option<i64>) -> Cell {
    seconds.map_or(Cell::Empty, |s| Cell::Days {
        tenths: tenths_of_day(s),
        shown: days(lang, Some(s)),
    })
}

fn money(lang: Lang, minor: i128, currency: &str) -> Cell {
    Cell::Money {
        minor,
        currency: currency.to_owned(),
        shown: lang.money(minor, currency),
    }
}

/// The currencies of two periods' amounts, in order.
fn currencies(a: &[Amounts], b: &[Amounts]) -> Vec<String> {
    let mut c: Vec<String> = a.iter().chain(b).map(|x| x.currency.as_str().to_owned()).collect();
    c.sort();
    c.dedup();
    if c.is_empty() {
        c.push("EUR".to_owned());
    }
    c
}

fn amount_of(list: &[Amounts], currency: &str, derived: bool) -> Option<i128> {
    list.iter()
        .find(|a| a.currency.as_str() == currency)
        .map(|a| if derived { a.derived_minor } else { a.total_minor })
}

fn figures_table(lang: Lang, now: &SalesFigures, before: &SalesFigures, activity: &ActivityCounts) -> Table {
    let t = |k: &str| lang.t(k);
    let mut rows = vec![vec![Cell::Text(t("reports.won")), count(now.won_count), count(before.won_count)]];
    let cur = currencies(&now.won, &before.won);
    for c in &cur {
        rows.push(vec![
            Cell::Text(format!("{} ({c})", t("report_file.won_amount"))),
            money(lang, amount_of(&now.won, c, false).unwrap_or(0), c),
            money(lang, amount_of(&before.won, c, false).unwrap_or(0), c),
        ]);
    }
    rows.push(vec![Cell::Text(t("reports.lost")), count(now.lost_count), count(before.lost_count)]);
    rows.push(vec![
        Cell::Text(t("reports.win_rate")),
        share(lang, now.win_rate_permille),
        share(lang, before.win_rate_permille),
    ]);
    for c in &cur {
        let avg = |s: &SalesFigures| amount_of(&s.won, c, true).map_or(Cell::Empty, |m| money(lang, m, c));
        rows.push(vec![Cell::Text(format!("{} ({c})", t("reports.average"))), avg(now), avg(before)]);
    }
    rows.push(vec![
        Cell::Text(t("reports.cycle")),
        duration(lang, now.median_cycle_seconds),
        duration(lang, before.median_cycle_seconds),
    ]);
    rows.push(vec![
        Cell::Text(t("reports.created")),
        count(now.created_count),
        count(before.created_count),
    ]);
    let [done_now, done_before] = activity.done_total();
    rows.push(vec![Cell::Text(t("reports.activities_done")), count(done_now), count(done_before)]);
    rows.push(vec![
        Cell::Text(t("reports.overdue_tasks")),
        count(activity.overdue_tasks[0]),
        count(activity.overdue_tasks[1]),
    ]);
    rows.push(vec![
        Cell::Text(t("reports.new_leads")),
        count(activity.new_leads[0]),
        count(activity.new_leads[1]),
    ]);
    Table {
        title: t("report_file.figures"),
        columns: vec![t("reports.figure"), t("reports.this_period"), t("reports.previous")],
        rows,
    }
}

fn won_table(lang: Lang, now: &SalesFigures, before: &SalesFigures) -> Table {
    let t = |k: &str| lang.t(k);
    Table {
        title: t("report_file.won_by_currency"),
        columns: vec![t("report_file.currency"), t("reports.this_period"), t("reports.previous")],
        rows: currencies(&now.won, &before.won)
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.clone()),
                    money(lang, amount_of(&now.won, c, false).unwrap_or(0), c),
                    money(lang, amount_of(&before.won, c, false).unwrap_or(0), c),
                ]
            })
            .collect(),
    }
}

/// The rows of one rep's or team's closings: one per currency won (one without an amount
/// when nothing was won).
fn closed_rows(lang: Lang, name: &str, won: &[Amounts], won_count: u64, lost_count: u64, rate: Option<i64>) -> Vec<Vec<Cell>> {
    let amounts: Vec<(&str, i128)> = won.iter().map(|a| (a.currency.as_str(), a.total_minor)).collect();
    let lines = if amounts.is_empty() { vec![("", 0)] } else { amounts };
    lines
        .into_iter()
        .map(|(c, total)| {
            vec![
                Cell::Text(name.to_owned()),
                Cell::Text(c.to_owned()),
                count(won_count),
                if c.is_empty() { Cell::Empty } else { money(lang, total, c) },
                count(lost_count),
                share(lang, rate),
            ]
        })
        .collect()
}

/// The report as a document.
pub fn document(lang: Lang, g: &Gathered) -> Document {
    let t = |k: &str| lang.t(k);
    let s = &g.sales;
    let period = s.current.period;
    let mut tables = vec![
        figures_table(lang, &s.current, &s.previous, &s.activity.total),
        won_table(lang, &s.current, &s.previous),
        Table {
            title: t("reports.open"),
            columns: vec![
                t("report_file.currency"),
                t("forecast.deals"),
                t("reports.open_total"),
                t("forecast.weighted"),
            ],
            rows: s
                .open
                .iter()
                .map(|a| {
                    let c = a.currency.as_str();
                    vec![
                        Cell::Text(c.to_owned()),
                        count(a.count),
                        money(lang, a.total_minor, c),
                        money(lang, a.derived_minor, c),
                    ]
                })
                .collect(),
        },
    ];
    let reps = s
        .by_owner
        .iter()
        .flat_map(|o| {
            let name = g.names.get(&o.owner_id.as_uuid()).cloned().unwrap_or_default();
            closed_rows(lang, &name, &o.won, o.won_count, o.lost_count, o.win_rate_permille)
        })
        .collect();
    tables.push(Table {
        title: t("reports.by_rep"),
        columns: vec![
            t("reports.rep"),
            t("report_file.currency"),
            t("reports.won"),
            t("report_file.won_amount"),
            t("reports.lost"),
            t("reports.win_rate"),
        ],
        rows: reps,
    });
    let teams = s
        .by_team
        .iter()
        .flat_map(|(team, name)| {
            let name = name.clone().unwrap_or_else(|| t("report_file.no_team"));
            closed_rows(lang, &name, &team.won, team.won_count, team.lost_count, team.win_rate_permille)
        })
        .collect();
    tables.push(Table {
        title: t("reports.by_team"),
        columns: vec![
            t("forecast.team"),
            t("report_file.currency"),
            t("reports.won"),
            t("report_file.won_amount"),
            t("reports.lost"),
            t("reports.win_rate"),
        ],
        rows: teams,
    });
    let mut charts = vec![
        Chart {
            title: t("report_file.won_by_currency"),
            table: 1,
            labels: 0,
            series: vec![1, 2],
        },
        Chart {
            title: t("report_file.won_by_rep"),
            table: 3,
            labels: 0,
            series: vec![3],
        },
    ];
    if let Some(f) = &g.funnel {
        tables.push(Table {
            title: format!("{} — {}", t("reports.funnel"), g.pipeline_name.clone().unwrap_or_default()),
            columns: vec![
                t("reports.stage"),
                t("reports.reached"),
                t("reports.entered"),
                t("reports.conversion"),
                t("report_file.dropped"),
                t("reports.median"),
            ],
            rows: f
                .steps
                .iter()
                .map(|(step, name)| {
                    vec![
                        Cell::Text(name.clone().unwrap_or_else(|| t("reports.won_step"))),
                        count(step.reached),
                        count(step.entered),
                        share(lang, step.conversion_permille),
                        count(step.dropped),
                        duration(lang, step.median_seconds),
                    ]
                })
                .collect(),
        });
        charts.push(Chart {
            title: t("report_file.funnel_chart"),
            table: tables.len().saturating_sub(1),
            labels: 0,
            series: vec![1],
        });
    }
    let people = s
        .activity
        .by_person
        .iter()
        .map(|(u, a)| (g.names.get(&u.as_uuid()).cloned().unwrap_or_default(), a))
        .collect();
    tables.push(activity_table(lang, "reports.activity_by_rep", "reports.rep", people));
    let teams = s
        .activity_by_team
        .iter()
        .map(|(_, name, a)| (name.clone().unwrap_or_else(|| t("report_file.no_team")), a))
        .collect();
    tables.push(activity_table(lang, "reports.activity_by_team", "forecast.team", teams));
    let previous = period.previous();
    let local = g.at.with_timezone(&g.tz);
    Document {
        title: format!("{} — {}", t("report_file.title"), g.company),
        period: format!(
            "{} – {} ({} {} – {}) · {}",
            lang.date(period.first),
            lang.date(period.last),
            t("reports.previous").to_lowercase(),
            lang.date(previous.first),
            lang.date(previous.last),
            t(&format!("reports.scope_{}", s.scope.code())),
        ),
        generated: format!(
            "{} {} {} {} ({})",
            t("report_file.generated"),
            lang.date(local.date_naive()),
            t("report_file.at"),
            local.format("%H:%M"),
            g.tz.name(),
        ),
        note: t("report_file.rounding"),
        page_word: t("report_file.page"),
        tables,
        charts,
    }
}

/// The file of a report: its bytes and its name.
///
/// # Errors
/// The workbook writer's refusal.
pub fn render(doc: &Document, format: ReportFormat, period: &ReportPeriod) -> Result<(Vec<u8>, String), crm_reporting::RenderError> {
    let bytes = match format {
        ReportFormat::Pdf => crm_reporting::write_pdf(doc),
        ReportFormat::Xlsx => crm_reporting::write_xlsx(doc)?,
        ReportFormat::Csv => crm_reporting::write_csv(doc)?,
    };
    let name = format!("rapport-ventes-{}-{}.{}", period.first, period.last, format.extension());
    Ok((bytes, name))
}
