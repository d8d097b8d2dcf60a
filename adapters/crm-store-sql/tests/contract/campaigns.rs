//! Campaigns in the store, run by the real job runtime: each member with an address gets
//! one message (those without, opted out or suppressed, are skipped), the campaign is sent once
//! nothing waits; a paused campaign's messages wait, a cancelled one's never go and leave
//! the timelines; campaigns are walled per company and moved only as their life allows.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::activity::{ActivityKind, Link};
use crm_domain::campaign::{CampaignAction, CampaignInput, CampaignStatus};
use crm_domain::event::EntityType;
use crm_domain::suppression::SuppressionInput;
use crm_domain::template::{TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::user::Role;
use crm_domain::{Actor, CampaignId};
use crm_ports::ServiceError;
use crm_ports::mail::{MailError, Mailer, OutgoingMessage};
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::runtime::{BoxFuture, Shutdown};
use crm_ports::services::activities::TimelineEntry;
use crm_ports::services::email::{CampaignRunner, EmailSender, MailSettings};
use crm_ports::services::segments::SegmentInput;
use crm_ports::store::CampaignStats;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

#[derive(Default)]
struct Outbox(Mutex<Vec<OutgoingMessage>>);

impl Mailer for Outbox {
    fn send<'a>(&'a self, _tenant: crm_domain::TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            self.0.lock().unwrap().push(message.clone());
            Ok(())
        })
    }
}

fn settings() -> MailSettings {
    MailSettings {
        from: Some("ventes@exemple.com".into()),
        public_url: Some("https://crm.test".into()),
        campaign_rate: 100_000,
        ..MailSettings::default()
    }
}

/// Runs the campaign and send jobs until `done` holds for the campaign (or `within`).
async fn run_until(
    h: &Harness,
    outbox: &Arc<Outbox>,
    (actor, id): (&Actor, CampaignId),
    within: Duration,
    done: impl Fn(CampaignStatus, &CampaignStats) -> bool,
) {
    let mailer: Arc<dyn Mailer> = Arc::<Outbox>::clone(outbox);
    let handlers: Vec<Arc<dyn JobHandler>> = vec![
        Arc::new(EmailSender::new(&h.app, Arc::clone(&mailer), 3)),
        Arc::new(CampaignRunner::new(&h.app, settings(), mailer)),
    ];
    let (trigger, shutdown) = Shutdown::new();
    let mut options = JobOptions::new(Uuid::now_v7());
    options.poll = Duration::from_millis(20);
    let app = h.app.clone();
    let worker = tokio::spawn(async move { app.run_jobs(handlers, options, shutdown).await });
    let start = std::time::Instant::now();
    loop {
        let c = h.app.campaign(actor, id).await.unwrap();
        let stats = h.app.campaign_stats(actor, id).await.unwrap();
        if done(c.status, &stats) || start.elapsed() > within {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    trigger.trigger();
    worker.await.unwrap();
}

pub async fn a_campaign_reaches_each_member_once_pauses_and_cancels(h: &Harness) {
    let (_, admin) = h.tenant("Campagnes").await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, stranger) = h.tenant("Campagnes ailleurs").await;
    let mut members = Vec::new();
    for i in 0..5 {
        let mut c = input(&format!("Membre{i}"), "Campagne");
        c.emails = vec![format!("membre{i}@client.fr")];
        members.push(h.app.create_contact(&admin, &c, None, true).await.unwrap().id);
    }
    let mut silent = input("Sans", "Adresse");
    silent.emails.clear();
    members.push(h.app.create_contact(&admin, &silent, None, true).await.unwrap().id);
    let mut declined = input("Pas", "Demande");
    declined.email_opt_out = true;
    members.push(h.app.create_contact(&admin, &declined, None, true).await.unwrap().id);
    let mut stop = input("Plus", "Jamais");
    stop.emails = vec!["stop@client.fr".into()];
    members.push(h.app.create_contact(&admin, &stop, None, true).await.unwrap().id);
    h.app
        .add_suppression(
            &admin,
            &SuppressionInput {
                email: Some("stop@client.fr".into()),
                ..SuppressionInput::default()
            },
        )
        .await
        .unwrap();
    let list = h
        .app
        .create_segment(
            &marketing,
            &SegmentInput {
                name: "Salon".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    h.app.add_segment_members(&marketing, list.id, &members).await.unwrap();
    let template = h
        .app
        .create_email_template(
            &marketing,
            TemplateInput {
                name: "Invitation".into(),
                variants: vec![TemplateVariant {
                    language: Language::Fr,
                    subject: "Invitation pour {{ contact.first_name }}".into(),
                    body: "Bonjour {{ contact.first_name }}, https://exemple.com/salon".into(),
                }],
            },
        )
        .await
        .unwrap();
    let write = |name: &str| CampaignInput {
        name: name.into(),
        segment_id: Some(list.id),
        template_id: Some(template.id),
        language: None,
    };
    let first = h.app.create_campaign(&marketing, write("Premier envoi")).await.unwrap();
    assert_eq!(first.status, CampaignStatus::Draft);
    // Walled, and refused to those who do not run campaigns.
    assert!(matches!(h.app.campaign(&stranger, first.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.campaign(&rep, first.id).await, Err(ServiceError::Forbidden)));
    assert!(matches!(
        h.app.create_campaign(&stranger, write("Vol")).await,
        Err(ServiceError::Invalid(_))
    ));
    // Only the moves its life allows.
    let bad = h
        .app
        .move_campaign(&marketing, first.id, 1, CampaignAction::Pause, None, &settings())
        .await;
    assert!(matches!(bad, Err(ServiceError::Invalid(_))), "{bad:?}");

    let outbox = Arc::new(Outbox::default());
    let started = h
        .app
        .move_campaign(&marketing, first.id, 1, CampaignAction::Start, None, &settings())
        .await
        .unwrap();
    assert_eq!(started.status, CampaignStatus::Sending);
    run_until(h, &outbox, (&marketing, first.id), Duration::from_secs(30), |s, _| {
        s == CampaignStatus::Sent
    })
    .await;
    let sent = h.app.campaign(&marketing, first.id).await.unwrap();
    let stats = h.app.campaign_stats(&marketing, first.id).await.unwrap();
    assert_eq!(sent.status, CampaignStatus::Sent, "{stats:?}");
    // Left out: no address, opted out of marketing email, on the suppression list.
    assert_eq!((stats.recipients, stats.sent, sent.skipped), (5, 5, 3), "{stats:?}");
    let got = outbox.0.lock().unwrap().clone();
    let ids: BTreeSet<_> = got.iter().map(|m| m.message_id.clone()).collect();
    let to: BTreeSet<_> = got.iter().map(|m| m.to.address.clone()).collect();
    assert_eq!((got.len(), ids.len(), to.len()), (5, 5, 5));
    assert!(
        got.iter().all(|m| m.unsubscribe.is_some()),
        "a campaign's messages carry the unsubscribe link"
    );
    assert!(!to.contains("stop@client.fr"));

    // Paused before it ran: its messages are queued and wait.
    let second = h.app.create_campaign(&marketing, write("Relance")).await.unwrap();
    let s2 = h
        .app
        .move_campaign(&marketing, second.id, 1, CampaignAction::Start, None, &settings())
        .await
        .unwrap();
    let paused = h
        .app
        .move_campaign(&marketing, second.id, s2.version, CampaignAction::Pause, None, &settings())
        .await
        .unwrap();
    run_until(h, &outbox, (&marketing, second.id), Duration::from_secs(30), |_, s| s.queued == 5).await;
    // A little longer: nothing goes.
    run_until(h, &outbox, (&marketing, second.id), Duration::from_secs(1), |_, s| s.sent > 0).await;
    let held = h.app.campaign_stats(&marketing, second.id).await.unwrap();
    assert_eq!((held.queued, held.sent), (5, 0), "{held:?}");
    assert_eq!(outbox.0.lock().unwrap().len(), 5);
    // Cancelled: nothing goes, and the messages never sent leave the timelines.
    let version = h.app.campaign(&marketing, second.id).await.unwrap().version;
    assert_eq!(version, paused.version);
    h.app
        .move_campaign(&marketing, second.id, version, CampaignAction::Cancel, None, &settings())
        .await
        .unwrap();
    let after = h.app.campaign_stats(&marketing, second.id).await.unwrap();
    assert_eq!((after.cancelled, after.queued), (5, 0), "{after:?}");
    let link = Link {
        entity_type: EntityType::Contact,
        entity_id: members[0].as_uuid(),
    };
    let timeline = h.app.timeline(&admin, link, None, 50).await.unwrap();
    let emails = timeline
        .iter()
        .filter(|e| matches!(e, TimelineEntry::Activity(a) if a.kind == ActivityKind::Email))
        .count();
    assert_eq!(emails, 1, "only the first campaign's message stays on the timeline");
    let recipients = h.app.campaign_emails(&marketing, second.id, None, 50).await.unwrap();
    assert!(recipients.iter().all(|m| m.activity_id.is_none()));
    // Nothing moves a cancelled campaign, and one that sent is not deleted.
    let c = h.app.campaign(&marketing, second.id).await.unwrap();
    assert!(
        h.app
            .move_campaign(&marketing, second.id, c.version, CampaignAction::Resume, None, &settings())
            .await
            .is_err()
    );
    assert!(matches!(
        h.app.delete_campaign(&marketing, first.id, sent.version).await,
        Err(ServiceError::Conflict)
    ));
}

pub async fn a_company_relay_is_sealed_masked_and_walled(h: &Harness) {
    let (_, admin) = h.tenant("Relais").await;
    let (_, manager) = h.user(&admin, Role::Manager, None).await;
    let (_, stranger) = h.tenant("Relais ailleurs").await;
    let secret = format!("Pw{}", &Uuid::new_v4().simple().to_string()[..12]);
    let input = crm_ports::services::email::MailRelayInput {
        url: format!("smtp://ventes:{secret}@relais.exemple.fr:587?tls=required"),
        from: Some("Ventes@Exemple.fr".into()),
    };
    assert!(matches!(
        h.app.set_mail_relay(&manager, &input, &|_| true).await,
        Err(ServiceError::Forbidden)
    ));
    let shown = h.app.set_mail_relay(&admin, &input, &|_| true).await.unwrap();
    assert_eq!(shown.url, "smtp://ventes:***@relais.exemple.fr:587?tls=required");
    assert_eq!(shown.from.as_deref(), Some("ventes@exemple.fr"));
    assert!(
        !crate::erasure::holds(&crate::erasure::on_disk(h), &secret),
        "the relay's password is on disk in clear"
    );
    let tenant = match admin {
        Actor::User { tenant_id, .. } => tenant_id,
        _ => unreachable!(),
    };
    assert_eq!(h.app.relay_url(tenant).await.unwrap(), Some(input.url.clone()));
    assert!(
        h.app.mail_relay(&stranger).await.unwrap().is_none(),
        "another company's relay is not theirs"
    );
    // What the mailer cannot use is refused, at its field.
    for bad in ["http://relais", "smtp://", "relais:25"] {
        let e = h
            .app
            .set_mail_relay(
                &admin,
                &crm_ports::services::email::MailRelayInput {
                    url: bad.into(),
                    from: None,
                },
                &|_| true,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.errors()[0].field == "url"),
            "{bad}: {e:?}"
        );
    }
    h.app.remove_mail_relay(&admin).await.unwrap();
    assert!(h.app.mail_relay(&admin).await.unwrap().is_none());
}

contract!(
    a_campaign_reaches_each_member_once_pauses_and_cancels,
    a_company_relay_is_sealed_masked_and_walled,
);
