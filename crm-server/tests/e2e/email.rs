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

pub(crate) fn root() -> &'static Path {
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

pub(crate) async fn contact(client: &crm_sdk::Client, first: &str, email: &str) -> Uuid {
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

/// A MIME part's quoted-printable text read back (soft line breaks joined, `=3D` as `=`),
/// and folded headers unfolded: enough to find the links of a message.
pub(crate) fn readable(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
}

/// The address a received message went to (its `To:`) and its Message-ID.
pub(crate) fn recipient_and_id(raw: &str) -> (String, String) {
    let header = |name: &str| {
        raw.lines()
            .find_map(|l| l.strip_prefix(name).map(str::trim).map(str::to_owned))
            .unwrap_or_default()
    };
    let to = header("To:");
    let address = to.rsplit_once('<').map_or(to.clone(), |(_, a)| a.trim_end_matches('>').to_owned());
    (address, header("Message-ID:"))
}

/// The first link of `raw` starting with `prefix` (a token runs to the first character
/// outside base64url).
pub(crate) fn link_of(raw: &str, prefix: &str) -> String {
    let at = raw.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{raw}"));
    let rest = &raw[at + prefix.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    format!("{prefix}{}", &rest[..end])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_back_record_opens_and_clicks_and_unsubscribe_in_one_click() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(root(), mail_dir.path()).unwrap();
    let public = "https://crm.exemple.test";
    let s = spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            smtp_url: Some(Some(Secret::new(sink.url()))),
            mail_from: Some(Some("ventes@exemple.com".into())),
            public_url: Some(Some(public.into())),
            ..FileConfig::default()
        },
    )
    .await;
    let t = tenant(&s, "Courriel suivi").await;
    let admin = t.client(Role::Admin);
    let lea = contact(admin, "Lea", "lea.suivi@client.fr").await;
    let queued = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            subject: Some("Notre offre".into()),
            body: Some("Bonjour {{ contact.first_name }},\n\nL'offre : https://exemple.com/offre?ref=42".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    let sent = wait_for(admin, queued.id, "sent", Duration::from_secs(20)).await;
    assert_eq!(sent.state, "sent");
    let raw = readable(&sink.messages().unwrap()[0]);
    // The RFC 8058 headers, and the links back in the message.
    let unsubscribe = link_of(&raw, &format!("{public}/u/"));
    assert!(raw.contains(&format!("List-Unsubscribe: <{unsubscribe}>")), "{raw}");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    let click = link_of(&raw, &format!("{public}/t/c/"));
    let pixel = link_of(&raw, &format!("{public}/t/o/"));
    assert!(raw.contains("Pour ne plus recevoir nos e-mails"), "{raw}");
    // The text part keeps the link itself.
    assert!(raw.contains("L'offre : https://exemple.com/offre?ref=42"), "{raw}");

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let local = |url: &str| url.replacen(public, &s.base, 1);
    let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    // An open at delivery is a machine's (a proxy fetching images): counted apart.
    let r = http.get(local(&pixel)).header("user-agent", browser).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/gif");
    // A click leads to the message's own link, and is counted.
    let r = http.get(local(&click)).header("user-agent", browser).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "https://exemple.com/offre?ref=42");
    // A token altered by one character leads nowhere.
    let mut forged = local(&click);
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(http.get(&forged).send().await.unwrap().status(), 404);
    let timeline = admin.timeline("contacts", lea, None, None).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.event.as_ref().is_some_and(|ev| ev.kind == "email_clicked")),
        "{timeline:?}"
    );

    // The page asks first; the mail client's one-click POST unsubscribes at once.
    let page = http.get(local(&unsubscribe)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("l***@client.fr") && page.contains("Me désinscrire"), "{page}");
    let r = http
        .post(local(&unsubscribe))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed = admin.suppressions(Some("lea.suivi@client.fr"), None, None).await.unwrap();
    assert_eq!((listed.len(), listed[0].reason.as_str()), (1, "unsubscribed"));
    // Twice changes nothing.
    assert_eq!(http.post(local(&unsubscribe)).send().await.unwrap().status(), 200);
    assert_eq!(admin.suppressions(Some("lea.suivi@client.fr"), None, None).await.unwrap().len(), 1);

    let after = admin.email(queued.id).await.unwrap();
    assert_eq!((after.machine_opens, after.opens, after.clicks), (1, 0, 1), "{after:?}");
    assert!(after.unsubscribed_at.is_some());
    // Never written to again.
    let refused = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            subject: Some("Encore".into()),
            body: Some("Encore".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{refused:?}").contains("not_allowed"), "{refused:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_posted_with_the_inbound_secret_lands_on_the_right_timeline() {
    let s = crate::support::spawn_app().await;
    let t = tenant(&s, "Réponses").await;
    let other = tenant(&s, "Réponses ailleurs").await;
    let admin = t.client(Role::Admin);
    let lea = contact(admin, "Lea", "lea.reponse@client.fr").await;
    let marc = contact(admin, "Marc", "marc.reponse@client.fr").await;
    let sent = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            subject: Some("Notre offre".into()),
            body: Some("Bonjour".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    let secret = admin.new_inbound_secret().await.unwrap().secret;
    assert!(secret.starts_with("crmin_"));
    // Only the Admin makes one.
    assert!(t.client(Role::Sales).new_inbound_secret().await.is_err());

    // A reply naming our message, even sent from another address, is Lea's.
    let reply = format!(
        "From: Assistante <assistante@client.fr>\r\nTo: ventes@exemple.com\r\nSubject: Re: Notre offre\r\nMessage-ID: <r1@client.fr>\r\nIn-Reply-To: <{}>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLea est d'accord, envoyez le contrat.\r\n",
        sent.message_id
    );
    let filed = s.client.receive_email(&secret, reply.into_bytes()).await.unwrap();
    assert!(filed.filed);
    assert_eq!((filed.contact_id, filed.answers), (Some(lea), Some(sent.id)));
    let timeline = admin.timeline("contacts", lea, None, None).await.unwrap();
    let activity = timeline
        .iter()
        .filter_map(|e| e.activity.as_ref())
        .find(|a| Some(a.id) == filed.activity_id)
        .expect("the reply on Lea's timeline");
    assert_eq!((activity.kind.as_str(), activity.subject.as_str()), ("email", "Re: Notre offre"));
    assert_eq!(activity.body.as_deref(), Some("Lea est d'accord, envoyez le contrat."));
    assert!(
        timeline
            .iter()
            .any(|e| e.event.as_ref().is_some_and(|ev| ev.kind == "email_replied"))
    );
    let counted = admin.email(sent.id).await.unwrap();
    assert_eq!(counted.replies, 1);
    assert!(counted.replied_at.is_some());

    // Without a thread, the sender's address finds the contact (posted as a mail server's
    // pipe does, `message/rfc822`).
    let direct = "From: marc.reponse@client.fr\r\nSubject: Question\r\n\r\nAvez-vous un tarif ?\r\n";
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/inbound-email", s.base))
        .bearer_auth(&secret)
        .header("content-type", "message/rfc822")
        .body(direct)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let filed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(filed["contact_id"], serde_json::json!(marc));
    assert!(filed.get("answers").is_none_or(serde_json::Value::is_null));
    // From nobody known: accepted, filed nowhere.
    let stranger = "From: inconnu@ailleurs.fr\r\nSubject: Bonjour\r\n\r\nQui êtes-vous ?\r\n";
    let filed = s.client.receive_email(&secret, stranger.as_bytes().to_vec()).await.unwrap();
    assert!(!filed.filed && filed.contact_id.is_none());

    // A wrong or replaced secret, or another company's, files nothing here.
    for bad in [format!("{secret}x"), "crmin_nope".to_owned(), String::new()] {
        assert!(s.client.receive_email(&bad, direct.as_bytes().to_vec()).await.is_err(), "{bad}");
    }
    let theirs = other.client(Role::Admin).new_inbound_secret().await.unwrap().secret;
    let filed = s.client.receive_email(&theirs, direct.as_bytes().to_vec()).await.unwrap();
    assert!(!filed.filed, "Marc is not the other company's contact");
    let renewed = admin.new_inbound_secret().await.unwrap().secret;
    assert!(
        s.client.receive_email(&secret, direct.as_bytes().to_vec()).await.is_err(),
        "the old secret"
    );
    assert!(s.client.receive_email(&renewed, direct.as_bytes().to_vec()).await.unwrap().filed);
    // A delivery report (RFC 3464) for Lea's message, once the relay took it: her address
    // bounces, the message is marked bounced, and nothing lands on her timeline as a reply.
    assert_eq!(wait_for(admin, sent.id, "sent", Duration::from_secs(20)).await.state, "sent");
    let before = admin.timeline("contacts", lea, None, None).await.unwrap().len();
    let dsn = format!(
        "From: MAILER-DAEMON@relais.exemple.com\r\nTo: ventes@exemple.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relais.exemple.com\r\n\r\n\
         Final-Recipient: rfc822; lea.reponse@client.fr\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 user unknown\r\n\r\n\
         --b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{}>\r\nSubject: Notre offre\r\n\
         --b1--\r\n",
        sent.message_id
    );
    let filed = s.client.receive_email(&renewed, dsn.into_bytes()).await.unwrap();
    assert_eq!((filed.bounced, filed.answers, filed.activity_id), (1, Some(sent.id), None));
    let bounced = admin.email(sent.id).await.unwrap();
    assert_eq!(bounced.state, "bounced");
    assert!(bounced.last_error.as_deref().is_some_and(|e| e.starts_with("5.1.1")), "{bounced:?}");
    let listed = admin.suppressions(Some("lea.reponse@client.fr"), None, None).await.unwrap();
    assert_eq!(listed.first().map(|e| e.reason.as_str()), Some("bounced"));
    let after = admin.timeline("contacts", lea, None, None).await.unwrap();
    assert!(
        after.iter().take(after.len() - before).all(|e| e.activity.is_none()),
        "no activity for a delivery report"
    );
    // Not a message: 422.
    let err = s.client.receive_email(&renewed, b"\x00\x01".to_vec()).await.unwrap_err();
    assert!(
        format!("{err:?}").contains("422") || format!("{err:?}").contains("validation"),
        "{err:?}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_with_its_own_relay_sends_through_it_with_its_from() {
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let installation = SmtpSink::start(root(), dir1.path()).unwrap();
    let own = SmtpSink::start(root(), dir2.path()).unwrap();
    let s = spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            smtp_url: Some(Some(Secret::new(installation.url()))),
            mail_from: Some(Some("ventes@installation.fr".into())),
            ..FileConfig::default()
        },
    )
    .await;
    let t = tenant(&s, "Relais propre").await;
    let other = tenant(&s, "Relais commun").await;
    let admin = t.client(Role::Admin);
    // Only the Admin; a URL that is no relay is refused.
    assert!(t.client(Role::Manager).mail_relay().await.is_err());
    assert!(admin.mail_relay().await.is_err(), "none yet: 404");
    let bad = admin
        .set_mail_relay(&crm_sdk::models::MailRelayWrite {
            url: "http://relais.fr".into(),
            from: None,
        })
        .await
        .unwrap_err();
    assert!(format!("{bad:?}").contains("url"), "{bad:?}");
    // With a user and password: read back masked.
    let with_password = own.url().replacen("smtp://", "smtp://ventes:s3cr3t-relais@", 1);
    let set = admin
        .set_mail_relay(&crm_sdk::models::MailRelayWrite {
            url: with_password,
            from: Some("contact@relais-propre.fr".into()),
        })
        .await
        .unwrap();
    assert!(set.url.contains("ventes:***@") && !set.url.contains("s3cr3t"), "{}", set.url);
    // The test relay takes no login: the one used has none.
    admin
        .set_mail_relay(&crm_sdk::models::MailRelayWrite {
            url: own.url(),
            from: Some("contact@relais-propre.fr".into()),
        })
        .await
        .unwrap();
    assert_eq!(admin.mail_relay().await.unwrap().from.as_deref(), Some("contact@relais-propre.fr"));

    // Its messages go through its relay, from its address; the other company's through
    // the installation's.
    let lea = contact(admin, "Lea", "lea.relais@client.fr").await;
    let mine = admin
        .send_email(&EmailWrite {
            contact_id: Some(lea),
            subject: Some("Par notre relais".into()),
            body: Some("Bonjour".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    assert!(mine.message_id.ends_with("@relais-propre.fr"), "{}", mine.message_id);
    let other_admin = other.client(Role::Admin);
    let marc = contact(other_admin, "Marc", "marc.relais@client.fr").await;
    let theirs = other_admin
        .send_email(&EmailWrite {
            contact_id: Some(marc),
            subject: Some("Par le relais commun".into()),
            body: Some("Bonjour".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(wait_for(admin, mine.id, "sent", Duration::from_secs(20)).await.state, "sent");
    assert_eq!(
        wait_for(other_admin, theirs.id, "sent", Duration::from_secs(20)).await.state,
        "sent"
    );
    let got = own.messages().unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("Subject: Par notre relais"), "{}", got[0]);
    assert!(got[0].contains("contact@relais-propre.fr>"), "{}", got[0]);
    let common = installation.messages().unwrap();
    assert_eq!(common.len(), 1);
    assert!(common[0].contains("Subject: Par le relais commun"));
    // Removed: back to the installation's.
    admin.remove_mail_relay().await.unwrap();
    assert!(admin.mail_relay().await.is_err());
    s.stop().await;
}
