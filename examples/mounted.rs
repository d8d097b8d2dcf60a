//! The CRM mounted inside a host poem application under `/crm`, with its background
//! workers (search indexer, notifications, reminder timers) and one graceful shutdown.
//!
//! ```sh
//! CRM_DATA_DIR=/tmp/intranet CRM_LISTEN=127.0.0.1:8090 cargo run -p crm-examples --bin mounted
//! ```
//! The host answers `/`; the CRM's API is at `/crm/api/v1`, its documentation at
//! `/crm/api/docs`. On first start it creates a company whose Admin logs in with
//! `CRM_EXAMPLE_ADMIN_EMAIL` / `CRM_EXAMPLE_ADMIN_PASSWORD` (printed defaults). Ctrl+C (or
//! SIGTERM) stops accepting, drains requests, lets the workers finish their batch.

use crm_domain::Actor;
use crm_ports::services::tenants::NewTenant;
use crm_server::Crm;
use crm_server::config::{Config, FileConfig};
use poem::listener::{Acceptor as _, TcpAcceptor};
use poem::web::Html;
use poem::{EndpointExt as _, Route, get, handler};
use std::error::Error;
use std::time::Duration;

#[handler]
fn home() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Intranet</title>\
         <h1>Intranet</h1><p><a href=\"/crm/api/docs\">Le CRM</a></p></html>",
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let data_dir = std::env::var("CRM_DATA_DIR").unwrap_or_else(|_| "./intranet-data".to_owned());
    let listen = std::env::var("CRM_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".to_owned());
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(data_dir.into()),
            ..FileConfig::default()
        },
    );
    let crm = Crm::open(&config).await?.under("/crm");
    if crm.app().list_tenants(&Actor::Operator).await?.is_empty() {
        let email = std::env::var("CRM_EXAMPLE_ADMIN_EMAIL").unwrap_or_else(|_| "admin@intranet.example".to_owned());
        let password = std::env::var("CRM_EXAMPLE_ADMIN_PASSWORD").unwrap_or_else(|_| "une phrase de passe solide".to_owned());
        crm.app()
            .create_tenant(
                &Actor::Operator,
                &NewTenant {
                    name: "Intranet".into(),
                    admin_email: email.clone(),
                    admin_name: "Administrateur".into(),
                    admin_password: Some(password),
                    ..NewTenant::default()
                },
            )
            .await?;
        println!("company created; its Admin logs in as {email}");
    }
    let host = Route::new().at("/", get(home)).nest("/crm", crm.endpoint()).boxed();
    let acceptor = TcpAcceptor::from_tokio(tokio::net::TcpListener::bind(&listen).await?)?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or("no local address")?;
    let workers = crm.start_workers();
    println!("listening on http://{addr}/ (CRM API under http://{addr}/crm/api/v1)");
    let served = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(host, crm_server::launch::shutdown_signal(), Some(Duration::from_secs(10)))
        .await;
    workers.stop(Duration::from_secs(10)).await;
    println!("stopped");
    Ok(served?)
}
