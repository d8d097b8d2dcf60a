//! Reports at scale: one company with (by default) 300,000 contacts and 100,000
//! opportunities spread over 18 months — a third open at any stage, a third won, a third
//! lost — owned by 20 sales reps (10 of them in a team), then the reads a dashboard makes,
//! timed through the use cases: the company's sales of the month with the month before,
//! the work figures and the open pipeline (Admin), a rep's own, the funnel of the pipeline
//! (every deal, and those created in a quarter), a team's forecast with its six months
//! before. Prints p50/p95/p99 against the 200 ms aim. Then the everyday reads of that
//! company with its activities (a million by default): to-do lists, timelines, the
//! contacts list as each role sees it, segment counts (`report_bench/everyday.rs`), against
//! the 50 ms aim.
//!
//! ```text
//! cargo run --release -p crm-benches --bin report-bench -- [contacts] [opportunities] [runs] [activities]
//! ```
//! SQLite by default; `CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! runs the same on a fresh PostgreSQL database as well. `REPORT_BENCH_KEEP=<dir>` keeps the
//! loaded data sets (the SQLite file in that directory, a PostgreSQL database named after
//! the sizes) and reuses them on the next run, after the store's new migrations;
//! `REPORT_BENCH_FRESH=1` loads them again. `REPORT_BENCH_SKIP_SQLITE=1` runs PostgreSQL
//! alone.

#[path = "report_bench/everyday.rs"]
mod everyday;
mod summary;
#[allow(dead_code)]
mod support;

use chrono::{DateTime, Duration as Days, Utc};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::report::{PeriodKind, ReportPeriod, ReportScope};
use crm_domain::user::Role;
use crm_domain::{Actor, ContactId, UserId};
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{NewUser, TeamInput};
use crm_ports::{App, FixedClock};
use crm_seeds::Generator;
use crm_store_sql::SqlStore;
use std::error::Error;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::{BenchDb, cipher};

type BenchApp = App<SqlStore<crm_crypto::RingCipher>, crm_crypto::Argon2Credentials>;

const REPS: usize = 20;
const TEAM: usize = 10;

/// A small deterministic generator (xorshift), enough to spread deals.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The loaded company: what the reads need, kept beside a kept data set.
#[derive(serde::Serialize, serde::Deserialize)]
struct Company {
    tenant: crm_domain::TenantId,
    admin: UserId,
    rep: UserId,
    manager: UserId,
    team: crm_domain::TeamId,
    pipeline: crm_domain::PipelineId,
    /// The instant the deals were spread back from.
    now: DateTime<Utc>,
    /// What was loaded.
    #[serde(default)]
    contacts: u64,
    #[serde(default)]
    deals: u64,
    #[serde(default)]
    activities: u64,
    /// Some contacts with activities (one in a hundred), for timelines.
    #[serde(default)]
    sample: Vec<ContactId>,
}

impl Company {
    fn actor(&self, user_id: UserId, role: Role) -> Actor {
        Actor::User {
            tenant_id: self.tenant,
            user_id,
            role,
        }
    }
}

/// Gathers PostgreSQL's statistics when `n` records of a kind have been loaded (1,000,
/// 10,000, then every 100,000), as autovacuum would as a table grows. Without them, a
/// connection that first checked a foreign key while the referenced table was nearly
/// empty keeps a plan that reads the company's every row for each check (tied costs; a
/// new `ANALYZE` makes it plan again): the load grows quadratic.
fn gather_stats(db: Option<&BenchDb>, n: u64) -> Result<(), Box<dyn Error>> {
    match db {
        Some(db) if n == 1_000 || n == 10_000 || n.is_multiple_of(100_000) => db.analyze(),
        _ => Ok(()),
    }
}

/// The company of a kept data set (`keep`: its description, written after a load), or a
/// new one loaded now.
async fn company(
    app: &BenchApp,
    (contacts, deals, activities): (u64, u64, u64),
    keep: Option<std::path::PathBuf>,
    fresh: bool,
    db: Option<&BenchDb>,
) -> Result<Company, Box<dyn Error>> {
    if let Some(path) = &keep
        && !fresh
        && path.exists()
    {
        eprintln!("  reusing the data set described in {}", path.display());
        return Ok(serde_json::from_slice(&std::fs::read(path)?)?);
    }
    let c = load(app, (contacts, deals, activities), Utc::now(), db).await?;
    if let Some(path) = keep {
        std::fs::write(path, serde_json::to_vec(&c)?)?;
    }
    Ok(c)
}

async fn load(
    app: &BenchApp,
    (contacts, deals, activities): (u64, u64, u64),
    now: DateTime<Utc>,
    db: Option<&BenchDb>,
) -> Result<Company, Box<dyn Error>> {
    let started = Instant::now();
    let (t, admin_user) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Grande Entreprise".into(),
                admin_email: "admin@grande.fr".into(),
                admin_name: "Admin".into(),
                ..NewTenant::default()
            },
        )
        .await?;
    let admin = Actor::User {
        tenant_id: t.id,
        user_id: admin_user.id,
        role: Role::Admin,
    };
    let mgr = app
        .create_user(
            &admin,
            &NewUser {
                email: "manager@grande.fr".into(),
                display_name: "Manager".into(),
                role: "manager".into(),
                team_id: None,
                password: None,
            },
        )
        .await?;
    let team = app
        .create_team(
            &admin,
            &TeamInput {
                name: "Nord".into(),
                manager_id: mgr.id,
                territory: None,
            },
        )
        .await?
        .id;
    let mut reps: Vec<UserId> = Vec::new();
    for r in 0..REPS {
        let u = app
            .create_user(
                &admin,
                &NewUser {
                    email: format!("commercial{r}@grande.fr"),
                    display_name: format!("Commercial {r}"),
                    role: "sales".into(),
                    team_id: (r < TEAM).then_some(team),
                    password: None,
                },
            )
            .await?;
        reps.push(u.id);
    }
    let g = Generator::new(7);
    let mut org_ids = Vec::new();
    for o in 0..100 {
        org_ids.push(app.create_organization(&admin, &g.organization(o)).await?.id);
    }
    let mut done = 0;
    let mut owned: Vec<(ContactId, UserId)> = Vec::new();
    while done < contacts {
        let n = 1_000.min(contacts - done);
        let inputs: Vec<_> = (0..n)
            .map(|k| {
                let (mut input, org) = g.contact(done + k, 100);
                input.organization_id = org.and_then(|o| org_ids.get(usize::try_from(o).unwrap_or(0)).copied());
                input
            })
            .collect();
        let owner = reps[usize::try_from(done / 1_000).unwrap_or(0) % REPS];
        let made = app.import_contacts(&admin, &inputs, Some(owner)).await?;
        owned.extend(made.into_iter().map(|c| (c.id, owner)));
        done += n;
        gather_stats(db, done)?;
    }
    eprintln!("  {contacts} contacts in {:.0} s", started.elapsed().as_secs_f64());
    let pipeline = app.list_pipelines(&admin).await?.remove(0);
    let stages: Vec<_> = pipeline.stages.iter().map(|s| s.id).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..deals {
        let owner = reps[usize::try_from(rng.below(REPS as u64)).unwrap_or(0)];
        let created = now - Days::minutes(i64::try_from(rng.below(540 * 24 * 60)).unwrap_or(0));
        let fate = rng.below(3);
        let stage = if fate == 1 {
            stages.last().copied()
        } else {
            stages.get(usize::try_from(rng.below(stages.len() as u64)).unwrap_or(0)).copied()
        };
        let close = created.date_naive() + Days::days(i64::try_from(rng.below(120)).unwrap_or(0));
        let input = OpportunityInput {
            title: format!("Affaire {i}"),
            value_minor: i64::try_from(1_000_00 + rng.below(50_000_00)).unwrap_or(0),
            expected_close: Some(close),
            ..OpportunityInput::default()
        };
        let o = app
            .with_clock(FixedClock(created))
            .create_opportunity(&admin, pipeline.id, stage, &input, Some(owner))
            .await?;
        if fate > 0 {
            let closed = (created + Days::minutes(i64::try_from(rng.below(90 * 24 * 60)).unwrap_or(0))).min(now);
            let at = app.with_clock(FixedClock(closed));
            if fate == 1 {
                at.win_opportunity(&admin, o.id, o.version).await?;
            } else {
                at.lose_opportunity(&admin, o.id, o.version, "Budget").await?;
            }
        }
        gather_stats(db, i + 1)?;
        if (i + 1) % 20_000 == 0 {
            eprintln!("  {} opportunities in {:.0} s", i + 1, started.elapsed().as_secs_f64());
        }
    }
    let activities = everyday::load_activities(app, &admin, &owned, activities, now, db).await?;
    eprintln!("  {activities} activities, {:.0} s in all", started.elapsed().as_secs_f64());
    Ok(Company {
        tenant: t.id,
        admin: admin_user.id,
        rep: reps[0],
        manager: mgr.id,
        team,
        pipeline: pipeline.id,
        now,
        contacts,
        deals,
        activities,
        sample: owned.iter().step_by(100).map(|(id, _)| *id).collect(),
    })
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn time<F, Fut, T>(runs: usize, mut f: F) -> Result<Vec<Duration>, Box<dyn Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, crm_ports::ServiceError>>,
{
    f().await?; // warm
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        out.push(t.elapsed());
    }
    out.sort();
    Ok(out)
}

async fn measure(backend: &str, app: &BenchApp, c: &Company, runs: usize) -> Result<(), Box<dyn Error>> {
    let today = c.now.date_naive();
    let (admin, rep, manager) = (
        c.actor(c.admin, Role::Admin),
        c.actor(c.rep, Role::Sales),
        c.actor(c.manager, Role::Manager),
    );
    let app = app.with_clock(FixedClock(c.now));
    let month = ReportPeriod::containing(today, PeriodKind::Month);
    let quarter = ReportPeriod::containing(today, PeriodKind::Quarter).previous();
    let rows = vec![
        (
            "dashboard: company, month (Admin)",
            time(runs, || app.sales_report(&admin, ReportScope::Company, month)).await?,
        ),
        (
            "dashboard: a rep's own, month",
            time(runs, || app.sales_report(&rep, ReportScope::Mine, month)).await?,
        ),
        (
            "dashboard: team, month (Manager)",
            time(runs, || app.sales_report(&manager, ReportScope::Team, month)).await?,
        ),
        (
            "funnel: every deal (Admin)",
            time(runs, || app.funnel_report(&admin, ReportScope::Company, c.pipeline, None)).await?,
        ),
        (
            "funnel: deals created last quarter",
            time(runs, || app.funnel_report(&admin, ReportScope::Company, c.pipeline, Some(quarter))).await?,
        ),
        (
            "team forecast, month + 6 before",
            time(runs, || app.team_forecast(&manager, c.team, month)).await?,
        ),
    ];
    rows_out(backend, &rows, 200.0)?;
    Ok(())
}

/// Prints the table's rows (the header is the caller's) and records each p99 against
/// `aim_ms`.
fn rows_out(backend: &str, rows: &[(&str, Vec<Duration>)], aim_ms: f64) -> std::io::Result<()> {
    for (name, d) in rows {
        let p99 = pct(d, 0.99);
        Figure::new("report-bench", backend, name, p99, "ms p99", Better::Lower)
            .aim(&format!("< {aim_ms:.0} ms"))
            .record()?;
        println!(
            "| {backend} | {name} | {} | {:.1} | {:.1} | {p99:.1} | {} |",
            d.len(),
            pct(d, 0.5),
            pct(d, 0.95),
            if p99 < aim_ms { "yes" } else { "no" }
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let contacts: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(300_000);
    let deals: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
    let activities: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let sizes = (contacts, deals, activities);
    // REPORT_BENCH_KEEP=<dir>: the data sets are kept there (SQLite) and in a database of
    // that name (PostgreSQL) and reused by the next run; REPORT_BENCH_FRESH=1 reloads them.
    let keep = std::env::var_os("REPORT_BENCH_KEEP").map(std::path::PathBuf::from);
    let fresh = std::env::var_os("REPORT_BENCH_FRESH").is_some();
    println!("report-bench: {contacts} contacts, {deals} opportunities, {activities} activities, {runs} runs per read\n");
    println!("| backend | read | runs | p50 ms | p95 ms | p99 ms | p99 < 200 ms |");
    println!("|---|---|---:|---:|---:|---:|---|");
    let temp = tempfile::tempdir()?;
    let dir = keep.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    if fresh {
        let _ = std::fs::remove_file(dir.join(format!("crm_{contacts}_{deals}_{activities}.db")));
    }
    let mut everyday_runs = Vec::new();
    if std::env::var_os("REPORT_BENCH_SKIP_SQLITE").is_none() {
        let store = SqlStore::open_sqlite(&dir.join(format!("crm_{contacts}_{deals}_{activities}.db")), cipher()?).await?;
        let app: BenchApp = App::new(store, crm_crypto::Argon2Credentials::new(2)?);
        eprintln!("SQLite...");
        let c = company(
            &app,
            sizes,
            keep.as_ref()
                .map(|k| k.join(format!("sqlite_{contacts}_{deals}_{activities}.json"))),
            fresh,
            None,
        )
        .await?;
        measure("SQLite", &app, &c, runs).await?;
        everyday_runs.push(("SQLite", app, c));
    }
    let mut pg = None;
    if let Ok(url) = std::env::var("CRM_BENCH_POSTGRES_URL") {
        let (db, store, created) = if keep.is_some() {
            BenchDb::open(&url, &format!("crm_report_bench_{contacts}_{deals}_{activities}")).await?
        } else {
            let (db, store) = BenchDb::create(&url, "crm_report_bench").await?;
            (db, store, true)
        };
        let app: BenchApp = App::new(store, crm_crypto::Argon2Credentials::new(2)?);
        eprintln!("PostgreSQL...");
        let described = keep
            .as_ref()
            .map(|k| k.join(format!("postgres_{contacts}_{deals}_{activities}.json")));
        let c = company(&app, sizes, described, fresh || created, Some(&db)).await?;
        measure("PostgreSQL", &app, &c, runs).await?;
        everyday_runs.push(("PostgreSQL", app, c));
        pg = Some(db);
    }
    for (backend, app, c) in &everyday_runs {
        everyday::measure(backend, app, c, runs).await?;
    }
    drop(everyday_runs);
    if let Some(db) = pg.filter(|_| keep.is_none()) {
        db.drop_now()?;
    }
    Ok(())
}
