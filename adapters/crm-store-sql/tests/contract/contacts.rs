//! Contacts: round trip, bad input, versions, visibility by role, soft delete and restore.

use crate::harness::{Harness, email};
use crm_domain::contact::ContactInput;
use crm_domain::organization::{AddressInput, OrganizationInput};
use crm_domain::user::Role;
use crm_domain::{ContactId, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use uuid::Uuid;

fn ascii(s: &str) -> String {
    let parts: Vec<String> = crm_domain::text::fold(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    parts.join(".")
}

pub fn input(first: &str, last: &str) -> ContactInput {
    ContactInput {
        kind: "prospect".into(),
        first_name: first.into(),
        last_name: last.into(),
        emails: vec![email(&ascii(&format!("{first}.{last}")))],
        phones: vec![],
        ..ContactInput::default()
    }
}

fn fields_at_fault(e: &ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|f| (f.field.clone(), f.kind)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn round_trip(h: &Harness) {
    let (_, admin) = h.tenant("Fournitures Dupuis").await;
    let org = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Dupuis SA".into(),
                domain: Some("https://www.dupuis.fr".into()),
                size: Some("small".into()),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let mut i = input("Hélène", "Lefèvre");
    i.emails = vec!["  Helene.LEFEVRE@Dupuis.fr ".into(), email("h.lefevre")];
    i.phones = vec!["06 12 34 56 78".into(), "+33 1 42 68 53 00".into()];
    i.organization_id = Some(org.id);
    i.job_title = Some("Directrice achats".into());
    i.address = AddressInput {
        street: Some("12 rue de la Paix".into()),
        postal_code: Some("75002".into()),
        city: Some("Paris".into()),
        country: Some("fr".into()),
    };
    i.tags = vec!["VIP".into(), "Salon 2026".into()];
    i.notes = Some("Préfère être appelée le matin.".into());
    let c = h.app.create_contact(&admin, &i, None, false).await.unwrap();
    let back = h.app.contact(&admin, c.id).await.unwrap();
    assert_eq!(back, c);
    assert_eq!(back.fields.emails[0].as_str(), "helene.lefevre@dupuis.fr");
    assert_eq!(back.fields.phones[0].as_str(), "+33612345678");
    assert_eq!(back.fields.phones[1].as_str(), "+33142685300");
    assert_eq!(back.fields.address.country.map(|c| c.as_str().to_owned()).as_deref(), Some("FR"));
    assert_eq!(
        back.fields.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        ["salon 2026", "vip"]
    );
    assert_eq!(back.version, 1);
}

async fn bad_input_names_fields_and_writes_nothing(h: &Harness) {
    let (_, admin) = h.tenant("Immo Rhône").await;
    let before = h.app.events_after(&admin, 0, 1000).await.unwrap().len();
    let mut i = input("", &"x".repeat(10_000));
    i.emails = vec!["pas-un-email".into()];
    i.phones = vec!["06 12".into()];
    i.kind = "ami".into();
    let err = h.app.create_contact(&admin, &i, None, false).await.unwrap_err();
    assert_eq!(
        fields_at_fault(&err),
        [
            ("kind".to_owned(), ViolationKind::Unknown),
            ("first_name".to_owned(), ViolationKind::Required),
            ("last_name".to_owned(), ViolationKind::TooLong),
            ("emails.0".to_owned(), ViolationKind::Malformed),
            ("phones.0".to_owned(), ViolationKind::Malformed),
        ]
    );
    let mut unknown_org = input("Anne", "Martin");
    unknown_org.organization_id = Some(crm_domain::OrganizationId::from_uuid(Uuid::now_v7()));
    let err = h.app.create_contact(&admin, &unknown_org, None, false).await.unwrap_err();
    assert_eq!(fields_at_fault(&err), [("organization_id".to_owned(), ViolationKind::Unknown)]);
    let err = h
        .app
        .create_contact(
            &admin,
            &input("Anne", "Martin"),
            Some(crm_domain::UserId::from_uuid(Uuid::now_v7())),
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(fields_at_fault(&err), [("owner_id".to_owned(), ViolationKind::Unknown)]);
    let page = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(h.app.events_after(&admin, 0, 1000).await.unwrap().len(), before);
}

async fn stale_version_conflicts_and_overwrites_nothing(h: &Harness) {
    let (_, admin) = h.tenant("Formations Lumière").await;
    let c = h.app.create_contact(&admin, &input("Paul", "Girard"), None, false).await.unwrap();
    let mut i = input("Paul", "Girard-Renaud");
    i.emails = c.fields.emails.iter().map(|e| e.as_str().to_owned()).collect();
    let v2 = h.app.update_contact(&admin, c.id, 1, &i).await.unwrap();
    assert_eq!(v2.version, 2);
    let mut late = input("Pierre", "Girard");
    late.emails = i.emails.clone();
    assert!(matches!(
        h.app.update_contact(&admin, c.id, 1, &late).await,
        Err(ServiceError::Conflict)
    ));
    assert_eq!(h.app.contact(&admin, c.id).await.unwrap(), v2);
    assert!(matches!(h.app.delete_contact(&admin, c.id, 1).await, Err(ServiceError::Conflict)));
}

async fn visibility_follows_roles(h: &Harness) {
    let (_, admin) = h.tenant("Vins du Sud").await;
    let (manager, manager_a) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Équipe Sud", manager.id).await;
    let (rep, rep_a) = h.user(&admin, Role::Sales, Some(team)).await;
    let (_, other_rep_a) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;

    let mine = h.app.create_contact(&rep_a, &input("Lucie", "Blanc"), None, false).await.unwrap();
    assert_eq!(mine.owner_id, rep.id);
    let theirs = h
        .app
        .create_contact(&other_rep_a, &input("Marc", "Noir"), None, false)
        .await
        .unwrap();

    // Sales: own only; someone else's contact does not exist for them.
    assert!(h.app.contact(&rep_a, mine.id).await.is_ok());
    assert!(matches!(h.app.contact(&rep_a, theirs.id).await, Err(ServiceError::NotFound)));
    let i = input("Marc", "Noir");
    assert!(matches!(
        h.app.update_contact(&rep_a, theirs.id, 1, &i).await,
        Err(ServiceError::NotFound)
    ));
    // A rep cannot give a contact to someone else.
    assert!(matches!(
        h.app.create_contact(&rep_a, &input("Zoé", "Roux"), Some(manager.id), false).await,
        Err(ServiceError::Forbidden)
    ));
    // Manager: their team's and their own, not others'.
    assert!(h.app.contact(&manager_a, mine.id).await.is_ok());
    assert!(matches!(h.app.contact(&manager_a, theirs.id).await, Err(ServiceError::NotFound)));
    let listed = h
        .app
        .list_contacts(&manager_a, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.iter().map(|c| c.id).collect::<Vec<_>>(), [mine.id]);
    // Marketing and Observer read everything, write nothing (403, the record is visible).
    for reader in [&marketing, &observer] {
        assert!(h.app.contact(reader, theirs.id).await.is_ok());
        assert!(matches!(
            h.app.update_contact(reader, theirs.id, 1, &i).await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(
            h.app.create_contact(reader, &input("A", "B"), None, false).await,
            Err(ServiceError::Forbidden)
        ));
    }
    // Admin reassigns; the old owner loses sight of it.
    let moved = h.app.assign_contact(&admin, mine.id, 1, manager.id).await.unwrap();
    assert_eq!(moved.owner_id, manager.id);
    assert!(matches!(h.app.contact(&rep_a, mine.id).await, Err(ServiceError::NotFound)));
}

async fn soft_delete_and_admin_restore(h: &Harness) {
    let (_, admin) = h.tenant("Services Info Ouest").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let c = h.app.create_contact(&rep, &input("Jules", "Faure"), None, false).await.unwrap();
    h.app.delete_contact(&rep, c.id, 1).await.unwrap();
    assert!(matches!(h.app.contact(&rep, c.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.contact(&admin, c.id).await, Err(ServiceError::NotFound)));
    let list = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert!(list.items.is_empty());
    assert!(matches!(h.app.restore_contact(&rep, c.id).await, Err(ServiceError::Forbidden)));
    let back = h.app.restore_contact(&admin, c.id).await.unwrap();
    assert_eq!(back.fields, c.fields);
    assert_eq!(back.version, 3);
    assert!(matches!(h.app.restore_contact(&admin, c.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        h.app.restore_contact(&admin, ContactId::from_uuid(Uuid::now_v7())).await,
        Err(ServiceError::NotFound)
    ));
}

async fn filters(h: &Harness) {
    let (_, admin) = h.tenant("Négoce Bordeaux").await;
    let mut a = input("Ana", "Costa");
    a.tags = vec!["VIP".into()];
    a.kind = "client".into();
    let a = h.app.create_contact(&admin, &a, None, false).await.unwrap();
    h.app.create_contact(&admin, &input("Bob", "Durand"), None, false).await.unwrap();
    let f = ContactFilter {
        tag: Some(crm_domain::text::Tag::parse("vip").unwrap()),
        ..ContactFilter::default()
    };
    let page = h.app.list_contacts(&admin, &f, &PageRequest::default()).await.unwrap();
    assert_eq!(page.items.iter().map(|c| c.id).collect::<Vec<_>>(), [a.id]);
    let f = ContactFilter {
        kind: Some(crm_domain::contact::ContactKind::Client),
        ..ContactFilter::default()
    };
    assert_eq!(
        h.app.list_contacts(&admin, &f, &PageRequest::default()).await.unwrap().items.len(),
        1
    );
}

/// Contacts read by their ids (as a search reads those whose snippets it shows): only the
/// scope's, never a deleted one, another rep's or another company's, and whole.
async fn read_by_ids_within_the_scope(h: &Harness) {
    use crm_ports::store::ContactStore as _;
    let (tenant, admin) = h.tenant("Extraits du Nord").await;
    let (_, other_admin) = h.tenant("Extraits du Sud").await;
    let (rep, rep_a) = h.user(&admin, Role::Sales, None).await;
    let mut i = input("Inès", "Marchal");
    i.phones = vec!["06 11 22 33 44".into()];
    let mine = h.app.create_contact(&rep_a, &i, None, false).await.unwrap();
    let also_mine = h.app.create_contact(&rep_a, &input("Yann", "Le Goff"), None, false).await.unwrap();
    let admins = h.app.create_contact(&admin, &input("Odile", "Perrin"), None, false).await.unwrap();
    let gone = h.app.create_contact(&rep_a, &input("Rémi", "Colin"), None, false).await.unwrap();
    h.app.delete_contact(&rep_a, gone.id, 1).await.unwrap();
    let elsewhere = h
        .app
        .create_contact(&other_admin, &input("Inès", "Marchal"), None, false)
        .await
        .unwrap();
    let ids = [
        admins.id,
        gone.id,
        mine.id,
        elsewhere.id,
        ContactId::from_uuid(Uuid::now_v7()),
        also_mine.id,
    ];
    let read = |records| async move {
        let scope = crm_ports::query::Scope {
            tenant_id: tenant.id,
            records,
        };
        let mut found = h.app.store().contacts_by_ids(scope, &ids).await.unwrap();
        found.sort_by_key(|c| c.id.as_uuid());
        found
    };
    let mut expected = vec![admins.id, mine.id, also_mine.id];
    expected.sort_by_key(|c| c.as_uuid());
    let whole = read(crm_domain::visibility::RecordScope::Tenant).await;
    assert_eq!(whole.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    let of_rep = read(crm_domain::visibility::RecordScope::OwnedBy(rep.id)).await;
    let mut expected = vec![mine.id, also_mine.id];
    expected.sort_by_key(|c| c.as_uuid());
    assert_eq!(of_rep.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    // Whole: the sealed fields opened, as a read by id gives them.
    let one = of_rep.iter().find(|c| c.id == mine.id).unwrap();
    assert_eq!(one, &h.app.contact(&rep_a, mine.id).await.unwrap());
    assert!(
        h.app
            .store()
            .contacts_by_ids(
                crm_ports::query::Scope {
                    tenant_id: tenant.id,
                    records: crm_domain::visibility::RecordScope::Tenant
                },
                &[]
            )
            .await
            .unwrap()
            .is_empty()
    );
}

contract!(
    read_by_ids_within_the_scope,
    round_trip,
    bad_input_names_fields_and_writes_nothing,
    stale_version_conflicts_and_overwrites_nothing,
    visibility_follows_roles,
    soft_delete_and_admin_restore,
    filters,
);
