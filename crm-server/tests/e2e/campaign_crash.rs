//! A campaign through a real SMTP server on loopback while `crm serve` is killed with
//! SIGKILL half-way and restarted: every recipient receives exactly one distinct
//! Message-ID (re-sent copies of the same message, when the kill fell between the relay's
//! acceptance and its record, are counted and reported); then a campaign while the relay
//! is down for a while: retried, then all delivered, once each.
//!
//! CI runs it with 200 recipients; `CRM_CAMPAIGN_CRASH_N=1000` runs the figure.

use crate::crash_support::{KEY, Server, logged_in, start_with};
use crate::email::{readable, recipient_and_id, root};
use crate::support::{PASSWORD, unique_email};
use crm_domain::Actor;
use crm_domain::contact::ContactInput;
use crm_domain::template::{TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::user::Role;
use crm_mail_smtp::sink::SmtpSink;
use crm_ports::services::segments::SegmentInput;
use crm_ports::services::tenants::NewTenant;
use crm_sdk::models::{Campaign, CampaignMove, CampaignWrite};
use crm_server::config::{Config, FileConfig, Secret};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn recipients() -> usize {
    std::env::var("CRM_CAMPAIGN_CRASH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// The company, its contacts in a static list and two templates, written through the
/// library with no server running: (admin email, list, first template, second template).
async fn prepare(config: &Config, n: usize) -> (String, Uuid, Uuid, Uuid) {
    let app = crm_server::open_app(config).await.unwrap();
    let admin_email = unique_email("admin");
    let (t, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Campagne interrompue".into(),
                admin_email: admin_email.clone(),
                admin_name: "Admin".into(),
                admin_password: Some(PASSWORD.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    let admin = Actor::User {
        tenant_id: t.id,
        user_id: admin.id,
        role: Role::Admin,
    };
    let list = app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Tous".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let inputs: Vec<ContactInput> = chunk
            .iter()
            .map(|i| ContactInput {
                kind: "prospect".into(),
                first_name: "Reprise".into(),
                last_name: format!("Destinataire{i}"),
                emails: vec![format!("dest{i}@client.fr")],
                ..ContactInput::default()
            })
            .collect();
        let ids: Vec<_> = app
            .import_contacts(&admin, &inputs, None)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        app.add_segment_members(&admin, list.id, &ids).await.unwrap();
    }
    let mut templates = Vec::new();
    for subject in ["Offre Kx1 {{ contact.last_name }}", "Offre Kx2 {{ contact.last_name }}"] {
        let t = app
            .create_email_template(
                &admin,
                TemplateInput {
                    name: subject.into(),
                    variants: vec![TemplateVariant {
                        language: Language::Fr,
                        subject: subject.into(),
                        body: "Bonjour,\n\nhttps://exemple.com/offre".into(),
                    }],
                },
            )
            .await
            .unwrap();
        templates.push(t.id.as_uuid());
    }
    (admin_email, list.id.as_uuid(), templates[0], templates[1])
}

/// Message-IDs by recipient of the messages whose subject has `marker`, and how many
/// copies arrived in all.
fn by_recipient(sink: &SmtpSink, marker: &str) -> (BTreeMap<String, BTreeMap<String, usize>>, usize) {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut copies = 0;
    for raw in sink.messages().unwrap() {
        let raw = readable(&raw);
        if !raw.contains(marker) {
            continue;
        }
        let (address, message_id) = recipient_and_id(&raw);
        *out.entry(address).or_default().entry(message_id).or_default() += 1;
        copies += 1;
    }
    (out, copies)
}

async fn campaign(client: &crm_sdk::Client, name: &str, list: Uuid, template: Uuid) -> Campaign {
    let c = client
        .create_campaign(&CampaignWrite {
            name: name.into(),
            segment_id: Some(list),
            template_id: Some(template),
            language: None,
        })
        .await
        .unwrap();
    client
        .move_campaign(
            c.id,
            c.version,
            &CampaignMove {
                action: "start".into(),
                at: None,
            },
        )
        .await
        .unwrap()
}

async fn until(client: &crm_sdk::Client, id: Uuid, within: Duration, done: impl Fn(&Campaign) -> bool) -> Campaign {
    let start = Instant::now();
    loop {
        let c = client.campaign(id).await.unwrap();
        if done(&c) {
            return c;
        }
        assert!(start.elapsed() < within, "not reached in {within:?}: {c:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every recipient got exactly one distinct Message-ID; the re-sent copies.
fn exactly_one_each(sink: &SmtpSink, marker: &str, n: usize) -> usize {
    let (got, copies) = by_recipient(sink, marker);
    assert_eq!(got.len(), n, "every recipient got the campaign");
    let two: Vec<_> = got.iter().filter(|(_, ids)| ids.len() != 1).collect();
    assert!(two.is_empty(), "recipients with more than one distinct message: {two:?}");
    copies - n
}

async fn killed_and_relay_down(dir: &std::path::Path, url: Option<&str>) {
    let n = recipients();
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(dir.to_path_buf()),
            database_url: url.map(|u| Some(Secret::new(u))),
            master_key: Some(Some(Secret::new(KEY))),
            ..FileConfig::default()
        },
    );
    let (admin_email, list, first_template, second_template) = prepare(&config, n).await;
    let mail_dir = tempfile::tempdir().unwrap();
    let mut sink = SmtpSink::start(root(), mail_dir.path()).unwrap();
    let env = [
        ("CRM_SMTP_URL", sink.url()),
        ("CRM_MAIL_FROM", "ventes@exemple.com".to_owned()),
        ("CRM_PUBLIC_URL", "https://crm.exemple.test".to_owned()),
        ("CRM_CAMPAIGN_RATE", "1000000".to_owned()),
        ("CRM_MAIL_RETRY_SECONDS", "1".to_owned()),
    ];

    // Killed once about a third went out.
    let started = Instant::now();
    let mut first: Server = start_with(dir, url, &env);
    let admin = logged_in(&first.base, &admin_email).await;
    let c1 = campaign(&admin, "Interrompue", list, first_template).await;
    let seen = until(&admin, c1.id, Duration::from_secs(300), |c| {
        c.stats.is_some_and(|s| s.sent >= i64::try_from(n / 3).unwrap())
    })
    .await;
    Command::new("kill")
        .args(["-KILL", &first.child.id().to_string()])
        .status()
        .unwrap();
    let _ = first.child.wait();
    let at_kill = by_recipient(&sink, "Offre Kx1").1;
    assert!(at_kill < n, "the server was to be killed half-way, but all had gone");

    // Restarted: the rest goes, nothing twice.
    let second = start_with(dir, url, &env);
    let admin = logged_in(&second.base, &admin_email).await;
    let done = until(&admin, c1.id, Duration::from_secs(600), |c| c.status == "sent").await;
    let stats = done.stats.unwrap();
    assert_eq!(
        (stats.recipients, stats.sent),
        (i64::try_from(n).unwrap(), i64::try_from(n).unwrap()),
        "{done:?}"
    );
    let resent = exactly_one_each(&sink, "Offre Kx1", n);
    let killed_run = started.elapsed();

    // The relay down for a while: the campaign waits, retried, then all goes once.
    let port = sink.port();
    sink.stop();
    let started = Instant::now();
    let c2 = campaign(&admin, "Relais absent", list, second_template).await;
    let waiting = until(&admin, c2.id, Duration::from_secs(120), |c| c.filled_at.is_some()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = admin.campaign(c2.id).await.unwrap().stats.unwrap();
    assert_eq!(during.sent, 0, "{during:?}");
    let sink = SmtpSink::start_on(root(), mail_dir.path(), port).unwrap();
    let delivered = until(&admin, c2.id, Duration::from_secs(600), |c| c.status == "sent").await;
    let stats = delivered.stats.unwrap();
    assert_eq!((stats.sent, stats.failed), (i64::try_from(n).unwrap(), 0), "{delivered:?}");
    let resent_down = exactly_one_each(&sink, "Offre Kx2", n);
    assert_eq!(resent_down, 0, "no copy without a kill");
    eprintln!(
        "{}: campaign of {n}: killed after {} sent ({at_kill} at the relay), {resent} re-sent copies (same Message-ID) after the restart, \
         all delivered in {killed_run:.1?}; relay down {} queued: all delivered once in {:.1?} ({} attempts on the first)",
        url.map_or("SQLite", |_| "PostgreSQL"),
        seen.stats.map_or(0, |s| s.sent),
        waiting.stats.map_or(0, |s| s.queued),
        started.elapsed(),
        admin.email(first_of(&admin, c2.id).await).await.unwrap().attempts,
    );
    drop(second);
}

async fn first_of(client: &crm_sdk::Client, campaign: Uuid) -> Uuid {
    client.campaign_recipients(campaign, None, Some(1)).await.unwrap()[0].email_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_killed_half_way_reaches_everyone_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    killed_and_relay_down(dir.path(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_killed_half_way_reaches_everyone_once_on_postgres() {
    let Some((admin_url, app_url, db)) = crate::realtime::throwaway_database(KEY).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    killed_and_relay_down(dir.path(), Some(&app_url)).await;
    let _ = Command::new("psql")
        .arg(&admin_url)
        .arg("-qc")
        .arg(format!("DROP DATABASE {db} WITH (FORCE)"))
        .status();
}
