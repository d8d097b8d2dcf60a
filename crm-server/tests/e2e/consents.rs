//! Consent through the server, a campaign sent to a real SMTP server on loopback: in a
//! company that sells to private persons (B2C), a campaign reaches the prospect who gave
//! their consent and the client (similar offers), never the prospect who gave none nor
//! the one who withdrew it; the one-click unsubscribe of the message records the
//! withdrawal with the Message-ID as its proof; a bad consent is refused field by field.

use super::email::{contact, link_of, readable, recipient_and_id, root};
use crate::support::{spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_mail_smtp::sink::SmtpSink;
use crm_sdk::models::{CampaignMove, CampaignWrite, ConsentWrite, ContactWrite, SegmentWrite, Settings, TemplateVariant, TemplateWrite};
use crm_server::config::{FileConfig, Secret};
use std::collections::BTreeMap;
use std::time::Duration;

fn consent(medium: &str, state: &str, basis: Option<&str>, source: &str) -> ConsentWrite {
    ConsentWrite {
        medium: medium.into(),
        state: state.into(),
        basis: basis.map(Into::into),
        source: source.into(),
        proof: Some("bulletin signé n° 42".into()),
        given_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_b2c_campaign_reaches_only_whom_the_company_may_prospect() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(root(), mail_dir.path()).unwrap();
    let public = "https://crm.exemple.test";
    let s = spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            smtp_url: Some(Some(Secret::new(sink.url()))),
            mail_from: Some(Some("ventes@exemple.com".into())),
            public_url: Some(Some(public.into())),
            campaign_rate: Some(60_000),
            ..FileConfig::default()
        },
    )
    .await;
    let t = tenant(&s, "Boutique B2C").await;
    let admin = t.client(Role::Admin);
    let marketing = t.client(Role::Marketing);
    let company = admin.tenant().await.unwrap();
    let b2c = Settings {
        audience: Some("b2c".into()),
        ..Settings::default()
    };
    let company = admin.update_tenant(company.version, None, Some(&b2c)).await.unwrap();
    assert_eq!(company.settings.audience.as_deref(), Some("b2c"));

    let silent = contact(admin, "Aucun", "aucun@particulier.fr").await;
    let agreed = contact(admin, "Accord", "accord@particulier.fr").await;
    let withdrawn = contact(admin, "Retrait", "retrait@particulier.fr").await;
    let client = admin
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Fidèle".into(),
                last_name: "Cliente".into(),
                emails: vec!["fidele@particulier.fr".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap()
        .id;

    // Nothing recorded: a private prospect is closed to email, open to calls.
    let before = admin.contact_consents(silent).await.unwrap();
    assert_eq!(before.audience, "b2c");
    let states: Vec<_> = before
        .channels
        .iter()
        .map(|c| (c.medium.as_str(), c.allowed, c.reason.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("email", false, "no_consent"),
            ("phone", true, "opt_out_regime"),
            ("sms", false, "no_consent")
        ]
    );
    // A bad consent, refused field by field; nothing chosen for the caller.
    let bad = marketing
        .record_consent(
            silent,
            &ConsentWrite {
                medium: "pigeon".into(),
                state: "granted".into(),
                ..ConsentWrite::default()
            },
        )
        .await
        .unwrap_err();
    let text = format!("{bad:?}");
    for field in ["medium", "basis", "source"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    let recorded = marketing
        .record_consent(agreed, &consent("email", "granted", Some("consent"), "Formulaire du site"))
        .await
        .unwrap();
    assert!(recorded.channels[0].allowed);
    assert_eq!(recorded.history[0].proof.as_deref(), Some("bulletin signé n° 42"));
    marketing
        .record_consent(withdrawn, &consent("email", "granted", Some("consent"), "Salon"))
        .await
        .unwrap();
    marketing
        .record_consent(withdrawn, &consent("email", "withdrawn", None, "Appel"))
        .await
        .unwrap();
    assert!(
        admin.contact(withdrawn).await.unwrap().email_opt_out,
        "the withdrawal ticks the opt-out"
    );

    let list = marketing
        .create_segment(&SegmentWrite {
            name: "Clientèle particulière".into(),
            rule: None,
        })
        .await
        .unwrap();
    marketing
        .add_segment_members(list.id, &[silent, agreed, withdrawn, client])
        .await
        .unwrap();
    let template = marketing
        .create_email_template(&TemplateWrite {
            name: "Soldes".into(),
            variants: vec![TemplateVariant {
                language: "fr".into(),
                subject: "Soldes Zq9 pour {{ contact.first_name }}".into(),
                body: "Bonjour {{ contact.first_name }},\n\nNos soldes : https://exemple.com/soldes".into(),
            }],
        })
        .await
        .unwrap();
    let campaign = marketing
        .create_campaign(&CampaignWrite {
            name: "Soldes d'hiver".into(),
            segment_id: Some(list.id),
            template_id: Some(template.id),
            language: None,
        })
        .await
        .unwrap();
    marketing
        .move_campaign(
            campaign.id,
            campaign.version,
            &CampaignMove {
                action: "start".into(),
                at: None,
            },
        )
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let sent = loop {
        let c = marketing.campaign(campaign.id).await.unwrap();
        if c.status == "sent" || start.elapsed() > Duration::from_secs(60) {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sent.status, "sent", "{sent:?}");
    assert_eq!((sent.stats.unwrap().recipients, sent.skipped), (2, 2), "{sent:?}");
    let mut got: BTreeMap<String, String> = BTreeMap::new();
    for raw in sink.messages().unwrap() {
        let raw = readable(&raw);
        if raw.contains("Subject: Soldes Zq9") {
            let (to, id) = recipient_and_id(&raw);
            assert!(got.insert(to, id).is_none(), "one message each");
        }
    }
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["accord@particulier.fr", "fidele@particulier.fr"]
    );

    // The unsubscribe link: the withdrawal recorded, the Message-ID as its proof.
    let raw = sink
        .messages()
        .unwrap()
        .into_iter()
        .map(|r| readable(&r))
        .find(|r| r.contains("Subject: Soldes Zq9 pour Accord"))
        .unwrap();
    let unsubscribe = link_of(&raw, &format!("{public}/u/"));
    let r = reqwest::Client::new()
        .post(unsubscribe.replacen(public, &s.base, 1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after = admin.contact_consents(agreed).await.unwrap();
    let email = &after.channels[0];
    assert_eq!((email.allowed, email.reason.as_str()), (false, "opt_out"), "{after:?}");
    let latest = email.latest.clone().unwrap();
    assert_eq!((latest.state.as_str(), latest.source.as_str()), ("withdrawn", "unsubscribe"));
    let message_id = got["accord@particulier.fr"].trim_matches(['<', '>']).to_owned();
    assert_eq!(
        latest.proof.as_deref().map(|p| p.trim_matches(['<', '>'])),
        Some(message_id.as_str())
    );
    assert!(latest.recorded_by.is_none(), "recorded by the CRM itself");
}
