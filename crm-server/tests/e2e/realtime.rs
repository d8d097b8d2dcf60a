//! The real-time stream: Server-Sent Events filtered by visibility, resumable with
//! `Last-Event-ID`; and, on PostgreSQL, two server processes delivering each other's
//! changes.

use crate::support::{PASSWORD, spawn_app, tenant, unique_email};
use crm_domain::user::Role;
use crm_sdk::models::ContactWrite;
use futures::StreamExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One parsed SSE event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: i64,
    pub event: String,
    pub data: serde_json::Value,
}

/// Opens a stream and collects events until `want` arrived or `wait` passed.
pub async fn collect(base: &str, token: &str, last_event_id: Option<i64>, want: usize, wait: Duration) -> Vec<Sse> {
    let mut req = reqwest::Client::new().get(format!("{base}/api/v1/events")).bearer_auth(token);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut body = res.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while out.len() < want {
        let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, body.next()).await else {
            break;
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if let Some(id) = id {
                out.push(Sse {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap_or_default(),
                });
            }
        }
    }
    out
}

fn contact(first: &str) -> ContactWrite {
    ContactWrite {
        kind: "prospect".into(),
        first_name: first.into(),
        last_name: "Direct".into(),
        ..ContactWrite::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_shows_only_what_you_may_see_and_resumes() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Temps réel").await;
    let rep_token = s.client.login(&fx.emails[&Role::Sales], PASSWORD).await.unwrap().token;
    let admin = fx.client(Role::Admin);
    let rep = fx.client(Role::Sales);
    let base = s.base.clone();
    let listener = tokio::spawn({
        let (base, token) = (base.clone(), rep_token.clone());
        async move { collect(&base, &token, None, 2, Duration::from_secs(5)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hidden = admin.create_contact(&contact("Caché"), false).await.unwrap();
    let mine = rep.create_contact(&contact("Visible"), false).await.unwrap();
    let mine2 = rep.update_contact(mine.id, 1, &contact("Visible-bis")).await.unwrap();
    let got = listener.await.unwrap();
    let ids: Vec<String> = got
        .iter()
        .map(|e| e.data["entity_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        got.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
        ["contact.created", "contact.updated"]
    );
    assert!(ids.iter().all(|i| *i == mine.id.to_string()), "{ids:?}");
    assert!(!ids.contains(&hidden.id.to_string()));
    // Reconnecting after the first event gets exactly the rest, not the hidden one.
    let resumed = collect(&base, &rep_token, Some(got[0].id), 10, Duration::from_millis(800)).await;
    assert_eq!(resumed.iter().map(|e| e.id).collect::<Vec<_>>(), [got[1].id]);
    // The Admin, resuming from before everything, sees the hidden one too, in order.
    let admin_token = s.client.login(&fx.emails[&Role::Admin], PASSWORD).await.unwrap().token;
    let all = collect(&base, &admin_token, Some(got[0].id - 2), 10, Duration::from_millis(800)).await;
    let seqs: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(all.iter().any(|e| e.data["entity_id"] == hidden.id.to_string()));
    let _ = mine2;
    s.stop().await;
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(url: &str, dir: &std::path::Path, key: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url,
        ])
        .env("CRM_MASTER_KEY", key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Server { child, base }
}

/// A fresh PostgreSQL database migrated (with the master `key`) for the application role: (admin URL, application
/// URL, database name); `None` (the test is skipped) without `CRM_TEST_POSTGRES_URL`,
/// which `CI=true` requires.
pub async fn throwaway_database(key: &str) -> Option<(String, String, String)> {
    let Ok(admin_url) = std::env::var("CRM_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true needs CRM_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: a test on PostgreSQL (set CRM_TEST_POSTGRES_URL)");
        return None;
    };
    let db = format!("crm_test_e2e_{}", uuid::Uuid::new_v4().simple());
    let host = admin_url
        .rsplit_once('/')
        .map_or("", |(b, _)| b)
        .split_once('@')
        .map_or("127.0.0.1:5432", |(_, h)| h)
        .to_owned();
    let psql = |sql: &str| {
        let ok = Command::new("psql").arg(&admin_url).arg("-qc").arg(sql).status().unwrap().success();
        assert!(ok, "{sql}");
    };
    psql("DO $$ BEGIN CREATE ROLE crm_test_owner LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    psql("DO $$ BEGIN CREATE ROLE crm_test_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    psql(&format!("CREATE DATABASE {db} OWNER crm_test_owner"));
    let cipher = crm_crypto::RingCipher::new(crm_crypto::Keyring::from_spec(key).unwrap());
    crm_store_sql::migrate_postgres(&format!("postgres://crm_test_owner@{host}/{db}"), "crm_test_app", cipher)
        .await
        .unwrap();
    let app_url = format!("postgres://crm_test_app@{host}/{db}");
    Some((admin_url, app_url, db))
}

/// The master key of the throwaway installation (migrated with it, served with it).
const KEY: &str = "1:1111111111111111111111111111111111111111111111111111111111111111";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_postgres_deliver_each_others_changes() {
    let Some((admin_url, app_url, db)) = throwaway_database(KEY).await else {
        return;
    };
    let psql = |sql: &str| {
        let ok = Command::new("psql").arg(&admin_url).arg("-qc").arg(sql).status().unwrap().success();
        assert!(ok, "{sql}");
    };
    let key = KEY;
    let dir = tempfile::tempdir().unwrap();
    // The first Admin, created from the command line against the same database.
    let email = unique_email("admin");
    let ok = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args([
            "tenant",
            "create",
            "--name",
            "Deux serveurs",
            "--admin-email",
            &email,
            "--database-url",
            &app_url,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .env("CRM_MASTER_KEY", key)
        .env("CRM_ADMIN_PASSWORD", PASSWORD)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    // Each replica has its own data directory (its own search index); they share the
    // database and the master key.
    let dir_two = tempfile::tempdir().unwrap();
    let one = start(&app_url, dir.path(), key);
    let two = start(&app_url, dir_two.path(), key);
    let c1 = crm_sdk::Client::new(&one.base).unwrap();
    let token = c1.login(&email, PASSWORD).await.unwrap().token;
    let writer = c1.with_token(&token);
    let listener = tokio::spawn({
        let (base, token) = (two.base.clone(), token.clone());
        async move { collect(&base, &token, None, 1, Duration::from_secs(5)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let c = writer.create_contact(&contact("Relayé"), false).await.unwrap();
    let got = listener.await.unwrap();
    let delay = started.elapsed();
    assert_eq!(got.len(), 1, "server two never delivered server one's change");
    assert_eq!(got[0].data["entity_id"], c.id.to_string());
    assert!(
        delay < Duration::from_secs(2),
        "delivered only after {delay:?}: the NOTIFY wake-up did not work"
    );
    // Two more changes while nobody listens; reconnecting to server two gets exactly those.
    let c = writer.update_contact(c.id, 1, &contact("Relayé-2")).await.unwrap();
    writer.update_contact(c.id, 2, &contact("Relayé-3")).await.unwrap();
    let missed = collect(&two.base, &token, Some(got[0].id), 10, Duration::from_millis(1500)).await;
    assert_eq!(missed.iter().map(|e| e.id).collect::<Vec<_>>(), [got[0].id + 1, got[0].id + 2]);
    // Server two's own search index follows the changes written through server one.
    let reader = crm_sdk::Client::new(&two.base).unwrap().with_token(&token);
    let started = std::time::Instant::now();
    loop {
        let r = reader
            .search(&crm_sdk::models::SearchQuery {
                q: "relaye".into(),
                ..crm_sdk::models::SearchQuery::default()
            })
            .await
            .unwrap();
        if r.hits("contact").iter().any(|h| h.id == c.id) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "server two's index never saw the contact: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(one);
    drop(two);
    psql(&format!("DROP DATABASE {db} WITH (FORCE)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_streams_typed_events() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Flux SDK").await;
    let rep = fx.client(Role::Sales);
    let mut stream = Box::pin(rep.events(None).await.unwrap());
    let c = rep.create_contact(&contact("Flux"), false).await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((e.name.as_str(), e.event.entity_id), ("contact.created", c.id));
    // Resuming after that event gets the next one only.
    rep.update_contact(c.id, 1, &contact("Flux-2")).await.unwrap();
    let mut resumed = Box::pin(rep.events(Some(e.id)).await.unwrap());
    let next = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((next.id, next.name.as_str()), (e.id + 1, "contact.updated"));
    assert_eq!(s.client.events(None).await.err().and_then(|e| e.status()), Some(401));
    s.stop().await;
}
