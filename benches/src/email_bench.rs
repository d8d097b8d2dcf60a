//! Email benchmark: the time to queue `N` emails two ways — one by one through the same
//! use case as `POST /api/v1/emails` (rendered, sealed under the recipient's key,
//! archived, its send job queued, one transaction each), and as a campaign to a list of
//! the same `N` contacts (the campaign job queues a page of 100 per transaction) — then the
//! rate at which the send jobs hand them to a real SMTP server on loopback (aiosmtpd,
//! `scripts/smtp-sink.py`): the first `N` with one job runner, the campaign's with four
//! (`CRM_MAIL_WORKERS`' default). SQLite store, one process.
//!
//! Prints one table. Run: `cargo run --release -p crm-benches --bin email-bench -- [N]`
//! (default 10,000: the figure; 500 for a quick look). Needs `python3` with
//! `aiosmtpd`.

#[path = "summary.rs"]
mod summary;
#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::Actor;
use crm_domain::campaign::{CampaignAction, CampaignInput};
use crm_domain::contact::ContactInput;
use crm_domain::template::{TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_mail_smtp::SmtpMailer;
use crm_mail_smtp::sink::SmtpSink;
use crm_ports::App;
use crm_ports::mail::Mailer;
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{RetryPolicy, Shutdown};
use crm_ports::services::email::{CampaignRunner, ComposeEmail, EmailSender, MailSettings};
use crm_ports::services::segments::SegmentInput;
use crm_ports::services::tenants::NewTenant;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use summary::{Better, Figure};
use support::cipher;

type BenchApp = App<crm_store_sql::SqlStore<crm_crypto::RingCipher>, Argon2Credentials>;

/// Runs `runners` job runners of `handlers` until `done` (checked every 100 ms); the time.
async fn run_until(
    app: &BenchApp,
    runners: usize,
    handlers: &dyn Fn() -> Vec<Arc<dyn JobHandler>>,
    done: impl AsyncFn() -> bool,
) -> Duration {
    let t = Instant::now();
    let (trigger, shutdown) = Shutdown::new();
    let mut tasks = Vec::new();
    for _ in 0..runners {
        let mut options = JobOptions::new(uuid::Uuid::now_v7());
        options.poll = Duration::from_millis(50);
        options.retry = RetryPolicy {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
            jitter: false,
        };
        let app = app.clone();
        let (h, s) = (handlers(), shutdown.clone());
        tasks.push(tokio::spawn(async move { app.run_jobs(h, options, s).await }));
    }
    let deadline = Instant::now() + Duration::from_secs(3600);
    while !done().await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = t.elapsed();
    trigger.trigger();
    for task in tasks {
        let _ = task.await;
    }
    took
}

fn delivered(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .count()
    })
}

fn line(what: &str, n: usize, time: Duration) -> std::io::Result<()> {
    let secs = time.as_secs_f64();
    let rate = if secs > 0.0 { n as f64 / secs } else { 0.0 };
    println!("| {what:<54} | {n:>7} | {secs:>9.2} s | {rate:>9.0} /s |");
    Figure::new("email-bench", "SQLite", what, rate, "/s", Better::Higher).record()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let app = App::new(
        crm_store_sql::SqlStore::open_sqlite(&dir.path().join("bench.db"), cipher()?).await?,
        Argon2Credentials::new(2)?,
    );
    let (tenant, user) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Banc d'e-mail".into(),
                admin_email: format!("bench+{}@exemple.fr", chrono::Utc::now().timestamp_micros()),
                admin_name: "Admin".into(),
                ..NewTenant::default()
            },
        )
        .await?;
    let admin = Actor::User {
        tenant_id: tenant.id,
        user_id: user.id,
        role: user.role,
    };

    let t = Instant::now();
    let mut contacts = Vec::with_capacity(n);
    let inputs: Vec<ContactInput> = (0..n)
        .map(|i| ContactInput {
            kind: "prospect".into(),
            first_name: format!("Prénom{i}"),
            last_name: format!("Nom{}", i / 3),
            emails: vec![format!("contact.{i}@client-{}.fr", i % 97)],
            ..ContactInput::default()
        })
        .collect();
    for chunk in inputs.chunks(1000) {
        contacts.extend(app.import_contacts(&admin, chunk, None).await?.into_iter().map(|c| c.id));
    }
    let list = app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Tous".into(),
                rule: None,
            },
        )
        .await?;
    for chunk in contacts.chunks(1000) {
        app.add_segment_members(&admin, list.id, chunk).await?;
    }
    let setup = t.elapsed();

    let settings = MailSettings {
        from: Some("ventes@exemple.com".into()),
        domain: "exemple.com".into(),
        public_url: Some("https://crm.exemple.fr".into()),
        campaign_rate: 1_000_000_000,
        ..MailSettings::default()
    };
    let subject = "Nos nouveautés, {{ contact.first_name }}";
    let body = "Bonjour {{ contact.first_name }},\n\nDécouvrez nos nouveautés : https://exemple.com/nouveautes\n\n{{ sender.signature }}";
    let t = Instant::now();
    for c in &contacts {
        let email = ComposeEmail {
            contact_id: Some(*c),
            subject: Some(subject.into()),
            body: Some(body.into()),
            ..ComposeEmail::default()
        };
        app.send_email(&admin, &email, &settings).await?;
    }
    let queued = t.elapsed();

    let sink_dir = tempfile::tempdir()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sink = SmtpSink::start(&root, sink_dir.path())?;
    let mailer: Arc<dyn Mailer> = Arc::new(SmtpMailer::new(&sink.url(), Duration::from_secs(30))?);
    let handlers = || -> Vec<Arc<dyn JobHandler>> {
        vec![
            Arc::new(EmailSender::new(&app, Arc::clone(&mailer), 3)),
            Arc::new(CampaignRunner::new(&app, settings.clone(), Arc::clone(&mailer))),
        ]
    };
    let dir = sink_dir.path().to_path_buf();
    let sent_one = run_until(&app, 1, &handlers, async || delivered(&dir) >= n).await;
    let after_one = delivered(&dir);

    // The same contacts as a campaign: queued a page at a time by its job.
    let template = app
        .create_email_template(
            &admin,
            TemplateInput {
                name: "Nouveautés".into(),
                variants: vec![TemplateVariant {
                    language: Language::Fr,
                    subject: subject.into(),
                    body: body.into(),
                }],
            },
        )
        .await?;
    let campaign = app
        .create_campaign(
            &admin,
            CampaignInput {
                name: "Nouveautés".into(),
                segment_id: Some(list.id),
                template_id: Some(template.id),
                language: None,
            },
        )
        .await?;
    app.move_campaign(&admin, campaign.id, campaign.version, CampaignAction::Start, None, &settings)
        .await?;
    let only_fill = || -> Vec<Arc<dyn JobHandler>> { vec![Arc::new(CampaignRunner::new(&app, settings.clone(), Arc::clone(&mailer)))] };
    let filled = run_until(&app, 1, &only_fill, async || {
        app.campaign(&admin, campaign.id).await.is_ok_and(|c| c.filled_at.is_some())
    })
    .await;
    let sent_four = run_until(&app, 4, &handlers, async || delivered(&dir) >= after_one + n).await;
    let after_four = delivered(&dir) - after_one;
    let stats = app.campaign_stats(&admin, campaign.id).await?;

    println!("| workload (SQLite, one process)                         |       n |      time |       rate |");
    println!("|---|---:|---:|---:|");
    line("contacts imported and listed (setup)", n, setup)?;
    line("emails queued one by one (rendered, sealed, archived)", n, queued)?;
    line("emails handed to the local SMTP server, 1 runner", after_one, sent_one)?;
    line(
        "campaign: messages queued by its job (pages of 100)",
        usize::try_from(stats.recipients)?,
        filled,
    )?;
    line("campaign: handed to the local SMTP server, 4 runners", after_four, sent_four)?;
    if after_one != n || after_four != n {
        return Err(format!("{n} emails sent twice: the server received {after_one}, then {after_four}").into());
    }
    Ok(())
}
