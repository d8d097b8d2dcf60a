//! The register of processing activities (Admin, « Données personnelles » › « Registre des
//! activités de traitement »): its sections on the page, and the same as a PDF.

use super::signed_in;
use crate::Web;
use crate::register_export::{Section, made, pdf as register_pdf, sections};
use crate::view::{Page, error_page, render};
use askama::Template;
use crm_ports::services::register::ProcessingRegister;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use poem::http::StatusCode;
use poem::{Request, Response};

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    sections: Vec<Section>,
    made: String,
}

/// The signed-in Admin's page and register; the answer to give otherwise.
async fn load<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    req: &Request,
) -> Result<(Page, ProcessingRegister), Response> {
    let (auth, page) = signed_in(web, req, "privacy").await?;
    match web.app.processing_register(&auth.actor).await {
        Ok(r) => Ok((page, r)),
        Err(e) => Err(error_page(page, &e)),
    }
}

/// `GET /privacy/register`.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (page, r) = match load(web, &req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &RegisterPage {
            sections: sections(page.lang, &r),
            made: made(&r),
            page,
        },
    )
}

/// `GET /privacy/register.pdf`.
pub(crate) async fn pdf<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (page, r) = match load(web, &req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let body = register_pdf(page.lang, &r);
    Response::builder()
        .content_type("application/pdf")
        .header(
            "content-disposition",
            format!("attachment; filename=\"registre-traitements-{}.pdf\"", r.made_at.format("%Y-%m-%d")),
        )
        .header("cache-control", "no-store")
        .body(body)
}
