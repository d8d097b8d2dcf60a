//! Segments through the API: Marketing builds a dynamic segment and a static list (by hand,
//! from a filter, from a search), counts are live and scoped, members list through
//! `GET /api/v1/contacts?segment_id=`, and a bad rule is refused with the path of each
//! fault.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::ContactQuery;
use crm_sdk::models::{ContactWrite, SearchQuery, SegmentWrite};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_builds_segments() {
    let s = spawn_app().await;
    let a = tenant(&s, "Segments API").await;
    let sales = a.client(Role::Sales);
    let admin = a.client(Role::Admin);
    let marketing = a.client(Role::Marketing);
    let mut ids = Vec::new();
    for (first, kind, tags) in [
        ("Inès", "prospect", vec!["salon-2026"]),
        ("Jules", "prospect", vec![]),
        ("Katia", "client", vec!["salon-2026"]),
    ] {
        let c = sales
            .create_contact(
                &ContactWrite {
                    kind: kind.into(),
                    first_name: first.into(),
                    last_name: "Fontaine".into(),
                    tags: tags.into_iter().map(Into::into).collect(),
                    ..ContactWrite::default()
                },
                true,
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    let admins_own = admin
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Léon".into(),
                last_name: "Fontaine".into(),
                tags: vec!["salon-2026".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap()
        .id;

    // A dynamic segment: prospects met at the show.
    let rule = json!({"all": [{"field": "kind", "op": "eq", "value": "prospect"}, {"field": "tag", "op": "has", "value": "salon-2026"}]});
    assert_eq!(marketing.preview_segment(&rule).await.unwrap(), 2);
    let dynamic = marketing
        .create_segment(&SegmentWrite {
            name: "Prospects du salon".into(),
            rule: Some(rule),
        })
        .await
        .unwrap();
    assert_eq!((dynamic.kind.as_str(), dynamic.count), ("dynamic", 2));
    // Counts are those of the reader's scope: the Sales rep sees one of the two.
    assert_eq!(sales.segment(dynamic.id).await.unwrap().count, 1);
    let members = |c: &crm_sdk::Client, seg: Uuid| {
        let c = c.clone();
        async move {
            c.list_contacts(&ContactQuery {
                segment_id: Some(seg),
                ..ContactQuery::default()
            })
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.id)
            .collect::<HashSet<Uuid>>()
        }
    };
    assert_eq!(members(marketing, dynamic.id).await, HashSet::from([ids[0], admins_own]));
    // Live: a new matching contact is counted at once.
    sales
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Mona".into(),
                last_name: "Fontaine".into(),
                tags: vec!["salon-2026".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(marketing.segment(dynamic.id).await.unwrap().count, 3);

    // A static list filled three ways.
    let list = marketing
        .create_segment(&SegmentWrite {
            name: "Invitations".into(),
            rule: None,
        })
        .await
        .unwrap();
    assert_eq!(marketing.add_segment_members(list.id, &[ids[1]]).await.unwrap(), 1);
    assert_eq!(
        marketing
            .add_segment_members_from_filter(list.id, &json!({"kind": "client"}))
            .await
            .unwrap(),
        1
    );
    // From a search (the index follows the log within a second).
    let mut added = 0;
    for _ in 0..100 {
        let r = marketing
            .search(&SearchQuery {
                q: "leon fontaine".into(),
                ..SearchQuery::default()
            })
            .await
            .unwrap();
        if !r.hits("contact").is_empty() {
            added = marketing.add_segment_members_from_search(list.id, "leon", None).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(added, 1);
    assert_eq!(members(marketing, list.id).await, HashSet::from([ids[1], ids[2], admins_own]));
    assert_eq!(marketing.remove_segment_members(list.id, &[ids[2]]).await.unwrap(), 1);
    assert_eq!(marketing.segment(list.id).await.unwrap().count, 2);
    let listed = marketing.list_segments().await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Invitations", "Prospects du salon"]
    );

    // The Sales rep reads segments but does not make them.
    let err = sales
        .create_segment(&SegmentWrite {
            name: "Ma liste".into(),
            rule: None,
        })
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("Forbidden"), "{err:?}");

    // A bad rule: every fault, with its path, in French by default.
    let bad = marketing
        .raw(
            "POST",
            "/api/v1/segments",
            Some(&json!({"name": "Cassé", "rule": {"any": [{"field": "couleur", "op": "eq", "value": "x"}, {"field": "score", "op": "gte", "value": "dix"}]}})),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["rule.any.0.field", "rule.any.1.value"]);
    assert_eq!(bad.body["errors"][0]["message"], "Valeur inconnue");
    // Unknown segment in a list filter.
    let r = marketing
        .raw("GET", &format!("/api/v1/contacts?segment_id={}", Uuid::new_v4()), None, &[])
        .await
        .unwrap();
    assert_eq!((r.status, r.body["errors"][0]["field"].as_str()), (422, Some("segment_id")));
    // Rename with If-Match; a stale version is refused.
    let renamed = marketing
        .update_segment(
            list.id,
            list.version,
            &SegmentWrite {
                name: "Invitations 2026".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    assert!(marketing.delete_segment(list.id, list.version).await.is_err());
    marketing.delete_segment(list.id, renamed.version).await.unwrap();
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_reviewed_and_merged_through_the_api() {
    let s = spawn_app().await;
    let a = tenant(&s, "Doublons API").await;
    let manager = a.client(Role::Manager);
    let sales = a.client(Role::Sales);
    let mut ids = Vec::new();
    for (first, email) in [("Hélène", "h.roux@exemple.fr"), ("Helene", "H.Roux@Exemple.fr")] {
        let c = sales
            .create_contact(
                &ContactWrite {
                    kind: "prospect".into(),
                    first_name: first.into(),
                    last_name: "Roux".into(),
                    emails: vec![email.into()],
                    ..ContactWrite::default()
                },
                true,
            )
            .await
            .unwrap();
        ids.push(c);
    }
    assert_eq!(manager.scan_duplicates().await.unwrap(), 1);
    let groups = sales.duplicate_groups().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].reasons, ["same_email"]);
    assert_eq!(
        groups[0].contacts.iter().map(|c| c.id).collect::<HashSet<_>>(),
        HashSet::from([ids[0].id, ids[1].id])
    );
    // The Sales rep merges (both are theirs); the group leaves the queue.
    sales
        .merge_contacts(ids[0].id, ids[0].version, ids[1].id, ids[1].version)
        .await
        .unwrap();
    assert!(manager.duplicate_groups().await.unwrap().is_empty());
    // The Observer may not read the queue.
    let r = a.client(Role::Observer).raw("GET", "/api/v1/duplicates", None, &[]).await.unwrap();
    assert_eq!(r.status, 403);
    s.stop().await;
}
