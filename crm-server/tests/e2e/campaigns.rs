//! Campaigns through the server to a real SMTP server on loopback: every member of the
//! segment gets exactly one message (one Message-ID each), those without an address are
//! skipped, a one-click unsubscribe keeps the address out of the next campaign, a pause
//! holds what was not sent and a resume sends it, a cancel leaves what was not sent
//! unsent and off the timelines, a scheduled one starts on its own at its time; a campaign
//! refuses to start without the public address.

use super::email::{contact, link_of, readable, recipient_and_id, root};
use crate::support::{spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_mail_smtp::sink::SmtpSink;
use crm_sdk::models::{Campaign, CampaignMove, CampaignWrite, ContactWrite, SegmentWrite, TemplateVariant, TemplateWrite};
use crm_server::config::{FileConfig, Secret};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use uuid::Uuid;

/// The campaign once `done` says so (or as it is after `within`).
async fn wait_until(client: &crm_sdk::Client, id: Uuid, within: Duration, done: impl Fn(&Campaign) -> bool) -> Campaign {
    let start = std::time::Instant::now();
    loop {
        let c = client.campaign(id).await.unwrap();
        if done(&c) || start.elapsed() > within {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn move_to(client: &crm_sdk::Client, c: &Campaign, action: &str) -> Campaign {
    client
        .move_campaign(
            c.id,
            client.campaign(c.id).await.unwrap().version,
            &CampaignMove {
                action: action.into(),
                at: None,
            },
        )
        .await
        .unwrap()
}

/// Message-IDs by recipient address, of the messages whose subject has `marker`.
fn delivered(sink: &SmtpSink, marker: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for raw in sink.messages().unwrap() {
        let raw = readable(&raw);
        if !raw.contains(marker) {
            continue;
        }
        let (address, message_id) = recipient_and_id(&raw);
        out.entry(address).or_default().push(message_id);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_reaches_each_member_once_and_pauses_resumes_and_cancels() {
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
    let t = tenant(&s, "Campagnes").await;
    let marketing = t.client(Role::Marketing);
    let admin = t.client(Role::Admin);
    let mut members = Vec::new();
    for i in 0..24 {
        members.push(contact(admin, &format!("Membre{i:02}"), &format!("membre{i:02}@client.fr")).await);
    }
    let silent = admin
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Sans".into(),
                last_name: "Adresse".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap()
        .id;
    members.push(silent);
    let list = marketing
        .create_segment(&SegmentWrite {
            name: "Invités du salon".into(),
            rule: None,
        })
        .await
        .unwrap();
    marketing.add_segment_members(list.id, &members).await.unwrap();
    let template = marketing
        .create_email_template(&TemplateWrite {
            name: "Invitation".into(),
            variants: vec![TemplateVariant {
                language: "fr".into(),
                subject: "Invitation Qk7 pour {{ contact.first_name }}".into(),
                body: "Bonjour {{ contact.first_name }},\n\nLe programme : https://exemple.com/salon".into(),
            }],
        })
        .await
        .unwrap();
    let write = |name: &str| CampaignWrite {
        name: name.into(),
        segment_id: Some(list.id),
        template_id: Some(template.id),
        language: None,
    };

    // A test to oneself first: the template written for a member, marked as a test.
    let first = marketing.create_campaign(&write("Salon — premier envoi")).await.unwrap();
    assert_eq!(first.status, "draft");
    marketing.test_campaign(first.id).await.unwrap();
    let me = t.emails[&Role::Marketing].clone();
    let start = std::time::Instant::now();
    while !delivered(&sink, "[Test] Invitation Qk7").contains_key(&me) && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered(&sink, "[Test] Invitation Qk7")[&me].len(), 1);

    // Sent: each member with an address once, the one without skipped.
    move_to(marketing, &first, "start").await;
    let sent = wait_until(marketing, first.id, Duration::from_secs(60), |c| c.status == "sent").await;
    let stats = sent.stats.unwrap();
    assert_eq!(sent.status, "sent", "{sent:?}");
    assert_eq!((stats.recipients, stats.sent, sent.skipped), (24, 24, 1), "{sent:?}");
    let got = delivered(&sink, "Subject: Invitation Qk7");
    assert_eq!(got.len(), 24, "{got:?}");
    let ids: BTreeSet<&String> = got.values().flatten().collect();
    assert_eq!(ids.len(), 24, "one distinct Message-ID per recipient");
    assert!(got.values().all(|m| m.len() == 1), "{got:?}");
    let recipients = marketing.campaign_recipients(first.id, None, Some(200)).await.unwrap();
    assert_eq!(recipients.len(), 24);
    assert!(recipients.iter().all(|r| r.state == "sent"));
    // Archived on each recipient's timeline.
    let timeline = admin.timeline("contacts", members[3], None, None).await.unwrap();
    assert!(
        timeline.iter().any(|e| e
            .activity
            .as_ref()
            .is_some_and(|a| a.kind == "email" && a.subject == "Invitation Qk7 pour Membre03")),
        "{timeline:?}"
    );

    // One member unsubscribes in one click: the next campaign leaves them out.
    let raw = sink
        .messages()
        .unwrap()
        .into_iter()
        .map(|r| readable(&r))
        .find(|r| r.contains("Subject: Invitation Qk7 pour Membre05"))
        .unwrap();
    let unsubscribe = link_of(&raw, &format!("{public}/u/"));
    assert!(raw.contains(&format!("List-Unsubscribe: <{unsubscribe}>")), "{raw}");
    let http = reqwest::Client::new();
    let r = http
        .post(unsubscribe.replacen(public, &s.base, 1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let unsubscribed = wait_until(marketing, first.id, Duration::from_secs(5), |c| {
        c.stats.is_some_and(|s| s.unsubscribed == 1)
    })
    .await;
    assert_eq!(unsubscribed.stats.unwrap().unsubscribed, 1);

    // The second campaign: paused at once, what was not sent waits; resumed, it all goes.
    let second = marketing.create_campaign(&write("Salon — relance")).await.unwrap();
    let second = move_to(marketing, &second, "start").await;
    let paused = move_to(marketing, &second, "pause").await;
    assert_eq!(paused.status, "paused");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = marketing.campaign(second.id).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let still = marketing.campaign(second.id).await.unwrap();
    assert_eq!(still.status, "paused");
    assert_eq!(held.stats.unwrap().sent, still.stats.unwrap().sent, "nothing goes out while paused");
    move_to(marketing, &second, "resume").await;
    let done = wait_until(marketing, second.id, Duration::from_secs(60), |c| c.status == "sent").await;
    let stats = done.stats.unwrap();
    assert_eq!(
        (done.status.as_str(), stats.recipients, stats.sent, done.skipped),
        ("sent", 23, 23, 2),
        "{done:?}"
    );
    let again = delivered(&sink, "Subject: Invitation Qk7");
    assert_eq!(again["membre05@client.fr"].len(), 1, "the unsubscribed member got nothing more");
    assert_eq!(again["membre06@client.fr"].len(), 2);

    // The third: paused and cancelled; what was not sent never goes, nor stays on the
    // timelines.
    let third = marketing.create_campaign(&write("Salon — annulée")).await.unwrap();
    let third = move_to(marketing, &third, "start").await;
    move_to(marketing, &third, "pause").await;
    let filled = wait_until(marketing, third.id, Duration::from_secs(30), |c| c.filled_at.is_some()).await;
    let cancelled = move_to(marketing, &filled, "cancel").await;
    assert_eq!(cancelled.status, "cancelled");
    let after = marketing.campaign(third.id).await.unwrap();
    let stats = after.stats.unwrap();
    assert_eq!(stats.sent + stats.cancelled, 23, "{after:?}");
    assert_eq!(stats.queued, 0, "{after:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(marketing.campaign(third.id).await.unwrap().stats.unwrap().sent, stats.sent);
    if stats.cancelled > 0 {
        let unsent = marketing
            .campaign_recipients(third.id, None, Some(200))
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.state == "cancelled")
            .unwrap();
        let timeline = admin.timeline("contacts", unsent.contact_id, None, None).await.unwrap();
        let emails = timeline
            .iter()
            .filter(|e| e.activity.as_ref().is_some_and(|a| a.kind == "email"))
            .count();
        assert_eq!(emails, 2, "the two sent campaigns only: {timeline:?}");
    }
    // A cancelled campaign moves no more.
    let refused = marketing
        .move_campaign(
            third.id,
            after.version,
            &CampaignMove {
                action: "resume".into(),
                at: None,
            },
        )
        .await
        .unwrap_err();
    assert!(format!("{refused:?}").contains("not_allowed"), "{refused:?}");

    // Scheduled a few seconds ahead: it starts on its own at its time, and goes out.
    let fourth = marketing.create_campaign(&write("Salon — programmée")).await.unwrap();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let scheduled = marketing
        .move_campaign(
            fourth.id,
            fourth.version,
            &CampaignMove {
                action: "schedule".into(),
                at: Some(at),
            },
        )
        .await
        .unwrap();
    assert_eq!((scheduled.status.as_str(), scheduled.scheduled_at.is_some()), ("scheduled", true));
    assert_eq!(
        marketing.campaign(fourth.id).await.unwrap().status,
        "scheduled",
        "not before its time"
    );
    let done = wait_until(marketing, fourth.id, Duration::from_secs(60), |c| c.status == "sent").await;
    assert_eq!(done.status, "sent", "{done:?}");
    assert!(
        done.started_at.is_some_and(|t| t >= at - chrono::Duration::milliseconds(1)),
        "{done:?}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_refuses_to_start_without_the_public_address_and_schedules_ahead() {
    let s = spawn_app_with(tempfile::tempdir().unwrap(), FileConfig::default()).await;
    let t = tenant(&s, "Sans adresse publique").await;
    let marketing = t.client(Role::Marketing);
    let list = marketing
        .create_segment(&SegmentWrite {
            name: "Liste".into(),
            rule: None,
        })
        .await
        .unwrap();
    let template = marketing
        .create_email_template(&TemplateWrite {
            name: "Annonce".into(),
            variants: vec![TemplateVariant {
                language: "fr".into(),
                subject: "Annonce".into(),
                body: "Bonjour".into(),
            }],
        })
        .await
        .unwrap();
    let c = marketing
        .create_campaign(&CampaignWrite {
            name: "Annonce".into(),
            segment_id: Some(list.id),
            template_id: Some(template.id),
            language: Some("fr".into()),
        })
        .await
        .unwrap();
    for action in ["start", "schedule"] {
        let refused = marketing
            .move_campaign(
                c.id,
                c.version,
                &CampaignMove {
                    action: action.into(),
                    at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
                },
            )
            .await
            .unwrap_err();
        assert!(format!("{refused:?}").contains("public_url"), "{refused:?}");
    }
    // A Sales rep does not run campaigns.
    assert!(t.client(Role::Sales).campaigns().await.is_err());
    // A draft changes and goes away.
    let renamed = marketing
        .update_campaign(
            c.id,
            c.version,
            &CampaignWrite {
                name: "Annonce de printemps".into(),
                segment_id: Some(list.id),
                template_id: Some(template.id),
                language: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Annonce de printemps");
    marketing.delete_campaign(c.id, renamed.version).await.unwrap();
    assert!(marketing.campaign(c.id).await.is_err());
    s.stop().await;
}
