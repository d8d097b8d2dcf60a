//! Campaigns (Admin, Manager, Marketing): the list; a new campaign (a name, a segment or
//! list, a template, a language); and a campaign's page — its fields while it is a draft,
//! the moves its status allows (send now, schedule at a time of the company's zone, pause,
//! resume, cancel), a test to oneself, its statistics followed live while it sends, and
//! its recipients with what each did.

use super::{Form, company_tz, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use chrono::{DateTime, Utc};
use crm_domain::campaign::{Campaign, CampaignInput, CampaignStatus};
use crm_domain::tenant::Language;
use crm_domain::{CampaignId, EmailId, SegmentId, TemplateId, ValidationError};
use crm_ports::store::{CampaignStats, Store};
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Recipients shown per page.
const RECIPIENTS: u32 = 50;

struct Line {
    id: String,
    name: String,
    status: CampaignStatus,
    status_label: String,
    when: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    page: Page,
    lines: Vec<Line>,
}

/// A choice of a select.
struct Choice {
    id: String,
    label: String,
    chosen: bool,
}

/// The fields of a campaign being written.
struct Fields {
    name: String,
    segments: Vec<Choice>,
    templates: Vec<Choice>,
    language: String,
}

#[derive(Template)]
#[template(path = "campaign_new.html")]
struct NewPage {
    page: Page,
    fields: Fields,
    faults: Vec<(String, String)>,
}

/// One figure of the statistics.
struct Figure {
    key: &'static str,
    label: String,
    value: i64,
    /// Its share of the messages sent, when it has one.
    share: Option<String>,
}

/// The statistics block (polled while the campaign sends).
#[derive(Template)]
#[template(path = "campaign_stats.html")]
struct StatsBlock {
    page: Page,
    id: String,
    live: bool,
    status: CampaignStatus,
    status_label: String,
    figures: Vec<Figure>,
    skipped: i64,
    percent: i64,
}

struct Recipient {
    contact_id: String,
    name: String,
    address: String,
    state: String,
    state_code: &'static str,
    opened: String,
    clicked: String,
    error: String,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct ShowPage {
    page: Page,
    id: String,
    version: i64,
    name: String,
    status: CampaignStatus,
    segment: String,
    template: String,
    language: String,
    scheduled: String,
    started: String,
    finished: String,
    /// The fields, while it may change.
    fields: Option<Fields>,
    /// The statistics block, rendered (the same the page polls).
    stats: String,
    recipients: Vec<Recipient>,
    next: Option<String>,
    message: Option<String>,
    alert: Option<String>,
    /// The schedule input's minimum and suggested value (company time, `YYYY-MM-DDTHH:MM`).
    soon: String,
}

fn id_of(form: &Form, key: &str) -> Option<uuid::Uuid> {
    form.get(key).and_then(|v| uuid::Uuid::parse_str(&v).ok())
}

pub(super) fn input_of(form: &Form) -> CampaignInput {
    CampaignInput {
        name: form.text("name"),
        segment_id: id_of(form, "segment").map(SegmentId::from_uuid),
        template_id: id_of(form, "template").map(TemplateId::from_uuid),
        language: form.get("language").and_then(|l| Language::parse(&l).ok()),
    }
}

async fn fields<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    name: String,
    segment: Option<SegmentId>,
    template: Option<TemplateId>,
    language: Option<Language>,
) -> Result<Fields, ServiceError> {
    let segments = web.app.list_segments(actor).await?;
    let templates = web.app.email_templates(actor).await?;
    Ok(Fields {
        name,
        segments: segments
            .iter()
            .map(|s| Choice {
                id: s.id.to_string(),
                label: s.name.as_str().to_owned(),
                chosen: Some(s.id) == segment,
            })
            .collect(),
        templates: templates
            .iter()
            .map(|t| Choice {
                id: t.id.to_string(),
                label: t.name.clone(),
                chosen: Some(t.id) == template,
            })
            .collect(),
        language: language.map(|l| l.code().to_owned()).unwrap_or_default(),
    })
}

fn faults(page: &Page, e: &ValidationError) -> Vec<(String, String)> {
    e.errors()
        .iter()
        .map(|f| (f.field.clone(), fault_text(page.lang, f.kind)))
        .collect()
}

fn status_label(page: &Page, s: CampaignStatus) -> String {
    page.t(&format!("campaign_status.{}", s.code()))
}

/// `GET /campaigns`.
pub(crate) async fn list<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tz = company_tz(web, &auth.actor).await;
    let campaigns = match web.app.campaigns(&auth.actor).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let lines = campaigns
        .iter()
        .map(|c| Line {
            id: c.id.to_string(),
            name: c.name.clone(),
            status: c.status,
            status_label: status_label(&page, c.status),
            when: page
                .lang
                .date_time(c.finished_at.or(c.started_at).or(c.scheduled_at).unwrap_or(c.updated_at), tz),
        })
        .collect();
    render(StatusCode::OK, &ListPage { page, lines })
}

/// `GET /campaigns/new`.
pub(crate) async fn new_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let segment = id_of(&q, "segment").map(SegmentId::from_uuid);
    match fields(web, &auth.actor, String::new(), segment, None, None).await {
        Ok(fields) => render(
            StatusCode::OK,
            &NewPage {
                page,
                fields,
                faults: Vec::new(),
            },
        ),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /campaigns`: a draft, then its page.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = input_of(&form);
    match web.app.create_campaign(&auth.actor, input.clone()).await {
        Ok(c) => see_other(&req, &web.settings.base_path, &format!("/campaigns/{}?done=created", c.id)),
        Err(ServiceError::Invalid(e)) => {
            let faults = faults(&page, &e);
            match fields(web, &auth.actor, input.name, input.segment_id, input.template_id, input.language).await {
                Ok(fields) => render(StatusCode::UNPROCESSABLE_ENTITY, &NewPage { page, fields, faults }),
                Err(e) => error_page(page, &e),
            }
        }
        Err(e) => error_page(page, &e),
    }
}

fn stats_block(page: Page, c: &Campaign, s: CampaignStats) -> StatsBlock {
    let share = |n: i64| (s.sent > 0).then(|| format!("{} %", n * 100 / s.sent));
    let figure = |key: &'static str, value: i64, share: Option<String>| Figure {
        key,
        label: page.t(&format!("campaigns.stat_{key}")),
        value,
        share,
    };
    let figures: Vec<Figure> = [
        figure("recipients", s.recipients, None),
        figure("sent", s.sent, None),
        figure("queued", s.queued, None),
        figure("opened", s.opened, share(s.opened)),
        figure("clicked", s.clicked, share(s.clicked)),
        figure("replied", s.replied, share(s.replied)),
        figure("unsubscribed", s.unsubscribed, share(s.unsubscribed)),
    ]
    .into_iter()
    .chain(
        [
            figure("bounced", s.bounced, None),
            figure("failed", s.failed, None),
            figure("cancelled", s.cancelled, None),
        ]
        .into_iter()
        .filter(|f| f.value > 0),
    )
    .collect();
    let done = s.sent + s.failed + s.bounced + s.cancelled;
    StatsBlock {
        id: c.id.to_string(),
        live: matches!(c.status, CampaignStatus::Sending | CampaignStatus::Scheduled),
        status: c.status,
        status_label: status_label(&page, c.status),
        figures,
        skipped: c.skipped,
        percent: if s.recipients > 0 { done * 100 / s.recipients } else { 0 },
        page,
    }
}

/// `GET /campaigns/{id}/stats`: the statistics block alone (polled while it sends).
pub(crate) async fn stats<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match super::session_of(web, &req, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(CampaignId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match (
        web.app.campaign(&auth.actor, id).await,
        web.app.campaign_stats(&auth.actor, id).await,
    ) {
        (Ok(c), Ok(s)) => render(StatusCode::OK, &stats_block(page, &c, s)),
        (Err(e), _) | (_, Err(e)) => error_page(page, &e),
    }
}

/// `GET /campaigns/{id}`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    let message = q.get("done").map(|d| page.t(&format!("campaigns.done_{d}")));
    show_page(web, &auth.actor, page, &req, message, None, StatusCode::OK).await
}

pub(super) async fn show_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    req: &Request,
    message: Option<String>,
    alert: Option<String>,
    status: StatusCode,
) -> Response {
    let Some(id) = path_id(req).map(CampaignId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let c = match web.app.campaign(actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    let tz = company_tz(web, actor).await;
    let after = id_of(&Form::query(req), "after").map(EmailId::from_uuid);
    let (stats, emails) = match (
        web.app.campaign_stats(actor, id).await,
        web.app.campaign_emails(actor, id, after, RECIPIENTS).await,
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return error_page(page, &e),
    };
    let segment = web.app.segment(actor, c.segment_id).await.map(|s| s.name.as_str().to_owned());
    let template = web.app.email_template(actor, c.template_id).await.map(|t| t.name);
    let gone = page.t("campaigns.gone");
    let fields = if c.status.is_editable() {
        match fields(web, actor, c.name.clone(), Some(c.segment_id), Some(c.template_id), c.language).await {
            Ok(f) => Some(f),
            Err(e) => return error_page(page, &e),
        }
    } else {
        None
    };
    let when = |t: Option<DateTime<Utc>>| t.map(|t| page.lang.date_time(t, tz)).unwrap_or_default();
    let recipients = emails
        .iter()
        .map(|m| {
            let to = m.content.as_ref().map(|c| &c.to);
            Recipient {
                contact_id: m.contact_id.to_string(),
                name: to.map(|t| t.name.clone()).unwrap_or_default(),
                address: to.map(|t| t.address.clone()).unwrap_or_default(),
                state: page.t(&format!("email_state.{}", m.state.code())),
                state_code: m.state.code(),
                opened: when(m.stats.opened_at),
                clicked: when(m.stats.clicked_at),
                error: m.last_error.clone().unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();
    let next = (emails.len() == RECIPIENTS as usize)
        .then(|| emails.last().map(|m| m.id.to_string()))
        .flatten();
    let soon = (web.app.now() + chrono::Duration::hours(1))
        .with_timezone(&tz)
        .format("%Y-%m-%dT%H:00")
        .to_string();
    let p = ShowPage {
        id: c.id.to_string(),
        version: c.version,
        name: c.name.clone(),
        status: c.status,
        segment: segment.unwrap_or_else(|_| gone.clone()),
        template: template.unwrap_or(gone),
        language: c.language.map_or_else(
            || page.t("campaigns.company_language"),
            |l| page.t(&format!("email.language_{}", l.code())),
        ),
        scheduled: if c.status.is_editable() {
            when(c.scheduled_at)
        } else {
            String::new()
        },
        started: when(c.started_at),
        finished: when(c.finished_at),
        fields,
        stats: stats_block(page.clone(), &c, stats).render().unwrap_or_default(),
        recipients,
        next,
        message,
        alert,
        soon,
        page,
    };
    render(status, &p)
}
