//! The second factor through the API and the SDK, with codes from an independent TOTP
//! implementation (Python's `pyotp`, reading the `otpauth://` address as an app does): the
//! set-up confirmed, the login's ticket and code, the same code replayed and refused, a
//! recovery code good once, an Admin's reset; the company's rule for Admins.

use crate::support::{PASSWORD, spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::Settings;
use crm_sdk::{Client, Error, ErrorCode};
use std::process::Command;

/// The code `pyotp` computes now for an `otpauth://` address, `offset` steps away.
fn pyotp(uri: &str, offset: i64) -> String {
    let script = "import sys, time, pyotp\n\
                  t = pyotp.parse_uri(sys.argv[1])\n\
                  print(t.at(int(time.time()) + 30 * int(sys.argv[2])))";
    let out = Command::new("python3")
        .args(["-c", script, uri, &offset.to_string()])
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "pyotp failed (pip install pyotp): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The ticket of a login that asks for a code, and whether a set-up comes first.
async fn ticket(c: &Client, email: &str) -> (String, bool) {
    match c.login(email, PASSWORD).await {
        Err(Error::Api { code, problem }) => {
            assert_eq!(code, ErrorCode::SecondFactorRequired);
            assert_eq!(problem.status, 401);
            let t = problem.second_factor.expect("the ticket");
            (t.ticket, t.enrol)
        }
        other => panic!("expected second_factor_required, got {other:?}"),
    }
}

fn refused_code(e: Error) {
    match e {
        Error::Api { code, problem } => {
            assert_eq!(code, ErrorCode::ValidationFailed);
            assert_eq!(problem.errors[0].field, "code");
            assert_eq!(problem.errors[0].code, "incorrect");
        }
        other => panic!("expected a refused code, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_from_pyotp_open_the_session_once() {
    let s = spawn_app().await;
    let a = tenant(&s, "Facteur Deux").await;
    let rep = a.client(Role::Sales);
    let email = &a.emails[&Role::Sales];

    assert!(!rep.second_factor().await.unwrap().enabled);
    let setup = rep.begin_second_factor().await.unwrap();
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/Facteur%20Deux:"));
    let first = pyotp(&setup.otpauth_uri, 0);
    let codes = rep.confirm_second_factor(&first).await.unwrap().recovery_codes;
    assert_eq!(codes.len(), 10);
    let status = rep.second_factor().await.unwrap();
    assert!(status.enabled && status.recovery_codes_left == 10 && !status.required);

    // The password alone opens nothing now; the ticket is no bearer token.
    let anonymous = Client::new(&s.base).unwrap();
    let (t, enrol) = ticket(&anonymous, email).await;
    assert!(!enrol);
    assert_eq!(
        anonymous.with_token(&t).me().await.unwrap_err().status(),
        Some(401),
        "a ticket is not a session"
    );
    // The code that confirmed the set-up was taken: a replay.
    refused_code(anonymous.login_second_factor(&t, &first).await.unwrap_err());
    let next = pyotp(&setup.otpauth_uri, 1);
    let login = anonymous.login_second_factor(&t, &next).await.unwrap();
    assert!(login.recovery_codes.is_none());
    let me = anonymous.with_token(&login.token).me().await.unwrap();
    assert_eq!(me.user_id, Some(a.user(Role::Sales)));
    // The same code again, with a new ticket: refused.
    let (t, _) = ticket(&anonymous, email).await;
    refused_code(anonymous.login_second_factor(&t, &next).await.unwrap_err());
    // A recovery code opens one login.
    anonymous.login_second_factor(&t, &codes[0]).await.unwrap();
    let (t, _) = ticket(&anonymous, email).await;
    refused_code(anonymous.login_second_factor(&t, &codes[0]).await.unwrap_err());
    assert_eq!(rep.second_factor().await.unwrap().recovery_codes_left, 9);

    // A lost phone: the Admin resets it; the password alone opens the session again.
    a.client(Role::Admin).reset_second_factor(a.user(Role::Sales)).await.unwrap();
    anonymous.login(email, PASSWORD).await.unwrap();
    assert!(!rep.second_factor().await.unwrap().enabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_requiring_it_has_its_admins_set_it_up_at_login() {
    let s = spawn_app().await;
    let a = tenant(&s, "Exigence").await;
    let admin = a.client(Role::Admin);
    let t = admin.tenant().await.unwrap();
    admin
        .update_tenant(
            t.version,
            None,
            Some(&Settings {
                second_factor_for_admins: Some(true),
                ..Settings::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(admin.tenant().await.unwrap().settings.second_factor_for_admins, Some(true));
    assert!(admin.second_factor().await.unwrap().required);

    // A rep logs in with the password alone; the Admin sets up a factor on the way in.
    let anonymous = Client::new(&s.base).unwrap();
    anonymous.login(&a.emails[&Role::Sales], PASSWORD).await.unwrap();
    let (t, enrol) = ticket(&anonymous, &a.emails[&Role::Admin]).await;
    assert!(enrol);
    let setup = anonymous.begin_second_factor_at_login(&t).await.unwrap();
    let login = anonymous.login_second_factor(&t, &pyotp(&setup.otpauth_uri, 0)).await.unwrap();
    assert_eq!(login.recovery_codes.map(|c| c.len()), Some(10));
    let signed = anonymous.with_token(&login.token);
    assert!(signed.second_factor().await.unwrap().enabled);
    // Required: it cannot be removed.
    match signed.remove_second_factor(&pyotp(&setup.otpauth_uri, 1)).await.unwrap_err() {
        Error::Api { problem, .. } => assert_eq!(problem.errors[0].code, "not_allowed"),
        other => panic!("{other:?}"),
    }
}
