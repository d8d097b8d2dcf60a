//! Webhooks against a receiver written in Python on loopback, which checks every signature
//! with its own `hmac` (the secret, `"t.body"`, SHA-256, 300 s tolerance) and keeps each
//! event id once: down for a while, then up — every change arrives, each id once after its
//! deduplication, no personal value in the bodies; a dead delivery replayed; `crm serve`
//! killed with deliveries in flight, restarted — nothing lost.

use crate::crash_support::{installation, logged_in, start_with};
use crate::support::{spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_sdk::DeliveryQuery;
use crm_sdk::models::{ContactWrite, WebhookWrite};
use crm_server::config::FileConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The receiver: verifies, deduplicates by `Crm-Event-Id` (across its own restarts: the
/// ids are read back from its log), answers 204 (401 to a bad signature, 500 on `/fail`),
/// after `delay` seconds.
const RECEIVER: &str = r#"
import hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
secret, port, out, delay = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
seen = set()
try:
    with open(out) as f:
        seen = {json.loads(l)["id"] for l in f if json.loads(l)["ok"]}
except FileNotFoundError:
    pass
class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = dict(p.split("=", 1) for p in self.headers.get("Crm-Signature", "").split(","))
        t = int(parts.get("t", "0"))
        expected = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, parts.get("v1", "")) and abs(time.time() - t) <= 300
        time.sleep(delay)
        event = self.headers["Crm-Event-Id"]
        line = {"id": event, "ok": ok, "dup": event in seen, "type": self.headers["Crm-Event-Type"],
                "body_id": json.loads(body)["id"], "body": body.decode()}
        with open(out, "a") as f:
            f.write(json.dumps(line) + "\n")
        if ok:
            seen.add(event)
        self.send_response(500 if self.path == "/fail" else (204 if ok else 401))
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
"#;

struct Receiver {
    child: Child,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on (yet).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts the receiver on `port`, logging to `log`, and waits until it listens.
fn receiver(dir: &Path, secret: &str, port: u16, log: &Path, delay: f32) -> Receiver {
    let script = dir.join("receiver.py");
    std::fs::write(&script, RECEIVER).unwrap();
    let child = Command::new("python3")
        .arg(&script)
        .args([secret, &port.to_string(), log.to_str().unwrap(), &delay.to_string()])
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the receiver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Receiver { child }
}

/// What the receiver logged: one map per request.
fn received(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The ids the receiver kept (verified, first time), each with how many times it came.
fn kept(log: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in received(log) {
        assert_eq!(r["ok"], true, "a signature failed to verify: {r}");
        assert_eq!(r["id"], r["body_id"], "{r}");
        *out.entry(r["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    out
}

async fn wait_for(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn prospect(n: usize) -> ContactWrite {
    ContactWrite {
        kind: "prospect".into(),
        first_name: "Webhook".into(),
        last_name: format!("Contact{n}"),
        emails: vec![format!("prive.{n}@exemple.fr")],
        ..ContactWrite::default()
    }
}

fn settings(attempts: u32) -> FileConfig {
    FileConfig {
        webhook_allow_private: Some(true),
        webhook_retry_seconds: Some(1),
        webhook_attempts: Some(attempts),
        webhook_timeout_seconds: Some(5),
        ..FileConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_a_while_gets_every_change_once_signed() {
    let dir = tempfile::tempdir().unwrap();
    let s = spawn_app_with(tempfile::tempdir().unwrap(), settings(12)).await;
    let t = tenant(&s, "Webhooks").await;
    let admin = t.client(Role::Admin);
    let port = free_port();
    let hook = admin
        .create_webhook(&WebhookWrite {
            url: format!("http://127.0.0.1:{port}/hook"),
            description: Some("ERP".into()),
            events: vec!["contact.created".into()],
            ..WebhookWrite::default()
        })
        .await
        .unwrap();
    let secret = hook.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(admin.webhook(hook.id).await.unwrap().secret, None, "shown once");
    // The receiver is down: the deliveries fail and wait for their next attempt.
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(admin.create_contact(&prospect(n), true).await.unwrap().id);
    }
    let q = DeliveryQuery {
        webhook_id: Some(hook.id),
        ..DeliveryQuery::default()
    };
    wait_for("five failed attempts", Duration::from_secs(30), async || {
        let d = admin.webhook_deliveries(&q).await.unwrap();
        d.len() == 5 && d.iter().all(|d| d.state == "pending" && d.attempts >= 1 && d.last_error.is_some())
    })
    .await;
    // Up: every change arrives.
    let log = dir.path().join("received.jsonl");
    let _up = receiver(dir.path(), &secret, port, &log, 0.0);
    wait_for("five deliveries", Duration::from_secs(60), async || kept(&log).len() == 5).await;
    // The receiver logs before it answers; the CRM records the answer just after.
    wait_for("five recorded as delivered", Duration::from_secs(30), async || {
        admin.webhook_deliveries(&q).await.unwrap().iter().all(|d| d.state == "delivered")
    })
    .await;
    let deliveries = admin.webhook_deliveries(&q).await.unwrap();
    assert!(
        deliveries.iter().all(|d| d.state == "delivered" && d.attempts >= 2),
        "{deliveries:?}"
    );
    let got: BTreeSet<String> = kept(&log).into_keys().collect();
    let expected: BTreeSet<String> = deliveries.iter().map(|d| d.event_id.clone()).collect();
    assert_eq!(got, expected);
    let one = admin.webhook_delivery(deliveries[0].id).await.unwrap();
    let attempts = one.attempt_log.unwrap();
    assert!(
        attempts.len() >= 2 && attempts[0].status.is_none() && attempts.last().unwrap().status == Some(204),
        "{attempts:?}"
    );
    // The bodies: the change's type and record, no personal value (named in `withheld`).
    for r in received(&log) {
        assert_eq!(r["type"], "contact.created");
        let body: serde_json::Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        assert!(ids.iter().any(|id| body["data"]["entity_id"] == id.to_string()), "{body}");
        assert!(!r["body"].as_str().unwrap().contains("prive."), "{body}");
        assert!(body["data"]["withheld"].as_array().unwrap().iter().any(|f| f == "emails"), "{body}");
    }
    // Asked for, the personal values go out.
    let personal = admin
        .update_webhook(
            hook.id,
            hook.version,
            &WebhookWrite {
                url: format!("http://127.0.0.1:{port}/hook"),
                events: vec!["contact.created".into()],
                include_personal: true,
                ..WebhookWrite::default()
            },
        )
        .await
        .unwrap();
    assert!(personal.include_personal);
    admin.create_contact(&prospect(9), true).await.unwrap();
    wait_for("the sixth delivery", Duration::from_secs(30), async || kept(&log).len() == 6).await;
    assert!(
        received(&log)
            .iter()
            .any(|r| r["body"].as_str().unwrap().contains("prive.9@exemple.fr"))
    );
    // Another company sees none of it.
    let other = tenant(&s, "Ailleurs").await;
    let theirs = other.client(Role::Admin);
    assert!(theirs.webhooks().await.unwrap().is_empty());
    assert!(theirs.webhook_deliveries(&DeliveryQuery::default()).await.unwrap().is_empty());
    assert!(theirs.webhook_delivery(deliveries[0].id).await.is_err());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_delivery_is_replayed_and_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let s = spawn_app_with(tempfile::tempdir().unwrap(), settings(2)).await;
    let t = tenant(&s, "Lettres mortes").await;
    let admin = t.client(Role::Admin);
    let port = free_port();
    let hook = admin
        .create_webhook(&WebhookWrite {
            url: format!("http://127.0.0.1:{port}/hook"),
            events: vec!["contact.*".into()],
            ..WebhookWrite::default()
        })
        .await
        .unwrap();
    admin.create_contact(&prospect(1), true).await.unwrap();
    let dead = DeliveryQuery {
        state: Some("dead".into()),
        ..DeliveryQuery::default()
    };
    wait_for("a dead letter", Duration::from_secs(30), async || {
        admin.webhook_deliveries(&dead).await.unwrap().len() == 1
    })
    .await;
    let letter = admin.webhook_deliveries(&dead).await.unwrap().remove(0);
    assert_eq!((letter.attempts, letter.next_at), (2, None), "{letter:?}");
    // Replaying a delivery that is not dead is refused with its field.
    let log = dir.path().join("received.jsonl");
    let _up = receiver(dir.path(), hook.secret.as_deref().unwrap(), port, &log, 0.0);
    let replayed = admin.replay_webhook_delivery(letter.id).await.unwrap();
    assert_eq!(replayed.state, "pending");
    wait_for("the replayed delivery", Duration::from_secs(30), async || kept(&log).len() == 1).await;
    wait_for("delivered", Duration::from_secs(10), async || {
        admin.webhook_delivery(letter.id).await.unwrap().state == "delivered"
    })
    .await;
    let again = admin.replay_webhook_delivery(letter.id).await.unwrap_err();
    assert!(format!("{again:?}").contains("state"), "{again:?}");
    s.stop().await;

    // Without private addresses allowed: a loopback receiver is refused with its field.
    let strict = crate::support::spawn_app().await;
    let t = tenant(&strict, "Stricte").await;
    let e = t
        .client(Role::Admin)
        .create_webhook(&WebhookWrite {
            url: format!("http://127.0.0.1:{port}/hook"),
            events: vec!["*".into()],
            ..WebhookWrite::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("url"), "{e:?}");
    strict.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_delivery_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, admin_email) = installation(dir.path(), "Livraisons").await;
    let env = [
        ("CRM_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("CRM_WEBHOOK_RETRY_SECONDS", "1".to_owned()),
        ("CRM_WEBHOOK_ATTEMPTS", "12".to_owned()),
        ("CRM_REMINDER_INTERVAL_SECONDS", "0".to_owned()),
    ];
    let first = start_with(&data, None, &env);
    let admin = logged_in(&first.base, &admin_email).await;
    let port = free_port();
    let hook = admin
        .create_webhook(&WebhookWrite {
            url: format!("http://127.0.0.1:{port}/hook"),
            events: vec!["contact.created".into()],
            ..WebhookWrite::default()
        })
        .await
        .unwrap();
    // A slow receiver: each answer takes two seconds, so deliveries are in flight.
    let log = dir.path().join("received.jsonl");
    let slow = receiver(dir.path(), hook.secret.as_deref().unwrap(), port, &log, 2.0);
    for n in 0..8 {
        admin.create_contact(&prospect(n), true).await.unwrap();
    }
    wait_for("a first delivery", Duration::from_secs(30), async || !received(&log).is_empty()).await;
    let mut first = first;
    Command::new("kill")
        .args(["-KILL", &first.child.id().to_string()])
        .status()
        .unwrap();
    let _ = first.child.wait();
    let before = kept(&log).len();
    assert!(before < 8, "the server was to be killed mid-way, but every delivery was done");
    drop(slow);
    let _fast = receiver(dir.path(), hook.secret.as_deref().unwrap(), port, &log, 0.0);
    // Restarted: what was in flight is taken again once its lease has run out.
    let second = start_with(&data, None, &env);
    let admin = logged_in(&second.base, &admin_email).await;
    wait_for("every delivery after the restart", Duration::from_secs(90), async || {
        kept(&log).len() == 8
    })
    .await;
    // The receiver logs before it answers; the CRM records the answer (and a delivery's row,
    // made by its first attempt) just after.
    wait_for("all recorded as delivered", Duration::from_secs(30), async || {
        let all = admin.webhook_deliveries(&DeliveryQuery::default()).await.unwrap();
        all.len() == 8 && all.iter().all(|d| d.state == "delivered")
    })
    .await;
    let all = admin.webhook_deliveries(&DeliveryQuery::default()).await.unwrap();
    let ids: BTreeSet<String> = all.iter().map(|d| d.event_id.clone()).collect();
    assert_eq!(ids, kept(&log).into_keys().collect::<BTreeSet<_>>());
    assert_eq!(ids.len(), 8);
}
