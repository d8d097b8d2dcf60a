//! Email benchmark: the time to queue `N` emails (each one written to a contact through
//! the same use case as `POST /api/v1/emails`: rendered, sealed under the recipient's key,
//! archived, its send job queued, one transaction each), then the rate at which the send
//! jobs hand them to a real SMTP server on loopback (aiosmtpd, `scripts/smtp-sink.py`),
//! one job runner as in `crm serve`. SQLite store.
//!
//! Prints one table. Run: `cargo run --release -p crm-benches --bin email-bench -- [N]`
//! (default 10,000: the figure; 500 for a quick look). Needs `python3` with
//! `aiosmtpd`.

#[path = "support.rs"]
mod support;

use crm_crypto::Argon2Credentials;
use crm_domain::Actor;
use crm_domain::contact::ContactInput;
use crm_mail_smtp::SmtpMailer;
use crm_mail_smtp::sink::SmtpSink;
use crm_ports::App;
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{RetryPolicy, Shutdown};
use crm_ports::services::email::{ComposeEmail, EmailSender, MailSettings};
use crm_ports::services::tenants::NewTenant;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::cipher;

fn line(what: &str, n: usize, time: Duration) {
    let secs = time.as_secs_f64();
    println!(
        "| {what:<44} | {n:>7} | {secs:>9.2} s | {:>9.0} /s |",
        if secs > 0.0 { n as f64 / secs } else { 0.0 }
    );
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
    for i in 0..n {
        let input = ContactInput {
            kind: "prospect".into(),
            first_name: format!("Prénom{i}"),
            last_name: format!("Nom{}", i / 3),
            emails: vec![format!("contact.{i}@client-{}.fr", i % 97)],
            ..ContactInput::default()
        };
        contacts.push(app.create_contact(&admin, &input, None, true).await?.id);
    }
    let setup = t.elapsed();

    let settings = MailSettings {
        from: Some("ventes@exemple.com".into()),
        domain: "exemple.com".into(),
        public_url: Some("https://crm.exemple.fr".into()),
        footers: Vec::new(),
        ..MailSettings::default()
    };
    let t = Instant::now();
    for c in &contacts {
        let email = ComposeEmail {
            contact_id: Some(*c),
            subject: Some("Nos nouveautés, {{ contact.first_name }}".into()),
            body: Some(
                "Bonjour {{ contact.first_name }},\n\nDécouvrez nos nouveautés : https://exemple.com/nouveautes\n\n{{ sender.signature }}"
                    .into(),
            ),
            ..ComposeEmail::default()
        };
        app.send_email(&admin, &email, &settings).await?;
    }
    let queued = t.elapsed();

    let sink_dir = tempfile::tempdir()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sink = SmtpSink::start(&root, sink_dir.path())?;
    let mailer = Arc::new(SmtpMailer::new(&sink.url(), Duration::from_secs(30))?);
    let sender: Arc<dyn JobHandler> = Arc::new(EmailSender::new(&app, mailer, 3));
    let mut options = JobOptions::new(uuid::Uuid::now_v7());
    options.poll = Duration::from_millis(100);
    options.retry = RetryPolicy {
        attempts: 5,
        first_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(5),
    };
    let (trigger, shutdown) = Shutdown::new();
    let t = Instant::now();
    let runner = {
        let app = app.clone();
        tokio::spawn(async move { app.run_jobs(vec![sender], options, shutdown).await })
    };
    let deadline = Instant::now() + Duration::from_secs(3600);
    let delivered = loop {
        let got = std::fs::read_dir(sink_dir.path())?
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .count();
        if got >= n || Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let sent = t.elapsed();
    trigger.trigger();
    let _ = runner.await;

    println!("| workload (SQLite, one process)               |       n |      time |       rate |");
    println!("|---|---:|---:|---:|");
    line("contacts created (setup)", n, setup);
    line("emails queued (rendered, sealed, archived)", n, queued);
    line("emails handed to the local SMTP server", delivered, sent);
    Ok(())
}
