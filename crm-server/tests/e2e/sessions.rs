//! One's open sessions through the API: each named by the device it was opened from, the
//! current one marked; one ended apart (its token stops working at once), the others all
//! at once; another person's session is not found. Behind TLS every answer carries HSTS.

use crate::support::{PASSWORD, spawn_app, spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_server::config::FileConfig;

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Logs in with a browser's `User-Agent`; the session's bearer token.
async fn login_as_browser(base: &str, email: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .header("user-agent", FIREFOX)
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn me_status(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_by_device_and_ended_apart_or_all_at_once() {
    let s = spawn_app().await;
    let a = tenant(&s, "Sessions").await;
    let rep = a.client(Role::Sales);
    let email = &a.emails[&Role::Sales];
    let browser = login_as_browser(&s.base, email).await;
    let second = login_as_browser(&s.base, email).await;

    let listed = rep.sessions().await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert_eq!(listed.iter().filter(|x| x.current).count(), 1, "this client's session is marked");
    assert_eq!(
        listed.iter().filter(|x| x.device.as_deref() == Some("Firefox · Windows")).count(),
        2
    );
    // Another person's session: not found, and it keeps working.
    let other = a.client(Role::Manager).sessions().await.unwrap()[0].id;
    assert!(rep.end_session(other).await.is_err());

    // One ended apart: its token stops at once.
    let newest = listed.iter().find(|x| !x.current).unwrap().id;
    rep.end_session(newest).await.unwrap();
    assert!(rep.end_session(newest).await.is_err(), "ended already");
    let (a_status, b_status) = (me_status(&s.base, &browser).await, me_status(&s.base, &second).await);
    assert_eq!(
        [a_status, b_status].iter().filter(|s| **s == 401).count(),
        1,
        "{a_status} {b_status}"
    );
    // The others at once; this one stays.
    assert_eq!(rep.end_other_sessions().await.unwrap().ended, 1);
    assert_eq!(me_status(&s.base, &browser).await, 401);
    assert_eq!(me_status(&s.base, &second).await, 401);
    let left = rep.sessions().await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].current);
    assert!(rep.me().await.is_ok());
    assert!(a.client(Role::Manager).me().await.is_ok(), "another person's session untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_tls_every_answer_carries_hsts() {
    let plain = spawn_app().await;
    let r = reqwest::get(format!("{}/healthz", plain.base)).await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none(), "not over plain HTTP");
    let proxied = reqwest::Client::new()
        .get(format!("{}/login", plain.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        proxied.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains",
        "a proxy terminating TLS says so"
    );
    let tls = spawn_app_with(
        tempfile::tempdir().unwrap(),
        FileConfig {
            secure_cookies: Some(true),
            ..FileConfig::default()
        },
    )
    .await;
    for path in ["/healthz", "/login", "/api/v1/auth/me"] {
        let r = reqwest::get(format!("{}{path}", tls.base)).await.unwrap();
        assert_eq!(
            r.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}
