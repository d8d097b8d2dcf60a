//! Activities: visibility through the records they concern, timelines, to-do lists,
//! tasks done and reopened, and one activity per reminder key.

use crate::contacts::input;
use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::{Duration, Utc};
use crm_domain::activity::{Activity, ActivityInput, Link};
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::user::Role;
use crm_domain::{ActivityId, Actor};
use crm_ports::ServiceError;
use crm_ports::services::activities::TimelineEntry;
use crm_ports::store::ActivityStore;
use uuid::Uuid;

fn on(entity_type: EntityType, id: Uuid) -> Link {
    Link {
        entity_type,
        entity_id: id,
    }
}

async fn visible_through_records_or_assignment(h: &Harness) {
    let (_, admin) = h.tenant("Activités").await;
    let (_, rep1) = h.user(&admin, Role::Sales, None).await;
    let (rep2_user, rep2) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let c1 = h.app.create_contact(&rep1, &input("Inès", "Garnier"), None, false).await.unwrap();
    let note = h
        .app
        .create_activity(
            &rep1,
            "note",
            &ActivityInput {
                subject: "Intéressée par l'offre".into(),
                body: Some("Budget validé en mars".into()),
                links: vec![on(EntityType::Contact, c1.id.as_uuid())],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(h.app.activity(&rep1, note.id).await.unwrap(), note);
    assert!(matches!(h.app.activity(&rep2, note.id).await, Err(ServiceError::NotFound)));
    assert!(
        h.app.activity(&marketing, note.id).await.is_ok(),
        "marketing sees contacts, so their activities"
    );
    // rep2 cannot log an activity on a contact they do not see.
    let err = h
        .app
        .create_activity(
            &rep2,
            "note",
            &ActivityInput {
                subject: "x".into(),
                links: vec![on(EntityType::Contact, c1.id.as_uuid())],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(e) if e.errors()[0].field == "links.0.entity_id"));
    // Marketing and observers log nothing.
    assert!(matches!(
        h.app
            .create_activity(
                &marketing,
                "note",
                &ActivityInput {
                    subject: "x".into(),
                    links: vec![on(EntityType::Contact, c1.id.as_uuid())],
                    ..ActivityInput::default()
                }
            )
            .await,
        Err(ServiceError::Forbidden)
    ));
    // A task assigned to rep2 on rep1's contact is visible to rep2 through the assignment.
    let task = h
        .app
        .create_activity(
            &admin,
            "task",
            &ActivityInput {
                subject: "Envoyer le devis".into(),
                links: vec![on(EntityType::Contact, c1.id.as_uuid())],
                assignee_id: Some(rep2_user.id),
                due_at: Some(Utc::now() + Duration::days(2)),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(h.app.activity(&rep2, task.id).await.unwrap().id, task.id);
    let done = h.app.set_task_done(&rep2, task.id, 1, true).await.unwrap();
    assert!(done.done_at.is_some());
    assert!(matches!(
        h.app.set_task_done(&rep2, note.id, 1, true).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        h.app.set_task_done(&rep1, note.id, 1, true).await,
        Err(ServiceError::Invalid(_))
    ));
    h.app.delete_activity(&rep1, note.id, 1).await.unwrap();
    assert!(matches!(h.app.activity(&rep1, note.id).await, Err(ServiceError::NotFound)));
}

async fn timeline_merges_activities_and_changes_newest_first(h: &Harness) {
    let (_, admin) = h.tenant("Historique").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let c = h.app.create_contact(&admin, &input("Hugo", "Perrin"), None, false).await.unwrap();
    let o = h
        .app
        .create_opportunity(
            &admin,
            p.id,
            None,
            &OpportunityInput {
                title: "Parc".into(),
                value_minor: 1_000,
                contact_ids: vec![c.id],
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let call = h
        .app
        .create_activity(
            &admin,
            "call",
            &ActivityInput {
                subject: "Premier appel".into(),
                direction: Some("outbound".into()),
                duration_seconds: Some(300),
                links: vec![on(EntityType::Contact, c.id.as_uuid()), on(EntityType::Opportunity, o.id.as_uuid())],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    h.app.move_opportunity(&admin, o.id, 1, p.stages[1].id).await.unwrap();
    let t = h
        .app
        .timeline(&admin, on(EntityType::Opportunity, o.id.as_uuid()), None, 50)
        .await
        .unwrap();
    let kinds: Vec<String> = t
        .iter()
        .map(|e| match e {
            TimelineEntry::Activity(a) => format!("activity:{}", a.kind.code()),
            TimelineEntry::Event(e) => format!("event:{}", e.kind),
        })
        .collect();
    assert_eq!(kinds, ["event:stage_moved", "activity:call", "event:created"]);
    let tc = h
        .app
        .timeline(&admin, on(EntityType::Contact, c.id.as_uuid()), None, 50)
        .await
        .unwrap();
    assert!(matches!(&tc[0], TimelineEntry::Activity(a) if a.id == call.id));
    // Paging back in time.
    let older = h
        .app
        .timeline(&admin, on(EntityType::Opportunity, o.id.as_uuid()), Some(t[0].at()), 50)
        .await
        .unwrap();
    assert_eq!(older.len(), 2);
    // Not visible: not found.
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    assert!(matches!(
        h.app.timeline(&rep, on(EntityType::Contact, c.id.as_uuid()), None, 10).await,
        Err(ServiceError::NotFound)
    ));
}

async fn todo_lists_overdue_first(h: &Harness) {
    let (_, admin) = h.tenant("À faire").await;
    let (manager, manager_a) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Nord", manager.id).await;
    let (rep_user, rep) = h.user(&admin, Role::Sales, Some(team)).await;
    let c = h.app.create_contact(&rep, &input("Léa", "Robin"), None, false).await.unwrap();
    let now = Utc::now();
    let mk = |subject: &str, due: Option<chrono::DateTime<Utc>>| ActivityInput {
        subject: subject.into(),
        due_at: due,
        links: vec![on(EntityType::Contact, c.id.as_uuid())],
        ..ActivityInput::default()
    };
    for (s, d) in [
        ("dans un mois", Some(now + Duration::days(30))),
        ("en retard d'une heure", Some(now - Duration::hours(1))),
        ("sans échéance", None),
        ("en retard de trois jours", Some(now - Duration::days(3))),
        ("dans une semaine", Some(now + Duration::days(7))),
    ] {
        h.app.create_activity(&rep, "task", &mk(s, d)).await.unwrap();
    }
    let done = h
        .app
        .create_activity(&rep, "task", &mk("déjà fait", Some(now - Duration::days(9))))
        .await
        .unwrap();
    h.app.set_task_done(&rep, done.id, 1, true).await.unwrap();
    let todo = h.app.todo(&rep, false).await.unwrap();
    let subjects = |v: &[Activity]| v.iter().map(|a| a.fields.subject.to_string()).collect::<Vec<_>>();
    assert_eq!(subjects(&todo.overdue), ["en retard de trois jours", "en retard d'une heure"]);
    let later: Vec<String> = subjects(&todo.today).into_iter().chain(subjects(&todo.upcoming)).collect();
    assert_eq!(later, ["dans une semaine", "dans un mois", "sans échéance"]);
    // The manager sees the team's with `team`, only their own without.
    assert_eq!(h.app.todo(&manager_a, true).await.unwrap().overdue.len(), 2);
    assert!(h.app.todo(&manager_a, false).await.unwrap().overdue.is_empty());
    let _ = rep_user;
}

async fn one_activity_per_reminder_key(h: &Harness) {
    let (t, admin) = h.tenant("Relances").await;
    let c = h.app.create_contact(&admin, &input("Noé", "Marchand"), None, false).await.unwrap();
    let a = h
        .app
        .create_activity(
            &admin,
            "task",
            &ActivityInput {
                subject: "Relancer".into(),
                links: vec![on(EntityType::Contact, c.id.as_uuid())],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let events_before = h.app.events_after(&admin, 0, 1000).await.unwrap().len();
    let mut r1 = a.clone();
    r1.id = ActivityId::from_uuid(Uuid::now_v7());
    r1.system = true;
    r1.reminder_key = Some(format!("no_activity:{}:{}", c.id, "2026-11"));
    let ev = |id: ActivityId| NewEvent {
        at: h.app.now(),
        actor: Actor::System { tenant_id: t.id },
        entity_type: EntityType::Activity,
        entity_id: id.as_uuid(),
        kind: crm_domain::event::EventKind::Created,
        owner_id: None,
        changes: vec![],
    };
    h.app.store().create_activity(&r1, &ev(r1.id)).await.unwrap();
    let mut r2 = r1.clone();
    r2.id = ActivityId::from_uuid(Uuid::now_v7());
    assert!(matches!(
        h.app.store().create_activity(&r2, &ev(r2.id)).await,
        Err(crm_ports::StoreError::Duplicate { field: "reminder_key" })
    ));
    assert_eq!(
        h.app.events_after(&admin, 0, 1000).await.unwrap().len(),
        events_before + 1,
        "the refused insert wrote no event"
    );
    assert!(matches!(h.app.activity(&admin, r2.id).await, Err(ServiceError::NotFound)));
    assert_eq!(h.app.activity(&admin, r1.id).await.unwrap(), r1);
}

/// An export of activities reads them page by page (200 a page), oldest first, each
/// actor's within what they see: their records' and those assigned to them.
async fn exported_page_by_page_within_the_scope(h: &Harness) {
    use crm_ports::query::OpportunityFilter;
    use crm_ports::services::export::ExportKind;
    let (_, admin) = h.tenant("Export d'activités").await;
    let (_, rep1) = h.user(&admin, Role::Sales, None).await;
    let (rep2_user, rep2) = h.user(&admin, Role::Sales, None).await;
    let c1 = h.app.create_contact(&rep1, &input("Inès", "Garnier"), None, false).await.unwrap();
    let c2 = h.app.create_contact(&admin, &input("Paul", "Martin"), None, false).await.unwrap();
    let note = |subject: String, link: Uuid| ActivityInput {
        subject,
        links: vec![on(EntityType::Contact, link)],
        ..ActivityInput::default()
    };
    for i in 0..203 {
        h.app
            .create_activity(&rep1, "note", &note(format!("Note {i}"), c1.id.as_uuid()))
            .await
            .unwrap();
    }
    h.app
        .create_activity(&admin, "note", &note("Note de l'admin".into(), c2.id.as_uuid()))
        .await
        .unwrap();
    let mut task = note("Envoyer le devis".into(), c2.id.as_uuid());
    task.assignee_id = Some(rep2_user.id);
    h.app.create_activity(&admin, "task", &task).await.unwrap();
    let subjects = |actor: Actor| async move {
        let labels: crm_ports::services::export::Labels = Box::new(|code| code.to_owned());
        let mut export = h
            .app
            .record_export(&actor, ExportKind::Activities, OpportunityFilter::default(), labels)
            .await
            .unwrap();
        let (mut out, mut pages) = (Vec::new(), 0);
        while let Some(rows) = h.app.next_export_rows(&actor, &mut export).await.unwrap() {
            pages += 1;
            out.extend(rows.into_iter().map(|r| match &r[2] {
                crm_ports::tables::Cell::Text(s) => s.clone(),
                other => panic!("{other:?}"),
            }));
        }
        (out, pages)
    };
    let (all, pages) = subjects(admin).await;
    assert_eq!((all.len(), pages), (205, 2));
    assert_eq!((all[0].as_str(), all[204].as_str()), ("Note 0", "Envoyer le devis"), "oldest first");
    let (mine, _) = subjects(rep1).await;
    assert_eq!(mine.len(), 203, "rep1: their contact's, not the admin's");
    let (assigned, _) = subjects(rep2).await;
    assert_eq!(assigned, vec!["Envoyer le devis".to_owned()], "rep2: what is assigned to them");
}

contract!(
    exported_page_by_page_within_the_scope,
    visible_through_records_or_assignment,
    timeline_merges_activities_and_changes_newest_first,
    todo_lists_overdue_first,
    one_activity_per_reminder_key
);
