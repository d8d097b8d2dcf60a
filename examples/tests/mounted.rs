//! Drives the `mounted` example: the CRM under `/crm` of a host application, through the
//! SDK and plain HTTP, then its graceful stop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const EMAIL: &str = "admin@intranet.example";
const PASSWORD: &str = "une phrase de passe solide";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crm_serves_its_api_under_the_hosts_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mounted"))
        .env("CRM_DATA_DIR", dir.path())
        .env("CRM_LISTEN", "127.0.0.1:0")
        .env("CRM_EXAMPLE_ADMIN_EMAIL", EMAIL)
        .env("CRM_EXAMPLE_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the example printed its address").unwrap();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let host = format!("http://{addr}");
    let http = reqwest::Client::new();

    // The host's own page, and the CRM's health and documentation under the prefix.
    let home = http.get(format!("{host}/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Intranet"));
    assert_eq!(http.get(format!("{host}/crm/healthz")).send().await.unwrap().status(), 200);
    let spec: serde_json::Value = http
        .get(format!("{host}/crm/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        spec["servers"][0]["url"], "/crm",
        "the docs page must send its requests under the prefix"
    );
    assert_eq!(http.get(format!("{host}/crm/api/docs")).send().await.unwrap().status(), 200);
    // Not at the host's root.
    assert_eq!(http.get(format!("{host}/api/v1/contacts")).send().await.unwrap().status(), 404);

    // The SDK works with the prefixed base URL.
    let crm = crm_sdk::Client::new(&format!("{host}/crm")).unwrap();
    let login = crm.login(EMAIL, PASSWORD).await.unwrap();
    let admin = crm.with_token(&login.token);
    let me = admin.me().await.unwrap();
    assert_eq!(me.role.as_deref(), Some("admin"));

    // The session cookie is scoped to the prefix; Location headers carry it.
    let login = http
        .post(format!("{host}/crm/api/v1/auth/login"))
        .json(&serde_json::json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Path=/crm/;"), "{cookie}");
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = http
        .post(format!("{host}/crm/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"first_name": "Léa", "last_name": "Marchand", "kind": "prospect"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/crm/api/v1/contacts/"), "{location}");
    assert_eq!(
        http.get(format!("{host}{location}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The event stream under the prefix carries the change; the workers run (the search
    // indexer finds the new contact).
    let mut events = Box::pin(admin.events(Some(0)).await.unwrap());
    let first = tokio::time::timeout(Duration::from_secs(10), futures_next(&mut events))
        .await
        .expect("an event arrives")
        .unwrap();
    assert!(first.event.seq >= 1);
    let mut found = false;
    for _ in 0..100 {
        let q = crm_sdk::models::SearchQuery {
            q: "Marchand".into(),
            ..crm_sdk::models::SearchQuery::default()
        };
        if !admin.search(&q).await.unwrap().hits("contact").is_empty() {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the indexer, a worker of the mounted CRM, indexed the contact");
    let consumers = admin.consumers().await.unwrap();
    assert!(consumers.iter().any(|c| c.name == "search_indexer"));

    // The web interface under the prefix: its links, forms, redirects and cookies carry it.
    let login = http.get(format!("{host}/crm/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let page = login.text().await.unwrap();
    assert!(
        page.contains("action=\"/crm/login\"") && page.contains("href=\"/crm/assets/"),
        "{page}"
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_out = no_redirects.get(format!("{host}/crm/contacts")).send().await.unwrap();
    assert_eq!(signed_out.headers()["location"], "/crm/login?next=/contacts");
    // Signed in through the login form: cookies under the prefix, the live stream and the
    // drafts at the prefixed addresses the page names.
    let signed_in = no_redirects
        .post(format!("{host}/crm/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}",
            EMAIL.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/crm/dashboard");
    let cookies: Vec<String> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    assert!(cookies.iter().all(|c| c.contains("Path=/crm/")), "{cookies:?}");
    let jar: Vec<&str> = cookies.iter().filter_map(|c| c.split(';').next()).collect();
    let jar = jar.join("; ");
    let csrf = jar.split("; ").find_map(|c| c.strip_prefix("crm_csrf=")).unwrap().to_owned();
    let dashboard = http
        .get(format!("{host}/crm/dashboard"))
        .header("cookie", &jar)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dashboard.contains(r#"name="crm-live" content="/crm/live""#), "{dashboard}");
    assert!(dashboard.contains(r#"action="/crm/login""#), "the dialog logs in under the prefix");
    let mut live = http.get(format!("{host}/crm/live")).header("cookie", &jar).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let draft = http
        .post(format!("{host}/crm/drafts"))
        .header("cookie", &jar)
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("form=contact_new&first_name=Brouillon")
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status(), 204);
    let changed = http
        .post(format!("{host}/crm/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"first_name": "Noé", "last_name": "En-Direct", "kind": "prospect"}))
        .send()
        .await
        .unwrap();
    let changed_id = changed.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(&format!("contact:{changed_id}")) {
        let chunk = tokio::time::timeout_at(deadline, live.chunk())
            .await
            .expect("the live stream names the new contact")
            .unwrap()
            .expect("the stream goes on");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(live);
    // A graceful stop: the example exits by itself, successfully.
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "{status}");
    assert!(lines.any(|l| l.is_ok_and(|l| l == "stopped")));
}

async fn futures_next<S: futures::Stream + Unpin>(s: &mut S) -> S::Item {
    use futures::StreamExt as _;
    s.next().await.expect("the stream goes on")
}
