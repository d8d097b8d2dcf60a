//! Keyset pagination: every row exactly once, in the folded-name order shared by both
//! backends; a forged cursor is refused.

use crate::contacts::input;
use crate::harness::Harness;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest, SortKey};

async fn pages_cover_everything_once_in_order(h: &Harness) {
    let (_, admin) = h.tenant("Pages").await;
    let names = [
        "Émile", "zoé", "Zoe", "Ábel", "abel", "Örs", "Éloïse", "Ñandú", "Çelik", "Ådne", "Øyvind", "Łukasz",
    ];
    let mut created = Vec::new();
    for (i, n) in names.iter().enumerate() {
        for j in 0..6 {
            created.push(
                h.app
                    .create_contact(&admin, &input(&format!("P{j}"), &format!("{n}{i}")), None, true)
                    .await
                    .unwrap()
                    .id,
            );
        }
    }
    for desc in [false, true] {
        let mut seen = Vec::new();
        let mut keys = Vec::new();
        let mut page = PageRequest {
            limit: Some(7),
            descending: desc,
            ..PageRequest::default()
        };
        loop {
            let p = h.app.list_contacts(&admin, &ContactFilter::default(), &page).await.unwrap();
            assert!(p.items.len() <= 7);
            seen.extend(p.items.iter().map(|c| c.id));
            keys.extend(p.items.iter().map(|c| c.sort_key()));
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), created.len());
        let mut sorted = keys.clone();
        sorted.sort();
        if desc {
            sorted.reverse();
        }
        assert_eq!(keys, sorted);
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), created.len());
    }
    // By creation time too.
    let p = h
        .app
        .list_contacts(
            &admin,
            &ContactFilter::default(),
            &PageRequest {
                sort: SortKey::CreatedAt,
                limit: Some(200),
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.items.iter().map(|c| c.id).collect::<Vec<_>>(), created);
    let bad = PageRequest {
        cursor: Some("pas-un-curseur".into()),
        ..PageRequest::default()
    };
    match h.app.list_contacts(&admin, &ContactFilter::default(), &bad).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "cursor"),
        other => panic!("{other:?}"),
    }
}

contract!(pages_cover_everything_once_in_order);
