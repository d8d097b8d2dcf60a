//! What an email's recipient reaches without logging in: the open pixel, the redirect of a
//! tracked link, and the unsubscribe page (a page that asks before doing it, since mail
//! scanners fetch links; the one-click `POST` of RFC 8058 from the mail client does it at
//! once). A token that is not one of ours gets nothing: a blank pixel, a 404.

use super::Form;
use crate::Web;
use crate::view::{Page, error_page, render};
use askama::Template;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

fn token(req: &Request) -> String {
    req.raw_path_param("token").unwrap_or_default().to_owned()
}

fn user_agent(req: &Request) -> Option<&str> {
    req.header("user-agent")
}

/// `GET /t/o/{token}`: the pixel, always (an unknown token is not told apart).
pub(crate) async fn open<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    if let Err(e) = web.app.email_opened(&token(&req), user_agent(&req)).await
        && !matches!(e, ServiceError::NotFound)
    {
        tracing::warn!(error = %e, "email open not recorded");
    }
    Response::builder()
        .status(StatusCode::OK)
        .content_type("image/gif")
        .header("cache-control", "no-store, private")
        .body(PIXEL)
}

/// `GET /t/c/{token}`: on to the link of the message.
pub(crate) async fn click<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let page = Page::new(&req, &web.settings.base_path, "tracking");
    match web.app.email_clicked(&token(&req), user_agent(&req)).await {
        Ok(url) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", url)
            .header("cache-control", "no-store, private")
            .header("referrer-policy", "no-referrer")
            .finish(),
        Err(e) => error_page(page, &e),
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    token: String,
    address: String,
    done: bool,
}

/// `GET /u/{token}`: asks to confirm.
pub(crate) async fn ask<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let page = Page::new(&req, &web.settings.base_path, "tracking");
    let t = token(&req);
    match web.app.unsubscription(&t).await {
        Ok(u) => render(
            StatusCode::OK,
            &UnsubscribePage {
                page,
                token: t,
                address: u.address,
                done: u.done,
            },
        ),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /u/{token}`: unsubscribed (from the page's button or the mail client's
/// one-click request, `List-Unsubscribe=One-Click`). No session nor CSRF token: the
/// link's own token is the proof, and doing it twice changes nothing.
pub(crate) async fn confirm<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let _ = Form::body(&mut req).await;
    let page = Page::new(&req, &web.settings.base_path, "tracking");
    let t = token(&req);
    match web.app.unsubscribe(&t).await {
        Ok(u) => render(
            StatusCode::OK,
            &UnsubscribePage {
                page,
                token: t,
                address: u.address,
                done: true,
            },
        ),
        Err(e) => error_page(page, &e),
    }
}
