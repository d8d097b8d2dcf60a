//! Authentication through the store: logins, sessions, API tokens, password changes,
//! operators.

use crate::harness::{Harness, email};
use crm_domain::Actor;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::services::auth::LoginRequest;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{NewUser, UserPatch};

const PW: &str = "une phrase de passe longue";

async fn tenant_with_password(h: &Harness) -> (String, Actor) {
    let admin_email = email("admin");
    let (t, admin) = h
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Auth SA".into(),
                admin_email: admin_email.clone(),
                admin_name: "Ada Admin".into(),
                admin_password: Some(PW.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    (
        admin_email,
        Actor::User {
            tenant_id: t.id,
            user_id: admin.id,
            role: admin.role,
        },
    )
}

async fn login_logout_and_wrong_credentials(h: &Harness) {
    let (admin_email, admin) = tenant_with_password(h).await;
    let s = h.app.login(&admin_email.to_uppercase(), PW).await.unwrap();
    assert_eq!(s.actor, admin);
    let auth = h.app.authenticate(&s.token).await.unwrap();
    assert_eq!(auth.actor, admin);
    assert!(h.app.csrf_matches(&auth, &s.csrf_token));
    assert!(!h.app.csrf_matches(&auth, "crm_forged"));
    for (e, p) in [
        (admin_email.as_str(), "mauvais mot de passe"),
        ("inconnu@exemple.fr", PW),
        ("pas un email", PW),
    ] {
        assert!(matches!(h.app.login(e, p).await, Err(ServiceError::Unauthenticated)), "{e}");
    }
    assert!(matches!(h.app.authenticate("crm_nope").await, Err(ServiceError::Unauthenticated)));
    h.app.logout(&auth).await.unwrap();
    assert!(matches!(h.app.authenticate(&s.token).await, Err(ServiceError::Unauthenticated)));
}

async fn password_change_ends_sessions_not_api_tokens(h: &Harness) {
    let (admin_email, admin) = tenant_with_password(h).await;
    let s1 = h.app.login(&admin_email, PW).await.unwrap();
    let (_, api) = h.app.create_api_token(&admin, "Intégration ERP", 30).await.unwrap();
    assert!(matches!(
        h.app.change_password(&admin, "pas le bon mot", "nouveau mot de passe sûr").await,
        Err(ServiceError::Unauthenticated)
    ));
    match h.app.change_password(&admin, PW, "court").await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "new_password"),
        other => panic!("{other:?}"),
    }
    h.app.change_password(&admin, PW, "nouveau mot de passe sûr").await.unwrap();
    assert!(matches!(h.app.authenticate(&s1.token).await, Err(ServiceError::Unauthenticated)));
    assert!(h.app.authenticate(&api).await.is_ok());
    assert!(matches!(h.app.login(&admin_email, PW).await, Err(ServiceError::Unauthenticated)));
    h.app.login(&admin_email, "nouveau mot de passe sûr").await.unwrap();
}

async fn api_tokens_are_personal_and_revocable(h: &Harness) {
    let (_, admin) = tenant_with_password(h).await;
    let rep_email = email("rep");
    let rep_user = h
        .app
        .create_user(
            &admin,
            &NewUser {
                email: rep_email.clone(),
                display_name: "Rémi Rep".into(),
                role: "sales".into(),
                team_id: None,
                password: Some(PW.into()),
            },
        )
        .await
        .unwrap();
    let rep = crate::harness::actor_of(&rep_user);
    let (rec, secret) = h.app.create_api_token(&rep, "Zapier", 7).await.unwrap();
    assert_eq!(h.app.authenticate(&secret).await.unwrap().actor, rep);
    assert_eq!(
        h.app.list_api_tokens(&rep).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(),
        [rec.id]
    );
    assert!(h.app.list_api_tokens(&admin).await.unwrap().is_empty());
    assert!(matches!(h.app.revoke_api_token(&admin, rec.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.create_api_token(&rep, "x", 0).await, Err(ServiceError::Invalid(_))));
    assert!(matches!(
        h.app.create_api_token(&rep, "x", 10_000).await,
        Err(ServiceError::Invalid(_))
    ));
    // A role change applies to existing tokens at once.
    h.app
        .update_user(
            &admin,
            rep_user.id,
            1,
            &UserPatch {
                role: Some("observer".into()),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
    match h.app.authenticate(&secret).await.unwrap().actor {
        Actor::User { role, .. } => assert_eq!(role, Role::Observer),
        other => panic!("{other:?}"),
    }
    h.app.revoke_api_token(&rep, rec.id).await.unwrap();
    assert!(matches!(h.app.authenticate(&secret).await, Err(ServiceError::Unauthenticated)));
    // The Admin sets a password for a user; that user's sessions end.
    let s = h.app.login(&rep_email, PW).await.unwrap();
    h.app
        .set_user_password(&admin, rep_user.id, "mot de passe donné par l'admin")
        .await
        .unwrap();
    assert!(matches!(h.app.authenticate(&s.token).await, Err(ServiceError::Unauthenticated)));
    assert!(matches!(
        h.app.set_user_password(&rep, rep_user.id, "mot de passe donné par moi").await,
        Err(ServiceError::Forbidden)
    ));
}

async fn operators_log_in_and_create_tenants(h: &Harness) {
    let op_email = email("operateur");
    h.app.bootstrap_operator(&op_email, PW).await.unwrap();
    assert!(matches!(
        h.app.bootstrap_operator(&op_email, PW).await,
        Err(ServiceError::Invalid(_))
    ));
    let s = h.app.login(&op_email, PW).await.unwrap();
    assert_eq!(s.actor, Actor::Operator);
    let auth = h.app.authenticate(&s.token).await.unwrap();
    let (t, _) = h
        .app
        .create_tenant(
            &auth.actor,
            &NewTenant {
                name: "Par l'opérateur".into(),
                admin_email: email("a"),
                admin_name: "A".into(),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    assert!(h.app.list_tenants(&auth.actor).await.unwrap().iter().any(|x| x.id == t.id));
    h.app.logout(&auth).await.unwrap();
    assert!(matches!(h.app.authenticate(&s.token).await, Err(ServiceError::Unauthenticated)));
    match h.app.bootstrap_operator(&email("op2"), "court").await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "password"),
        other => panic!("{other:?}"),
    }
}

async fn parallel_wrong_passwords_are_counted_before_checking(h: &Harness) {
    let (admin_email, _) = tenant_with_password(h).await;
    let req = LoginRequest {
        email: &admin_email,
        password: "mauvais mot de passe",
        tenant_id: None,
        client: Some("203.0.113.7"),
        device: None,
    };
    let results = futures::future::join_all((0..100).map(|_| h.app.login_with(&req))).await;
    let evaluated = results.iter().filter(|r| matches!(r, Err(ServiceError::Unauthenticated))).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(ServiceError::TooManyAttempts { retry_after_seconds }) if *retry_after_seconds > 0))
        .count();
    assert_eq!((evaluated, refused), (10, 90), "at most 10 of 100 parallel attempts are evaluated");
    // The right password is refused too now, here and in another process (replica,
    // restart) over the same store: the counters live in the store.
    let right = LoginRequest { password: PW, ..req };
    assert!(matches!(h.app.login_with(&right).await, Err(ServiceError::TooManyAttempts { .. })));
    let other = crm_ports::App::new(h.app.store().clone(), crate::harness::creds());
    assert!(matches!(other.login_with(&right).await, Err(ServiceError::TooManyAttempts { .. })));
    // The same email in any letter case is the same account.
    assert!(matches!(
        other.login(&admin_email.to_uppercase(), PW).await,
        Err(ServiceError::TooManyAttempts { .. })
    ));
}

async fn current_password_checks_are_throttled(h: &Harness) {
    let (_, admin) = tenant_with_password(h).await;
    for _ in 0..10 {
        assert!(matches!(
            h.app
                .change_password(&admin, "mauvais mot de passe", "nouveau mot de passe sûr")
                .await,
            Err(ServiceError::Unauthenticated)
        ));
    }
    assert!(matches!(
        h.app.change_password(&admin, PW, "nouveau mot de passe sûr").await,
        Err(ServiceError::TooManyAttempts { .. })
    ));
}

async fn one_email_in_several_tenants(h: &Harness) {
    let (consultant, admin_a) = tenant_with_password(h).await;
    let (tenant_b, admin_b) = h.tenant("Groupe B").await;
    // Tenant B may give a login to an address that is a login in tenant A: no `repeated`,
    // nothing learnt about A.
    let in_b = h
        .app
        .create_user(
            &admin_b,
            &NewUser {
                email: consultant.clone(),
                display_name: "Consultante".into(),
                role: "manager".into(),
                team_id: None,
                password: Some(PW.into()),
            },
        )
        .await
        .unwrap();
    // But twice in one tenant stays refused.
    let again = h
        .app
        .create_user(
            &admin_b,
            &NewUser {
                email: consultant.to_uppercase(),
                display_name: "Doublon".into(),
                role: "sales".into(),
                team_id: None,
                password: None,
            },
        )
        .await;
    assert!(
        matches!(again, Err(ServiceError::Invalid(ref e)) if e.errors()[0].field == "email"),
        "{again:?}"
    );
    // Same password in both: the login asks which company.
    let Err(ServiceError::ChooseTenant(choices)) = h.app.login(&consultant, PW).await else {
        panic!("expected a choice of tenants");
    };
    let ids: Vec<_> = choices.iter().map(|c| c.tenant_id).collect();
    assert_eq!(choices.len(), 2);
    assert!(ids.contains(&admin_a.tenant_id().unwrap()) && ids.contains(&tenant_b.id));
    assert!(choices.iter().any(|c| c.name == "Groupe B"));
    let s = h
        .app
        .login_with(&LoginRequest {
            email: &consultant,
            password: PW,
            tenant_id: Some(tenant_b.id),
            client: None,
            device: None,
        })
        .await
        .unwrap();
    assert_eq!(s.actor.user_id(), Some(in_b.id));
    assert_eq!(s.actor.tenant_id(), Some(tenant_b.id));
    // A wrong tenant id is a wrong login, never a hint.
    let wrong = h
        .app
        .login_with(&LoginRequest {
            email: &consultant,
            password: PW,
            tenant_id: Some(crm_domain::TenantId::from_uuid(uuid::Uuid::new_v4())),
            client: None,
            device: None,
        })
        .await;
    assert!(matches!(wrong, Err(ServiceError::Unauthenticated)));
    // Another password in B: each password opens its own company.
    h.app
        .set_user_password(&admin_b, in_b.id, "un autre mot de passe long")
        .await
        .unwrap();
    let s = h.app.login(&consultant, "un autre mot de passe long").await.unwrap();
    assert_eq!(s.actor.tenant_id(), Some(tenant_b.id));
    let s = h.app.login(&consultant, PW).await.unwrap();
    assert_eq!(s.actor, admin_a);
}

contract!(
    parallel_wrong_passwords_are_counted_before_checking,
    current_password_checks_are_throttled,
    one_email_in_several_tenants,
    login_logout_and_wrong_credentials,
    password_change_ends_sessions_not_api_tokens,
    api_tokens_are_personal_and_revocable,
    operators_log_in_and_create_tenants,
);
