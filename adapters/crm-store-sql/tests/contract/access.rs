//! Who may get in: deactivating a user ends every way in and gives them no new work;
//! the one-time links to choose a password work once, end when replaced or expired, and
//! two uses at once let one through.

use crate::contacts::input;
use crate::harness::{Harness, actor_of, email};
use crm_domain::Actor;
use crm_domain::user::User;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_ports::{FixedClock, ServiceError};

const PW: &str = "une phrase de passe longue";

async fn company(h: &Harness) -> Actor {
    let (_, admin) = h
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Accès SA".into(),
                admin_email: email("admin"),
                admin_name: "Ada Admin".into(),
                admin_password: Some(PW.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    actor_of(&admin)
}

async fn rep(h: &Harness, admin: &Actor, password: Option<&str>) -> User {
    h.app
        .create_user(
            admin,
            &NewUser {
                email: email("rep"),
                display_name: "Rémi Rep".into(),
                role: "sales".into(),
                team_id: None,
                password: password.map(str::to_owned),
            },
        )
        .await
        .unwrap()
}

fn field_of(r: Result<impl std::fmt::Debug, ServiceError>) -> String {
    match r {
        Err(ServiceError::Invalid(e)) => format!("{}: {}", e.errors()[0].field, e.errors()[0].kind.code()),
        other => panic!("{other:?}"),
    }
}

async fn deactivated_users_are_out_and_get_no_new_work(h: &Harness) {
    let admin = company(h).await;
    let u = rep(h, &admin, Some(PW)).await;
    let session = h.app.login(u.email.as_str(), PW).await.unwrap();
    let (_, api) = h.app.create_api_token(&actor_of(&u), "ERP", 30).await.unwrap();
    let contact = h
        .app
        .create_contact(&admin, &input("Chez", "Remi"), Some(u.id), true)
        .await
        .unwrap();
    // Nobody deactivates themselves.
    let me = admin.user_id().unwrap();
    let v = h.app.user(&admin, me).await.unwrap().version;
    assert_eq!(field_of(h.app.deactivate_user(&admin, me, v).await), "id: not_allowed");
    // A stale version is a conflict, nothing changes.
    assert!(matches!(
        h.app.deactivate_user(&admin, u.id, u.version + 1).await,
        Err(ServiceError::Conflict)
    ));
    let off = h.app.deactivate_user(&admin, u.id, u.version).await.unwrap();
    assert!(!off.is_active());
    assert_eq!(h.app.user(&admin, u.id).await.unwrap().deactivated_at, off.deactivated_at);
    // Again: nothing more.
    assert_eq!(h.app.deactivate_user(&admin, u.id, off.version).await.unwrap(), off);
    for secret in [&session.token, &api] {
        assert!(matches!(h.app.authenticate(secret).await, Err(ServiceError::Unauthenticated)));
    }
    assert!(matches!(
        h.app.login(u.email.as_str(), PW).await,
        Err(ServiceError::Unauthenticated)
    ));
    assert_eq!(field_of(h.app.issue_access_link(&admin, u.id).await), "id: not_allowed");
    // Their records stay theirs; nothing new goes to them.
    assert_eq!(h.app.contact(&admin, contact.id).await.unwrap().owner_id, u.id);
    assert_eq!(
        field_of(h.app.create_contact(&admin, &input("Nouveau", "Remi"), Some(u.id), true).await),
        "owner_id: not_allowed"
    );
    let back = h.app.reactivate_user(&admin, u.id, off.version).await.unwrap();
    assert!(back.is_active());
    // Back in with the same password; the tokens ended by the deactivation stay ended.
    h.app.login(u.email.as_str(), PW).await.unwrap();
    assert!(matches!(h.app.authenticate(&api).await, Err(ServiceError::Unauthenticated)));
    let c = h
        .app
        .create_contact(&admin, &input("Encore", "Remi"), Some(u.id), true)
        .await
        .unwrap();
    assert_eq!(c.owner_id, u.id);
}

async fn access_links_work_once(h: &Harness) {
    let admin = company(h).await;
    let u = rep(h, &admin, None).await;
    assert!(matches!(
        h.app.login(u.email.as_str(), PW).await,
        Err(ServiceError::Unauthenticated)
    ));
    let link = h.app.issue_access_link(&admin, u.id).await.unwrap();
    let week = (link.expires_at - h.app.now()).num_minutes();
    assert!((7 * 24 * 60 - 1..=7 * 24 * 60).contains(&week), "{week}");
    // A link is not a session.
    assert!(matches!(h.app.authenticate(&link.secret).await, Err(ServiceError::Unauthenticated)));
    assert_eq!(h.app.access_link_user(&link.secret).await.unwrap().id, u.id);
    // A password that breaks the rules: said, and the link still works.
    assert_eq!(
        field_of(h.app.redeem_access_link(&link.secret, "court").await),
        "password: too_small"
    );
    assert!(matches!(
        h.app.login(u.email.as_str(), PW).await,
        Err(ServiceError::Unauthenticated)
    ));
    h.app.redeem_access_link(&link.secret, PW).await.unwrap();
    h.app.login(u.email.as_str(), PW).await.unwrap();
    // Once only.
    assert!(matches!(h.app.access_link_user(&link.secret).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        h.app.redeem_access_link(&link.secret, "une autre phrase longue").await,
        Err(ServiceError::NotFound)
    ));
    // A new link replaces the one before; it ends after seven days.
    let first = h.app.issue_access_link(&admin, u.id).await.unwrap();
    let second = h.app.issue_access_link(&admin, u.id).await.unwrap();
    assert!(matches!(h.app.access_link_user(&first.secret).await, Err(ServiceError::NotFound)));
    let later = h.app.with_clock(FixedClock(second.expires_at));
    assert!(matches!(
        later.redeem_access_link(&second.secret, PW).await,
        Err(ServiceError::NotFound)
    ));
    // Two uses at once: one sets the password, the other finds the link ended.
    let (a, b) = tokio::join!(
        h.app.redeem_access_link(&second.secret, "première phrase longue"),
        h.app.redeem_access_link(&second.secret, "seconde phrase longue"),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let won = if a.is_ok() {
        "première phrase longue"
    } else {
        "seconde phrase longue"
    };
    h.app.login(u.email.as_str(), won).await.unwrap();
    // A deactivated user's live link ends with them.
    let live = h.app.issue_access_link(&admin, u.id).await.unwrap();
    let v = h.app.user(&admin, u.id).await.unwrap().version;
    h.app.deactivate_user(&admin, u.id, v).await.unwrap();
    assert!(matches!(
        h.app.redeem_access_link(&live.secret, PW).await,
        Err(ServiceError::NotFound)
    ));
    // Only an Admin issues links.
    let other = rep(h, &admin, Some(PW)).await;
    assert!(matches!(
        h.app.issue_access_link(&actor_of(&other), other.id).await,
        Err(ServiceError::Forbidden)
    ));
}

async fn a_suspended_company_is_closed_until_reinstated(h: &Harness) {
    let (tenant, admin_user, link) = h
        .app
        .create_tenant_invited(
            &Actor::Operator,
            &NewTenant {
                name: "Suspendue SA".into(),
                admin_email: email("premiere"),
                admin_name: "Première Admin".into(),
                admin_password: Some("ignoré, un lien est donné".into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    // The first Admin chooses a password with the link.
    assert!(matches!(
        h.app.login(admin_user.email.as_str(), PW).await,
        Err(ServiceError::Unauthenticated)
    ));
    h.app.redeem_access_link(&link.secret, PW).await.unwrap();
    let session = h.app.login(admin_user.email.as_str(), PW).await.unwrap();
    let admin = actor_of(&admin_user);
    let (_, api) = h.app.create_api_token(&admin, "ERP", 30).await.unwrap();
    h.app.create_contact(&admin, &input("Chez", "Suspendue"), None, true).await.unwrap();
    let counts = |all: Vec<(crm_domain::tenant::Tenant, crm_ports::store::TenantCounts)>| {
        all.into_iter()
            .find(|(t, _)| t.id == tenant.id)
            .map(|(t, c)| (t.suspended_at.is_some(), c))
    };
    let (suspended, c) = counts(h.app.tenant_overview(&Actor::Operator).await.unwrap()).unwrap();
    assert!(!suspended);
    assert_eq!((c.users, c.contacts, c.open_deals), (1, 1, 0));
    // Only the operator suspends.
    assert!(matches!(
        h.app.set_tenant_suspended(&admin, tenant.id, true).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(h.app.tenant_overview(&admin).await, Err(ServiceError::Forbidden)));
    let t = h.app.set_tenant_suspended(&Actor::Operator, tenant.id, true).await.unwrap();
    assert!(t.suspended_at.is_some());
    for secret in [&session.token, &api] {
        assert!(matches!(h.app.authenticate(secret).await, Err(ServiceError::Unauthenticated)));
    }
    assert!(matches!(
        h.app.login(admin_user.email.as_str(), PW).await,
        Err(ServiceError::Unauthenticated)
    ));
    assert!(counts(h.app.tenant_overview(&Actor::Operator).await.unwrap()).unwrap().0);
    // Another company is not touched.
    let other = company(h).await;
    assert!(h.app.tenant(&other).await.unwrap().suspended_at.is_none());
    // Reinstated: the same password and the same API token work again.
    h.app.set_tenant_suspended(&Actor::Operator, tenant.id, false).await.unwrap();
    h.app.login(admin_user.email.as_str(), PW).await.unwrap();
    assert_eq!(h.app.authenticate(&api).await.unwrap().actor, admin);
}

contract!(
    deactivated_users_are_out_and_get_no_new_work,
    access_links_work_once,
    a_suspended_company_is_closed_until_reinstated
);
