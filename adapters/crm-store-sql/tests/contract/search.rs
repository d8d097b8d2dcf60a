//! Imports in one transaction, the naive `LIKE` search, and the search indexer fed by this
//! store's event log (a real Tantivy index in a temporary directory).

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::ViolationKind;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::OrganizationInput;
use crm_domain::pipeline::StageInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, HistoryQuery, PageRequest, Scope};
use crm_ports::search::{SearchEntity, SearchIndex};
use crm_ports::services::search::SearchRequest;
use crm_ports::store::EventLog;
use crm_search_tantivy::TantivyIndex;
use std::collections::HashSet;
use uuid::Uuid;

async fn event_count(h: &Harness, tenant: crm_domain::TenantId) -> usize {
    let q = HistoryQuery::Period {
        from: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        to: chrono::DateTime::<chrono::Utc>::MAX_UTC,
    };
    h.app.store().history(tenant, &q, 10_000).await.unwrap().len()
}

async fn import_is_one_transaction(h: &Harness) {
    let (t, admin) = h.tenant("Import").await;
    let before = event_count(h, t.id).await;
    let mut bad = vec![input("Anne", "Un"), input("Bruno", "Deux"), input("Chloé", "Trois")];
    bad[1].emails = vec!["pas-une-adresse".into()];
    bad[2].first_name = String::new();
    let err = h.app.import_contacts(&admin, &bad, None).await.unwrap_err();
    let ServiceError::Invalid(v) = err else { panic!("{err:?}") };
    let fields: Vec<(String, ViolationKind)> = v.errors().iter().map(|f| (f.field.clone(), f.kind)).collect();
    assert_eq!(
        fields,
        [
            ("contacts.1.emails.0".to_owned(), ViolationKind::Malformed),
            ("contacts.2.first_name".to_owned(), ViolationKind::Required)
        ]
    );
    assert_eq!(event_count(h, t.id).await, before, "nothing written");
    let ok = vec![input("Anne", "Un"), input("Bruno", "Deux"), input("Chloé", "Trois")];
    let made = h.app.import_contacts(&admin, &ok, None).await.unwrap();
    assert_eq!(made.len(), 3);
    let listed = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 3);
    assert_eq!(event_count(h, t.id).await, before + 3, "one event per contact");
    let too_many = vec![input("X", "Y"); crm_ports::services::contacts::MAX_IMPORT + 1];
    assert!(h.app.import_contacts(&admin, &too_many, None).await.is_err());
}

async fn like_search_is_scoped(h: &Harness) {
    let (t, admin) = h.tenant("Like").await;
    let (_, other_admin) = h.tenant("Like autre").await;
    let (_, sales) = h.user(&admin, Role::Sales, None).await;
    let sales_id = sales.user_id().unwrap();
    let mine = h
        .app
        .import_contacts(&admin, &[input("Hélène", "Dupont")], Some(sales_id))
        .await
        .unwrap();
    h.app
        .import_contacts(&admin, &[input("Paul", "Dupontel"), input("Zoé", "Martin")], None)
        .await
        .unwrap();
    h.app
        .import_contacts(&other_admin, &[input("Hélène", "Dupont")], None)
        .await
        .unwrap();
    let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let all = Scope {
        tenant_id: t.id,
        records: crm_domain::visibility::RecordScope::Tenant,
    };
    let found = h.app.store().contacts_name_like(all, &words(&["dupont"]), 10).await.unwrap();
    assert_eq!(found.len(), 2);
    let found = h
        .app
        .store()
        .contacts_name_like(all, &words(&["helene", "dupo"]), 10)
        .await
        .unwrap();
    assert_eq!(found, [mine[0].id]);
    let own = Scope {
        tenant_id: t.id,
        records: crm_domain::visibility::RecordScope::OwnedBy(sales_id),
    };
    assert_eq!(
        h.app.store().contacts_name_like(own, &words(&["dupont"]), 10).await.unwrap(),
        [mine[0].id]
    );
    assert!(h.app.store().contacts_name_like(all, &words(&["%"]), 10).await.unwrap().len() == 3);
}

fn found(r: &crm_ports::search::IndexResults, kind: SearchEntity) -> HashSet<Uuid> {
    r.groups
        .iter()
        .filter(|(e, _)| *e == kind)
        .flat_map(|(_, h)| h.iter().map(|h| h.id))
        .collect()
}

async fn search(h: &Harness, index: &TantivyIndex, actor: &crm_domain::Actor, q: &str) -> crm_ports::search::IndexResults {
    h.app
        .search(
            index,
            actor,
            SearchRequest {
                query: q.into(),
                ..SearchRequest::default()
            },
        )
        .await
        .unwrap()
}

async fn indexer_follows_the_log(h: &Harness) {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let (t, admin) = h.tenant("Index").await;
    let (_, other_admin) = h.tenant("Index autre").await;
    let (_, sales) = h.user(&admin, Role::Sales, None).await;
    let sales_id = sales.user_id().unwrap();
    let org = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Vignobles Martin".into(),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let mut i = input("Claire", "Moreau");
    i.organization_id = Some(org.id);
    i.phones = vec!["06 12 34 56 78".into()];
    let claire = h.app.create_contact(&admin, &i, Some(sales_id), true).await.unwrap();
    let other = h.app.create_contact(&admin, &input("Claude", "Moreau"), None, true).await.unwrap();
    h.app
        .create_contact(&other_admin, &input("Claire", "Moreau"), None, true)
        .await
        .unwrap();
    // A new index knows no tenant: the first catch-up rebuilds it from the store.
    let r = h.app.index_catch_up(&index, t.id).await.unwrap();
    assert!(r.rebuilt && r.documents == 3, "{r:?}");
    assert_eq!(
        found(&search(h, &index, &admin, "moreau").await, SearchEntity::Contact),
        HashSet::from([claire.id.as_uuid(), other.id.as_uuid()])
    );
    assert_eq!(
        found(&search(h, &index, &sales, "moreau").await, SearchEntity::Contact),
        HashSet::from([claire.id.as_uuid()])
    );
    assert_eq!(
        found(&search(h, &index, &sales, "0612").await, SearchEntity::Contact),
        HashSet::from([claire.id.as_uuid()])
    );
    assert!(
        found(&search(h, &index, &other_admin, "claire").await, SearchEntity::Contact).is_empty(),
        "other tenant not indexed yet"
    );

    // Changes reach the index from the log: a rename of the organization reaches its
    // contacts' and deals' documents; a deletion removes a document.
    let pipeline = h
        .app
        .create_pipeline(
            &admin,
            "Ventes",
            &[
                StageInput {
                    id: None,
                    name: "Découverte".into(),
                    probability: 10,
                },
                StageInput {
                    id: None,
                    name: "Signature".into(),
                    probability: 90,
                },
            ],
        )
        .await
        .unwrap();
    let deal = h
        .app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &OpportunityInput {
                title: "Cuves inox".into(),
                value_minor: 1_000_00,
                organization_id: Some(org.id),
                ..OpportunityInput::default()
            },
            Some(sales_id),
        )
        .await
        .unwrap();
    let mut renamed = OrganizationInput {
        name: "Domaine Lacoste".into(),
        ..OrganizationInput::default()
    };
    renamed.domain = None;
    h.app.update_organization(&admin, org.id, org.version, &renamed).await.unwrap();
    let c = h.app.contact(&admin, other.id).await.unwrap();
    h.app.delete_contact(&admin, other.id, c.version).await.unwrap();
    let r = h.app.index_catch_up(&index, t.id).await.unwrap();
    assert!(!r.rebuilt && r.events >= 4, "{r:?}");
    let hits = search(h, &index, &admin, "lacoste").await;
    assert_eq!(found(&hits, SearchEntity::Organization), HashSet::from([org.id.as_uuid()]));
    assert_eq!(found(&hits, SearchEntity::Contact), HashSet::from([claire.id.as_uuid()]));
    assert_eq!(found(&hits, SearchEntity::Opportunity), HashSet::from([deal.id.as_uuid()]));
    assert!(found(&search(h, &index, &admin, "vignobles").await, SearchEntity::Organization).is_empty());
    assert_eq!(
        found(&search(h, &index, &admin, "moreau").await, SearchEntity::Contact),
        HashSet::from([claire.id.as_uuid()])
    );
    // Nothing more to do: the cursor was committed with the documents.
    let again = h.app.index_catch_up(&index, t.id).await.unwrap();
    assert_eq!((again.events, again.documents), (0, 0));
    assert!(index.cursors()[&t.id] > 0);
    // A rebuild gives the same answers.
    h.app.index_rebuild(&index, t.id).await.unwrap();
    assert_eq!(
        found(&search(h, &index, &admin, "lacoste").await, SearchEntity::Contact),
        HashSet::from([claire.id.as_uuid()])
    );
}

contract!(import_is_one_transaction, like_search_is_scoped, indexer_follows_the_log);
