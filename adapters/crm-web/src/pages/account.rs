//! My account: who I am, my password, the address of my calendar feed.

use super::{Form, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    name: String,
    email: String,
    role: String,
    password_message: Option<&'static str>,
    new_feed: Option<String>,
    feeds: Vec<String>,
}

async fn account_page<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    password_message: Option<&'static str>,
    new_feed: Option<String>,
    status: StatusCode,
) -> Response {
    let Some(user_id) = actor.user_id() else {
        return error_page(page, &ServiceError::Forbidden);
    };
    let user = match web.app.user(actor, user_id).await {
        Ok(u) => u,
        Err(e) => return error_page(page, &e),
    };
    let tz = super::company_tz(web, actor).await;
    let feeds = web
        .app
        .calendar_feeds(actor)
        .await
        .unwrap_or_default()
        .iter()
        .map(|f| page.lang.date_time(f.created_at, tz))
        .collect();
    render(
        status,
        &AccountPage {
            name: user.display_name.to_string(),
            email: user.email.as_str().to_owned(),
            role: page.lang.t(&format!("role.{}", user.role.code())),
            password_message,
            new_feed,
            feeds,
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
    let done = Form::query(&req).get("done").map(|_| "account.changed");
    account_page(web, &auth.actor, page, done, None, StatusCode::OK).await
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
    match web.app.change_password(&auth.actor, &current, &new).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/login?changed=1"),
        Err(ServiceError::Invalid(_)) => {
            account_page(
                web,
                &auth.actor,
                page,
                Some("account.too_weak"),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::TooManyAttempts { .. }) => {
            account_page(web, &auth.actor, page, Some("login.too_many"), None, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(ServiceError::Unauthenticated | ServiceError::Forbidden) => {
            account_page(web, &auth.actor, page, Some("account.wrong_current"), None, StatusCode::FORBIDDEN).await
        }
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
            account_page(web, &auth.actor, page, None, Some(url), StatusCode::OK).await
        }
        Err(e) => error_page(page, &e),
    }
}
