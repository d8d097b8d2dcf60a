//! A record's timeline (a contact's, a deal's, an organization's): its activities and
//! changes, newest first, 50 at a time; "older" brings the next 50 below
//! (`GET /timeline/{kind}/{id}?before=…`).

use super::{Form, path_id, session_of};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render};
use askama::Template;
use chrono::{DateTime, SecondsFormat, Utc};
use crm_domain::activity::Link;
use crm_domain::event::EntityType;
use crm_ports::services::activities::TimelineEntry;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Lines of a timeline at a time.
const PAGE: u32 = 50;

/// One line of a timeline.
pub(crate) struct Moment {
    pub(crate) when: String,
    pub(crate) what: String,
    pub(crate) detail: String,
}

/// Lines of a timeline, and the address of the older ones when there are more.
#[derive(Default)]
pub(crate) struct Timeline {
    pub(crate) moments: Vec<Moment>,
    pub(crate) older: Option<String>,
}

/// The kind of a record in the timeline's address.
fn kind_code(t: EntityType) -> &'static str {
    match t {
        EntityType::Opportunity => "opportunity",
        EntityType::Organization => "organization",
        _ => "contact",
    }
}

/// The lines of a record's timeline before `before` (the newest without it), in the
/// reader's language and the company's time zone.
async fn lines<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    lang: Lang,
    tz: chrono_tz::Tz,
    link: Link,
    before: Option<DateTime<Utc>>,
) -> Result<Timeline, ServiceError> {
    let entries = web.app.timeline(actor, link, before, PAGE).await?;
    let older = (entries.len() == PAGE as usize)
        .then(|| entries.last().map(TimelineEntry::at))
        .flatten()
        .map(|at| {
            format!(
                "{}/timeline/{}/{}?before={}",
                web.settings.base_path,
                kind_code(link.entity_type),
                link.entity_id,
                at.to_rfc3339_opts(SecondsFormat::Micros, true)
            )
        });
    let moments = entries
        .iter()
        .map(|e| match e {
            TimelineEntry::Activity(a) => Moment {
                when: lang.date_time(a.occurred_at(), tz),
                what: format!("{} · {}", lang.t(&format!("activity_kind.{}", a.kind.code())), a.fields.subject),
                detail: String::new(),
            },
            TimelineEntry::Event(ev) => {
                let key = format!("timeline.{}", ev.kind.name());
                let label = lang.t(&key);
                Moment {
                    when: lang.date_time(ev.at, tz),
                    what: if label == key { lang.t("timeline.other") } else { label },
                    detail: if ev.erased {
                        lang.t("timeline.erased")
                    } else {
                        ev.changes
                            .iter()
                            .filter_map(|c| {
                                let key = format!("field_name.{}", c.field);
                                let label = lang.t(&key);
                                (label != key).then_some(label)
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                }
            }
        })
        .collect();
    Ok(Timeline { moments, older })
}

/// The newest lines of a record's timeline (none when they cannot be read: the page shows
/// without them).
pub(crate) async fn first_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    lang: Lang,
    tz: chrono_tz::Tz,
    link: Link,
) -> Timeline {
    lines(web, actor, lang, tz, link, None).await.unwrap_or_default()
}

/// Older lines: appended to the page's list, and the link to the next ones.
#[derive(Template)]
#[template(path = "timeline_older.html")]
struct Older {
    page: Page,
    timeline: Timeline,
}

/// `GET /timeline/{kind}/{id}?before=…`: the next older lines of a record's timeline.
pub(crate) async fn older<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match session_of(web, &req, "timeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let entity_type = match req.raw_path_param("kind") {
        Some("contact") => EntityType::Contact,
        Some("opportunity") => EntityType::Opportunity,
        Some("organization") => EntityType::Organization,
        _ => return error_page(page, &ServiceError::NotFound),
    };
    let Some(entity_id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let before = Form::query(&req)
        .get("before")
        .and_then(|b| DateTime::parse_from_rfc3339(&b).ok())
        .map(|b| b.with_timezone(&Utc));
    let tz = super::company_tz(web, &auth.actor).await;
    let link = Link { entity_type, entity_id };
    match lines(web, &auth.actor, page.lang, tz, link, before).await {
        Ok(timeline) => render(StatusCode::OK, &Older { page, timeline }),
        Err(e) => error_page(page, &e),
    }
}
