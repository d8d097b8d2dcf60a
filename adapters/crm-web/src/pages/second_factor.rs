//! The second factor in the interface: the login's second step (a code from the app, or a
//! recovery code; a set-up first when the company requires one); on « Mon compte », the
//! set-up with its QR code, the recovery codes shown once, new ones, the removal.

use super::auth::with_session;
use super::{Form, signed_write};
use crate::Web;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_ports::services::second_factor::Enrolment;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

/// A set-up as the page shows it.
#[derive(Clone)]
pub(crate) struct Setup {
    /// The secret in groups of four.
    secret: String,
    /// The `otpauth://` address (kept in the form to show the same code again).
    uri: String,
    /// The QR code of the address, as inline SVG.
    qr: String,
}

impl Setup {
    fn new(secret: String, uri: String) -> Self {
        let qr = qr_svg(&uri);
        Self { secret, uri, qr }
    }

    fn of(e: Enrolment) -> Self {
        Self::new(e.secret, e.otpauth_uri)
    }

    /// The set-up a form sent back (the page shown again after a wrong code).
    fn from_form(form: &Form) -> Option<Self> {
        let uri = form.get("uri").filter(|u| u.starts_with("otpauth://totp/"))?;
        Some(Self::new(form.get("secret").unwrap_or_default(), uri))
    }
}

/// The QR code of an address as an SVG element (no XML declaration), scaled by CSS.
fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    svg.find("<svg").map_or(svg.clone(), |i| svg[i..].to_owned())
}

/// The login's second step.
#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    page: Page,
    ticket: String,
    next: String,
    /// A set-up to do first (the company requires a second factor).
    setup: Option<Setup>,
    message: Option<&'static str>,
}

/// The set-up on « Mon compte ».
#[derive(Template)]
#[template(path = "second_factor_setup.html")]
struct SetupPage {
    page: Page,
    setup: Setup,
    message: Option<&'static str>,
}

/// Recovery codes, shown once (on « Mon compte »).
#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct CodesPage {
    page: Page,
    codes: Vec<String>,
    /// Where « Continuer » goes.
    next: String,
    /// Just set up (else renewed).
    new_factor: bool,
}

/// Recovery codes, shown once, at the login (no shell yet).
#[derive(Template)]
#[template(path = "login_recovery_codes.html")]
struct LoginCodesPage {
    page: Page,
    codes: Vec<String>,
    next: String,
    new_factor: bool,
}

/// The login page's answer to a right password when a code is asked: the code's form,
/// or the set-up first.
pub(crate) async fn ask<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    page: Page,
    ticket: String,
    enrol: bool,
    next: String,
) -> Response {
    let setup = if enrol {
        match web.app.begin_second_factor_at_login(&ticket).await {
            Ok(e) => Some(Setup::of(e)),
            Err(e) => return error_page(page, &e),
        }
    } else {
        None
    };
    render(
        StatusCode::OK,
        &CodePage {
            page,
            ticket,
            next,
            setup,
            message: None,
        },
    )
}

/// `POST /login/second-factor`: the ticket and a code open the session.
pub(crate) async fn login_code<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let page = Page::new(&req, &web.settings.base_path, "login");
    let ticket = form.raw("ticket").unwrap_or_default().to_owned();
    let code = form.text("code");
    let next = super::auth::safe_next(form.get("next"));
    let again = |message: &'static str, status: StatusCode| {
        render(
            status,
            &CodePage {
                page: page.clone(),
                ticket: ticket.clone(),
                next: next.clone(),
                setup: Setup::from_form(&form),
                message: Some(message),
            },
        )
    };
    match web.app.login_second_factor(&ticket, &code).await {
        Ok(step) => {
            let resp = match step.recovery_codes {
                Some(codes) => render(
                    StatusCode::OK,
                    &LoginCodesPage {
                        page: page.clone(),
                        codes,
                        next: next.clone(),
                        new_factor: true,
                    },
                ),
                None => see_other(&req, &web.settings.base_path, &next),
            };
            with_session(web, &step.session, resp).await
        }
        Err(ServiceError::Invalid(_)) => again("second_factor.wrong_code", StatusCode::UNPROCESSABLE_ENTITY),
        Err(ServiceError::TooManyAttempts { .. }) => again("login.too_many", StatusCode::TOO_MANY_REQUESTS),
        Err(ServiceError::Unauthenticated) => see_other(&req, &web.settings.base_path, "/login?expired=code"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/second-factor/setup`: a new secret, its QR code and the code's form.
pub(crate) async fn setup<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.begin_second_factor(&auth.actor).await {
        Ok(e) => render(
            StatusCode::OK,
            &SetupPage {
                page,
                setup: Setup::of(e),
                message: None,
            },
        ),
        Err(ServiceError::Conflict) => see_other(&req, &web.settings.base_path, "/account"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/second-factor/confirm`: the first code turns the factor on; the
/// recovery codes are shown once.
pub(crate) async fn confirm<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let again = |page: Page, message: &'static str, status: StatusCode| match Setup::from_form(&form) {
        Some(setup) => render(
            status,
            &SetupPage {
                page,
                setup,
                message: Some(message),
            },
        ),
        None => see_other(&req, &web.settings.base_path, "/account"),
    };
    match web.app.confirm_second_factor(&auth.actor, &form.text("code")).await {
        Ok(codes) => render(
            StatusCode::OK,
            &CodesPage {
                page,
                codes,
                next: "/account".to_owned(),
                new_factor: true,
            },
        ),
        Err(ServiceError::Invalid(_)) => again(page, "second_factor.wrong_code", StatusCode::UNPROCESSABLE_ENTITY),
        Err(ServiceError::TooManyAttempts { .. }) => again(page, "login.too_many", StatusCode::TOO_MANY_REQUESTS),
        Err(ServiceError::NotFound) => see_other(&req, &web.settings.base_path, "/account"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/second-factor/recovery-codes`: new recovery codes on a code.
pub(crate) async fn renew<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.renew_recovery_codes(&auth.actor, &form.text("code")).await {
        Ok(codes) => render(
            StatusCode::OK,
            &CodesPage {
                page,
                codes,
                next: "/account".to_owned(),
                new_factor: false,
            },
        ),
        Err(ServiceError::Invalid(_)) => see_other(&req, &web.settings.base_path, "/account?done=wrong_code#second-factor"),
        Err(ServiceError::TooManyAttempts { .. }) => see_other(&req, &web.settings.base_path, "/account?done=too_many#second-factor"),
        Err(e) => error_page(page, &e),
    }
}

/// `POST /account/second-factor/remove`: the factor removed on a code.
pub(crate) async fn remove<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "account").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = match web.app.remove_second_factor(&auth.actor, &form.text("code")).await {
        Ok(()) => "second_factor_removed",
        Err(ServiceError::Invalid(v)) if v.errors().iter().any(|f| f.kind == crm_domain::ViolationKind::NotAllowed) => {
            "second_factor_required"
        }
        Err(ServiceError::Invalid(_)) => "wrong_code",
        Err(ServiceError::TooManyAttempts { .. }) => "too_many",
        Err(e) => return error_page(page, &e),
    };
    see_other(&req, &web.settings.base_path, &format!("/account?done={done}#second-factor"))
}
