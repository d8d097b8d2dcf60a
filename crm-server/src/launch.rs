//! `crm serve`: the assembled CRM ([`Crm`]) on its listener, with its workers, until a
//! signal; "ready" said only once the server answers on its own address, with the demo's
//! logins or how to begin.

use crate::config::Config;
use crate::runtime::Crm;
use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

/// Runs the server of `cfg` until `signal` resolves; loads the demonstration data of the
/// size `demo` names first when it is given and the installation is empty.
///
/// # Errors
/// What stops it, for people.
pub async fn serve(cfg: &Config, demo: Option<crm_seeds::demo::DemoSize>, signal: impl Future<Output = ()>) -> Result<(), String> {
    let crm = Crm::open(cfg).await.map_err(|e| e.to_string())?;
    let app = crm.app().clone();
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let backend = if cfg.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    tracing::info!(%addr, backend, data_dir = %cfg.data_dir.display(), "CRM listening");
    // What to say once the server answers: the demo's logins, or how to begin.
    let after_ready = match (crate::cli::first_start_hint(&app).await, demo) {
        (Some(_), Some(size)) => {
            Some(crate::cli::load_demo(&app, 2026, size, cfg.public_url.as_deref(), std::sync::Arc::clone(crm.files())).await?)
        }
        (Some(hint), None) => Some(hint),
        (None, Some(_)) => Some(
            "Données de démonstration non chargées : cette installation contient déjà des entreprises \
             (`crm tenant list` les montre)."
                .to_owned(),
        ),
        (None, None) => None,
    };
    let server = crm.serve(listener, signal, Duration::from_secs(20));
    tokio::pin!(server);
    // "Ready" only once the server answers on its own address.
    let announce = async {
        let ready = wait_ready(addr, Duration::from_secs(30)).await;
        tracing::info!(%addr, ready, "CRM ready");
        if !ready {
            let _ = writeln!(
                std::io::stderr(),
                "crm: le serveur écoute sur http://{addr} mais /readyz ne répond pas encore (la base répond-elle ?)"
            );
        }
        // Whoever reads the standard output may have gone (`crm serve | head -3`): a closed
        // pipe must not stop the server, so write errors are ignored (`println!` panics).
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "CRM prêt sur http://{addr} ({backend}, données : {})", cfg.data_dir.display());
        let _ = writeln!(out, "API : http://{addr}/api/v1 — documentation : http://{addr}/api/docs");
        if let Some(text) = &after_ready {
            let _ = writeln!(out, "{text}");
        }
        let _ = out.flush();
    };
    tokio::select! {
        r = &mut server => return r.map_err(|e| e.to_string()),
        () = announce => {},
    }
    server.await.map_err(|e| e.to_string())
}

/// Resolves on Ctrl+C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Whether the server at `addr` answers `GET /readyz` with 200 (one plain HTTP/1.1
/// exchange; an unspecified address is reached on the loopback).
pub async fn answers_ready(addr: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let target = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port())),
        _ => addr,
    };
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(target).await?;
        stream
            .write_all(format!("GET /readyz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n").as_bytes())
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        std::io::Result::Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
    };
    matches!(tokio::time::timeout(Duration::from_secs(2), exchange).await, Ok(Ok(true)))
}

/// Waits until the server at `addr` is ready (at most `limit`); whether it became so.
pub async fn wait_ready(addr: SocketAddr, limit: Duration) -> bool {
    let until = tokio::time::Instant::now() + limit;
    loop {
        if answers_ready(addr).await {
            return true;
        }
        if tokio::time::Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
