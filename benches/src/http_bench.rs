//! HTTP load benchmark over loopback: `GET /api/v1/contacts/{id}` and a 50-contact list
//! page, on SQLite and (with `CRM_BENCH_POSTGRES_URL`, a superuser URL) on PostgreSQL,
//! next to the bare `/healthz` route of the same server and to the floor — the same reads
//! by poem and sqlx alone (`raw_floor.rs`) — measured in the same run. 64 connections by
//! default. Prints one table; read it as ratios to the bare route and to the floor.
//!
//! The machine is shared and its speed drifts from one minute to the next: each workload's
//! time is cut into rounds (5 by default), and every round runs the floor just before the
//! route compared to it. A ratio is the route's requests over the floor's in the same
//! rounds; the table also gives the lowest and highest ratio of a round.
//!
//! Run: `cargo run --release -p crm-benches --bin http-bench -- [seconds] [connections] [contacts] [rounds]`
//! (`CRM_BENCH_ONLY=text`: only the workloads whose name holds `text`, to profile one).

#[path = "raw_floor.rs"]
mod raw_floor;
#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::Actor;
use crm_ports::App;
use crm_ports::services::tenants::NewTenant;
use crm_seeds::Generator;
use crm_server::api::auth::HttpSettings;
use crm_server::{CrmApp, http};
use crm_store_sql::SqlStore;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::cipher;

const PASSWORD: &str = "banc d'essai de charge";

struct Served {
    base: String,
    tenant: uuid::Uuid,
    token: String,
    ids: Vec<uuid::Uuid>,
    stop: tokio::sync::oneshot::Sender<()>,
    _search_dir: tempfile::TempDir,
    /// Kept while the server runs: the access log's writer stops when it is dropped.
    _writer: crm_ports::runtime::ShutdownTrigger,
}

async fn serve(app: CrmApp, contacts: u64) -> Result<Served, Box<dyn Error>> {
    let email = format!("bench+{}@exemple.fr", chrono::Utc::now().timestamp_micros());
    let (tenant, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Charge".into(),
                admin_email: email.clone(),
                admin_name: "Bench".into(),
                admin_password: Some(PASSWORD.into()),
                ..NewTenant::default()
            },
        )
        .await?;
    let actor = Actor::User {
        tenant_id: tenant.id,
        user_id: admin.id,
        role: admin.role,
    };
    let g = Generator::new(7);
    let mut ids = Vec::new();
    for (input, _) in g.contacts(contacts, 0) {
        ids.push(app.create_contact(&actor, &input, None, true).await?.id.as_uuid());
    }
    let token = app.login(&email, PASSWORD).await?.token;
    let search_dir = tempfile::tempdir()?;
    let search = crm_server::search::open(search_dir.path())?;
    // The access log's writer runs beside the server, as `crm serve` runs it: a read of a
    // record queues its access, written in batches.
    let (writer, shutdown) = crm_ports::runtime::Shutdown::new();
    let writer_app = app.clone();
    tokio::spawn(async move { writer_app.run_access_writer(shutdown).await });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(
        listener,
        http::endpoint(app, HttpSettings::default(), support::extras(search, search_dir.path())?),
        async {
            let _ = rx.await;
        },
        Duration::from_secs(2),
    ));
    Ok(Served {
        base,
        tenant: tenant.id.as_uuid(),
        token,
        ids,
        stop,
        _search_dir: search_dir,
        _writer: writer,
    })
}

struct Outcome {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
    wall: Duration,
}

async fn load(urls: Arc<Vec<String>>, token: Option<String>, connections: usize, time: Duration) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap_or_default();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, urls, token, stop) = (client.clone(), Arc::clone(&urls), token.clone(), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = c * 7919;
            while !stop.load(Ordering::Relaxed) {
                let url = &urls[i % urls.len()];
                i += 1;
                let mut req = client.get(url);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                let t = Instant::now();
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(time).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let wall = start.elapsed();
    latencies.sort();
    Outcome {
        requests: latencies.len(),
        errors,
        latencies,
        wall,
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Serves the floor's raw reads of `tenant`'s contacts; its base URL and its stop.
async fn serve_raw(pool: raw_floor::RawPool, tenant: uuid::Uuid) -> Result<(String, tokio::sync::oneshot::Sender<()>), Box<dyn Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(
        listener,
        raw_floor::routes(pool, tenant),
        async {
            let _ = rx.await;
        },
        Duration::from_secs(2),
    ));
    Ok((base, stop))
}

#[allow(clippy::too_many_arguments)]
async fn run(
    backend: &str,
    app: CrmApp,
    raw: impl std::future::Future<Output = Result<raw_floor::RawPool, sqlx::Error>>,
    contacts: u64,
    connections: usize,
    seconds: u64,
    rounds: usize,
    analyzed: Option<&support::BenchDb>,
    rows: &mut Vec<String>,
) -> Result<usize, Box<dyn Error>> {
    let s = serve(app, contacts).await?;
    // PostgreSQL's statistics, as autovacuum gathers them within a minute of the load:
    // without them both the floor and our reads sorted the whole company for each page
    // (1.2 ms for the floor's page, 0.03 ms with them), and autovacuum changed the plans
    // in the middle of a run.
    if let Some(db) = analyzed {
        db.analyze()?;
    }
    let (raw_base, raw_stop) = serve_raw(raw.await?, s.tenant).await?;
    let raw_one = Arc::new(s.ids.iter().map(|id| format!("{raw_base}/raw/contacts/{id}")).collect::<Vec<_>>());
    let raw_list = Arc::new(vec![format!("{raw_base}/raw/contacts")]);
    // SQLite: the row read on the request's thread, as the store reads a contact by its key.
    let raw_here = Arc::new(if backend == "SQLite" {
        s.ids
            .iter()
            .map(|id| format!("{raw_base}/raw/here/contacts/{id}"))
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    });
    let bare = Arc::new(vec![format!("{}/healthz", s.base)]);
    let by_id = Arc::new(
        s.ids
            .iter()
            .map(|id| format!("{}/api/v1/contacts/{id}", s.base))
            .collect::<Vec<_>>(),
    );
    let list = Arc::new(vec![format!("{}/api/v1/contacts?limit=50", s.base)]);
    // Warm-up.
    load(Arc::clone(&by_id), Some(s.token.clone()), connections, Duration::from_secs(1)).await;
    load(Arc::clone(&raw_one), None, connections, Duration::from_secs(1)).await;
    // Each of ours after its floor: (name, urls, token, floor it is compared to). With
    // CRM_BENCH_ONLY=text, only the workloads whose name holds it (to profile one).
    let only = std::env::var("CRM_BENCH_ONLY").ok();
    let workloads = [
        ("bare route GET /healthz", bare, None, None, None),
        ("floor: poem + sqlx, one row by id", raw_one, None, None, None),
        // Its ratio is to the sqlx floor: what sqlx's trip to its connection's thread costs.
        (
            "floor: poem + rusqlite on the request's thread, one row by id",
            raw_here,
            None,
            Some(1),
            None,
        ),
        ("GET /api/v1/contacts/{id}", by_id, Some(s.token.clone()), Some(1), Some("≥ 0.75")),
        ("floor: poem + sqlx, 50 rows", raw_list, None, None, None),
        ("GET /api/v1/contacts?limit=50", list, Some(s.token.clone()), Some(4), Some("≥ 0.5")),
    ];
    let slice = Duration::from_secs_f64(seconds as f64 / rounds as f64);
    // Per workload: every round's requests a second, and the outcome of all rounds.
    let mut per_round = vec![[0.0_f64; 6]; rounds];
    let mut totals: Vec<Option<Outcome>> = (0..workloads.len()).map(|_| None).collect();
    for round in per_round.iter_mut() {
        for (i, (name, urls, token, _, _)) in workloads.iter().enumerate() {
            if urls.is_empty() || only.as_deref().is_some_and(|o| !name.contains(o)) {
                continue;
            }
            let o = load(Arc::clone(urls), token.clone(), connections, slice).await;
            round[i] = o.requests as f64 / o.wall.as_secs_f64();
            totals[i] = Some(match totals[i].take() {
                None => o,
                Some(mut t) => {
                    t.requests += o.requests;
                    t.errors += o.errors;
                    t.latencies.extend(o.latencies);
                    t.wall += o.wall;
                    t
                }
            });
        }
    }
    let mut measured = [0.0_f64; 6];
    let mut errors = 0;
    for (i, (name, _, _, floor, aim)) in workloads.iter().enumerate() {
        let Some(mut o) = totals[i].take() else { continue };
        o.latencies.sort();
        let rps = o.requests as f64 / o.wall.as_secs_f64();
        measured[i] = rps;
        errors += o.errors;
        let mut figure = Figure::new("http-bench", backend, name, rps, "req/s", Better::Higher);
        if let Some(f) = *floor {
            figure = figure.floor(if f == 1 { "poem + sqlx, one row" } else { "poem + sqlx, 50 rows" }, measured[f]);
        }
        if let Some(a) = aim {
            figure = figure.aim(a);
        }
        figure.record()?;
        let ratio = |of: f64| if of > 0.0 { format!("{:.3}", rps / of) } else { "—".to_owned() };
        let to_floor = floor.map_or_else(
            || "—".to_owned(),
            |f: usize| {
                let each: Vec<f64> = per_round.iter().filter(|r| r[f] > 0.0).map(|r| r[i] / r[f]).collect();
                let (low, high) = each.iter().fold((f64::MAX, 0.0_f64), |(l, h), r| (l.min(*r), h.max(*r)));
                if each.len() > 1 {
                    format!("{} ({low:.3}–{high:.3})", ratio(measured[f]))
                } else {
                    ratio(measured[f])
                }
            },
        );
        rows.push(format!(
            "| {backend} | {name} | {connections} | {rps:.0} | {:.2} | {:.2} | {} | {to_floor} | {} |",
            pct(&o.latencies, 0.50),
            pct(&o.latencies, 0.99),
            ratio(measured[0]),
            o.errors
        ));
    }
    let _ = s.stop.send(());
    let _ = raw_stop.send(());
    Ok(errors)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let connections: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let contacts: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5).max(1);
    let mut rows = Vec::new();
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bench.db");
    let sqlite = App::new(SqlStore::open_sqlite(&file, cipher()?).await?, Argon2Credentials::new(2)?);
    let here_file = file.clone();
    let raw = async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).read_only(true);
        // Connections handed out unchecked, as the store's pools do: the floor pays no
        // round trip the store does not.
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(raw_floor::RawPool::Sqlite(pool, here_file))
    };
    let mut errors = run("SQLite", sqlite, raw, contacts, connections, seconds, rounds, None, &mut rows).await?;
    match std::env::var("CRM_BENCH_POSTGRES_URL") {
        Ok(admin_url) => {
            let (db, store) = support::BenchDb::create(&admin_url, "crm_httpbench").await?;
            let url = db.superuser_url();
            let raw = async move {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .connect(&url)
                    .await?;
                Ok(raw_floor::RawPool::Postgres(pool))
            };
            errors += run(
                "PostgreSQL",
                App::new(store, Argon2Credentials::new(2)?),
                raw,
                contacts,
                connections,
                seconds,
                rounds,
                Some(&db),
                &mut rows,
            )
            .await?;
            db.drop_now()?;
        }
        Err(_) => eprintln!("PostgreSQL skipped: set CRM_BENCH_POSTGRES_URL to a superuser URL to include it"),
    }
    println!(
        "HTTP over loopback, {seconds} s per workload in {rounds} rounds (each floor just before its route), {connections} connections, {contacts} contacts; client and server share this machine"
    );
    println!("| backend | workload | conns | req/s | p50 ms | p99 ms | ratio to bare | ratio to floor (lowest–highest round) | errors |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    if errors > 0 {
        return Err(format!("{errors} requests failed").into());
    }
    Ok(())
}
