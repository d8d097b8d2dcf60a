//! Duplicate detection on creation (whole tenant, hidden details for invisible
//! candidates) and merging that keeps both histories.

use crate::contacts::input;
use crate::harness::Harness;
use crate::tenancy::stages;
use crm_domain::duplicates::MatchReason;
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;

fn candidates(r: Result<crm_domain::contact::Contact, ServiceError>) -> Vec<crm_ports::error::DuplicateCandidate> {
    match r {
        Err(ServiceError::PossibleDuplicates(c)) => c,
        other => panic!("expected duplicates, got {other:?}"),
    }
}

async fn detects_email_phone_and_names(h: &Harness) {
    let (_, admin) = h.tenant("Dup & Co").await;
    let mut first = input("Hélène", "Dupont");
    first.phones = vec!["06 12 34 56 78".into()];
    let first = h.app.create_contact(&admin, &first, None, false).await.unwrap();

    let mut same_email = input("Zoé", "Autre");
    same_email.emails = vec![first.fields.emails[0].as_str().to_uppercase()];
    let c = candidates(h.app.create_contact(&admin, &same_email, None, false).await);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].contact_id, Some(first.id));
    assert_eq!(c[0].reasons, [MatchReason::SameEmail]);

    let mut same_phone = input("Yves", "Ailleurs");
    same_phone.phones = vec!["+33 6 12 34 56 78".into()];
    assert_eq!(
        candidates(h.app.create_contact(&admin, &same_phone, None, false).await)[0].reasons,
        [MatchReason::SamePhone]
    );

    for (f, l) in [("helene", "DUPONT"), ("H.", "Dupont"), ("Helen", "Dupont"), ("Dupont", "Hélène")] {
        let c = candidates(h.app.create_contact(&admin, &input(f, l), None, false).await);
        assert_eq!(c[0].reasons, [MatchReason::SimilarName], "{f} {l}");
    }
    // Not similar: created straight away.
    h.app.create_contact(&admin, &input("Sophie", "Dupont"), None, false).await.unwrap();
    // Confirmed: created despite the match.
    h.app.create_contact(&admin, &same_email, None, true).await.unwrap();
}

async fn invisible_candidates_carry_no_details(h: &Harness) {
    let (_, admin) = h.tenant("Dup Privé").await;
    let (_, rep1) = h.user(&admin, Role::Sales, None).await;
    let (_, rep2) = h.user(&admin, Role::Sales, None).await;
    let c1 = h.app.create_contact(&rep1, &input("Camille", "Moreau"), None, false).await.unwrap();
    let mut i = input("Camille", "Moreau");
    i.emails = vec![c1.fields.emails[0].as_str().to_owned()];
    let c = candidates(h.app.create_contact(&rep2, &i, None, false).await);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].contact_id, None);
    assert_eq!(c[0].display_name, None);
    assert_eq!(c[0].reasons, [MatchReason::SameEmail, MatchReason::SimilarName]);
    // The admin sees who it is.
    let c = candidates(h.app.create_contact(&admin, &i, Some(c1.owner_id), false).await);
    assert_eq!(c[0].contact_id, Some(c1.id));
}

async fn merge_keeps_both_histories_and_moves_opportunities(h: &Harness) {
    let (_, admin) = h.tenant("Fusion SARL").await;
    let mut a = input("Louis", "Petit");
    a.phones = vec!["06 11 22 33 44".into()];
    a.tags = vec!["salon".into()];
    let a = h.app.create_contact(&admin, &a, None, false).await.unwrap();
    let mut b = input("L.", "Petit");
    b.job_title = Some("Gérant".into());
    b.tags = vec!["vip".into()];
    let b = h.app.create_contact(&admin, &b, None, true).await.unwrap();
    let b = h
        .app
        .update_contact(&admin, b.id, 1, &{
            let mut i = input("L.", "Petit");
            i.emails = b.fields.emails.iter().map(|e| e.as_str().to_owned()).collect();
            i.job_title = Some("Gérant".into());
            i.tags = vec!["vip".into(), "export".into()];
            i
        })
        .await
        .unwrap();
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let opp = h
        .app
        .create_opportunity(
            &admin,
            p.id,
            None,
            &OpportunityInput {
                title: "Commande".into(),
                value_minor: 5_000_00,
                contact_ids: vec![b.id],
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();

    // A stale version of the merged contact changes nothing at all.
    assert!(matches!(
        h.app.merge_contacts(&admin, a.id, 1, b.id, 1).await,
        Err(ServiceError::Conflict)
    ));
    assert_eq!(h.app.contact(&admin, a.id).await.unwrap(), a);

    let kept = h.app.merge_contacts(&admin, a.id, 1, b.id, 2).await.unwrap();
    assert_eq!(kept.fields.emails.len(), 2);
    assert_eq!(kept.fields.job_title.as_ref().map(|j| j.as_str()), Some("Gérant"));
    assert_eq!(kept.fields.tags.len(), 3);
    assert!(matches!(h.app.contact(&admin, b.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.restore_contact(&admin, b.id).await, Err(ServiceError::NotFound)));
    assert_eq!(h.app.opportunity(&admin, opp.id).await.unwrap().fields.contact_ids, [a.id]);
    let history = h.app.history_of(&admin, EntityType::Contact, a.id.as_uuid(), 100).await.unwrap();
    let kinds: Vec<(uuid::Uuid, &str)> = history.iter().map(|e| (e.entity_id, e.kind.name())).collect();
    assert!(kinds.contains(&(b.id.as_uuid(), "created")), "{kinds:?}");
    assert!(kinds.contains(&(b.id.as_uuid(), "updated")));
    assert!(kinds.contains(&(b.id.as_uuid(), "merged_into")));
    assert!(kinds.contains(&(a.id.as_uuid(), "created")));
    assert_eq!(kinds[0], (a.id.as_uuid(), "merged"));
}

contract!(
    detects_email_phone_and_names,
    invisible_candidates_carry_no_details,
    merge_keeps_both_histories_and_moves_opportunities
);
