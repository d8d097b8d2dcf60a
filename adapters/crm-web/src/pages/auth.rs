//! Signing in and out. The login form sets the API's session cookie and the page's CSRF
//! cookie; an address that is a user of several companies is asked which one.

use super::{Form, csrf_ok, session_of};
use crate::Web;
use crate::session::{current, lang_cookie, set_cookies};
use crate::view::{Page, render, see_other};
use askama::Template;
use crm_domain::TenantId;
use crm_ports::services::auth::{LoginRequest, Session};
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    message: Option<&'static str>,
    /// After a password change.
    changed: bool,
    email: String,
    next: String,
    companies: Vec<(String, String)>,
}

/// Where to go after login: a path of the interface, never another site.
pub(crate) fn safe_next(next: Option<String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/dashboard".to_owned(),
    }
}

/// `GET /`: the dashboard when signed in, else the login page.
pub(crate) async fn home<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let base = &web.settings.base_path;
    match current(&web.app, &req).await {
        Some(a) if matches!(a.actor, crm_domain::Actor::Operator) => see_other(&req, base, "/operator"),
        Some(_) => see_other(&req, base, "/dashboard"),
        None => see_other(&req, base, "/login"),
    }
}

/// `GET /login`.
pub(crate) async fn login_form<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let q = Form::query(&req);
    let page = Page::new(&req, &web.settings.base_path, "login");
    let message = q.get("expired").map(|e| {
        if e == "code" {
            "second_factor.ticket_expired"
        } else {
            "login.expired"
        }
    });
    render(
        StatusCode::OK,
        &LoginPage {
            changed: q.get("changed").is_some(),
            page,
            message,
            email: String::new(),
            next: safe_next(q.get("next")),
            companies: Vec::new(),
        },
    )
}

/// `POST /login`.
pub(crate) async fn login<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let page = Page::new(&req, &web.settings.base_path, "login");
    let email = form.text("email");
    let password = form.raw("password").unwrap_or_default().to_owned();
    let tenant_id = form
        .get("tenant_id")
        .and_then(|t| uuid::Uuid::parse_str(&t).ok())
        .map(TenantId::from_uuid);
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip().to_string());
    let outcome = web
        .app
        .login_with(&LoginRequest {
            email: &email,
            password: &password,
            tenant_id,
            client: client.as_deref(),
            device: req.header("user-agent"),
        })
        .await;
    let next = safe_next(form.get("next"));
    let again = |message: Option<&'static str>, companies: Vec<(String, String)>, status: StatusCode| {
        render(
            status,
            &LoginPage {
                page: page.clone(),
                changed: false,
                message,
                email: email.clone(),
                next: next.clone(),
                companies,
            },
        )
    };
    if req.header("x-crm-relogin").is_some()
        && let Err(e) = &outcome
    {
        let code = match e {
            ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            // The dialog cannot ask for a code: the login page will.
            ServiceError::SecondFactorRequired { .. } => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        return Response::builder().status(code).header("cache-control", "no-store").finish();
    }
    match outcome {
        Ok(s) => {
            // The dialog of a page whose session ended: no page, the cookies and who it is.
            let resp = if req.header("x-crm-relogin").is_some() {
                Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .header("x-crm-user", s.actor.user_id().map(|u| u.to_string()).unwrap_or_default())
                    .header("cache-control", "no-store")
                    .finish()
            } else if matches!(s.actor, crm_domain::Actor::Operator) && next == "/dashboard" {
                // The operator's work is the companies.
                see_other(&req, &web.settings.base_path, "/operator")
            } else {
                see_other(&req, &web.settings.base_path, &next)
            };
            with_session(web, &s, resp).await
        }
        Err(ServiceError::ChooseTenant(choices)) => again(
            None,
            choices.into_iter().map(|c| (c.tenant_id.to_string(), c.name)).collect(),
            StatusCode::OK,
        ),
        Err(ServiceError::SecondFactorRequired { ticket, enrol }) => super::second_factor::ask(web, page, ticket.0, enrol, next).await,
        Err(ServiceError::TooManyAttempts { .. }) => again(Some("login.too_many"), Vec::new(), StatusCode::TOO_MANY_REQUESTS),
        Err(_) => again(Some("login.failed"), Vec::new(), StatusCode::UNAUTHORIZED),
    }
}

/// `resp` with the cookies of a session just opened: the session's, the page's CSRF token,
/// and the language the person chose (on every device they log in from).
pub(crate) async fn with_session<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    s: &Session,
    mut resp: Response,
) -> Response {
    let max_age = (s.expires_at - web.app.now()).num_seconds().max(0);
    let [session, csrf] = set_cookies(
        &web.settings.base_path,
        web.settings.secure_cookies,
        &s.token,
        &s.csrf_token,
        max_age,
    );
    for c in [session, csrf] {
        resp.headers_mut()
            .append("set-cookie", c.parse().unwrap_or_else(|_| poem::http::HeaderValue::from_static("")));
    }
    if let Some(user) = s.actor.user_id()
        && let Ok(u) = web.app.user(&s.actor, user).await
        && let Ok(v) = lang_cookie(&web.settings.base_path, web.settings.secure_cookies, u.language).parse()
    {
        resp.headers_mut().append("set-cookie", v);
    }
    resp
}

/// `POST /logout`: ends the session (with its CSRF token), clears the cookies.
pub(crate) async fn logout<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let base = web.settings.base_path.clone();
    if let Ok((auth, _)) = session_of(web, &req, "logout").await
        && csrf_ok(&web.app, &auth, &req, &form)
    {
        let _ = web.app.logout(&auth).await;
    }
    let [session, csrf] = set_cookies(&base, web.settings.secure_cookies, "", "", 0);
    let mut resp = see_other(&req, &base, "/login");
    // Nothing of this person stays in the browser: the phone mode's copies go too.
    resp.headers_mut()
        .insert("clear-site-data", poem::http::HeaderValue::from_static("\"cache\", \"storage\""));
    for c in [session, csrf] {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append("set-cookie", v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/contacts/1".into())), "/contacts/1");
        assert_eq!(safe_next(Some("//evil.example".into())), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil".into())), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }
}
