//! Reminders: each created exactly once, whatever interrupts, restarts or runs the scan
//! in parallel; reminder tasks do not count as activity; notifications per user.

use crate::contacts::input;
use crate::harness::{Harness, TestApp, creds};
use crate::tenancy::stages;
use chrono::{DateTime, Duration, Utc};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::reminder::RuleKind;
use crm_domain::user::Role;
use crm_ports::store::ActivityStore;
use crm_ports::{App, Clock, ServiceError, UuidV7};

#[derive(Clone, Copy)]
pub struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Another "process" over the same database, living at another time.
pub fn process_at(
    h: &Harness,
    t: DateTime<Utc>,
) -> App<crm_store_sql::SqlStore<crm_crypto::RingCipher>, crm_crypto::Argon2Credentials, At, UuidV7> {
    App::with_env(h.app.store().clone(), creds(), At(t), UuidV7)
}

async fn system_tasks(app: &TestApp, tenant: crm_domain::TenantId, link: Link) -> usize {
    app.store()
        .activities_for(tenant, link, None, 100)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.system)
        .count()
}

async fn every_reminder_exactly_once(h: &Harness) {
    let (t, admin) = h.tenant("Relances SA").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    for kind in [
        RuleKind::NoActivity { days: 1 },
        RuleKind::PastExpectedClose,
        RuleKind::TaskDue,
        RuleKind::MeetingSoon { minutes: 60 },
    ] {
        h.app.create_reminder_rule(&admin, kind, true).await.unwrap();
    }
    assert!(matches!(
        h.app.create_reminder_rule(&rep, RuleKind::TaskDue, true).await,
        Err(ServiceError::Forbidden)
    ));
    let mut prospects = Vec::new();
    for i in 0..40 {
        prospects.push(
            h.app
                .create_contact(&rep, &input(&format!("Prospect{i}"), &format!("Calme{i}")), None, true)
                .await
                .unwrap(),
        );
    }
    let mut client = input("Cliente", "Fidèle");
    client.kind = "client".into();
    let client = h.app.create_contact(&rep, &client, None, true).await.unwrap();
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let deal = h
        .app
        .create_opportunity(
            &rep,
            p.id,
            None,
            &OpportunityInput {
                title: "En retard".into(),
                value_minor: 1,
                expected_close: Some(Utc::now().date_naive()),
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let later = Utc::now() + Duration::days(2);
    let link = |c: &crm_domain::contact::Contact| Link {
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
    };
    let task = h
        .app
        .create_activity(
            &rep,
            "task",
            &ActivityInput {
                subject: "Envoyer l'offre".into(),
                due_at: Some(later - Duration::hours(3)),
                links: vec![link(&client)],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    h.app
        .create_activity(
            &rep,
            "meeting",
            &ActivityInput {
                subject: "Démonstration".into(),
                starts_at: Some(later + Duration::minutes(30)),
                ends_at: Some(later + Duration::minutes(90)),
                attendees: vec![admin.user_id().unwrap()],
                links: vec![link(&client)],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();

    // A scan starts two days later and is killed mid-way; then two processes scan at once;
    // then one more scan.
    let first = process_at(h, later);
    let killed = tokio::spawn(async move { first.run_reminders(t.id).await });
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    killed.abort();
    let _ = killed.await;
    let (a, b) = (process_at(h, later), process_at(h, later));
    let (ra, rb) = tokio::join!(a.run_reminders(t.id), b.run_reminders(t.id));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let again = process_at(h, later).run_reminders(t.id).await.unwrap();
    assert_eq!(
        (again.tasks, again.notifications),
        (0, 0),
        "a complete scan found work left: {again:?}"
    );
    assert_eq!(again.already_done, 40 + 1 + 1 + 2);
    let _ = (ra, rb);

    for c in &prospects {
        assert_eq!(system_tasks(&h.app, t.id, link(c)).await, 1, "prospect {}", c.fields.first_name);
    }
    assert_eq!(system_tasks(&h.app, t.id, link(&client)).await, 0, "clients are not chased");
    let deal_link = Link {
        entity_type: EntityType::Opportunity,
        entity_id: deal.id.as_uuid(),
    };
    assert_eq!(system_tasks(&h.app, t.id, deal_link).await, 1);
    let rep_notes = h.app.notifications(&rep, true, 50).await.unwrap();
    let kinds: Vec<&str> = rep_notes.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "task_due").count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "meeting_soon").count(), 1, "{kinds:?}");
    assert!(rep_notes.iter().any(|n| n.activity_id == Some(task.id)));
    assert_eq!(
        h.app.notifications(&admin, true, 50).await.unwrap().len(),
        1,
        "the attendee is told too"
    );

    // Reminder tasks are not activity: two more days later, the same quiet periods, nothing new.
    let quiet = process_at(h, later + Duration::days(2)).run_reminders(t.id).await.unwrap();
    assert_eq!(quiet.tasks, 0);
    // A real call starts a new quiet period for that prospect only.
    h.app
        .create_activity(
            &rep,
            "call",
            &ActivityInput {
                subject: "Appel".into(),
                direction: Some("outbound".into()),
                links: vec![link(&prospects[0])],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let next = process_at(h, later + Duration::days(2)).run_reminders(t.id).await.unwrap();
    assert_eq!(next.tasks, 1);
    assert_eq!(system_tasks(&h.app, t.id, link(&prospects[0])).await, 2);

    // Notifications: read one, then all; another user's is not found.
    let n0 = rep_notes[0].id;
    assert!(matches!(
        h.app.mark_notifications_read(&admin, Some(n0)).await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(h.app.mark_notifications_read(&rep, Some(n0)).await.unwrap(), 1);
    assert_eq!(h.app.notifications(&rep, true, 50).await.unwrap().len(), rep_notes.len() - 1);
    h.app.mark_notifications_read(&rep, None).await.unwrap();
    assert!(h.app.notifications(&rep, true, 50).await.unwrap().is_empty());
    assert_eq!(h.app.notifications(&rep, false, 50).await.unwrap().len(), rep_notes.len());
}

async fn rules_are_admin_only_and_versioned(h: &Harness) {
    let (_, admin) = h.tenant("Règles").await;
    let r = h
        .app
        .create_reminder_rule(&admin, RuleKind::NoActivity { days: 14 }, true)
        .await
        .unwrap();
    let r2 = h
        .app
        .update_reminder_rule(&admin, r.id, 1, RuleKind::NoActivity { days: 30 }, false)
        .await
        .unwrap();
    assert_eq!(r2.kind, RuleKind::NoActivity { days: 30 });
    assert!(matches!(
        h.app.update_reminder_rule(&admin, r.id, 1, RuleKind::TaskDue, true).await,
        Err(ServiceError::Conflict)
    ));
    assert_eq!(h.app.reminder_rules(&admin).await.unwrap(), std::slice::from_ref(&r2));
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    assert!(matches!(h.app.reminder_rules(&observer).await, Err(ServiceError::Forbidden)));
    h.app.delete_reminder_rule(&admin, r.id, 2).await.unwrap();
    assert!(h.app.reminder_rules(&admin).await.unwrap().is_empty());
}

/// The preview lists what each kind of rule would make at a time, for whom, and writes
/// nothing.
async fn a_preview_lists_and_writes_nothing(h: &Harness) {
    let (t, admin) = h.tenant("Aperçu des rappels").await;
    let (rep_user, rep) = h.user(&admin, Role::Sales, None).await;
    let quiet = h.app.create_contact(&rep, &input("Paul", "Silencieux"), None, true).await.unwrap();
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    h.app
        .create_opportunity(
            &rep,
            p.id,
            None,
            &OpportunityInput {
                title: "Échue".into(),
                value_minor: 1,
                expected_close: Some(Utc::now().date_naive()),
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let later = process_at(h, Utc::now() + Duration::days(3));
    let quiet_ones = later.preview_reminder_rule(&admin, RuleKind::NoActivity { days: 2 }).await.unwrap();
    assert_eq!(quiet_ones.total, 1);
    let line = &quiet_ones.lines[0];
    assert!(line.task);
    assert_eq!((line.user_id, line.link.entity_id), (rep_user.id, quiet.id.as_uuid()));
    assert_eq!(line.subject, "Relancer Paul Silencieux");
    assert_eq!(
        later
            .preview_reminder_rule(&admin, RuleKind::NoActivity { days: 5 })
            .await
            .unwrap()
            .total,
        0
    );
    let overdue = later.preview_reminder_rule(&admin, RuleKind::PastExpectedClose).await.unwrap();
    assert_eq!(
        overdue.lines.iter().map(|l| l.subject.as_str()).collect::<Vec<_>>(),
        vec!["Date de clôture dépassée : Échue"]
    );
    // Nothing written: no system task on the contact.
    assert_eq!(
        system_tasks(
            &h.app,
            t.id,
            Link {
                entity_type: EntityType::Contact,
                entity_id: quiet.id.as_uuid()
            }
        )
        .await,
        0
    );
    assert!(matches!(
        h.app.preview_reminder_rule(&rep, RuleKind::TaskDue).await,
        Err(ServiceError::Forbidden)
    ));
}

contract!(
    every_reminder_exactly_once,
    rules_are_admin_only_and_versioned,
    a_preview_lists_and_writes_nothing
);
