//! The duplicates queue's merge with a field-by-field choice, and the audit screen's
//! filters: the Admin's whole log by user, record type and page; a Manager's narrowed to
//! the contacts and opportunities of the teams they lead.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::event::EntityType;
use crm_domain::user::Role;
use crm_domain::{UserId, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::query::AuditFilter;

fn all_time() -> AuditFilter {
    AuditFilter {
        from: chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0).unwrap(),
        to: chrono::Utc::now() + chrono::Duration::days(1),
        user_id: None,
        entity_types: Vec::new(),
        owners: None,
        before_seq: None,
    }
}

fn faults(r: Result<crm_domain::contact::Contact, ServiceError>) -> Vec<(String, ViolationKind)> {
    match r {
        Err(ServiceError::Invalid(v)) => v.errors().iter().map(|e| (e.field.clone(), e.kind)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn merge_choosing_fields_and_the_audit_filters(h: &Harness) {
    let (_, admin) = h.tenant("Journal & Doublons").await;
    let (mgr, manager) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Équipe Nord", mgr.id).await;
    let (ana_user, ana) = h.user(&admin, Role::Sales, Some(team)).await;
    let (out_user, outsider) = h.user(&admin, Role::Sales, None).await;
    let (gone_user, gone) = h.user(&admin, Role::Sales, None).await;

    let mut a = input("Hélène", "Martin");
    a.job_title = Some("Acheteuse".into());
    let a = h.app.create_contact(&ana, &a, None, true).await.unwrap();
    let mut b = input("Helene", "Martin");
    b.job_title = Some("Directrice".into());
    let b = h.app.create_contact(&ana, &b, None, true).await.unwrap();
    let c = h
        .app
        .create_contact(&outsider, &input("Hélène", "Martins"), None, true)
        .await
        .unwrap();
    let d = h.app.create_contact(&gone, &input("Helen", "Martin"), None, true).await.unwrap();
    h.app.deactivate_user(&admin, gone_user.id, gone_user.version).await.unwrap();

    // Unknown and repeated codes are named; nothing is merged.
    assert_eq!(
        faults(
            h.app
                .merge_contacts_choosing(
                    &admin,
                    (a.id, a.version),
                    (b.id, b.version),
                    &["email".into(), "source".into(), "source".into()]
                )
                .await
        ),
        vec![
            ("take.0".into(), ViolationKind::Unknown),
            ("take.2".into(), ViolationKind::Repeated)
        ]
    );
    h.app.contact(&admin, b.id).await.unwrap();
    // A deactivated user's record: their ownership cannot be taken.
    assert_eq!(
        faults(
            h.app
                .merge_contacts_choosing(&admin, (a.id, a.version), (d.id, d.version), &["owner_id".into()])
                .await
        ),
        vec![("take.0".into(), ViolationKind::NotAllowed)]
    );
    // The job title is taken from b, the first name stays a's.
    let kept = h
        .app
        .merge_contacts_choosing(&admin, (a.id, a.version), (b.id, b.version), &["job_title".into()])
        .await
        .unwrap();
    assert_eq!(kept.fields.first_name.as_str(), "Hélène");
    assert_eq!(kept.fields.job_title.as_ref().map(|j| j.as_str()), Some("Directrice"));
    assert_eq!(kept.owner_id, ana_user.id);
    // The owner taken from c: an assignment (the Admin may).
    let kept = h
        .app
        .merge_contacts_choosing(&admin, (a.id, kept.version), (c.id, c.version), &["owner_id".into()])
        .await
        .unwrap();
    assert_eq!(kept.owner_id, out_user.id);

    // The Admin's log: the merges, by the Admin, about contacts.
    let mut f = all_time();
    f.user_id = Some(UserId::from_uuid(admin.user_id().unwrap().as_uuid()));
    f.entity_types = vec![EntityType::Contact];
    let log = h.app.audit(&admin, &f, 100).await.unwrap();
    let merges: Vec<_> = log.iter().filter(|e| e.kind.name() == "merged").collect();
    assert_eq!(merges.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.entity_type == EntityType::Contact && e.actor_id.map(|u| u.as_uuid()) == f.user_id.map(|u| u.as_uuid()))
    );
    let first = merges.last().unwrap();
    let job = first.changes.iter().find(|c| c.field == "job_title").unwrap();
    assert_eq!(
        (job.before.clone(), job.after.clone()),
        (Some(serde_json::json!("Acheteuse")), Some(serde_json::json!("Directrice")))
    );
    assert!(first.changes.iter().any(|c| c.field == "merged_from"));
    // Paging back: strictly older events.
    let mut older = all_time();
    older.before_seq = Some(log[0].seq);
    let page = h.app.audit(&admin, &older, 3).await.unwrap();
    assert_eq!(page.len(), 3);
    assert!(page.iter().all(|e| e.seq < log[0].seq));
    assert!(page.windows(2).all(|w| w[0].seq > w[1].seq));

    // The Manager: only contacts and opportunities owned by their team (Ana's creations
    // and b's disappearance; not the outsider's contact, nor users or teams).
    let theirs = h.app.audit(&manager, &all_time(), 1000).await.unwrap();
    assert!(!theirs.is_empty());
    assert!(
        theirs
            .iter()
            .all(|e| matches!(e.entity_type, EntityType::Contact | EntityType::Opportunity))
    );
    assert!(
        theirs
            .iter()
            .all(|e| e.owner_id == Some(ana_user.id.as_uuid()) || e.owner_id == Some(mgr.id.as_uuid()))
    );
    assert!(theirs.iter().any(|e| e.entity_id == b.id.as_uuid()));
    assert!(!theirs.iter().any(|e| e.entity_id == c.id.as_uuid()));
    let mut orgs = all_time();
    orgs.entity_types = vec![EntityType::User];
    assert!(h.app.audit(&manager, &orgs, 100).await.unwrap().is_empty());
    let mut asked = all_time();
    asked.owners = Some(vec![out_user.id.as_uuid()]);
    assert!(
        h.app.audit(&manager, &asked, 100).await.unwrap().is_empty(),
        "a Manager cannot widen to others"
    );
    assert!(matches!(h.app.audit(&ana, &all_time(), 10).await, Err(ServiceError::Forbidden)));
}

contract!(merge_choosing_fields_and_the_audit_filters);
