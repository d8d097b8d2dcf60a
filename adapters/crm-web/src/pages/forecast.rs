//! Forecasts (Admin, Manager, Observer): a team's forecast for a month or a quarter — per
//! rep the open deals due in it, their value and weighted value — with the Manager's own
//! figure to type and a comment, validated in one click; the latest validation; the six
//! periods before drawn as bars, forecast against won (SVG made here, no script); for the
//! Admin and the Observer, every team's validated forecast of the period.

use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::report_export::percent;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use chrono::NaiveDate;
use crm_domain::TeamId;
use crm_domain::money::Currency;
use crm_domain::report::submission::{Accuracy, Adjustment, Submission, SubmissionLine, totals};
use crm_domain::report::{PeriodKind, ReportPeriod};
use crm_domain::visibility::{Capability, allows};
use crm_ports::services::reports::period_of;
use crm_ports::services::team_forecast::SubmitForecast;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// One rep's line as shown, with the field of the Manager's figure.
struct Line {
    rep: String,
    count: u64,
    total: String,
    weighted: String,
    /// The field's name and value (the figure submitted last, else the weighted value).
    field: String,
    value: String,
    /// The weighted value as typed, to tell an adjustment from the figure left alone.
    weighted_typed: String,
    currency: String,
}

/// One past period as drawn: forecast and won bars.
struct Past {
    label: String,
    forecast: String,
    won: String,
    attainment: String,
    /// Bar heights, in hundredths of the tallest; the group's left edge.
    forecast_h: u64,
    won_h: u64,
    x: u64,
}

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    page: Page,
    teams: Vec<(String, String, bool)>,
    team: String,
    kind: &'static str,
    date: String,
    period: String,
    lines: Vec<Line>,
    totals: Vec<(String, String, String)>,
    can_submit: bool,
    submitted: Option<(String, String, Option<String>)>,
    past: Vec<Past>,
    past_currency: String,
    others: Vec<(String, String, String, String)>,
    message: Option<String>,
    alert: Option<String>,
}

/// An amount as typed in a field: `5500,00` (the group separators left out).
fn typed(lang: Lang, minor: i128) -> String {
    let sep = if lang == Lang::Fr { ',' } else { '.' };
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}{sep}{:02}", m / 100, m % 100)
}

fn period_label(lang: Lang, p: &ReportPeriod) -> String {
    match p.kind {
        PeriodKind::Month => format!(
            "{} {}",
            lang.t(&format!("month.{}", chrono::Datelike::month(&p.first))),
            chrono::Datelike::year(&p.first)
        ),
        _ => format!(
            "T{} {}",
            chrono::Datelike::month0(&p.first) / 3 + 1,
            chrono::Datelike::year(&p.first)
        ),
    }
}

/// The field of a rep's figure in one currency.
fn field_of(owner: uuid::Uuid, currency: Currency) -> String {
    format!("adj_{}_{}", owner.simple(), currency.as_str())
}

struct Asked {
    team: Option<TeamId>,
    kind: PeriodKind,
    day: Option<NaiveDate>,
}

fn asked(q: &Form) -> Asked {
    Asked {
        team: q.get("team").and_then(|t| uuid::Uuid::parse_str(&t).ok()).map(TeamId::from_uuid),
        kind: q
            .get("period")
            .and_then(|p| PeriodKind::parse(&p))
            .filter(|k| *k == PeriodKind::Quarter)
            .unwrap_or(PeriodKind::Month),
        day: q.get("date").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
    }
}

/// `GET /forecast?team=&period=&date=`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "forecast").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = q.get("done").map(|d| page.t(&format!("forecast.done_{d}")));
    page_of(web, &auth.actor, page, &asked(&q), message, None, StatusCode::OK).await
}

/// The page, with a message or an alert.
async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    a: &Asked,
    message: Option<String>,
    alert: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = page.lang;
    let result = async {
        if !allows(actor, Capability::ReadTeamForecasts) {
            return Err(ServiceError::Forbidden);
        }
        let me = actor.user_id();
        let manager_only = matches!(
            actor,
            crm_domain::Actor::User {
                role: crm_domain::user::Role::Manager,
                ..
            }
        );
        let teams: Vec<_> = web
            .app
            .list_teams(actor)
            .await?
            .into_iter()
            .filter(|t| !manager_only || Some(t.manager_id) == me)
            .collect();
        let today = web.app.company_today(actor).await?;
        let period = period_of(a.kind, a.day, None, None, today)?;
        let chosen = a
            .team
            .filter(|t| teams.iter().any(|x| x.id == *t))
            .or_else(|| teams.first().map(|t| t.id));
        let forecast = match chosen {
            Some(t) => Some(web.app.team_forecast(actor, t, period).await?),
            None => None,
        };
        let others = if manager_only {
            Vec::new()
        } else {
            web.app.forecast_submissions(actor, None, Some(period)).await?
        };
        Ok((teams, period, forecast, others))
    }
    .await;
    let (teams, period, forecast, others) = match result {
        Ok(x) => x,
        Err(e) => return error_page(page, &e),
    };
    let mut names = crm_ports::services::names::NameRequest::default();
    if let Some(f) = &forecast {
        for l in &f.lines {
            names.user(l.owner_id.as_uuid());
        }
        if let Some(s) = &f.submitted {
            names.user(s.submitted_by.as_uuid());
        }
    }
    for s in &others {
        names.user(s.submitted_by.as_uuid());
    }
    let names = web.app.names(actor, &names).await.ok();
    let name = |id: uuid::Uuid| names.as_ref().and_then(|n| n.get(id)).unwrap_or_default();
    let submitted_lines: &[SubmissionLine] = forecast.as_ref().and_then(|f| f.submitted.as_ref()).map_or(&[], |s| &s.lines);
    let lines = forecast
        .as_ref()
        .map(|f| {
            f.lines
                .iter()
                .map(|l| {
                    let last = submitted_lines
                        .iter()
                        .find(|s| s.owner_id == l.owner_id && s.currency == l.currency)
                        .map_or(l.weighted_minor, |s| s.adjusted_minor);
                    Line {
                        rep: name(l.owner_id.as_uuid()),
                        count: l.count,
                        total: lang.money(l.total_minor, l.currency.as_str()),
                        weighted: lang.money(l.weighted_minor, l.currency.as_str()),
                        field: field_of(l.owner_id.as_uuid(), l.currency),
                        value: typed(lang, last),
                        weighted_typed: typed(lang, l.weighted_minor),
                        currency: l.currency.as_str().to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let totals = forecast
        .as_ref()
        .map(|f| {
            totals(&f.lines)
                .into_iter()
                .map(|(c, t)| {
                    (
                        lang.money(t.total_minor, c.as_str()),
                        lang.money(t.weighted_minor, c.as_str()),
                        c.as_str().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let tz = super::company_tz(web, actor).await;
    let submitted = forecast.as_ref().and_then(|f| f.submitted.as_ref()).map(|s| {
        (
            lang.date_time(s.submitted_at, tz),
            name(s.submitted_by.as_uuid()),
            s.comment.clone(),
        )
    });
    let (past, past_currency) = forecast.as_ref().map(|f| past_bars(lang, &f.history)).unwrap_or_default();
    let team_names: std::collections::HashMap<_, _> = teams.iter().map(|t| (t.id, t.name.as_str().to_owned())).collect();
    let others = latest_per_team(&others)
        .into_iter()
        .map(|s| {
            (
                team_names.get(&s.team_id).cloned().unwrap_or_default(),
                format!("{} · {}", lang.date_time(s.submitted_at, tz), name(s.submitted_by.as_uuid())),
                s.totals()
                    .iter()
                    .map(|(c, t)| lang.money(t.adjusted_minor, c.as_str()))
                    .collect::<Vec<_>>()
                    .join(" · "),
                s.comment.clone().unwrap_or_default(),
            )
        })
        .collect();
    let chosen = forecast.as_ref().map(|f| f.team.id);
    let p = ForecastPage {
        teams: teams
            .iter()
            .map(|t| (t.id.to_string(), t.name.as_str().to_owned(), Some(t.id) == chosen))
            .collect(),
        team: chosen.map(|t| t.to_string()).unwrap_or_default(),
        kind: a.kind.code(),
        date: period.first.format("%Y-%m-%d").to_string(),
        period: format!(
            "{} ({} – {})",
            period_label(lang, &period),
            lang.date(period.first),
            lang.date(period.last)
        ),
        lines,
        totals,
        can_submit: chosen.is_some() && allows(actor, Capability::SubmitForecast),
        submitted,
        past,
        past_currency,
        others,
        message,
        alert,
        page,
    };
    render(status, &p)
}

/// The latest submission of each team, in team order of appearance (newest first).
fn latest_per_team(list: &[Submission]) -> Vec<&Submission> {
    let mut seen = std::collections::HashSet::new();
    list.iter().filter(|s| seen.insert(s.team_id)).collect()
}

/// The past periods of the company's main currency (the first one seen), oldest left.
fn past_bars(lang: Lang, history: &[Accuracy]) -> (Vec<Past>, String) {
    let Some(currency) = history.first().map(|a| a.currency) else {
        return (Vec::new(), String::new());
    };
    let rows: Vec<&Accuracy> = history.iter().filter(|a| a.currency == currency).rev().collect();
    let tallest = rows
        .iter()
        .map(|a| a.adjusted_minor.unwrap_or(0).max(a.won_minor))
        .max()
        .unwrap_or(0)
        .max(1);
    let h = |v: i128| u64::try_from(v.max(0) * 100 / tallest).unwrap_or(0);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, a)| Past {
            label: period_label(lang, &a.period),
            forecast: a
                .adjusted_minor
                .map_or_else(|| lang.t("forecast.none"), |v| lang.money(v, currency.as_str())),
            won: lang.money(a.won_minor, currency.as_str()),
            attainment: percent(lang, a.attainment_permille),
            forecast_h: a.adjusted_minor.map_or(0, h),
            won_h: h(a.won_minor),
            x: u64::try_from(i).unwrap_or(0) * 100,
        })
        .collect();
    (bars, currency.as_str().to_owned())
}

/// `POST /forecast`: the Manager validates the team's forecast.
pub(crate) async fn submit<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "forecast").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let a = asked(&form);
    let Some(team) = a.team else {
        return error_page(page, &ServiceError::NotFound);
    };
    let mut adjustments = Vec::new();
    let mut unreadable = Vec::new();
    for (key, value) in form.pairs() {
        let Some(rest) = key.strip_prefix("adj_") else { continue };
        let Some((owner, currency)) = rest.split_once('_') else { continue };
        let (Ok(owner), Ok(currency)) = (uuid::Uuid::parse_str(owner), Currency::parse(currency)) else {
            continue;
        };
        let before = form.get(&format!("w_{rest}")).unwrap_or_default();
        if value.trim() == before.trim() {
            continue;
        }
        match crm_domain::import::parse_amount_minor(value) {
            Some(minor) => adjustments.push(Adjustment {
                owner_id: crm_domain::UserId::from_uuid(owner),
                currency,
                amount_minor: minor,
            }),
            None => unreadable.push(value.clone()),
        }
    }
    let lang = page.lang;
    if !unreadable.is_empty() {
        let alert = format!("{} {}", lang.t("forecast.unreadable"), unreadable.join(", "));
        return page_of(web, &auth.actor, page, &a, None, Some(alert), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let today = match web.app.company_today(&auth.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(page, &e),
    };
    let input = SubmitForecast {
        adjustments,
        comment: form.get("comment"),
    };
    let result = match period_of(a.kind, a.day, None, None, today) {
        Ok(period) => web.app.submit_forecast(&auth.actor, team, period, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => see_other(
            &req,
            &web.settings.base_path,
            &format!(
                "/forecast?team={}&period={}&date={}&done=submitted",
                team,
                a.kind.code(),
                s.period.first
            ),
        ),
        Err(ServiceError::Invalid(v)) => {
            let alert = faults_text(lang, "forecast", &v);
            page_of(web, &auth.actor, page, &a, None, Some(alert), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}
