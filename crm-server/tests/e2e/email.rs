//! Email through the server to a real SMTP server on loopback (aiosmtpd): a message
//! written from a template arrives with its headers and body and is archived on the
//! contact's timeline; with the relay down it waits, retried, and goes once the relay is
//! back; a permanent refusal marks it bounced and puts the address on the suppression list.

use crate::support::{spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_mail_smtp::sink::SmtpSink;
use crm_sdk::models::{ContactWrite, Email, EmailWrite, TemplateVariant, TemplateWrite};
use crm_server::config::{FileConfig, Secret};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The email once its state is `state` (or what it is after `within`).
async fn wait_for(client: &crm_sdk::Client, id: Uuid, state: &str, within: Duration) -> Email {
    let start = std::time::Instant::now();
    loop {
        let e = client.email(id).await.unwrap();
        if e.state == state || start.elapsed() > within {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn contact(client: &crm_sdk::Client, first: &str, email: &str) -> Uuid {
    client
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: first.into(),
                last_name: "Destinataire".into(),
                emails: vec![email.into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_reaches_a_real_relay_waits_out_its_absence_and_bounces() {
    let mail_dir = tempfile::tempdir().unwrap();
    let mut sink = SmtpSink::start(root(), mail_dir.path()).unwrap();
    let s = spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            smtp_url: Some(Some(Secret::new(sink.url()))),
            mail_from: Some(Some("ventes@exemple.com".into())),
            mail_retry_seconds: Some(1),
            ..FileConfig::default()
        },
    )
    .await;
    let t = tenant(&s, "Courriel réel").await;
    let admin = t.client(Role::Admin);
    let lea = contact(admin, "Lea", "lea@client.fr").await;
    let template = admin
        .create_email_template(&TemplateWrite {
            name: "Premier contact".into(),
            variants: vec![TemplateVariant {
                language: "fr".into(),
                subject: "Proposition pour {{ contact.first_name }}".into(),
                body: "Bonjour {{ contact.first_name }},\n\nNotre offre : https://exemple.com/offre\n\n{{ sender.signature }}".into(),
            }],
        })
        .await
        .unwrap();

    // Written from a template, it arrives whole.
    let queued = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            template_id: Some(template.id),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.state, "queued");
    let sent = wait_for(admin, queued.id, "sent", Duration::from_secs(20)).await;
    assert_eq!((sent.state.as_str(), sent.attempts), ("sent", 1), "{sent:?}");
    let got = sink.messages().unwrap();
    assert_eq!(got.len(), 1);
    let raw = &got[0];
    assert!(raw.contains(&format!("Message-ID: <{}>", sent.message_id)), "{raw}");
    assert!(sent.message_id.ends_with("@exemple.com"));
    assert!(
        raw.contains("From: Admin <ventes@exemple.com>") || raw.contains("From: \"Admin\" <ventes@exemple.com>"),
        "{raw}"
    );
    assert!(
        raw.contains(&format!("Reply-To: \"Admin\" <{}>", t.emails[&Role::Admin]))
            || raw.contains(&format!("Reply-To: Admin <{}>", t.emails[&Role::Admin])),
        "{raw}"
    );
    assert!(
        raw.contains("To: Lea Destinataire <lea@client.fr>") || raw.contains("To: \"Lea Destinataire\" <lea@client.fr>"),
        "{raw}"
    );
    assert!(raw.contains("Subject: Proposition pour Lea"), "{raw}");
    assert!(raw.contains("Bonjour Lea,"), "{raw}");
    assert!(raw.contains("text/html"), "{raw}");
    assert!(!raw.contains("List-Unsubscribe"), "a one-to-one email has no unsubscribe header");
    // Archived on the contact's timeline.
    let timeline = admin.timeline("contacts", lea, None, None).await.unwrap();
    assert!(
        timeline.iter().any(|e| e
            .activity
            .as_ref()
            .is_some_and(|a| a.kind == "email" && a.subject == "Proposition pour Lea")),
        "{timeline:?}"
    );

    // The relay down: the message waits, retried, and goes once it is back.
    let port = sink.port();
    sink.stop();
    let waiting = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            subject: Some("Relance".into()),
            body: Some("Toujours intéressée ?".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    let failed_once = wait_for(admin, waiting.id, "never", Duration::from_secs(3)).await;
    assert_eq!(failed_once.state, "queued", "{failed_once:?}");
    assert!(failed_once.attempts >= 1 && failed_once.last_error.is_some(), "{failed_once:?}");
    let sink = SmtpSink::start_on(root(), mail_dir.path(), port).unwrap();
    let delivered = wait_for(admin, waiting.id, "sent", Duration::from_secs(30)).await;
    assert_eq!(delivered.state, "sent", "{delivered:?}");
    assert_eq!(delivered.resends, 0);
    let got = sink.messages().unwrap();
    assert_eq!(got.len(), 2, "one copy each");
    assert!(got[1].contains(&format!("Message-ID: <{}>", delivered.message_id)));

    // Refused for good: bounced, and never written to again.
    let gone = contact(admin, "Parti", "bounce@client.fr").await;
    let bounced = admin
        .send_email(&EmailWrite {
            contact_id: Some(gone),
            subject: Some("Bonjour".into()),
            body: Some("Bonjour".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    let bounced = wait_for(admin, bounced.id, "bounced", Duration::from_secs(20)).await;
    assert_eq!(bounced.state, "bounced", "{bounced:?}");
    assert!(bounced.last_error.as_deref().unwrap_or_default().contains("550"), "{bounced:?}");
    let listed = admin.suppressions(Some("bounce@client.fr"), None, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].reason, "bounced");
    let refused = admin
        .send_email(&EmailWrite {
            contact_id: Some(gone),
            subject: Some("Bonjour".into()),
            body: Some("Bonjour".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{refused:?}").contains("not_allowed"), "{refused:?}");
    assert_eq!(sink.messages().unwrap().len(), 2);
    s.stop().await;
}
