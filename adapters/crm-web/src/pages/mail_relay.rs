//! The company's own SMTP relay (Admin): the relay in use (its password masked), a form to
//! set it — URL and From — and a button to go back to the installation's relay.

use super::{Form, company_tz, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, fault_text, render, see_other};
use askama::Template;
use crm_ports::services::email::MailRelayInput;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

#[derive(Template)]
#[template(path = "mail_relay.html")]
struct RelayPage {
    page: Page,
    /// The relay in use: its masked URL, From and when it was set.
    current: Option<(String, String, String)>,
    url: String,
    from: String,
    faults: Vec<(String, String)>,
    message: Option<String>,
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    form: &Form,
    faults: Vec<(String, String)>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let tz = company_tz(web, actor).await;
    match web.app.mail_relay(actor).await {
        Ok(current) => {
            let current = current.map(|r| (r.url, r.from.unwrap_or_default(), page.lang.date_time(r.updated_at, tz)));
            let p = RelayPage {
                current,
                url: form.text("url"),
                from: form.text("from"),
                faults,
                message,
                page,
            };
            render(status, &p)
        }
        Err(e) => error_page(page, &e),
    }
}

/// `GET /settings/email`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("relay.done_{d}")));
    page_of(web, &auth.actor, page, &Form::default(), Vec::new(), message, StatusCode::OK).await
}

/// `POST /settings/email`: the relay set.
pub(crate) async fn save<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = MailRelayInput {
        url: form.text("url"),
        from: form.get("from"),
    };
    match web.app.set_mail_relay(&auth.actor, &input, &*web.settings.relay_check.0).await {
        Ok(_) => see_other(&req, &web.settings.base_path, "/settings/email?done=saved"),
        Err(ServiceError::Invalid(e)) => {
            let faults = e
                .errors()
                .iter()
                .map(|f| (f.field.clone(), fault_text(page.lang, f.kind)))
                .collect();
            page_of(web, &auth.actor, page, &form, faults, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /settings/email/remove`: back to the installation's relay.
pub(crate) async fn remove<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "campaigns").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match web.app.remove_mail_relay(&auth.actor).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/settings/email?done=removed"),
        Err(e) => error_page(page, &e),
    }
}
