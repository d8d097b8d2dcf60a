//! Store benchmark: contact writes (one after the other, and from 16 tasks at once), reads
//! by id and 50-contact list pages through the application services, on SQLite and (when
//! `CRM_BENCH_POSTGRES_URL` names a superuser URL) on PostgreSQL, next to the store's bare
//! round trip (`ping`) measured in the same run. Prints one table; read results as ratios,
//! this machine is shared and noisy.
//!
//! Run: `cargo run --release -p crm-benches --bin store-bench -- [contacts] [reads]`

#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::{Argon2Credentials, RingCipher};
use crm_domain::Actor;
use crm_ports::App;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::services::tenants::NewTenant;
use crm_ports::store::Health;
use crm_seeds::Generator;
use crm_store_sql::SqlStore;
use std::error::Error;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::cipher;

type Bench = App<SqlStore<RingCipher>, Argon2Credentials>;

struct Row {
    backend: &'static str,
    workload: &'static str,
    n: usize,
    samples: Vec<Duration>,
    wall: Duration,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn print(rows: &mut [Row]) -> std::io::Result<()> {
    println!("| backend | workload | n | p50 ms | p95 ms | p99 ms | ops/s |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut ping = 0.0;
    for r in rows.iter_mut() {
        r.samples.sort();
        let rate = r.n as f64 / r.wall.as_secs_f64();
        let figure = Figure::new("store-bench", r.backend, r.workload, rate, "ops/s", Better::Higher);
        if r.workload.starts_with("baseline") {
            ping = rate;
            figure.record()?;
        } else {
            figure.floor("store ping", ping).record()?;
        }
        println!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.0} |",
            r.backend,
            r.workload,
            r.n,
            pct(&r.samples, 0.50),
            pct(&r.samples, 0.95),
            pct(&r.samples, 0.99),
            rate
        );
    }
    Ok(())
}

async fn timed<F, Fut, T>(n: usize, mut f: F) -> Result<(Vec<Duration>, Duration), Box<dyn Error>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, Box<dyn Error>>>,
{
    let mut samples = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        f(i).await?;
        samples.push(t.elapsed());
    }
    Ok((samples, start.elapsed()))
}

/// A new company named `name`; its Admin (email `local+…@exemple.fr`).
async fn company(app: &Bench, name: &str, local: &str) -> Result<Actor, Box<dyn Error>> {
    let (tenant, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: name.into(),
                admin_email: format!("{local}+{}@exemple.fr", chrono::Utc::now().timestamp_micros()),
                admin_name: "Bench".into(),
                ..NewTenant::default()
            },
        )
        .await?;
    Ok(Actor::User {
        tenant_id: tenant.id,
        user_id: admin.id,
        role: admin.role,
    })
}

async fn run(backend: &'static str, app: &Bench, contacts: usize, reads: usize, rows: &mut Vec<Row>) -> Result<(), Box<dyn Error>> {
    let admin = company(app, "Banc d'essai", "bench").await?;
    let (samples, wall) = timed(reads, |_| async { app.store().ping().await.map_err(Into::into) }).await?;
    rows.push(Row {
        backend,
        workload: "baseline: store ping (empty transaction)",
        n: reads,
        samples,
        wall,
    });

    let g = Generator::new(2026);
    let mut ids = Vec::with_capacity(contacts);
    let mut samples = Vec::with_capacity(contacts);
    let start = Instant::now();
    for (input, _) in g.contacts(contacts as u64, 0) {
        let t = Instant::now();
        ids.push(app.create_contact(&admin, &input, None, true).await?.id);
        samples.push(t.elapsed());
    }
    rows.push(Row {
        backend,
        workload: "create contact (encrypt, blind index, event)",
        n: contacts,
        samples,
        wall: start.elapsed(),
    });

    // The same writes from 16 tasks at once, as a server's requests come (on SQLite they
    // queue for the one connection that writes), into a company of their own so that the
    // reads below find the same data as before.
    let writer = company(app, "Banc d'essai, écritures", "bench-w").await?;
    let writers = 16;
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(writers);
    for w in 0..writers {
        let (app, g) = (app.clone(), g.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(contacts / writers + 1);
            let mut i = w;
            while i < contacts {
                let (input, _) = g.contact(i as u64, 0);
                let t = Instant::now();
                app.create_contact(&writer, &input, None, true).await?;
                samples.push(t.elapsed());
                i += writers;
            }
            Ok::<_, crm_ports::ServiceError>(samples)
        }));
    }
    let mut samples = Vec::with_capacity(contacts);
    for task in tasks {
        samples.extend(task.await??);
    }
    rows.push(Row {
        backend,
        workload: "create contact, 16 writers at once",
        n: samples.len(),
        samples,
        wall: start.elapsed(),
    });

    let mut dup = Vec::with_capacity(reads.min(500));
    let start = Instant::now();
    for i in 0..reads.min(500) {
        let (input, _) = g.contact(i as u64 + contacts as u64, 0);
        let t = Instant::now();
        let _ = app.create_contact(&admin, &input, None, false).await;
        dup.push(t.elapsed());
    }
    rows.push(Row {
        backend,
        workload: "create contact with duplicate check",
        n: dup.len(),
        samples: dup,
        wall: start.elapsed(),
    });

    let (samples, wall) = timed(reads, |i| {
        let id = ids[(i * 7919) % ids.len()];
        let app = app.clone();
        async move { app.contact(&admin, id).await.map_err(Into::into) }
    })
    .await?;
    rows.push(Row {
        backend,
        workload: "get contact by id",
        n: reads,
        samples,
        wall,
    });

    let pages = (reads / 10).max(10);
    let mut cursor: Option<String> = None;
    let (samples, wall) = timed(pages, |_| {
        let page = PageRequest {
            limit: Some(50),
            cursor: cursor.take(),
            ..PageRequest::default()
        };
        let app = app.clone();
        async move {
            app.list_contacts(&admin, &ContactFilter::default(), &page)
                .await
                .map_err(Into::into)
        }
    })
    .await?;
    rows.push(Row {
        backend,
        workload: "list page of 50 contacts (by name)",
        n: pages,
        samples,
        wall,
    });
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let contacts: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let reads: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let mut rows = Vec::new();

    let dir = tempfile::tempdir()?;
    let sqlite = App::new(
        SqlStore::open_sqlite(&dir.path().join("bench.db"), cipher()?).await?,
        Argon2Credentials::new(2)?,
    );
    run("SQLite", &sqlite, contacts, reads, &mut rows).await?;

    match std::env::var("CRM_BENCH_POSTGRES_URL") {
        Ok(admin_url) => {
            let (db, store) = support::BenchDb::create(&admin_url, "crm_bench").await?;
            let pg = App::new(store, Argon2Credentials::new(2)?);
            run("PostgreSQL", &pg, contacts, reads, &mut rows).await?;
            drop(pg);
            db.drop_now()?;
        }
        Err(_) => eprintln!("PostgreSQL skipped: set CRM_BENCH_POSTGRES_URL to a superuser URL to include it"),
    }
    println!(
        "store benchmark: {contacts} contacts, {reads} reads, calls through the services one after the other (but for the 16 writers)"
    );
    print(&mut rows)?;
    Ok(())
}
