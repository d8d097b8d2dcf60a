//! A company's password and session rules, on both backends: its minimum length, common
//! or easily guessed passwords refused (a known one, a keyboard row, the person's own name)
//! wherever a password is chosen, unless the company turned that off; its session lifetime
//! at the next login.

use crate::harness::{Harness, email};
use crm_domain::tenant::SettingsInput;
use crm_domain::{Actor, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;

fn fault(e: ServiceError) -> (String, ViolationKind) {
    match e {
        ServiceError::Invalid(v) => (v.errors()[0].field.clone(), v.errors()[0].kind),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_company_sets_its_password_and_session_rules(h: &Harness) {
    const PW: &str = "une phrase de passe longue";
    let admin_email = email("admin");
    // A new company's defaults already refuse a common password.
    let common = h
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Règles Strictes".into(),
                admin_email: admin_email.clone(),
                admin_name: "Ada Admin".into(),
                admin_password: Some("azertyuiop123".into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(fault(common), ("admin_password".to_owned(), ViolationKind::Common));
    let (t, admin_user) = h
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: "Règles Strictes".into(),
                admin_email: admin_email.clone(),
                admin_name: "Ada Admin".into(),
                admin_password: Some(PW.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    let admin = Actor::User {
        tenant_id: t.id,
        user_id: admin_user.id,
        role: admin_user.role,
    };
    let s = h.app.login(&admin_email, PW).await.unwrap();
    assert_eq!((s.expires_at - h.app.now()).num_hours(), 11, "12 hours by default");

    h.app
        .update_tenant(
            &admin,
            t.version,
            None,
            &SettingsInput {
                password_min_length: Some(20),
                session_hours: Some(2),
                ..SettingsInput::default()
            },
        )
        .await
        .unwrap();
    let bad = h
        .app
        .update_tenant(
            &admin,
            t.version + 1,
            None,
            &SettingsInput {
                password_min_length: Some(8),
                session_hours: Some(169),
                ..SettingsInput::default()
            },
        )
        .await
        .unwrap_err();
    match bad {
        ServiceError::Invalid(v) => {
            let got: Vec<(String, ViolationKind)> = v.errors().iter().map(|e| (e.field.clone(), e.kind)).collect();
            assert_eq!(
                got,
                [
                    ("settings.password_min_length".to_owned(), ViolationKind::TooSmall),
                    ("settings.session_hours".to_owned(), ViolationKind::TooLarge)
                ]
            );
        }
        other => panic!("{other:?}"),
    }

    // The next login lasts two hours.
    let s = h.app.login(&admin_email, PW).await.unwrap();
    let left = (s.expires_at - h.app.now()).num_minutes();
    assert!((110..=120).contains(&left), "{left} minutes");

    // Under the company's length, refused; a common one, refused; a phrase, taken.
    let rep_email = email("rep");
    let new_user = |password: &str| NewUser {
        email: rep_email.clone(),
        display_name: "Rémi Lambert".into(),
        role: "sales".into(),
        team_id: None,
        password: Some(password.into()),
    };
    assert_eq!(
        fault(h.app.create_user(&admin, &new_user("cheval agrafe bleu")).await.unwrap_err()),
        ("password".to_owned(), ViolationKind::TooSmall),
        "18 characters, under the company's 20"
    );
    assert_eq!(
        fault(h.app.create_user(&admin, &new_user("lambertlambertlambert")).await.unwrap_err()),
        ("password".to_owned(), ViolationKind::Common),
        "built on the person's own name"
    );
    let rep = h
        .app
        .create_user(&admin, &new_user("une phrase de passe bien plus longue"))
        .await
        .unwrap();
    let rep_actor = Actor::User {
        tenant_id: t.id,
        user_id: rep.id,
        role: rep.role,
    };
    // Changing one's password and an Admin setting it follow the same rules.
    assert_eq!(
        fault(
            h.app
                .change_password(&rep_actor, "une phrase de passe bien plus longue", "passwordpasswordpassword")
                .await
                .unwrap_err()
        ),
        ("new_password".to_owned(), ViolationKind::Common)
    );
    assert_eq!(
        fault(h.app.set_user_password(&admin, rep.id, "qwertyuiopqwertyuiop").await.unwrap_err()),
        ("password".to_owned(), ViolationKind::Common)
    );
    // The company turns the check off: its length rule stays.
    let v = h.app.tenant(&admin).await.unwrap().version;
    h.app
        .update_tenant(
            &admin,
            v,
            None,
            &SettingsInput {
                refuse_common_passwords: Some(false),
                ..SettingsInput::default()
            },
        )
        .await
        .unwrap();
    h.app.set_user_password(&admin, rep.id, "qwertyuiopqwertyuiop").await.unwrap();
    assert_eq!(
        fault(h.app.set_user_password(&admin, rep.id, "qwertyuiop").await.unwrap_err()),
        ("password".to_owned(), ViolationKind::TooSmall)
    );
}

contract!(a_company_sets_its_password_and_session_rules);
