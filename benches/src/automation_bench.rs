//! Scoring and automation benchmark: how many events per second the readers of the log
//! take — the score keeper and the automation engine — and where the time goes. `N`
//! contacts are imported (one `contact.created` event each) while no reader runs; then each
//! configuration reads the whole log from the start under a name of its own, and the time
//! until its cursor reaches the end gives its rate:
//!
//! 1. the log alone (a reader that writes nothing: reading and opening the events);
//! 2. the automation engine, no rule matching (rules loaded, events matched, cursor moved);
//! 3. a rule matching every event, no condition (a run and its job written per event);
//! 4. the same with a condition (a segment rule evaluated in SQL for each batch);
//! 5. the score keeper (facts read, scores computed and written, `score_changed` logged);
//! 6. the score keeper and the engine (rule 4) together, as `crm serve` runs them;
//! 7. the runs of rule 3 done by one job runner (a tag added per contact).
//!
//! Prints one table. Run: `cargo run --release -p crm-benches --bin automation-bench --
//! [N]` (default 20,000). SQLite store, one process; `CRM_BENCH_POSTGRES_URL` (a superuser
//! URL) runs it on a throwaway PostgreSQL database instead.

#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::Actor;
use crm_domain::automation::AutomationInput;
use crm_domain::contact::ContactInput;
use crm_domain::scoring::{Engagement, ScoringRuleInput, Signal};
use crm_domain::{TenantId, event::EntityType};
use crm_ports::App;
use crm_ports::error::ServiceError;
use crm_ports::query::EventRecord;
use crm_ports::runtime::BoxFuture;
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, InStore, Interest, StoreConsumer};
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{RetryPolicy, Shutdown};
use crm_ports::services::automation::act::AutomationRunner;
use crm_ports::services::automation::engine::AutomationEngine;
use crm_ports::services::email::MailSettings;
use crm_ports::services::scoring::keeper::ScoreKeeper;
use crm_ports::store::{AutomationStore as _, ConsumerStore as _, ConsumerWrite, EventLog as _};
use crm_store_sql::SqlStore;
use serde_json::json;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::{BenchDb, cipher};

type BenchApp = App<SqlStore<crm_crypto::RingCipher>, Argon2Credentials>;

/// A store reader under another name (each configuration reads the log from the start).
struct Renamed<T> {
    name: &'static str,
    inner: T,
}

impl<T: StoreConsumer> StoreConsumer for Renamed<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn interest(&self) -> Interest {
        self.inner.interest()
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        self.inner.writes(tenant, events)
    }
}

/// A reader that writes nothing: the cost of reading the log.
struct ReadOnly;

impl StoreConsumer for ReadOnly {
    fn name(&self) -> &'static str {
        "bench.read"
    }

    fn interest(&self) -> Interest {
        Interest::Entities(&[EntityType::Contact])
    }

    fn writes<'a>(&'a self, _: TenantId, _: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// Runs readers until each one's cursor reaches `last`; the time.
async fn catch_up(app: &BenchApp, tenant: TenantId, readers: Vec<Arc<dyn Consumer>>, last: i64) -> Result<Duration, Box<dyn Error>> {
    let names: Vec<&'static str> = readers.iter().map(|r| r.name()).collect();
    let t = Instant::now();
    let (trigger, shutdown) = Shutdown::new();
    let mut tasks = Vec::new();
    for r in readers {
        let options = ConsumerOptions {
            batch: 500,
            sweep: Duration::from_millis(200),
            gather: Duration::from_millis(5),
            retry: RetryPolicy::default(),
        };
        let (app, s) = (app.clone(), shutdown.clone());
        tasks.push(tokio::spawn(async move { app.run_consumer(r, options, s).await }));
    }
    let mut shown = Instant::now();
    loop {
        let mut at = Vec::new();
        for n in &names {
            at.push(app.store().consumer_cursor(tenant, n).await?);
        }
        if at.iter().all(|c| *c >= last) {
            break;
        }
        if shown.elapsed() > Duration::from_secs(10) {
            eprintln!("  {names:?} at {at:?} of {last}");
            shown = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = t.elapsed();
    trigger.trigger();
    for task in tasks {
        let _ = task.await;
    }
    Ok(took)
}

/// The printed table; each rate after the log read alone (configuration 1) is judged
/// against that read's rate.
struct Table {
    backend: &'static str,
    log_alone: Option<f64>,
}

impl Table {
    fn line(&mut self, what: &str, n: usize, time: Duration) -> std::io::Result<()> {
        let secs = time.as_secs_f64();
        let rate = if secs > 0.0 { n as f64 / secs } else { 0.0 };
        println!("| {what:<62} | {n:>7} | {secs:>8.2} s | {rate:>9.0} /s |");
        let figure = Figure::new("automation-bench", self.backend, what, rate, "events/s", Better::Higher);
        match self.log_alone {
            Some(floor) => figure.floor("reading the log alone", floor).record(),
            None if what.starts_with("1.") => {
                self.log_alone = Some(rate);
                figure.record()
            }
            None => figure.record(),
        }
    }
}

/// Turns rules on and off by name (a rule starts only while active).
async fn only(app: &BenchApp, admin: &Actor, active: &[&str]) -> Result<(), Box<dyn Error>> {
    for r in app.automations(admin).await? {
        let on = active.contains(&r.spec.name.as_str());
        if on != r.spec.active {
            let input = AutomationInput {
                active: on,
                ..r.spec.input()
            };
            app.update_automation(admin, r.id, r.version, &input).await?;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(20_000);
    let dir = tempfile::tempdir()?;
    let (store, pg) = match std::env::var("CRM_BENCH_POSTGRES_URL") {
        Ok(url) => {
            let (db, store) = BenchDb::create(&url, "crm_automation_bench").await?;
            (store, Some(db))
        }
        Err(_) => (SqlStore::open_sqlite(&dir.path().join("bench.db"), cipher()?).await?, None),
    };
    let app = App::new(store, Argon2Credentials::new(2)?);
    let (tenant, user) = app
        .create_tenant(
            &Actor::Operator,
            &crm_ports::services::tenants::NewTenant {
                name: "Banc des automatismes".into(),
                admin_email: format!("bench+{}@exemple.fr", chrono::Utc::now().timestamp_micros()),
                admin_name: "Admin".into(),
                ..Default::default()
            },
        )
        .await?;
    let admin = Actor::User {
        tenant_id: tenant.id,
        user_id: user.id,
        role: user.role,
    };
    // Scoring rules: a profile (job title), a tag, an engagement.
    for (name, signal, points) in [
        (
            "Décideur",
            Signal::JobTitle {
                words: vec!["directeur".into()],
            },
            10,
        ),
        ("Salon", Signal::Tag { tag: "salon".into() }, 5),
        (
            "Ouvreur",
            Signal::Engagement {
                engagement: Engagement::EmailOpened,
            },
            3,
        ),
    ] {
        app.create_scoring_rule(
            &admin,
            &ScoringRuleInput {
                name: name.into(),
                signal,
                points,
                half_life_days: None,
                active: true,
            },
        )
        .await?;
    }
    // Automation rules, all paused; each configuration turns on its own.
    let tag = |t: &str| vec![json!({"type": "add_tag", "tag": t})];
    for (name, trigger, conditions, actions) in [
        (
            "aucune",
            json!({"type": "field_changed", "entity": "contact", "field": "source", "to": "jamais"}),
            None,
            tag("x"),
        ),
        ("toutes", json!({"type": "record_created", "entity": "contact"}), None, tag("vu")),
        (
            "prospects",
            json!({"type": "record_created", "entity": "contact"}),
            Some(json!({"all": [{"field": "kind", "op": "eq", "value": "prospect"}, {"field": "tag", "op": "has", "value": "salon"}]})),
            tag("salon-vu"),
        ),
    ] {
        app.create_automation(
            &admin,
            &AutomationInput {
                name: name.into(),
                active: false,
                trigger,
                conditions,
                actions,
            },
        )
        .await?;
    }
    // The events: N contacts, imported by thousands, no reader running.
    let t = Instant::now();
    let inputs: Vec<ContactInput> = (0..n)
        .map(|i| ContactInput {
            kind: if i % 4 == 0 { "client" } else { "prospect" }.into(),
            first_name: format!("Prénom{i}"),
            last_name: format!("Nom{}", i / 3),
            emails: vec![format!("contact.{i}@client-{}.fr", i % 97)],
            job_title: (i % 5 == 0).then(|| "Directeur commercial".into()),
            tags: if i % 2 == 0 { vec!["salon".into()] } else { Vec::new() },
            ..ContactInput::default()
        })
        .collect();
    for chunk in inputs.chunks(1000) {
        app.import_contacts(&admin, chunk, None).await?;
    }
    let written = t.elapsed();
    eprintln!("{n} contacts imported in {written:?}");
    let mut last = 0;
    loop {
        let page = app.store().events_after(tenant.id, last, 5000).await?;
        match page.last() {
            Some(e) => last = e.seq,
            None => break,
        }
    }
    let events = usize::try_from(last).unwrap_or(0);

    let mut table = Table {
        backend: if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        log_alone: None,
    };
    println!(
        "\nScoring and automation, {} store, {n} contacts imported ({events} events in the log)\n",
        table.backend
    );
    println!("| {:<62} | {:>7} | {:>10} | {:>12} |", "configuration", "events", "time", "rate");
    println!("|{}|{}|{}|{}|", "-".repeat(64), "-".repeat(9), "-".repeat(12), "-".repeat(14));
    table.line("writing the events (import, 1,000 a transaction)", events, written)?;

    let read: Arc<dyn Consumer> = Arc::new(InStore::new(ReadOnly, &app));
    table.line(
        "1. reading the log, nothing written",
        events,
        catch_up(&app, tenant.id, vec![read], last).await?,
    )?;

    let engine = |name: &'static str| -> Arc<dyn Consumer> {
        Arc::new(InStore::new(
            Renamed {
                name,
                inner: AutomationEngine::new(&app),
            },
            &app,
        ))
    };
    only(&app, &admin, &["aucune"]).await?;
    table.line(
        "2. automation, no rule matching",
        events,
        catch_up(&app, tenant.id, vec![engine("bench.none")], last).await?,
    )?;
    only(&app, &admin, &["toutes"]).await?;
    table.line(
        "3. automation, a rule matching all (a run + its job each)",
        events,
        catch_up(&app, tenant.id, vec![engine("bench.all")], last).await?,
    )?;
    only(&app, &admin, &["prospects"]).await?;
    table.line(
        "4. automation, a rule with a condition (segment rule in SQL)",
        events,
        catch_up(&app, tenant.id, vec![engine("bench.cond")], last).await?,
    )?;
    let keeper = |name: &'static str| -> Arc<dyn Consumer> {
        Arc::new(InStore::new(
            Renamed {
                name,
                inner: ScoreKeeper::new(&app),
            },
            &app,
        ))
    };
    table.line(
        "5. scoring (facts read, scores written, changes logged)",
        events,
        catch_up(&app, tenant.id, vec![keeper("bench.scores")], last).await?,
    )?;
    table.line(
        "6. scoring and automation (rule 4) together",
        events,
        catch_up(&app, tenant.id, vec![keeper("bench.scores2"), engine("bench.cond2")], last).await?,
    )?;

    // 7. The runs of rule 3, done by one job runner (the rule on again: a paused rule's runs
    // stop at once).
    only(&app, &admin, &["toutes"]).await?;
    let rule = app
        .automations(&admin)
        .await?
        .into_iter()
        .find(|r| r.spec.name.as_str() == "toutes")
        .ok_or("no rule")?;
    let runs = n;
    let t = Instant::now();
    let (trigger, shutdown) = Shutdown::new();
    let handlers: Vec<Arc<dyn JobHandler>> = vec![Arc::new(AutomationRunner::new(&app, MailSettings::default()))];
    let mut options = JobOptions::new(uuid::Uuid::now_v7());
    options.poll = Duration::from_millis(20);
    let runner_app = app.clone();
    let task = tokio::spawn(async move { runner_app.run_jobs(handlers, options, shutdown).await });
    loop {
        let counts = app.store().automation_run_counts(tenant.id).await?;
        let done: u64 = counts
            .iter()
            .filter(|c| c.rule_id == rule.id && c.state == crm_domain::automation::RunState::Done)
            .map(|c| c.count)
            .sum();
        if done >= runs as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = t.elapsed();
    trigger.trigger();
    let _ = task.await;
    table.line("7. runs of rule 3 done by one job runner (a tag each)", runs, took)?;
    println!();
    if let Some(db) = pg {
        db.drop_now()?;
    }
    Ok(())
}
