//! Commit-to-SSE delivery latency: `clients` streams connected to `GET /api/v1/events`,
//! a writer creating contacts one by one; for each event, the time from just before the
//! writer's POST to its arrival on every stream. Prints p50/p99 (and the POST round trip
//! measured in the same run, as the baseline), on SQLite and, with
//! `CRM_BENCH_POSTGRES_URL`, on PostgreSQL.
//!
//! Run: `cargo run --release -p crm-benches --bin sse-bench -- [clients] [writes]`

#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::Actor;
use crm_ports::App;
use crm_ports::services::tenants::NewTenant;
use crm_server::api::auth::HttpSettings;
use crm_server::{CrmApp, http};
use crm_store_sql::SqlStore;
use futures::StreamExt;
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::cipher;
use tokio::sync::Mutex;

const PASSWORD: &str = "banc d'essai temps réel";

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn run(backend: &str, app: CrmApp, clients: usize, writes: usize) -> Result<String, Box<dyn Error>> {
    let email = format!("sse+{}@exemple.fr", chrono::Utc::now().timestamp_micros());
    app.create_tenant(
        &Actor::Operator,
        &NewTenant {
            name: "Temps réel".into(),
            admin_email: email.clone(),
            admin_name: "Bench".into(),
            admin_password: Some(PASSWORD.into()),
            ..NewTenant::default()
        },
    )
    .await?;
    let token = app.login(&email, PASSWORD).await?.token;
    let search_dir = tempfile::tempdir()?;
    let search = crm_server::search::open(search_dir.path())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(
        listener,
        http::endpoint(app, HttpSettings::default(), support::extras(search, search_dir.path())?),
        async {
            let _ = rx.await;
        },
        Duration::from_secs(1),
    ));

    // Arrival times per write number, over every client.
    let arrivals: Arc<Mutex<HashMap<usize, Vec<Instant>>>> = Arc::new(Mutex::new(HashMap::new()));
    let http_client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let res = http_client.get(format!("{base}/api/v1/events")).bearer_auth(&token).send().await?;
        let arrivals = Arc::clone(&arrivals);
        tasks.push(tokio::spawn(async move {
            let mut body = res.bytes_stream();
            let mut buf = String::new();
            let mut seen = 0;
            while seen < writes {
                let Ok(Some(Ok(chunk))) = tokio::time::timeout(Duration::from_secs(10), body.next()).await else {
                    break;
                };
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if let Some(i) = block
                        .find("bench-")
                        .and_then(|p| block[p + 6..].split('"').next())
                        .and_then(|n| n.parse::<usize>().ok())
                    {
                        arrivals.lock().await.entry(i).or_default().push(now);
                        seen += 1;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let writer = crm_sdk::Client::new(&base)?.with_token(&token);
    let mut sent = HashMap::new();
    let mut round_trips = Vec::new();
    for i in 0..writes {
        let t = Instant::now();
        writer
            .create_contact(
                &crm_sdk::models::ContactWrite {
                    kind: "prospect".into(),
                    first_name: format!("bench-{i}"),
                    last_name: "Direct".into(),
                    ..Default::default()
                },
                true,
            )
            .await?;
        round_trips.push(t.elapsed());
        sent.insert(i, t);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for t in tasks {
        let _ = t.await;
    }
    let _ = stop.send(());
    let mut lat = Vec::new();
    let mut delivered = 0;
    for (i, times) in arrivals.lock().await.iter() {
        if let Some(t0) = sent.get(i) {
            delivered += times.len();
            lat.extend(times.iter().map(|t| t.duration_since(*t0)));
        }
    }
    lat.sort();
    round_trips.sort();
    Figure::new(
        "sse-bench",
        backend,
        &format!("commit to SSE, p99, {clients} streams"),
        pct(&lat, 0.99),
        "ms",
        Better::Lower,
    )
    .floor("the POST's own round trip, p99", pct(&round_trips, 0.99))
    .record()?;
    if delivered < clients * writes {
        return Err(format!("{backend}: {delivered} of {} events delivered", clients * writes).into());
    }
    Ok(format!(
        "| {backend} | {clients} | {writes} | {delivered} / {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        clients * writes,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&round_trips, 0.5),
        pct(&round_trips, 0.99)
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let writes: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let mut rows = Vec::new();
    let dir = tempfile::tempdir()?;
    let sqlite = App::new(
        SqlStore::open_sqlite(&dir.path().join("bench.db"), cipher()?).await?,
        Argon2Credentials::new(2)?,
    );
    rows.push(run("SQLite", sqlite, clients, writes).await?);
    if let Ok(admin_url) = std::env::var("CRM_BENCH_POSTGRES_URL") {
        let (db, store) = support::BenchDb::create(&admin_url, "crm_ssebench").await?;
        rows.push(run("PostgreSQL", App::new(store, Argon2Credentials::new(2)?), clients, writes).await?);
        db.drop_now()?;
    } else {
        eprintln!("PostgreSQL skipped: set CRM_BENCH_POSTGRES_URL to a superuser URL to include it");
    }
    println!("commit-to-SSE delivery: latency from just before the writer's POST to arrival on each stream");
    println!("| backend | clients | writes | delivered | p50 ms | p99 ms | baseline POST p50 ms | POST p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
