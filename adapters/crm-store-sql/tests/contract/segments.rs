//! Segments on each backend: every kind of condition of a dynamic rule, nested `all` /
//! `any` / `not`, static members, live counts in the reader's scope, the list filter, bulk
//! additions, names unique per tenant, and another tenant's contacts never counted.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::organization::OrganizationInput;
use crm_domain::segment::Definition;
use crm_domain::user::Role;
use crm_domain::{ContactId, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::services::segments::SegmentInput;
use serde_json::json;
use std::collections::HashSet;

fn kinds(e: &ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|f| (f.field.clone(), f.kind)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn rules_select_the_right_contacts(h: &Harness) {
    let (_, admin) = h.tenant("Segments").await;
    let (_, other_admin) = h.tenant("Segments autre").await;
    let (_, sales) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let sales_id = sales.user_id().unwrap();
    let wine = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Château Lafleur".into(),
                industry: Some("Vins".into()),
                size: Some("small".into()),
                domain: Some("lafleur.fr".into()),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let mut i = input("Hélène", "Lefèvre");
    i.kind = "client".into();
    i.tags = vec!["salon-2026".into(), "vip".into()];
    i.organization_id = Some(wine.id);
    i.job_title = Some("Directrice achats".into());
    i.address.city = Some("Lyon".into());
    let helene = h.app.create_contact(&admin, &i, Some(sales_id), true).await.unwrap();
    let mut i = input("Marc", "Dupont");
    i.tags = vec!["salon-2026".into()];
    i.address.city = Some("Paris".into());
    let marc = h.app.create_contact(&admin, &i, None, true).await.unwrap();
    let mut i = input("Zoé", "Martin");
    i.kind = "partner".into();
    i.source = Some("Site web".into());
    let zoe = h.app.create_contact(&admin, &i, None, true).await.unwrap();
    // Marc had a call recently; Hélène a note long ago (so: quiet since then).
    for (who, days_ago) in [(marc.id, 2), (helene.id, 200)] {
        h.app
            .create_activity(
                &admin,
                if days_ago == 2 { "call" } else { "meeting" },
                &ActivityInput {
                    subject: "Échange".into(),
                    links: vec![Link {
                        entity_type: EntityType::Contact,
                        entity_id: who.as_uuid(),
                    }],
                    starts_at: Some(chrono::Utc::now() - chrono::Duration::days(days_ago)),
                    ends_at: Some(chrono::Utc::now() - chrono::Duration::days(days_ago) + chrono::Duration::hours(1)),
                    direction: (days_ago == 2).then(|| "outbound".into()),
                    ..ActivityInput::default()
                },
            )
            .await
            .unwrap();
    }
    h.app
        .create_contact(&other_admin, &input("Hélène", "Lefèvre"), None, true)
        .await
        .unwrap();

    let all: HashSet<ContactId> = [helene.id, marc.id, zoe.id].into();
    let cases = [
        (json!({"field": "kind", "op": "eq", "value": "client"}), vec![helene.id]),
        (
            json!({"field": "kind", "op": "in", "value": ["client", "partner"]}),
            vec![helene.id, zoe.id],
        ),
        (json!({"field": "last_name", "op": "eq", "value": "LEFEVRE"}), vec![helene.id]),
        (json!({"field": "first_name", "op": "starts_with", "value": "hél"}), vec![helene.id]),
        (json!({"field": "job_title", "op": "contains", "value": "ACHAT"}), vec![helene.id]),
        (json!({"field": "source", "op": "is_empty"}), vec![helene.id, marc.id]),
        (json!({"field": "city", "op": "ne", "value": "Lyon"}), vec![marc.id, zoe.id]),
        (
            json!({"field": "tag", "op": "has", "value": "salon-2026"}),
            vec![helene.id, marc.id],
        ),
        (json!({"field": "tag", "op": "has_not", "value": "vip"}), vec![marc.id, zoe.id]),
        (
            json!({"field": "owner_id", "op": "eq", "value": sales_id.as_uuid()}),
            vec![helene.id],
        ),
        (json!({"field": "score", "op": "gte", "value": 0}), all.iter().copied().collect()),
        (json!({"field": "score", "op": "gte", "value": 1}), vec![]),
        (
            json!({"field": "created_at", "op": "after", "value": {"days_ago": 1}}),
            all.iter().copied().collect(),
        ),
        (json!({"field": "created_at", "op": "before", "value": "2020-01-01"}), vec![]),
        (
            json!({"field": "last_activity", "op": "after", "value": {"days_ago": 30}}),
            vec![marc.id],
        ),
        (
            json!({"field": "last_activity", "op": "before", "value": {"days_ago": 30}}),
            vec![helene.id, zoe.id],
        ),
        (json!({"field": "organization_id", "op": "is_empty"}), vec![marc.id, zoe.id]),
        (
            json!({"field": "organization.industry", "op": "eq", "value": "Vins"}),
            vec![helene.id],
        ),
        (
            json!({"field": "organization.name", "op": "contains", "value": "chateau"}),
            vec![helene.id],
        ),
        (
            json!({"field": "organization.size", "op": "in", "value": ["small", "medium"]}),
            vec![helene.id],
        ),
        (
            json!({"field": "organization.domain", "op": "eq", "value": "lafleur.fr"}),
            vec![helene.id],
        ),
        (
            json!({"all": [{"field": "tag", "op": "has", "value": "salon-2026"}, {"not": {"field": "kind", "op": "eq", "value": "client"}}]}),
            vec![marc.id],
        ),
        (
            json!({"any": [{"field": "city", "op": "eq", "value": "Lyon"}, {"field": "source", "op": "eq", "value": "Site web"}]}),
            vec![helene.id, zoe.id],
        ),
        (json!({"field": "lead_status", "op": "is_empty"}), all.iter().copied().collect()),
        (json!({"field": "lead_status", "op": "eq", "value": "qualified"}), vec![]),
        (json!({"all": []}), all.iter().copied().collect()),
        (json!({"any": []}), vec![]),
    ];
    for (rule, expected) in cases {
        let s = h
            .app
            .create_segment(
                &marketing,
                &SegmentInput {
                    name: format!("Segment {rule}"),
                    rule: Some(rule.clone()),
                },
            )
            .await
            .unwrap();
        let filter = ContactFilter {
            segment: Some(h.app.membership(&s)),
            ..ContactFilter::default()
        };
        let page = PageRequest {
            limit: Some(200),
            ..PageRequest::default()
        };
        let got: HashSet<ContactId> = h
            .app
            .list_contacts(&admin, &filter, &page)
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id)
            .collect();
        let expected: HashSet<ContactId> = expected.into_iter().collect();
        assert_eq!(got, expected, "{rule}");
        assert_eq!(h.app.count_segment(&admin, &s).await.unwrap(), expected.len() as u64, "{rule}");
        assert_eq!(h.app.preview_segment(&admin, &rule).await.unwrap(), expected.len() as u64, "{rule}");
        // A Sales rep counts only their own contacts.
        let own = u64::from(expected.contains(&helene.id));
        assert_eq!(h.app.count_segment(&sales, &s).await.unwrap(), own, "{rule}");
    }
}

async fn static_lists_names_and_rights(h: &Harness) {
    let (_, admin) = h.tenant("Listes").await;
    let (_, other_admin) = h.tenant("Listes autre").await;
    let (_, sales) = h.user(&admin, Role::Sales, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let made = h
        .app
        .import_contacts(
            &admin,
            &[input("Anne", "Un"), input("Bruno", "Deux"), input("Chloé", "Trois")],
            None,
        )
        .await
        .unwrap();
    let theirs = h
        .app
        .create_contact(&other_admin, &input("Denis", "Autre"), None, true)
        .await
        .unwrap();
    let list = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Salon de Lyon".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(list.definition, Definition::Static);
    // Names are unique per tenant, accents and case ignored; another tenant may reuse one.
    let dup = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "SALON DE LYON".into(),
                rule: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(kinds(&dup), [("name".to_owned(), ViolationKind::Repeated)]);
    h.app
        .create_segment(
            &other_admin,
            &SegmentInput {
                name: "Salon de Lyon".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    // Roles: Sales and Observer read, do not make.
    for who in [&sales, &observer] {
        let e = h
            .app
            .create_segment(
                who,
                &SegmentInput {
                    name: "X".into(),
                    rule: None,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden));
        assert!(matches!(
            h.app.add_segment_members(who, list.id, &[made[0].id]).await.unwrap_err(),
            ServiceError::Forbidden
        ));
    }
    assert_eq!(
        h.app.add_segment_members(&admin, list.id, &[made[0].id, made[1].id]).await.unwrap(),
        2
    );
    assert_eq!(
        h.app.add_segment_members(&admin, list.id, &[made[0].id]).await.unwrap(),
        0,
        "already in"
    );
    // Another tenant's contact is unknown; nothing is added.
    let e = h
        .app
        .add_segment_members(&admin, list.id, &[made[2].id, theirs.id])
        .await
        .unwrap_err();
    assert_eq!(kinds(&e), [("contact_ids.1".to_owned(), ViolationKind::Unknown)]);
    assert_eq!(h.app.count_segment(&admin, &list).await.unwrap(), 2);
    // Another tenant's segment is not found.
    assert!(matches!(
        h.app.segment(&other_admin, list.id).await.unwrap_err(),
        ServiceError::NotFound
    ));
    assert!(matches!(
        h.app.add_segment_members(&other_admin, list.id, &[theirs.id]).await.unwrap_err(),
        ServiceError::NotFound
    ));
    // Bulk: from a filter (every contact of the tenant).
    assert_eq!(
        h.app
            .add_segment_members_from_filter(&admin, list.id, &ContactFilter::default())
            .await
            .unwrap(),
        1
    );
    assert_eq!(h.app.remove_segment_members(&admin, list.id, &[made[1].id]).await.unwrap(), 1);
    let filter = ContactFilter {
        segment: Some(h.app.segment_filter(&admin, list.id).await.unwrap()),
        ..ContactFilter::default()
    };
    let members: HashSet<ContactId> = h
        .app
        .list_contacts(&admin, &filter, &PageRequest::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(members, HashSet::from([made[0].id, made[2].id]));
    // A deleted member leaves the count.
    let c = h.app.contact(&admin, made[0].id).await.unwrap();
    h.app.delete_contact(&admin, made[0].id, c.version).await.unwrap();
    assert_eq!(h.app.count_segment(&admin, &list).await.unwrap(), 1);
    // A static list takes no rule; a dynamic segment takes no members.
    let e = h
        .app
        .update_segment(
            &admin,
            list.id,
            list.version,
            &SegmentInput {
                name: "Salon".into(),
                rule: Some(json!({"all": []})),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(kinds(&e), [("rule".to_owned(), ViolationKind::NotAllowed)]);
    let dynamic = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Clients".into(),
                rule: Some(json!({"field": "kind", "op": "eq", "value": "client"})),
            },
        )
        .await
        .unwrap();
    let e = h.app.add_segment_members(&admin, dynamic.id, &[made[2].id]).await.unwrap_err();
    assert_eq!(kinds(&e), [("segment".to_owned(), ViolationKind::NotAllowed)]);
    // A rule naming a user of another tenant is refused.
    let stranger = other_admin.user_id().unwrap().as_uuid();
    let e = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Volé".into(),
                rule: Some(json!({"field": "owner_id", "op": "eq", "value": stranger})),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(kinds(&e), [("rule".to_owned(), ViolationKind::Unknown)]);
    // Rename, then delete.
    let renamed = h
        .app
        .update_segment(
            &admin,
            list.id,
            list.version,
            &SegmentInput {
                name: "Salon de Lyon 2026".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.version, list.version + 1);
    assert!(matches!(
        h.app.delete_segment(&admin, list.id, list.version).await.unwrap_err(),
        ServiceError::Conflict
    ));
    h.app.delete_segment(&admin, list.id, renamed.version).await.unwrap();
    assert!(h.app.list_segments(&admin).await.unwrap().iter().all(|s| s.id != list.id));
}

contract!(rules_select_the_right_contacts, static_lists_names_and_rights);
