//! The duplicate review queue on each backend: a scan of existing contacts groups likely
//! duplicates (shared email or phone, similar names in one organization or two with the
//! same web domain), scoped reading, dismissal that sticks, and merges that move
//! activities, segment memberships and queue membership to the kept contact.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::duplicates::MatchReason;
use crm_domain::event::EntityType;
use crm_domain::organization::OrganizationInput;
use crm_domain::user::Role;
use crm_domain::{ContactId, OrganizationId};
use crm_ports::ServiceError;
use crm_ports::services::segments::SegmentInput;
use std::collections::HashSet;

async fn org(h: &Harness, admin: &crm_domain::Actor, name: &str, domain: &str) -> OrganizationId {
    h.app
        .create_organization(
            admin,
            &OrganizationInput {
                name: name.into(),
                domain: Some(domain.into()),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap()
        .id
}

fn members(g: &crm_ports::services::duplicates::DuplicateGroupView) -> HashSet<ContactId> {
    g.contacts.iter().map(|c| c.id).collect()
}

async fn scan_review_and_merge(h: &Harness) {
    let (_, admin) = h.tenant("Revue").await;
    let (_, other_admin) = h.tenant("Revue autre").await;
    let (_, sales) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let sales_id = sales.user_id().unwrap();
    let acme = org(h, &admin, "Acme", "acme.fr").await;
    let acme_sas = org(h, &admin, "ACME SAS", "acme.fr").await;
    let make =
        |first: &'static str, last: &'static str, org: Option<OrganizationId>, email: Option<&'static str>, phone: Option<&'static str>| {
            let mut i = input(first, last);
            i.organization_id = org;
            i.emails = email.map(|e| vec![e.to_owned()]).unwrap_or_default();
            i.phones = phone.map(|p| vec![p.to_owned()]).unwrap_or_default();
            i
        };
    let mut ids = Vec::new();
    for (i, owner) in [
        (make("Hélène", "Dupont", Some(acme), Some("h.dupont@acme.fr"), None), Some(sales_id)),
        (make("Helene", "DUPONT", Some(acme), None, None), Some(sales_id)),
        (make("Marc", "Petit", None, Some("H.Dupont@ACME.fr"), None), None),
        (make("Jean", "Martin", Some(acme), None, None), None),
        (make("Jan", "Martin", Some(acme_sas), None, None), None),
        (make("Zoé", "Blanc", None, None, Some("06 12 34 56 78")), None),
        (make("Zoe", "Noir", None, None, Some("+33 6 12 34 56 78")), None),
        (make("Paul", "Seul", None, None, None), None),
    ] {
        ids.push(h.app.create_contact(&admin, &i, owner, true).await.unwrap().id);
    }
    // The same people in another tenant never join these groups.
    let theirs = h
        .app
        .create_contact(
            &other_admin,
            &make("Hélène", "Dupont", None, Some("h.dupont@acme.fr"), None),
            None,
            true,
        )
        .await
        .unwrap();

    assert!(matches!(h.app.scan_duplicates(&sales).await.unwrap_err(), ServiceError::Forbidden));
    assert_eq!(h.app.scan_duplicates(&admin).await.unwrap(), 3);
    let groups = h.app.duplicate_groups(&admin).await.unwrap();
    let sets: Vec<HashSet<ContactId>> = groups.iter().map(members).collect();
    assert!(sets.contains(&HashSet::from([ids[0], ids[1], ids[2]])), "{sets:?}");
    assert!(sets.contains(&HashSet::from([ids[3], ids[4]])));
    assert!(sets.contains(&HashSet::from([ids[5], ids[6]])));
    assert!(groups.iter().all(|g| !members(g).contains(&theirs.id)));
    let dupont = groups.iter().find(|g| members(g).contains(&ids[0])).unwrap();
    assert_eq!(dupont.reasons, [MatchReason::SameEmail, MatchReason::SimilarName]);
    let martin = groups.iter().find(|g| members(g).contains(&ids[3])).unwrap();
    assert_eq!(martin.reasons, [MatchReason::SameOrganizationDomain]);
    // A Sales rep sees the groups where two of their own contacts are.
    let seen = h.app.duplicate_groups(&sales).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(members(&seen[0]), HashSet::from([ids[0], ids[1]]));
    assert!(matches!(
        h.app.duplicate_groups(&marketing).await.unwrap_err(),
        ServiceError::Forbidden
    ));
    assert!(h.app.duplicate_groups(&other_admin).await.unwrap().is_empty());

    // Dismissed: not proposed again by the next scan; another tenant cannot dismiss it.
    let phones = groups.iter().find(|g| members(g).contains(&ids[5])).unwrap().id;
    assert!(matches!(
        h.app.dismiss_duplicates(&other_admin, phones).await.unwrap_err(),
        ServiceError::NotFound
    ));
    h.app.dismiss_duplicates(&admin, phones).await.unwrap();
    assert!(matches!(
        h.app.dismiss_duplicates(&admin, phones).await.unwrap_err(),
        ServiceError::NotFound
    ));
    assert_eq!(h.app.scan_duplicates(&admin).await.unwrap(), 2);

    // Merge Helene (1) into Hélène (0): its activity, its list membership and its place in
    // the queue move to the kept contact.
    let note = h
        .app
        .create_activity(
            &admin,
            "note",
            &ActivityInput {
                subject: "Appel de Helene".into(),
                links: vec![Link {
                    entity_type: EntityType::Contact,
                    entity_id: ids[1].as_uuid(),
                }],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let list = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Salon".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    h.app.add_segment_members(&admin, list.id, &[ids[1]]).await.unwrap();
    let (kept, gone) = (
        h.app.contact(&admin, ids[0]).await.unwrap(),
        h.app.contact(&admin, ids[1]).await.unwrap(),
    );
    h.app
        .merge_contacts(&admin, ids[0], kept.version, ids[1], gone.version)
        .await
        .unwrap();
    let timeline = h
        .app
        .timeline(
            &admin,
            Link {
                entity_type: EntityType::Contact,
                entity_id: ids[0].as_uuid(),
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert!(format!("{timeline:?}").contains(&note.id.to_string()), "the activity follows");
    let segment = h.app.segment(&admin, list.id).await.unwrap();
    assert_eq!(h.app.count_segment(&admin, &segment).await.unwrap(), 1, "the membership follows");
    let groups = h.app.duplicate_groups(&admin).await.unwrap();
    let dupont = groups.iter().find(|g| members(g).contains(&ids[0])).unwrap();
    assert_eq!(members(dupont), HashSet::from([ids[0], ids[2]]));
    // Merging the last other member settles the group.
    let (kept, gone) = (
        h.app.contact(&admin, ids[0]).await.unwrap(),
        h.app.contact(&admin, ids[2]).await.unwrap(),
    );
    h.app
        .merge_contacts(&admin, ids[0], kept.version, ids[2], gone.version)
        .await
        .unwrap();
    let left: Vec<HashSet<ContactId>> = h.app.duplicate_groups(&admin).await.unwrap().iter().map(members).collect();
    assert_eq!(left, [HashSet::from([ids[3], ids[4]])]);
}

contract!(scan_review_and_merge);
