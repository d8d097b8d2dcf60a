//! Receiving the report by email (Rapports page): subscribe to the report shown every week
//! or every month as a PDF or a workbook (and get one now), or stop one.

use super::{Form, path_id, signed_write};
use crate::Web;
use crate::view::{error_page, faults_text, see_other};
use crm_domain::report::ReportScope;
use crm_ports::services::report_mail::Frequency;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::{Request, Response};

/// `POST /reports/subscriptions`: `frequency`, `format`, `scope`, `send_now`.
pub(crate) async fn subscribe<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let frequency = form
        .get("frequency")
        .and_then(|f| Frequency::parse(&f))
        .unwrap_or(Frequency::Weekly);
    let scope = form
        .get("scope")
        .and_then(|s| ReportScope::parse(&s))
        .unwrap_or(ReportScope::Company);
    let format = form.get("format").unwrap_or_else(|| "pdf".to_owned());
    let send_now = form.get("send_now").is_some();
    match web.app.subscribe_report(&auth.actor, frequency, &format, scope, send_now).await {
        Ok(_) => see_other(
            &req,
            &web.settings.base_path,
            &format!("/reports?scope={}&done=subscribed", scope.code()),
        ),
        Err(ServiceError::Invalid(v)) => {
            let why = faults_text(page.lang, "report_mail", &v);
            see_other(
                &req,
                &web.settings.base_path,
                &format!("/reports?scope={}&refused={}", scope.code(), urlencode(&why)),
            )
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /reports/subscriptions/{id}/delete`.
pub(crate) async fn unsubscribe<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    mut req: Request,
) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "reports").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req) else {
        return error_page(page, &ServiceError::NotFound);
    };
    match web.app.unsubscribe_report(&auth.actor, id).await {
        Ok(()) => see_other(&req, &web.settings.base_path, "/reports?done=unsubscribed"),
        Err(e) => error_page(page, &e),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
