//! My account: who I am, my language, my password, my second factor, my open sessions
//! (each ended apart, or all the others at once), my personal API tokens, the address of my
//! calendar feed.

use super::{Form, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_ports::services::auth::Authenticated;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// Lifetimes offered for a new API token, in days.
const TOKEN_DAYS: [i64; 3] = [30, 90, 365];

/// A personal API token as listed (never its secret).
struct TokenLine {
    id: String,
    name: String,
    created: String,
    expires: String,
}

/// Where the person's second factor stands.
struct SecondFactorLine {
    /// The day it was turned on (`None`: off).
    since: Option<String>,
    codes_left: usize,
    required: bool,
}

/// An open session as listed.
struct SessionLine {
    id: String,
    /// The browser and system it was opened from.
    device: String,
    created: String,
    /// The session showing this page.
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    name: String,
    email: String,
    role: String,
    /// The language chosen (`""`: the browser's).
    language: &'static str,
    /// A message of the page (a change done, a refusal), and whether it is a refusal.
    message: Option<(&'static str, bool)>,
    new_feed: Option<String>,
    feeds: Vec<String>,
    tokens: Vec<TokenLine>,
    /// The person's open sessions, newest first.
    sessions: Vec<SessionLine>,
    /// Their second factor: on since (a date), recovery codes left, required of them.
    second_factor: Option<SecondFactorLine>,
    /// A new token's secret, shown once.
    new_token: Option<String>,
    token_days: [i64; 3],
}

/// What the page shows besides the account: a message, a secret shown once.
#[derive(Default)]
struct Extra {
    message: Option<(&'static str, bool)>,
    new_feed: Option<String>,
    new_token: Option<String>,
}

impl Extra {
    /// A refusal's message (its key).
    fn refused(key: &'static str) -> Self {
        Self {
            message: Some((key, true)),
            ..Self::default()
        }
    }
}

async fn account_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    auth: &Authenticated,
    page: Page,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let actor = &auth.actor;
    let Some(user_id) = actor.user_id() else {
        return error_page(page, &ServiceError::Forbidden);
    };
    let user = match web.app.user(actor, user_id).await {
        Ok(u) => u,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, actor).await;
    let lang = page.lang;
    let feeds = web
        .app
        .calendar_feeds(actor)
        .await
        .unwrap_or_default()
        .iter()
        .map(|f| lang.date_time(f.created_at, tz))
        .collect();
    let now = web.app.now();
    let tokens = web
        .app
        .list_api_tokens(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
        .map(|t| TokenLine {
            id: t.id.to_string(),
            name: t.name.unwrap_or_default(),
            created: lang.date_time(t.created_at, tz),
            expires: lang.date(t.expires_at.with_timezone(&tz).date_naive()),
        })
        .collect();
    let sessions = web
        .app
        .list_sessions(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| SessionLine {
            id: t.id.to_string(),
            device: t.name.unwrap_or_else(|| lang.t("account.session_unknown")),
            created: lang.date_time(t.created_at, tz),
            current: t.id == auth.token_id,
        })
        .collect();
    let second_factor = web.app.second_factor_status(actor).await.ok().map(|f| SecondFactorLine {
        since: f.enabled_at.map(|at| lang.date(at.with_timezone(&tz).date_naive())),
        codes_left: f.recovery_codes_left,
        required: f.required,
    });
    render(
        status,
        &AccountPage {
            sessions,
            second_factor,
            name: user.display_name.to_string(),
            email: user.email.as_str().to_owned(),
            role: lang.t(&format!("role.{}", user.role.code())),
            language: user.language.map_or("", |l| l.code()),
            message: extra.message,
            new_feed: extra.new_feed,
            feeds,
            tokens,
            new_token: extra.new_token,
            token_days: TOKEN_DAYS,
            page,
        },
    )
}

/// `GET /account`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = match Form::query(&req).get("done").as_deref() {
        Some("language") => Some(("account.language_changed", false)),
        Some("revoked") => Some(("account.token_revoked", false)),
        Some("session_ended") => Some(("account.session_ended", false)),
        Some("others_ended") => Some(("account.others_ended", false)),
        Some("second_factor_removed") => Some(("second_factor.removed", false)),
        Some("second_factor_required") => Some(("second_factor.cannot_remove", true)),
        Some("wrong_code") => Some(("second_factor.wrong_code", true)),
        Some("too_many") => Some(("login.too_many", true)),
        _ => None,
    };
    account_page(
        web,
        &auth,
        page,
        Extra {
            message,
            ..Extra::default()
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /account/password`: changes the password (the current one checked, attempts
/// counted as at login); every session ends, so the person logs in again.
pub(crate) async fn password<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let current = form.raw("current_password").unwrap_or_default().to_owned();
    let new = form.raw("new_password").unwrap_or_default().to_owned();
    let (message, status) = match web.app.change_password(&auth.actor, &current, &new).await {
        Ok(()) => return see_other(&req, &web.settings.base_path, "/login?changed=1"),
        Err(ServiceError::Invalid(_)) => ("account.too_weak", StatusCode::UNPROCESSABLE_ENTITY),
        Err(ServiceError::TooManyAttempts { .. }) => ("login.too_many", StatusCode::TOO_MANY_REQUESTS),
        Err(ServiceError::Unauthenticated | ServiceError::Forbidden) => ("account.wrong_current", StatusCode::FORBIDDEN),
        Err(e) => return error_page(page, &e),
    };
    let extra = Extra::refused(message);
    account_page(web, &auth, page, extra, status).await
}

/// `POST /account/language`: the interface language the person chose (`""`: their
/// browser's), kept on their account and in the page's language cookie.
pub(crate) async fn language<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let chosen = form.get("language");
    match web.app.set_my_language(&auth.actor, chosen.as_deref()).await {
        Ok(user) => {
            let mut resp = see_other(&req, &web.settings.base_path, "/account?done=language");
            let cookie = crate::session::lang_cookie(&web.settings.base_path, web.settings.secure_cookies, user.language);
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().append("set-cookie", v);
            }
            resp
        }
        Err(ServiceError::Invalid(_)) => {
            let extra = Extra::refused("account.language_unknown");
            account_page(web, &auth, page, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/tokens`: a new personal API token, its secret shown once.
pub(crate) async fn new_token<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let days = form.get("days").and_then(|d| d.parse::<i64>().ok()).unwrap_or(TOKEN_DAYS[1]);
    let name = form.text("name");
    match web.app.create_api_token(&auth.actor, &name, days).await {
        Ok((_, secret)) => {
            let extra = Extra {
                new_token: Some(secret),
                ..Extra::default()
            };
            account_page(web, &auth, page, extra, StatusCode::OK).await
        }
        Err(ServiceError::Invalid(_)) => {
            let extra = Extra::refused("account.token_invalid");
            account_page(web, &auth, page, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/tokens/{id}/revoke`: one of the person's tokens stops working at once.
pub(crate) async fn revoke_token<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.revoke_api_token(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/account?done=revoked"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/sessions/{id}/end`: one of the person's sessions ends at once (this one:
/// back to the login page).
pub(crate) async fn end_session<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.end_session(&auth.actor, id).await {
        Ok(()) if id == auth.token_id => see_other(&req, &web.settings.base_path, "/login"),
        Ok(()) => see_other(&req, &web.settings.base_path, "/account?done=session_ended"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/sessions/end-others`: every other session of the person ends.
pub(crate) async fn end_other_sessions<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.end_other_sessions(&auth).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/account?done=others_ended"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/calendar-feed`: a new private feed address, shown once.
pub(crate) async fn calendar_feed<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.create_calendar_feed(&auth.actor).await {
        Ok((_, secret)) => {
            let scheme = if web.settings.secure_cookies { "https" } else { "http" };
            let host = req.header("host").unwrap_or("localhost");
            let url = format!("{scheme}://{host}{}/api/v1/calendar/{secret}", web.settings.base_path);
            let extra = Extra {
                new_feed: Some(url),
                ..Extra::default()
            };
            account_page(web, &auth, page, extra, StatusCode::OK).await
        }
        Err(e) => error_page(page, &e),
    }
}
