//! Import and export benchmark, through the same code as `crm import run` and
//! `crm export contacts` (file stored, background job worked in-process by pieces of 2,000,
//! duplicate rules of a contact made by hand), on SQLite and (when
//! `CRM_BENCH_POSTGRES_URL` names a superuser URL) on PostgreSQL:
//!
//! 1. `N` new contacts into an empty company;
//! 2. `N` more rows into the company that now has `N`: half of them the contacts already
//!    there (a quarter changed, found by email: updates; a quarter as they are: unchanged),
//!    half new — deduplication against the company and within the file;
//! 3. contacts added to reach `3 × N`, then every contact exported as CSV for Excel and as
//!    XLSX, with the process's heap (anonymous resident memory) before and at its peak
//!    during each export, sampled every 5 ms (on PostgreSQL after an `ANALYZE`, timed: the
//!    statistics autovacuum would have gathered by then).
//!
//! Prints one table. Run: `cargo run --release -p crm-benches --bin import-bench -- [N]`
//! (default 100,000: the figure; 2,000 for a quick look).

#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::{Actor, TenantId};
use crm_ports::App;
use crm_ports::files::FileStorage;
use crm_ports::services::tenants::NewTenant;
use crm_server::cli_export::ExportArgs;
use crm_server::cli_import::RunArgs;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::cipher;

const FIRST: [&str; 24] = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Jade", "Louise", "Zoé", "Alice", "Clara", "Emma", "Lucas", "Hugo", "Louis",
    "Nathan", "Gabriel", "Jules", "Arthur", "Théo", "Raphaël", "Paul", "Adam", "Noé",
];

/// A made-up but French-looking last name per number (several thousand distinct names:
/// homonyms exist, as in a real file, without every row being one).
fn last_name(i: usize) -> String {
    const A: [&str; 20] = [
        "Ber", "Mar", "Du", "Le", "Gar", "Fon", "Mor", "Rou", "Lam", "Fau", "Ger", "Bon", "Mi", "Gi", "Che", "Cla", "Bri", "Pel", "Ri",
        "Vi",
    ];
    const B: [&str; 16] = [
        "nard", "tin", "pont", "roux", "nier", "taine", "eau", "sseau", "bert", "vre", "vais", "net", "chel", "rard", "vallier", "ssac",
    ];
    const C: [&str; 12] = [
        "", "e", "-Lacroix", " de Vaux", "ot", "on", "-Martin", "ier", "as", "-Roy", "eau", "y",
    ];
    format!("{}{}{}", A[i % 20], B[(i / 20) % 16], C[(i / 320) % 12])
}

/// Rows `from..to` of a French Excel file; `changed` rows get another job title.
fn write_file(path: &Path, rows: impl Iterator<Item = (usize, bool)>) -> Result<(), Box<dyn Error>> {
    let mut out = String::from("\u{feff}Prénom;Nom;E-mail;Téléphone;Société;Poste;Ville\r\n");
    for (i, changed) in rows {
        let title = if changed { "Directrice commerciale" } else { "Acheteur" };
        out.push_str(&format!(
            "{};{};contact.{i}@exemple-{}.fr;06 {:02} {:02} {:02} {:02};Société {};{title};Lyon\r\n",
            FIRST[i % FIRST.len()],
            last_name(i / 7),
            i % 97,
            (i / 1_000_000) % 100,
            (i / 10_000) % 100,
            (i / 100) % 100,
            i % 100,
            i % 5_000,
        ));
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// A memory figure of this process from `/proc/self/status` (`RssAnon`: its heap now),
/// in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The peak of this process's anonymous resident memory (its heap: what the export holds;
/// the database file mapped into memory is not counted) while `work` runs, sampled every
/// 5 ms by a thread of its own, with the value before.
async fn anon_peak<T>(work: impl std::future::Future<Output = T>) -> (T, f64, f64) {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let before = status_mib("RssAnon:");
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(before.to_bits()));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let now = status_mib("RssAnon:");
                if now > f64::from_bits(peak.load(Ordering::Relaxed)) {
                    peak.store(now.to_bits(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let out = work.await;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (out, before, f64::from_bits(peak.load(Ordering::Relaxed)))
}

struct Row {
    backend: &'static str,
    phase: String,
    rows: usize,
    time: Duration,
    /// Resident memory before, and its peak during (exports).
    peak: Option<(f64, f64)>,
    note: String,
}

async fn run(
    backend: &'static str,
    app: &crm_server::CrmApp,
    files: Arc<dyn FileStorage>,
    dir: &Path,
    n: usize,
    analyze: Option<&support::BenchDb>,
    out: &mut Vec<Row>,
) -> Result<(), Box<dyn Error>> {
    let (tenant, _) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Banc d'import".into(),
                admin_email: format!("bench+{}@exemple.fr", chrono::Utc::now().timestamp_micros()),
                admin_name: "Admin".into(),
                ..NewTenant::default()
            },
        )
        .await?;
    let tenant: TenantId = tenant.id;
    let args = RunArgs {
        key: "email".into(),
        create_possible_duplicates: true,
        all_or_nothing: false,
        owner: None,
        by_territory: false,
        report: None,
    };
    let import = |phase: String, file: std::path::PathBuf, rows: usize| {
        let files = Arc::clone(&files);
        let args = args.clone();
        async move {
            let t = Instant::now();
            let said = crm_server::cli_import::run(app, files, tenant, &file, &args).await?;
            Ok::<Row, String>(Row {
                backend,
                phase,
                rows,
                time: t.elapsed(),
                peak: None,
                note: said.lines().last().unwrap_or_default().to_owned(),
            })
        }
    };

    let first = dir.join(format!("{backend}-first.csv"));
    write_file(&first, (0..n).map(|i| (i, false)))?;
    out.push(import(format!("{n} new into an empty company"), first, n).await?);

    // Half known (a quarter changed, a quarter as they are), half new.
    let second = dir.join(format!("{backend}-second.csv"));
    let half = n / 2;
    write_file(
        &second,
        (0..half).map(|i| (i * 2, i % 2 == 0)).chain((n..n + half).map(|i| (i, false))),
    )?;
    out.push(import(format!("{n} rows with dedup into {n}"), second, n).await?);

    let third = dir.join(format!("{backend}-third.csv"));
    let to = 3 * n;
    write_file(&third, (n + half..to).map(|i| (i, false)))?;
    out.push(import(format!("{} new into {}", to - n - half, n + half), third, to - n - half).await?);

    // On PostgreSQL, the statistics autovacuum would have gathered by the time someone
    // exports (this machine's server runs without autovacuum): without them every page of
    // the export is planned as if the company had one contact.
    if let Some(db) = analyze {
        let t = Instant::now();
        db.analyze()?;
        out.push(Row {
            backend,
            phase: "ANALYZE before the exports".into(),
            rows: to,
            time: t.elapsed(),
            peak: None,
            note: "statistics of the company (what autovacuum does)".into(),
        });
    }
    for (format, ext) in [("excel_csv", "csv"), ("xlsx", "xlsx")] {
        let path = dir.join(format!("{backend}-export.{ext}"));
        let export = ExportArgs {
            format: Some(format.into()),
            kind: None,
            tag: None,
            lang: "fr".into(),
        };
        let t = Instant::now();
        let (said, before, peak) = anon_peak(crm_server::cli_export::contacts(app, tenant, &path, &export)).await;
        let said = said?;
        out.push(Row {
            backend,
            phase: format!("export {to} as {format}"),
            rows: to,
            time: t.elapsed(),
            peak: Some((before, peak)),
            note: said,
        });
    }
    Ok(())
}

fn print(rows: &[Row]) -> std::io::Result<()> {
    println!("| backend | phase | rows | seconds | rows/s | heap before → peak MiB | result |");
    println!("|---|---|---:|---:|---:|---:|---|");
    for r in rows {
        let mut figure = Figure::new("import-bench", r.backend, &r.phase, r.time.as_secs_f64(), "s", Better::Lower);
        if r.phase.contains("with dedup") {
            figure = figure.aim("< 10 s at 100,000 into 100,000");
        }
        figure.record()?;
        if let Some((_, peak)) = r.peak {
            Figure::new(
                "import-bench",
                r.backend,
                &format!("{}, peak heap", r.phase),
                peak,
                "MiB",
                Better::Lower,
            )
            .record()?;
        }
        println!(
            "| {} | {} | {} | {:.2} | {:.0} | {} | {} |",
            r.backend,
            r.phase,
            r.rows,
            r.time.as_secs_f64(),
            r.rows as f64 / r.time.as_secs_f64(),
            r.peak.map_or_else(|| "—".to_owned(), |(b, p)| format!("{b:.0} → {p:.0}")),
            r.note
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let files: Arc<dyn FileStorage> = Arc::new(crm_files_disk::DiskFiles::open(&dir.path().join("files"), Arc::new(cipher()?))?);
    let mut rows = Vec::new();
    let sqlite = App::new(
        crm_store_sql::SqlStore::open_sqlite(&dir.path().join("bench.db"), cipher()?).await?,
        Argon2Credentials::new(2)?,
    );
    run("SQLite", &sqlite, Arc::clone(&files), dir.path(), n, None, &mut rows).await?;
    drop(sqlite);
    if let Ok(admin_url) = std::env::var("CRM_BENCH_POSTGRES_URL") {
        let (db, store) = support::BenchDb::create(&admin_url, "crm_import_bench").await?;
        let pg = App::new(store, Argon2Credentials::new(2)?);
        run("PostgreSQL", &pg, Arc::clone(&files), dir.path(), n, Some(&db), &mut rows).await?;
        drop(pg);
        db.drop_now()?;
    }
    print(&rows)?;
    Ok(())
}
