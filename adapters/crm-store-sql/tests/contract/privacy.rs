//! The rights of a person through the use cases, on both backends: a request logged with
//! its deadline (late once past it), its faults and walls, the export of the person's data
//! logged, and the erasure carrying out a request — nothing of the person left on disk
//! (the SQLite files or a `pg_dump`), their addresses on the suppression list, the request
//! answered; a stale request version erases nothing; an objection carried out stops the
//! prospecting (the person's opt-outs).

use crate::contacts::input;
use crate::erasure::{holds, on_disk};
use crate::harness::Harness;
use crm_domain::ViolationKind;
use crm_domain::event::EventKind;
use crm_domain::privacy::RequestStatus;
use crm_domain::suppression::Channel;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::services::privacy::PrivacyRequestInput;
use crm_ports::store::SuppressionStore as _;
use uuid::Uuid;

fn faults(e: ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|e| (e.field.clone(), e.kind)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_request_is_answered_and_an_erasure_leaves_nothing(h: &Harness) {
    let (_, admin) = h.tenant("Droits des personnes").await;
    let (_, stranger) = h.tenant("Autre entreprise RGPD").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let marker = format!("Qzp{}", &Uuid::new_v4().simple().to_string()[..10]);
    let mut i = input("Zélie", &marker);
    i.emails = vec![format!("{}@exemple.fr", marker.to_lowercase())];
    i.phones = vec!["06 98 76 54 32".into()];
    let c = h.app.create_contact(&admin, &i, None, true).await.unwrap();
    let tenant = admin.tenant_id().unwrap();

    // Logged 40 days ago: a month to answer, so late now.
    let received = h.app.now() - chrono::Duration::days(40);
    let ask = |kind: &str| PrivacyRequestInput {
        contact_id: c.id,
        kind: kind.into(),
        received_at: Some(received),
        note: Some("Reçue par courrier".into()),
    };
    let q = h.app.log_privacy_request(&admin, &ask("erasure")).await.unwrap();
    assert_eq!(q.status, RequestStatus::Open);
    assert_eq!(q.due_at, crm_domain::privacy::due_after(received));
    assert!(q.is_late(h.app.now()));
    assert_eq!(h.app.privacy_requests(&admin, Some(c.id)).await.unwrap(), vec![q.clone()]);
    // Faults and walls.
    assert_eq!(
        faults(h.app.log_privacy_request(&admin, &ask("oubli")).await.unwrap_err()),
        vec![("kind".into(), ViolationKind::Unknown)]
    );
    let future = PrivacyRequestInput {
        received_at: Some(h.app.now() + chrono::Duration::days(2)),
        note: Some("x".repeat(2_001)),
        ..ask("access")
    };
    assert_eq!(
        faults(h.app.log_privacy_request(&admin, &future).await.unwrap_err()),
        vec![
            ("received_at".into(), ViolationKind::OutOfRange),
            ("note".into(), ViolationKind::TooLong)
        ]
    );
    assert!(matches!(
        h.app.log_privacy_request(&rep, &ask("access")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(h.app.privacy_request(&stranger, q.id).await, Err(ServiceError::NotFound)));
    assert_eq!(
        faults(h.app.log_privacy_request(&stranger, &ask("access")).await.unwrap_err()),
        vec![("contact_id".into(), ViolationKind::Unknown)]
    );
    assert!(h.app.privacy_requests(&stranger, None).await.unwrap().is_empty());

    // The export holds the person, and is logged.
    let d = h.app.personal_data(&admin, c.id).await.unwrap();
    assert_eq!(d.contact.fields.last_name.as_str(), marker);
    assert_eq!(d.requests.len(), 1);
    let json = crm_ports::services::privacy_export::personal_data_json(&d).to_string();
    assert!(json.contains(&marker.to_lowercase()) && json.contains("+33698765432"));
    assert!(matches!(
        h.app.personal_data(&rep, c.id).await,
        Err(ServiceError::Forbidden | ServiceError::NotFound)
    ));
    let log = h.app.events_after(&admin, 0, 1_000).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.entity_id == c.id.as_uuid() && e.kind == EventKind::PersonalDataExported)
    );

    // A stale request erases nothing.
    assert!(matches!(
        h.app.erase_contact(&admin, c.id, Some((q.id, q.version + 1))).await,
        Err(ServiceError::Conflict)
    ));
    assert!(h.app.contact(&admin, c.id).await.is_ok());
    assert!(holds(&on_disk(h), &marker), "the scan must see the person before the erasure");

    h.app.erase_contact(&admin, c.id, Some((q.id, q.version))).await.unwrap();
    assert!(!holds(&on_disk(h), &marker), "{marker} still on disk after the erasure");
    assert!(!holds(&on_disk(h), &marker.to_lowercase()));
    assert!(matches!(h.app.contact(&admin, c.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.erase_contact(&admin, c.id, None).await, Err(ServiceError::NotFound)));
    let on_list = h
        .app
        .store()
        .suppressed(tenant, &[(Channel::Email, &i.emails[0]), (Channel::Phone, "+33698765432")])
        .await
        .unwrap();
    assert_eq!(on_list, vec![true, true], "kept only as keyed hashes, never imported again");
    let answered = h.app.privacy_request(&admin, q.id).await.unwrap();
    assert_eq!(answered.status, RequestStatus::Done);
    assert!(!answered.is_late(h.app.now()));
    let log = h.app.events_after(&admin, 0, 1_000).await.unwrap();
    assert!(log.iter().any(|e| e.entity_id == c.id.as_uuid() && e.kind == EventKind::Erased));
    assert!(
        log.iter()
            .filter(|e| e.entity_id == c.id.as_uuid())
            .all(|e| e.erased || e.changes.is_empty())
    );

    // An objection carried out: no more prospecting, by email or by phone.
    let other = h.app.create_contact(&admin, &input("Odile", "Objecte"), None, true).await.unwrap();
    assert!(!other.fields.email_opt_out && !other.fields.phone_opt_out);
    let objection = h
        .app
        .log_privacy_request(
            &admin,
            &PrivacyRequestInput {
                contact_id: other.id,
                kind: "objection".into(),
                received_at: None,
                note: None,
            },
        )
        .await
        .unwrap();
    h.app
        .answer_privacy_request(&admin, objection.id, objection.version, "done", None)
        .await
        .unwrap();
    let after = h.app.contact(&admin, other.id).await.unwrap();
    assert!(after.fields.email_opt_out && after.fields.phone_opt_out, "{after:?}");
    assert_eq!(after.version, other.version + 1);
}

contract!(a_request_is_answered_and_an_erasure_leaves_nothing);
