//! The one-time link an Admin gives a person (`/access/<secret>`): they choose their
//! password, the link ends, and they are signed in. No session is needed to open it; a
//! used, replaced or expired link says so and nothing else.

use super::Form;
use super::auth::with_session;
use crate::Web;
use crate::view::{Page, render, see_other};
use askama::Template;
use crm_ports::services::auth::LoginRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    page: Page,
    /// The person's name and login email, while the link is live.
    who: Option<(String, String)>,
    action: String,
    fault: Option<String>,
}

fn secret_of(req: &Request) -> String {
    req.raw_path_param("secret").unwrap_or_default().to_owned()
}

fn answer(page: Page, who: Option<(String, String)>, action: String, fault: Option<String>, status: StatusCode) -> Response {
    render(status, &AccessPage { page, who, action, fault })
}

/// `GET /access/{secret}`.
pub(crate) async fn form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let page = Page::new(&req, &web.settings.base_path, "access");
    let secret = secret_of(&req);
    let action = page.url(&format!("/access/{secret}"));
    match web.app.access_link_user(&secret).await {
        Ok(u) => answer(
            page,
            Some((u.display_name.to_string(), u.email.as_str().to_owned())),
            action,
            None,
            StatusCode::OK,
        ),
        Err(ServiceError::NotFound) => answer(page, None, action, None, StatusCode::NOT_FOUND),
        Err(e) => crate::view::error_page(page, &e),
    }
}

/// `POST /access/{secret}`: the password chosen, then signed in.
pub(crate) async fn choose<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let page = Page::new(&req, &web.settings.base_path, "access");
    let secret = secret_of(&req);
    let action = page.url(&format!("/access/{secret}"));
    let password = form.raw("password").unwrap_or_default().to_owned();
    let who = match web.app.access_link_user(&secret).await {
        Ok(u) => u,
        Err(ServiceError::NotFound) => return answer(page, None, action, None, StatusCode::NOT_FOUND),
        Err(e) => return crate::view::error_page(page, &e),
    };
    let shown = Some((who.display_name.to_string(), who.email.as_str().to_owned()));
    if form.raw("confirm").unwrap_or_default() != password {
        let fault = Some(page.t("access.mismatch"));
        return answer(page, shown, action, fault, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match web.app.redeem_access_link(&secret, &password).await {
        Ok(u) => {
            let client = req.remote_addr().as_socket_addr().map(|a| a.ip().to_string());
            let login = web
                .app
                .login_with(&LoginRequest {
                    email: u.email.as_str(),
                    password: &password,
                    tenant_id: Some(u.tenant_id),
                    client: client.as_deref(),
                    device: req.header("user-agent"),
                })
                .await;
            match login {
                Ok(s) => with_session(web, &s, see_other(&req, &web.settings.base_path, "/dashboard")).await,
                // Saved, but not signed in (too many attempts): the login page says the rest.
                Err(_) => see_other(&req, &web.settings.base_path, "/login?changed=1"),
            }
        }
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(crate::view::faults_text(page.lang, "access", &e));
            answer(page, shown, action, fault, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ServiceError::NotFound) => answer(page, None, action, None, StatusCode::NOT_FOUND),
        Err(e) => crate::view::error_page(page, &e),
    }
}
