//! The platform operator's page (`/operator`): every company with what it holds and its
//! state, a company created with its first Admin (who chooses a password with a link
//! shown once), a company suspended or reinstated. Nobody else reaches it.

use super::{Form, absolute, path_id, signed_in, signed_write};
use crate::Web;
use crate::view::{Page, error_page, faults_text, render, see_other};
use askama::Template;
use crm_domain::{Actor, TenantId};
use crm_ports::services::tenants::NewTenant;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};

struct Company {
    id: String,
    name: String,
    created: String,
    users: u64,
    contacts: u64,
    open_deals: u64,
    suspended: bool,
}

/// The creation form as typed.
#[derive(Default)]
struct Typed {
    name: String,
    admin_name: String,
    admin_email: String,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    page: Page,
    companies: Vec<Company>,
    typed: Typed,
    message: Option<String>,
    fault: Option<String>,
    /// A company just created: its Admin's name and link.
    link: Option<(String, String)>,
}

async fn page_of<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &Actor,
    page: Page,
    typed: Typed,
    said: (Option<String>, Option<String>, Option<(String, String)>),
    status: StatusCode,
) -> Response {
    let all = match web.app.tenant_overview(actor).await {
        Ok(a) => a,
        Err(e) => return error_page(page, &e),
    };
    let companies = all
        .iter()
        .map(|(t, c)| Company {
            id: t.id.to_string(),
            name: t.name.to_string(),
            created: page.lang.date_time(t.created_at, t.settings.time_zone.tz()),
            users: c.users,
            contacts: c.contacts,
            open_deals: c.open_deals,
            suspended: t.suspended_at.is_some(),
        })
        .collect();
    let (message, fault, link) = said;
    render(
        status,
        &OperatorPage {
            page,
            companies,
            typed,
            message,
            fault,
            link,
        },
    )
}

/// `GET /operator`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "operator").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let message = Form::query(&req).get("done").map(|d| page.t(&format!("operator.done_{d}")));
    page_of(web, &auth.actor, page, Typed::default(), (message, None, None), StatusCode::OK).await
}

/// `POST /operator/companies`: a company and its first Admin, whose link is shown once.
pub(crate) async fn create<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "operator").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let typed = Typed {
        name: form.text("name"),
        admin_name: form.text("admin_name"),
        admin_email: form.text("admin_email"),
    };
    let input = NewTenant {
        name: typed.name.clone(),
        admin_name: typed.admin_name.clone(),
        admin_email: typed.admin_email.clone(),
        ..NewTenant::default()
    };
    match web.app.create_tenant_invited(&auth.actor, &input).await {
        Ok((_, admin, link)) => {
            let url = absolute(web, &req, &format!("/access/{}", link.secret));
            let said = (
                Some(page.t("operator.done_created")),
                None,
                Some((admin.display_name.to_string(), url)),
            );
            page_of(web, &auth.actor, page, Typed::default(), said, StatusCode::OK).await
        }
        Err(ServiceError::Invalid(e)) => {
            let fault = Some(faults_text(page.lang, "operator", &e));
            page_of(web, &auth.actor, page, typed, (None, fault, None), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(page, &e),
    }
}

/// `POST /operator/companies/{id}/{suspend,reinstate}`.
pub(crate) async fn suspend<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "operator").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = path_id(&req).map(TenantId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let suspended = !req.uri().path().ends_with("/reinstate");
    match web.app.set_tenant_suspended(&auth.actor, id, suspended).await {
        Ok(_) => see_other(
            &req,
            &web.settings.base_path,
            if suspended {
                "/operator?done=suspended"
            } else {
                "/operator?done=reinstated"
            },
        ),
        Err(e) => error_page(page, &e),
    }
}
