//! Tenants: creation, settings, and the wall between tenants for every id-taking use case.

use crate::contacts::input;
use crate::harness::{Harness, email};
use crm_domain::Actor;
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::OrganizationInput;
use crm_domain::pipeline::StageInput;
use crm_domain::tenant::SettingsInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{TeamInput, UserPatch};

pub fn stages() -> Vec<StageInput> {
    [("Qualification", 10), ("Proposition", 40), ("Négociation", 70), ("Signature", 90)]
        .into_iter()
        .map(|(n, p)| StageInput {
            id: None,
            name: n.into(),
            probability: p,
        })
        .collect()
}

async fn settings_and_admin(h: &Harness) {
    let (t, admin) = h.tenant("Atelier Martin").await;
    assert_eq!(t.settings.country.as_str(), "FR");
    assert_eq!(t.settings.currency.as_str(), "EUR");
    assert_eq!(t.settings.time_zone.name(), "Europe/Paris");
    let me = h.app.tenant(&admin).await.unwrap();
    assert_eq!(me, t);
    let updated = h
        .app
        .update_tenant(
            &admin,
            1,
            None,
            &SettingsInput {
                currency: Some("CHF".into()),
                ..SettingsInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.settings.currency.as_str(), "CHF");
    assert!(matches!(
        h.app.update_tenant(&admin, 1, None, &SettingsInput::default()).await,
        Err(ServiceError::Conflict)
    ));
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    assert!(matches!(
        h.app.update_tenant(&rep, 2, Some("X"), &SettingsInput::default()).await,
        Err(ServiceError::Forbidden)
    ));
    // Only the operator creates tenants; the operator sees no tenant data.
    assert!(matches!(
        h.app.create_tenant(&admin, &NewTenant::default()).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(h.app.tenant(&Actor::Operator).await, Err(ServiceError::Forbidden)));
    assert!(h.app.list_tenants(&Actor::Operator).await.unwrap().iter().any(|x| x.id == t.id));
    assert!(matches!(h.app.list_tenants(&admin).await, Err(ServiceError::Forbidden)));
}

async fn one_login_email_may_admin_several_tenants(h: &Harness) {
    let shared = email("partage");
    let new = |name: &str| NewTenant {
        name: name.into(),
        admin_email: shared.clone(),
        admin_name: "Admin".into(),
        ..NewTenant::default()
    };
    // A person may run two companies: the second tenant's Admin reuses the address, and
    // nothing tells the operator it is a login elsewhere.
    let (one, admin_one) = h.app.create_tenant(&Actor::Operator, &new("Un")).await.unwrap();
    let (two, admin_two) = h.app.create_tenant(&Actor::Operator, &new("Deux")).await.unwrap();
    assert_ne!(one.id, two.id);
    assert_ne!(admin_one.id, admin_two.id);
    assert_eq!(admin_one.email, admin_two.email);
}

async fn another_tenants_ids_are_not_found_and_untouched(h: &Harness) {
    let (_, a) = h.tenant("Tenant A").await;
    let (_, b) = h.tenant("Tenant B").await;
    let (a_user, _) = h.user(&a, Role::Manager, None).await;
    let team = h.team(&a, "Équipe A", a_user.id).await;
    let org = h
        .app
        .create_organization(
            &a,
            &OrganizationInput {
                name: "Org A".into(),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let contact = h.app.create_contact(&a, &input("Alice", "Aubert"), None, false).await.unwrap();
    let p = h.app.create_pipeline(&a, "Ventes A", &stages()).await.unwrap();
    let opp = h
        .app
        .create_opportunity(
            &a,
            p.id,
            None,
            &OpportunityInput {
                title: "Deal A".into(),
                value_minor: 100_000,
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let log_before = h.app.events_after(&a, 0, 1000).await.unwrap();

    let nf = |r: Result<(), ServiceError>, what: &str| assert!(matches!(r, Err(ServiceError::NotFound)), "{what}: {r:?}");
    nf(h.app.contact(&b, contact.id).await.map(drop), "contact");
    nf(
        h.app.update_contact(&b, contact.id, 1, &input("X", "Y")).await.map(drop),
        "update contact",
    );
    nf(h.app.assign_contact(&b, contact.id, 1, a_user.id).await.map(drop), "assign contact");
    nf(h.app.delete_contact(&b, contact.id, 1).await, "delete contact");
    nf(h.app.restore_contact(&b, contact.id).await.map(drop), "restore contact");
    let b_contact = h.app.create_contact(&b, &input("Bruno", "Bellec"), None, false).await.unwrap();
    nf(
        h.app.merge_contacts(&b, b_contact.id, 1, contact.id, 1).await.map(drop),
        "merge into B",
    );
    nf(
        h.app.merge_contacts(&b, contact.id, 1, b_contact.id, 1).await.map(drop),
        "merge from B",
    );
    nf(h.app.organization(&b, org.id).await.map(drop), "organization");
    nf(
        h.app
            .update_organization(
                &b,
                org.id,
                1,
                &OrganizationInput {
                    name: "X".into(),
                    ..OrganizationInput::default()
                },
            )
            .await
            .map(drop),
        "update org",
    );
    nf(h.app.delete_organization(&b, org.id, 1).await, "delete org");
    nf(h.app.pipeline(&b, p.id).await.map(drop), "pipeline");
    nf(
        h.app.update_pipeline(&b, p.id, 1, "X", &stages(), &[]).await.map(drop),
        "update pipeline",
    );
    nf(h.app.delete_pipeline(&b, p.id, 1).await, "delete pipeline");
    nf(h.app.opportunity(&b, opp.id).await.map(drop), "opportunity");
    nf(h.app.move_opportunity(&b, opp.id, 1, p.stages[1].id).await.map(drop), "move");
    nf(h.app.win_opportunity(&b, opp.id, 1).await.map(drop), "win");
    nf(h.app.lose_opportunity(&b, opp.id, 1, "x").await.map(drop), "lose");
    nf(h.app.reopen_opportunity(&b, opp.id, 1).await.map(drop), "reopen");
    nf(h.app.delete_opportunity(&b, opp.id, 1).await, "delete opp");
    nf(h.app.user(&b, a_user.id).await.map(drop), "user");
    nf(
        h.app.update_user(&b, a_user.id, 1, &UserPatch::default()).await.map(drop),
        "update user",
    );
    nf(h.app.team(&b, team).await.map(drop), "team");
    nf(
        h.app
            .update_team(
                &b,
                team,
                1,
                &TeamInput {
                    name: "X".into(),
                    manager_id: a_user.id,
                    territory: None,
                },
            )
            .await
            .map(drop),
        "update team",
    );
    nf(
        h.app.history_of(&b, EntityType::Contact, contact.id.as_uuid(), 10).await.map(drop),
        "history",
    );
    // B's own writes cannot point into A either.
    let mut sneaky = input("Bob", "Bernard");
    sneaky.organization_id = Some(org.id);
    assert!(matches!(
        h.app.create_contact(&b, &sneaky, None, false).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        h.app.create_contact(&b, &input("Bob", "Bernard"), Some(a_user.id), false).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        h.app
            .create_opportunity(
                &b,
                p.id,
                None,
                &OpportunityInput {
                    title: "x".into(),
                    ..OpportunityInput::default()
                },
                None
            )
            .await,
        Err(ServiceError::Invalid(_))
    ));
    // Nothing changed in A.
    assert_eq!(h.app.events_after(&a, 0, 1000).await.unwrap(), log_before);
    assert_eq!(h.app.contact(&a, contact.id).await.unwrap(), contact);
    assert_eq!(h.app.opportunity(&a, opp.id).await.unwrap(), opp);
}

contract!(
    settings_and_admin,
    one_login_email_may_admin_several_tenants,
    another_tenants_ids_are_not_found_and_untouched
);
