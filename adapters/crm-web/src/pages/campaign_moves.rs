//! The writes of a campaign's page: a draft's fields saved, a move (send now, schedule
//! at a time of the company's zone, unschedule, pause, resume, cancel), a test to
//! oneself, a draft deleted; a refusal shows the page again with its reason.

use super::campaigns::{input_of, show_page};
use super::{Form, company_tz, path_id, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, see_other};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use crm_domain::CampaignId;
use crm_domain::campaign::CampaignAction;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::Request;
use poem::Response;
use poem::http::StatusCode;

/// A write to the campaign of the path: its form, the signed-in writer (CSRF checked), the
/// page and the campaign's id; else the answer.
async fn write_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    req: &mut Request,
) -> Result<(Form, crm_ports::services::auth::Authenticated, Page, CampaignId), Response> {
    let form = Form::body(req).await;
    let (auth, page) = signed_write(web, req, &form, "campaigns").await?;
    match path_id(req).map(CampaignId::from_uuid) {
        Some(id) => Ok((form, auth, page, id)),
        None => Err(error_page(page, &ServiceError::NotFound)),
    }
}

/// `POST /campaigns/{id}`: a draft's fields saved.
pub(crate) async fn update<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (form, auth, page, id) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    match web.app.update_campaign(&auth.actor, id, version, input_of(&form)).await {
        Ok(_) => see_other(&req, &web.settings.base_path, &format!("/campaigns/{id}?done=saved")),
        Err(e) => refused(web, &auth.actor, page, &req, &e).await,
    }
}

/// The campaign's page again with why a write was refused.
async fn refused<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    req: &Request,
    e: &ServiceError,
) -> Response {
    let (alert, status) = match e {
        ServiceError::Invalid(v) => {
            let text = v
                .errors()
                .iter()
                .map(|f| {
                    let key = format!("campaigns.fault_{}", f.field);
                    let t = page.t(&key);
                    if t == key {
                        format!("{} : {}", f.field, fault_text(page.lang, f.kind))
                    } else {
                        t
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            (text, StatusCode::UNPROCESSABLE_ENTITY)
        }
        ServiceError::Conflict => (page.t("campaigns.conflict"), StatusCode::CONFLICT),
        other => return error_page(page, other),
    };
    show_page(web, actor, page, req, None, Some(alert), status).await
}

/// The time of a `datetime-local` field, read in the company's zone.
fn local_time(raw: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok()?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

/// `POST /campaigns/{id}/status`: a move (`action`), with `at` to schedule.
pub(crate) async fn move_to<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (form, auth, page, id) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = match form.get("action").as_deref() {
        Some("schedule") => CampaignAction::Schedule,
        Some("unschedule") => CampaignAction::Unschedule,
        Some("start") => CampaignAction::Start,
        Some("pause") => CampaignAction::Pause,
        Some("resume") => CampaignAction::Resume,
        Some("cancel") => CampaignAction::Cancel,
        _ => return error_page(page, &ServiceError::NotFound),
    };
    let tz = company_tz(web, &auth.actor).await;
    let at = form.get("at").and_then(|a| local_time(&a, tz));
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let settings = &web.settings.mail;
    match web.app.move_campaign(&auth.actor, id, version, action, at, settings).await {
        Ok(c) => see_other(&req, &web.settings.base_path, &format!("/campaigns/{id}?done={}", c.status.code())),
        Err(e) => refused(web, &auth.actor, page, &req, &e).await,
    }
}

/// `POST /campaigns/{id}/test`: a test to oneself.
pub(crate) async fn test<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (_, auth, page, id) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.send_campaign_test(&auth.actor, id, &web.settings.mail).await {
        Ok(()) => see_other(&req, &web.settings.base_path, &format!("/campaigns/{id}?done=tested")),
        Err(e) => refused(web, &auth.actor, page, &req, &e).await,
    }
}

/// `POST /campaigns/{id}/delete`: a draft deleted.
pub(crate) async fn delete<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let (form, auth, page, id) = match write_of(web, &mut req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let version = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    match web.app.delete_campaign(&auth.actor, id, version).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/campaigns"),
        Err(e) => refused(web, &auth.actor, page, &req, &e).await,
    }
}
