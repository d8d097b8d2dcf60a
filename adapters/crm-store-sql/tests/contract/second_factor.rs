//! The second factor through the use cases, on both backends: set up and confirmed with a
//! code, the login's ticket and code, a replayed or old code refused, a recovery code good
//! once, new codes, the removal; the company's rule for Admins (set up at the login);
//! an Admin's reset; the secret sealed at rest; the walls.

use crate::erasure::{holds, on_disk};
use crate::harness::{Harness, email};
use crm_domain::ViolationKind;
use crm_domain::event::EventKind;
use crm_domain::second_factor::{step_at, typed_code};
use crm_domain::tenant::SettingsInput;
use crm_domain::user::Role;
use crm_domain::{Actor, UserId};
use crm_ports::services::auth::LoginRequest;
use crm_ports::services::second_factor::Enrolment;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_ports::{Credentials, ServiceError};

const PW: &str = "une phrase de passe longue";

/// The code of a base32 secret (as the page shows it, in groups) at `offset` steps from
/// now, by the credentials' HMAC.
fn code(h: &Harness, e: &Enrolment, offset: i64) -> String {
    let secret = base32_decode(&e.secret.replace(' ', ""));
    let now = i64::try_from(step_at(h.app.now().timestamp()).unwrap()).unwrap();
    let step = u64::try_from(now + offset).unwrap();
    format!("{:06}", crate::harness::creds().one_time_code(&secret, step))
}

fn base32_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buf, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in s.bytes() {
        let v = u32::try_from(A.iter().position(|a| *a == c).unwrap()).unwrap();
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buf >> bits) & 0xff).unwrap());
        }
        buf &= (1 << bits) - 1;
    }
    out
}

fn fault(e: ServiceError) -> (String, ViolationKind) {
    match e {
        ServiceError::Invalid(v) => (v.errors()[0].field.clone(), v.errors()[0].kind),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn company(h: &Harness, name: &str) -> (String, Actor) {
    let admin_email = email("admin");
    let (t, admin) = h
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: name.into(),
                admin_email: admin_email.clone(),
                admin_name: "Ada Admin".into(),
                admin_password: Some(PW.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    let actor = Actor::User {
        tenant_id: t.id,
        user_id: admin.id,
        role: admin.role,
    };
    (admin_email, actor)
}

/// The ticket of a login that asks for a code.
async fn ticket(h: &Harness, email: &str) -> (String, bool) {
    let req = LoginRequest {
        email,
        password: PW,
        tenant_id: None,
        client: Some("203.0.113.9"),
        device: Some("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"),
    };
    match h.app.login_with(&req).await {
        Err(ServiceError::SecondFactorRequired { ticket, enrol }) => (ticket.0, enrol),
        other => panic!("expected a second step, got {other:?}"),
    }
}

async fn a_code_is_good_once_and_a_recovery_code_too(h: &Harness) {
    let (admin_email, admin) = company(h, "Double facteur SA").await;
    let (_, stranger) = company(h, "Autre maison").await;
    let user = admin.user_id().unwrap();

    // Off: the password opens the session.
    let status = h.app.second_factor_status(&admin).await.unwrap();
    assert!(!status.enabled && !status.required && status.recovery_codes_left == 0);
    h.app.login(&admin_email, PW).await.unwrap();

    // Set up: the address names the company and the person; the secret is sealed at rest.
    let e = h.app.begin_second_factor(&admin).await.unwrap();
    assert!(
        e.otpauth_uri.starts_with("otpauth://totp/Double%20facteur%20SA:"),
        "{}",
        e.otpauth_uri
    );
    assert!(e.otpauth_uri.contains(&admin_email) && e.otpauth_uri.contains(&e.secret.replace(' ', "")));
    assert_eq!(e.secret.replace(' ', "").len(), 32, "160 bits in base32");
    let secret = base32_decode(&e.secret.replace(' ', ""));
    let disk = on_disk(h);
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!disk.windows(secret.len()).any(|w| w == secret.as_slice()), "the secret is sealed");
    assert!(
        !holds(&disk, &hex) && !holds(&disk, &e.secret.replace(' ', "")),
        "the secret is sealed"
    );
    // Not on until confirmed: the password still opens the session.
    h.app.login(&admin_email, PW).await.unwrap();
    // A second set-up replaces the first one's secret.
    let e = h.app.begin_second_factor(&admin).await.unwrap();
    assert_ne!(base32_decode(&e.secret.replace(' ', "")), secret);
    assert_eq!(
        fault(h.app.confirm_second_factor(&admin, "12345").await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    assert_eq!(
        fault(h.app.confirm_second_factor(&admin, &code(h, &e, -3)).await.unwrap_err()).1,
        ViolationKind::Incorrect,
        "a code of a minute and a half ago"
    );
    let first = code(h, &e, 0);
    let codes = h.app.confirm_second_factor(&admin, &first).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 19 && c.matches('-').count() == 3), "{codes:?}");
    let status = h.app.second_factor_status(&admin).await.unwrap();
    assert!(status.enabled && status.enabled_at.is_some() && status.recovery_codes_left == 10);
    assert!(matches!(h.app.begin_second_factor(&admin).await, Err(ServiceError::Conflict)));

    // The login asks for a code; the ticket opens nothing by itself.
    let (t, enrol) = ticket(h, &admin_email).await;
    assert!(!enrol);
    assert!(matches!(h.app.authenticate(&t).await, Err(ServiceError::Unauthenticated)));
    assert!(matches!(
        h.app.login_second_factor("crm_forged", &code(h, &e, 1)).await,
        Err(ServiceError::Unauthenticated)
    ));
    // The code that confirmed the set-up was taken: refused.
    assert_eq!(
        fault(h.app.login_second_factor(&t, &first).await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    let next = code(h, &e, 1);
    let step = h.app.login_second_factor(&t, &next).await.unwrap();
    assert!(step.recovery_codes.is_none());
    assert_eq!(step.session.actor, admin);
    let auth = h.app.authenticate(&step.session.token).await.unwrap();
    assert_eq!(auth.actor, admin);
    // The session is named by the device of the password's step.
    let sessions = h.app.list_sessions(&admin).await.unwrap();
    assert!(
        sessions
            .iter()
            .any(|s| s.id == auth.token_id && s.name.as_deref() == Some("Firefox · Linux"))
    );
    // The ticket ended with its use.
    assert!(matches!(
        h.app.login_second_factor(&t, &code(h, &e, 1)).await,
        Err(ServiceError::Unauthenticated)
    ));
    // The same code again, with a new ticket: a replay, refused.
    let (t, _) = ticket(h, &admin_email).await;
    assert_eq!(
        fault(h.app.login_second_factor(&t, &next).await.unwrap_err()).1,
        ViolationKind::Incorrect
    );

    // A recovery code, typed in lower case with spaces: good once.
    let typed = codes[3].to_lowercase().replace('-', " ");
    assert!(typed_code(&typed).is_none());
    h.app.login_second_factor(&t, &typed).await.unwrap();
    let (t, _) = ticket(h, &admin_email).await;
    assert_eq!(
        fault(h.app.login_second_factor(&t, &codes[3]).await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    assert_eq!(h.app.second_factor_status(&admin).await.unwrap().recovery_codes_left, 9);
    // Two logins racing with one recovery code: one wins.
    let (t2, _) = ticket(h, &admin_email).await;
    let (a, b) = tokio::join!(h.app.login_second_factor(&t, &codes[5]), h.app.login_second_factor(&t2, &codes[5]));
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} {b:?}");

    // New recovery codes: the old ones stop working.
    let renewed = h.app.renew_recovery_codes(&admin, &codes[6]).await.unwrap();
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|c| !codes.contains(c)));
    let (t, _) = ticket(h, &admin_email).await;
    assert_eq!(
        fault(h.app.login_second_factor(&t, &codes[7]).await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    h.app.login_second_factor(&t, &renewed[0]).await.unwrap();

    // The walls: another company's Admin does not see or reset this one's.
    let user_elsewhere = UserId::from_uuid(user.as_uuid());
    assert!(matches!(
        h.app.reset_second_factor(&stranger, user_elsewhere).await,
        Err(ServiceError::NotFound)
    ));
    assert!(h.app.second_factor_users(&stranger).await.unwrap().is_empty());
    assert_eq!(h.app.second_factor_users(&admin).await.unwrap(), vec![user]);

    // Removed with a code: the password alone opens the session again.
    assert_eq!(
        fault(h.app.remove_second_factor(&admin, "000000").await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    h.app.remove_second_factor(&admin, &renewed[1]).await.unwrap();
    h.app.login(&admin_email, PW).await.unwrap();
    let kinds: Vec<EventKind> = h
        .app
        .history(
            &admin,
            &crm_ports::query::HistoryQuery::Entity {
                entity_type: crm_domain::event::EntityType::User,
                entity_id: user.as_uuid(),
                before: None,
            },
            50,
        )
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        EventKind::SecondFactorEnabled,
        EventKind::RecoveryCodesRenewed,
        EventKind::SecondFactorRemoved,
    ] {
        assert!(kinds.contains(&k), "{k:?} in {kinds:?}");
    }
}

async fn a_company_can_require_it_of_its_admins(h: &Harness) {
    let (admin_email, admin) = company(h, "Exigeante SARL").await;
    let rep_email = email("rep");
    let rep = h
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
    let t = h.app.tenant(&admin).await.unwrap();
    h.app
        .update_tenant(
            &admin,
            t.version,
            None,
            &SettingsInput {
                second_factor_for_admins: Some(true),
                ..SettingsInput::default()
            },
        )
        .await
        .unwrap();
    assert!(h.app.tenant(&admin).await.unwrap().settings.second_factor_for_admins);
    // A rep is not concerned.
    h.app.login(&rep_email, PW).await.unwrap();
    // The Admin without one sets it up at the login: the ticket gives the secret, the
    // first code confirms it and opens the session, with the recovery codes.
    let (ticket_, enrol) = ticket(h, &admin_email).await;
    assert!(enrol);
    assert!(matches!(
        h.app.begin_second_factor_at_login("crm_forged").await,
        Err(ServiceError::Unauthenticated)
    ));
    let e = h.app.begin_second_factor_at_login(&ticket_).await.unwrap();
    assert_eq!(
        fault(h.app.login_second_factor(&ticket_, "123456").await.unwrap_err()).1,
        ViolationKind::Incorrect
    );
    let step = h.app.login_second_factor(&ticket_, &code(h, &e, 0)).await.unwrap();
    assert_eq!(step.session.actor, admin);
    assert_eq!(step.recovery_codes.as_ref().map(Vec::len), Some(10));
    let status = h.app.second_factor_status(&admin).await.unwrap();
    assert!(status.enabled && status.required);
    // It cannot be removed while required.
    assert_eq!(
        fault(h.app.remove_second_factor(&admin, &code(h, &e, 1)).await.unwrap_err()),
        ("code".to_owned(), ViolationKind::NotAllowed)
    );
    // A rep cannot reset it; an Admin resets another Admin's (a lost phone).
    let rep_actor = Actor::User {
        tenant_id: admin.tenant_id().unwrap(),
        user_id: rep.id,
        role: Role::Sales,
    };
    let admin_user = admin.user_id().unwrap();
    assert!(matches!(
        h.app.reset_second_factor(&rep_actor, admin_user).await,
        Err(ServiceError::Forbidden)
    ));
    h.app.reset_second_factor(&admin, admin_user).await.unwrap();
    let (_, enrol) = ticket(h, &admin_email).await;
    assert!(enrol, "required still: a new set-up at the next login");
}

contract!(a_code_is_good_once_and_a_recovery_code_too, a_company_can_require_it_of_its_admins);
