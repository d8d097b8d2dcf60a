//! Email in the store: templates checked, named once per company, versioned and walled;
//! a message queued with its archive activity, events and send job in one transaction,
//! its content sealed under the recipient's key (gone with them); every attempt and
//! outcome recorded, a bounce putting the address on the suppression list.

use crate::contacts::input;
use crate::erasure::{holds, on_disk};
use crate::harness::Harness;
use crm_domain::activity::Link;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::template::{TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::user::Role;
use crm_domain::{TenantId, ViolationKind};
use crm_ports::mail::{MailError, Mailer, OutgoingMessage};
use crm_ports::query::HistoryQuery;
use crm_ports::runtime::BoxFuture;
use crm_ports::services::activities::TimelineEntry;
use crm_ports::services::email::{ComposeEmail, EMAIL_SEND, EmailSender, MailSettings};
use crm_ports::store::{EmailState, EmailStore as _, EventLog as _, PersonKeyStore as _};
use crm_ports::{ServiceError, StoreError};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn template(name: &str, body: &str) -> TemplateInput {
    TemplateInput {
        name: name.into(),
        variants: vec![
            TemplateVariant {
                language: Language::En,
                subject: "Hello {{ contact.first_name }}".into(),
                body: "Hello".into(),
            },
            TemplateVariant {
                language: Language::Fr,
                subject: "Bonjour {{ contact.first_name }}".into(),
                body: body.into(),
            },
        ],
    }
}

fn faults(e: &ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|f| (f.field.clone(), f.kind)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub async fn templates_are_checked_named_once_and_walled(h: &Harness) {
    let (_, admin) = h.tenant("Modèles").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (_, stranger) = h.tenant("Modèles ailleurs").await;

    let t = h
        .app
        .create_email_template(&marketing, template(" Relance ", "Bonjour {{ contact.first_name }},\nà bientôt"))
        .await
        .unwrap();
    assert_eq!(t.name, "Relance");
    assert_eq!(t.variants[0].language, Language::Fr, "French first");
    assert_eq!(h.app.email_template(&rep, t.id).await.unwrap(), t, "a sales rep reads them");
    assert_eq!(h.app.email_templates(&admin).await.unwrap(), vec![t.clone()]);
    assert!(matches!(
        h.app.create_email_template(&rep, template("X", "x")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(h.app.email_templates(&observer).await, Err(ServiceError::Forbidden)));
    assert!(matches!(h.app.email_template(&stranger, t.id).await, Err(ServiceError::NotFound)));

    // The name once per company, whatever its case; another company may use it.
    let again = h.app.create_email_template(&admin, template("RELANCE", "x")).await.unwrap_err();
    assert_eq!(faults(&again), [("name".to_owned(), ViolationKind::Repeated)]);
    h.app.create_email_template(&stranger, template("Relance", "x")).await.unwrap();

    // A fault is refused with its line; nothing is written.
    let bad = h
        .app
        .create_email_template(&admin, template("Cassé", "ligne 1\n{{ contact.prenom }}"))
        .await
        .unwrap_err();
    let ServiceError::Invalid(v) = &bad else { panic!("{bad:?}") };
    assert_eq!(v.errors()[0].field, "variants.1.body");
    assert_eq!(v.errors()[0].kind, ViolationKind::UnknownVariable);
    assert_eq!(v.errors()[0].line, Some(2));
    assert_eq!(h.app.email_templates(&admin).await.unwrap().len(), 1);

    // Versioned: a stale save changes nothing.
    let changed = h
        .app
        .update_email_template(&admin, t.id, t.version, template("Relance J+3", "Re-bonjour"))
        .await
        .unwrap();
    assert_eq!(changed.version, t.version + 1);
    assert!(matches!(
        h.app.update_email_template(&admin, t.id, t.version, template("Autre", "x")).await,
        Err(ServiceError::Conflict)
    ));
    assert!(matches!(
        h.app
            .update_email_template(&stranger, t.id, changed.version, template("Autre", "x"))
            .await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        h.app.delete_email_template(&stranger, t.id, changed.version).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        h.app.delete_email_template(&admin, t.id, t.version).await,
        Err(ServiceError::Conflict)
    ));
    h.app.delete_email_template(&admin, t.id, changed.version).await.unwrap();
    assert!(matches!(h.app.email_template(&admin, t.id).await, Err(ServiceError::NotFound)));
}

/// A mailer that records what it is given and answers as told.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<OutgoingMessage>>,
    answer: Mutex<Option<MailError>>,
}

impl Mailer for Recorder {
    fn send<'a>(&'a self, _tenant: TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            if let Some(e) = self.answer.lock().unwrap().clone() {
                return Err(e);
            }
            self.sent.lock().unwrap().push(message.clone());
            Ok(())
        })
    }
}

pub async fn an_email_is_queued_sealed_archived_and_sent_once(h: &Harness) {
    let (tenant, admin) = h.tenant("Envois").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (_, stranger) = h.tenant("Envois ailleurs").await;
    let c = h.app.create_contact(&admin, &input("Léa", "Envoi"), None, true).await.unwrap();
    let marker = format!("Qzm{}", &Uuid::new_v4().simple().to_string()[..10]);
    let settings = MailSettings {
        from: Some("ventes@exemple.com".into()),
        domain: "crm.test".into(),
        ..MailSettings::default()
    };
    let compose = ComposeEmail {
        contact_id: Some(c.id),
        subject: Some("Suite à notre appel, {{ contact.first_name }}".into()),
        body: Some(format!(
            "Bonjour {{{{ contact.first_name }}}},\n{marker}\nhttps://exemple.com/offre"
        )),
        ..ComposeEmail::default()
    };

    // Who may write, to whom.
    assert!(matches!(
        h.app.send_email(&observer, &compose, &settings).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(
        faults(&h.app.send_email(&rep, &compose, &settings).await.unwrap_err()),
        [("contact_id".to_owned(), ViolationKind::Unknown)],
        "a rep writes only to their own contacts"
    );
    assert_eq!(
        faults(&h.app.send_email(&stranger, &compose, &settings).await.unwrap_err()),
        [("contact_id".to_owned(), ViolationKind::Unknown)]
    );
    let wrong_to = ComposeEmail {
        to: Some("autre@exemple.fr".into()),
        ..compose.clone()
    };
    assert_eq!(
        faults(&h.app.send_email(&admin, &wrong_to, &settings).await.unwrap_err()),
        [("to".to_owned(), ViolationKind::Unknown)]
    );

    let preview = h.app.preview_email(&admin, &compose, &settings).await.unwrap();
    assert_eq!(preview.subject, "Suite à notre appel, Léa");
    assert!(preview.text.starts_with("Bonjour Léa,\n"));
    assert!(preview.html.contains("<a href=\"https://exemple.com/offre\">"));

    let m = h.app.send_email(&admin, &compose, &settings).await.unwrap();
    assert_eq!(m.state, EmailState::Queued);
    assert_eq!(m.message_id, format!("{}@crm.test", m.id.as_uuid()));
    let stored = h.app.email(&admin, m.id).await.unwrap();
    assert_eq!(stored, m, "read back as written");
    let content = stored.content.unwrap();
    assert_eq!(content.to.address, c.fields.emails[0].as_str());
    assert_eq!(content.from.address, "ventes@exemple.com");
    assert_eq!(
        content.reply_to.unwrap().address,
        h.app.user(&admin, admin.user_id().unwrap()).await.unwrap().email.as_str()
    );
    assert!(!holds(&on_disk(h), &marker), "the body is on disk in clear");
    assert!(matches!(h.app.email(&stranger, m.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.email(&rep, m.id).await, Err(ServiceError::NotFound)));

    // Archived on the contact's timeline; its send job queued with it.
    let link = Link {
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
    };
    let timeline = h.app.timeline(&admin, link, None, 50).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| matches!(e, TimelineEntry::Activity(a) if Some(a.id) == m.activity_id))
    );
    let jobs = h.app.jobs(&admin, Some(EMAIL_SEND), 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload["email_id"], serde_json::json!(m.id.as_uuid()));

    // Sent once: a second run of the job sends nothing more.
    let recorder = Arc::new(Recorder::default());
    let sender = EmailSender::new(&h.app, recorder.clone(), 3);
    sender.send_one(tenant.id, m.id).await.unwrap();
    sender.send_one(tenant.id, m.id).await.unwrap();
    let sent = recorder.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message_id, m.message_id);
    assert!(sent[0].text.contains(&marker));
    let after = h.app.email(&admin, m.id).await.unwrap();
    assert_eq!((after.state, after.attempts, after.resends), (EmailState::Sent, 1, 0));
    assert!(after.sent_at.is_some());
    let log = h
        .app
        .store()
        .history(
            tenant.id,
            &HistoryQuery::Entity {
                entity_type: EntityType::Email,
                entity_id: m.id.as_uuid(),
                before: None,
            },
            10,
        )
        .await
        .unwrap();
    let kinds: Vec<EventKind> = log.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Sent, EventKind::Created]);

    // Erased: the content cannot be opened any more.
    h.app
        .store()
        .erase_person(tenant.id, c.id.as_uuid(), h.app.now(), &[])
        .await
        .unwrap();
    assert!(h.app.store().email(tenant.id, m.id).await.unwrap().content.is_none());
}

pub async fn failures_are_retried_given_up_or_bounced(h: &Harness) {
    let (tenant, admin) = h.tenant("Échecs").await;
    let settings = MailSettings::default();
    let mut ids = Vec::new();
    for name in ["Un", "Deux", "Trois"] {
        let c = h.app.create_contact(&admin, &input(name, "Échec"), None, true).await.unwrap();
        let m = h
            .app
            .send_email(
                &admin,
                &ComposeEmail {
                    contact_id: Some(c.id),
                    subject: Some("Objet".into()),
                    body: Some("Corps".into()),
                    ..ComposeEmail::default()
                },
                &settings,
            )
            .await
            .unwrap();
        ids.push((c, m));
    }
    let recorder = Arc::new(Recorder::default());
    let sender = EmailSender::new(&h.app, recorder.clone(), 2);

    // Temporary: queued again with the reason, then given up after the attempts.
    *recorder.answer.lock().unwrap() = Some(MailError::Transient("451 plus tard".into()));
    let (_, m) = &ids[0];
    assert!(sender.send_one(tenant.id, m.id).await.is_err(), "the job runtime must retry it");
    let now = h.app.email(&admin, m.id).await.unwrap();
    assert_eq!((now.state, now.attempts), (EmailState::Queued, 1));
    assert_eq!(now.last_error.as_deref(), Some("451 plus tard"));
    sender.send_one(tenant.id, m.id).await.unwrap();
    assert_eq!(h.app.email(&admin, m.id).await.unwrap().state, EmailState::Failed);

    // Permanent: bounced, and the address is on the suppression list.
    *recorder.answer.lock().unwrap() = Some(MailError::Permanent("550 inconnu".into()));
    let (c, m) = &ids[1];
    sender.send_one(tenant.id, m.id).await.unwrap();
    assert_eq!(h.app.email(&admin, m.id).await.unwrap().state, EmailState::Bounced);
    let again = h
        .app
        .send_email(
            &admin,
            &ComposeEmail {
                contact_id: Some(c.id),
                subject: Some("Objet".into()),
                body: Some("Corps".into()),
                ..ComposeEmail::default()
            },
            &settings,
        )
        .await
        .unwrap_err();
    assert_eq!(faults(&again), [("to".to_owned(), ViolationKind::NotAllowed)]);

    // An attempt cut before its end (a crash after the hand-over) counts a possible copy.
    let (_, m) = &ids[2];
    let store = h.app.store();
    store.begin_email_attempt(tenant.id, m.id, h.app.now()).await.unwrap();
    let cut = store.begin_email_attempt(tenant.id, m.id, h.app.now()).await.unwrap();
    assert_eq!((cut.state, cut.attempts, cut.resends), (EmailState::Sending, 2, 1));
    assert!(matches!(
        store.email(TenantId::from_uuid(Uuid::now_v7()), m.id).await,
        Err(StoreError::NotFound)
    ));
}

/// The token of the first link of `html` that starts with `prefix`.
pub fn token_after(html: &str, prefix: &str) -> String {
    let at = html.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {html}")) + prefix.len();
    html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub async fn opens_clicks_and_unsubscribes_are_recorded_once(h: &Harness) {
    let (tenant, admin) = h.tenant("Suivi").await;
    let c = h.app.create_contact(&admin, &input("Suivie", "Lecture"), None, true).await.unwrap();
    let settings = MailSettings {
        public_url: Some("https://crm.test".into()),
        footers: vec![(Language::Fr, "Pour ne plus recevoir nos e-mails :".into())],
        ..MailSettings::default()
    };
    let m = h
        .app
        .send_email(
            &admin,
            &ComposeEmail {
                contact_id: Some(c.id),
                subject: Some("Offre".into()),
                body: Some("Voir https://exemple.com/a puis https://exemple.com/b".into()),
                ..ComposeEmail::default()
            },
            &settings,
        )
        .await
        .unwrap();
    let content = m.content.clone().unwrap();
    let html = content.html.clone().unwrap();
    let unsubscribe = content.unsubscribe.clone().unwrap();
    assert!(
        content
            .text
            .ends_with(&format!("Pour ne plus recevoir nos e-mails : {unsubscribe}\n")),
        "{}",
        content.text
    );
    assert!(!html.contains("href=\"https://exemple.com/"), "every link goes through us: {html}");
    let pixel = token_after(&html, "https://crm.test/t/o/");
    let first = token_after(&html, "https://crm.test/t/c/");
    let second = token_after(&html[html.find(&first).unwrap() + first.len()..], "https://crm.test/t/c/");
    let unsubscribe = token_after(&unsubscribe, "https://crm.test/u/");
    let firefox = Some("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");

    // Opens: a person's counted (the first one on the timeline), a machine's apart.
    h.app.email_opened(&pixel, firefox).await.unwrap();
    h.app.email_opened(&pixel, firefox).await.unwrap();
    h.app.email_opened(&pixel, Some("YahooMailProxy")).await.unwrap();
    // Clicks lead to the message's own links only.
    assert_eq!(h.app.email_clicked(&second, firefox).await.unwrap(), "https://exemple.com/b");
    assert_eq!(h.app.email_clicked(&first, firefox).await.unwrap(), "https://exemple.com/a");
    for wrong in [pixel.as_str(), unsubscribe.as_str(), "AAAA", ""] {
        assert!(
            matches!(h.app.email_clicked(wrong, firefox).await, Err(ServiceError::NotFound)),
            "{wrong}"
        );
    }
    assert!(matches!(h.app.email_opened(&first, firefox).await, Err(ServiceError::NotFound)));
    // Unsubscribed once, whatever the number of requests.
    let asked = h.app.unsubscription(&unsubscribe).await.unwrap();
    assert!(!asked.done && asked.address.ends_with("@exemple.fr") && asked.address.contains("***"));
    assert!(h.app.unsubscribe(&unsubscribe).await.unwrap().done);
    assert!(h.app.unsubscribe(&unsubscribe).await.unwrap().done);

    let after = h.app.email(&admin, m.id).await.unwrap();
    assert_eq!((after.stats.opens, after.stats.machine_opens, after.stats.clicks), (2, 1, 2));
    assert!(after.stats.opened_at.is_some() && after.stats.clicked_at.is_some() && after.stats.unsubscribed_at.is_some());
    let log = h
        .app
        .store()
        .history(
            tenant.id,
            &HistoryQuery::Entity {
                entity_type: EntityType::Contact,
                entity_id: c.id.as_uuid(),
                before: None,
            },
            50,
        )
        .await
        .unwrap();
    let count = |k: EventKind| log.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (
            count(EventKind::EmailOpened),
            count(EventKind::EmailClicked),
            count(EventKind::Unsubscribed)
        ),
        (1, 2, 1)
    );
    let listed = h.app.suppressions(&admin, None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    // Erased: the links lead nowhere.
    h.app
        .store()
        .erase_person(tenant.id, c.id.as_uuid(), h.app.now(), &[])
        .await
        .unwrap();
    assert!(matches!(h.app.email_clicked(&first, firefox).await, Err(ServiceError::NotFound)));
}

contract!(
    opens_clicks_and_unsubscribes_are_recorded_once,
    templates_are_checked_named_once_and_walled,
    an_email_is_queued_sealed_archived_and_sent_once,
    failures_are_retried_given_up_or_bounced,
);
