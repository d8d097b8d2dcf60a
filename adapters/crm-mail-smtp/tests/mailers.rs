//! Both mailers against the real thing: a real SMTP server on loopback (aiosmtpd, see
//! `scripts/smtp-sink.py`) and real files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use crm_domain::TenantId;
use crm_mail_smtp::sink::SmtpSink;
use crm_mail_smtp::{EmlMailer, SmtpMailer};
use crm_ports::mail::{MailError, Mailbox, Mailer, OutgoingMessage};
use std::path::Path;
use std::time::Duration;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn message(to: &str, unsubscribe: bool) -> OutgoingMessage {
    OutgoingMessage {
        message_id: format!("{}@crm.test", uuid::Uuid::now_v7()),
        date: Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap(),
        from: Mailbox {
            name: "Paul Durand".into(),
            address: "ventes@exemple.com".into(),
        },
        to: Mailbox {
            name: "Léa Martin".into(),
            address: to.into(),
        },
        reply_to: Some(Mailbox {
            name: "Paul Durand".into(),
            address: "paul@exemple.com".into(),
        }),
        subject: "Votre devis — été 2027".into(),
        text: "Bonjour Léa,\n\nVoici le lien : https://exemple.com/devis\n".into(),
        html: Some(
            "<p>Bonjour Léa,</p>\n<p>Voici le lien : <a href=\"https://exemple.com/devis\">https://exemple.com/devis</a></p>\n".into(),
        ),
        unsubscribe: unsubscribe.then(|| "https://crm.exemple.com/u/abc".to_owned()),
        attachments: Vec::new(),
    }
}

fn tenant() -> TenantId {
    TenantId::from_uuid(uuid::Uuid::now_v7())
}

#[tokio::test]
async fn the_relay_receives_the_message_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(root(), dir.path()).unwrap();
    let mailer = SmtpMailer::new(&sink.url(), Duration::from_secs(10)).unwrap();
    let m = message("lea@client.fr", true);
    mailer.send(tenant(), &m).await.unwrap();
    let got = sink.messages().unwrap();
    assert_eq!(got.len(), 1);
    let raw = &got[0];
    assert!(raw.contains(&format!("Message-ID: <{}>", m.message_id)), "{raw}");
    assert!(
        raw.contains("From: \"Paul Durand\" <ventes@exemple.com>") || raw.contains("From: Paul Durand <ventes@exemple.com>"),
        "{raw}"
    );
    assert!(raw.contains("Reply-To:"), "{raw}");
    assert!(raw.contains("To: =?utf-8?b?TMOpYSBNYXJ0aW4=?= <lea@client.fr>"), "{raw}");
    let subject = raw.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(subject.contains("=?utf-8?"), "the subject is encoded: {subject}");
    assert!(raw.contains("List-Unsubscribe: <https://crm.exemple.com/u/abc>"), "{raw}");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
}

#[tokio::test]
async fn refusals_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = SmtpSink::start(root(), dir.path()).unwrap();
    let mailer = SmtpMailer::new(&sink.url(), Duration::from_secs(10)).unwrap();
    let bounce = mailer.send(tenant(), &message("bounce@client.fr", false)).await;
    assert!(matches!(bounce, Err(MailError::Permanent(_))), "{bounce:?}");
    let later = mailer.send(tenant(), &message("later@client.fr", false)).await;
    assert!(matches!(later, Err(MailError::Transient(_))), "{later:?}");
    sink.stop();
    let down = mailer.send(tenant(), &message("lea@client.fr", false)).await;
    assert!(matches!(down, Err(MailError::Transient(_))), "{down:?}");
    assert!(sink.messages().unwrap().is_empty());
}

#[tokio::test]
async fn the_embedded_mailer_writes_one_file_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = EmlMailer::new(dir.path());
    let t = tenant();
    let m = message("lea@client.fr", false);
    mailer.send(t, &m).await.unwrap();
    mailer.send(t, &m).await.unwrap();
    let tenant_dir = dir.path().join(t.as_uuid().to_string());
    let files: Vec<_> = std::fs::read_dir(&tenant_dir).unwrap().filter_map(Result::ok).collect();
    assert_eq!(files.len(), 1, "the same message twice is one file");
    let raw = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(raw.contains(&format!("Message-ID: <{}>", m.message_id)));
    assert!(!raw.contains("List-Unsubscribe"));
    let bad = message("pas une adresse", false);
    assert!(matches!(mailer.send(t, &bad).await, Err(MailError::Permanent(_))));
    // An erased person's message forgotten: the file gone; again, or unknown, no fault.
    let mut other = message("paul@client.fr", false);
    other.message_id = format!("autre-{}", m.message_id);
    mailer.send(t, &other).await.unwrap();
    mailer.forget(t, std::slice::from_ref(&m.message_id)).await.unwrap();
    let left: Vec<_> = std::fs::read_dir(&tenant_dir).unwrap().filter_map(Result::ok).collect();
    assert_eq!(left.len(), 1, "only the other message stays");
    assert!(std::fs::read_to_string(left[0].path()).unwrap().contains("paul@client.fr"));
    mailer.forget(t, &[m.message_id.clone(), "inconnu@crm.fr".into()]).await.unwrap();
}

#[tokio::test]
async fn a_file_travels_attached_to_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(root(), dir.path()).unwrap();
    let mailer = SmtpMailer::new(&sink.url(), Duration::from_secs(10)).unwrap();
    let mut m = message("lea@client.fr", false);
    let pdf = b"%PDF-1.7 rapport\x00\xff".to_vec();
    m.attachments.push(crm_ports::mail::Attachment {
        name: "rapport-ventes-2026-11.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: pdf.clone(),
    });
    mailer.send(tenant(), &m).await.unwrap();
    let raw = &sink.messages().unwrap()[0];
    assert!(raw.contains("multipart/mixed") && raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("Content-Type: application/pdf"), "{raw}");
    assert!(raw.contains("filename=\"rapport-ventes-2026-11.pdf\""), "{raw}");
    // The file's bytes, base64 in the message, come back whole.
    use base64::Engine as _;
    let start = raw.find("Content-Type: application/pdf").unwrap();
    let body: String = raw[start..]
        .split("\r\n\r\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(body.trim()).unwrap(), pdf);
}
