//! Bad input from the outside: every case is a 4xx problem+json in the requested language,
//! never a 5xx, never a partial write. Also versions (`ETag`/`If-Match`), idempotency keys,
//! CSRF and login rate limits.

use crate::support::{PASSWORD, spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::ErrorCode;
use crm_sdk::models::ContactWrite;
use serde_json::json;

async fn raw_body(
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value, String) {
    let res = reqwest::Client::new()
        .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{base}{path}"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_default(), ct)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_4xx_problems_and_write_nothing() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Entrées").await;
    let admin = fx.client(Role::Admin);
    let token = s.client.login(&fx.emails[&Role::Admin], PASSWORD).await.unwrap().token;
    let cases: Vec<(&str, &str, &str, Vec<u8>, u16)> = vec![
        ("POST", "/api/v1/contacts", "application/json", b"{not json".to_vec(), 400),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            br#"{"kind": 3, "first_name": "A", "last_name": "B"}"#.to_vec(),
            422,
        ),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            br#"{"kind": "client", "first_name": "A", "last_name": "B", "emails": "x@y.fr"}"#.to_vec(),
            422,
        ),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            br#"{"kind": "client", "first_name": "A", "last_name": "B", "owner_id": "x"}"#.to_vec(),
            422,
        ),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            br#"{"kind": "client", "first_name": "A", "last_name": "B", "version": 9}"#.to_vec(),
            422,
        ),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            br#"{"kind": "client", "first_name": "A", "last_name": "B", "tenant_id": "x"}"#.to_vec(),
            422,
        ),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            400,
        ),
        ("POST", "/api/v1/contacts", "text/plain", b"hello".to_vec(), 415),
        (
            "POST",
            "/api/v1/contacts",
            "application/json",
            format!(
                r#"{{"kind": "client", "first_name": "{}", "last_name": "B"}}"#,
                "a".repeat(2 * 1024 * 1024)
            )
            .into_bytes(),
            413,
        ),
        (
            "POST",
            "/api/v1/opportunities",
            "application/json",
            br#"{"pipeline_id": "00000000-0000-0000-0000-000000000000", "title": "x", "value_minor": 99999999999999999999}"#.to_vec(),
            422,
        ),
        ("GET", "/api/v1/contacts/pas-un-uuid", "application/json", Vec::new(), 400),
        ("GET", "/api/v1/contacts?limit=100000", "application/json", Vec::new(), 400),
        ("GET", "/api/v1/contacts?limit=0", "application/json", Vec::new(), 400),
        ("GET", "/api/v1/contacts?limit=-5", "application/json", Vec::new(), 400),
        ("GET", "/api/v1/contacts?cursor=forge", "application/json", Vec::new(), 422),
        ("GET", "/api/v1/contacts?kind=ami", "application/json", Vec::new(), 422),
        ("GET", "/api/v1/opportunities?status=maybe", "application/json", Vec::new(), 400),
        ("DELETE", "/api/v1/contacts", "application/json", Vec::new(), 405),
    ];
    for (method, path, ct, body, want) in cases {
        let (status, problem, content_type) = raw_body(&s.base, &token, method, path, ct, body).await;
        assert_eq!(status, want, "{method} {path}: {problem}");
        assert!(
            content_type.starts_with("application/problem+json"),
            "{method} {path}: {content_type}"
        );
        assert_eq!(problem["status"], want, "{problem}");
        assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(problem["request_id"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // Bodies that do not keep to the schema name each field at fault and why, in French
    // and in English, before anything else looks at them.
    let named: Vec<(&str, &str, serde_json::Value, &str, &str)> = vec![
        (
            "POST",
            "/api/v1/contacts",
            json!({"kind": 3, "first_name": "A", "last_name": "B"}),
            "kind",
            "wrong_type",
        ),
        (
            "POST",
            "/api/v1/contacts",
            json!({"kind": "client", "first_name": "A", "last_name": "B", "emails": "x@y.fr"}),
            "emails",
            "wrong_type",
        ),
        (
            "POST",
            "/api/v1/contacts",
            json!({"kind": "client", "first_name": "A", "last_name": "B", "owner_id": "x"}),
            "owner_id",
            "unknown_field",
        ),
        (
            "POST",
            "/api/v1/contacts",
            json!({"kind": "client", "first_name": "A", "last_name": "B", "organization_id": "x"}),
            "organization_id",
            "malformed",
        ),
        (
            "POST",
            "/api/v1/contacts",
            json!({"kind": "client", "first_name": "A", "last_name": "B", "tenant_id": "x"}),
            "tenant_id",
            "unknown_field",
        ),
        ("POST", "/api/v1/organizations", json!({"name": false}), "name", "wrong_type"),
        (
            "POST",
            "/api/v1/organizations",
            json!({"name": "Acme", "adress": {}}),
            "adress",
            "unknown_field",
        ),
        (
            "POST",
            "/api/v1/organizations",
            json!({"name": "Acme", "address": {"ville": "Lyon"}}),
            "address.ville",
            "unknown_field",
        ),
        (
            "POST",
            "/api/v1/opportunities",
            json!({"pipeline_id": uuid::Uuid::nil(), "title": "x", "value_minor": 99999999999999999999.0}),
            "value_minor",
            "too_large",
        ),
        (
            "POST",
            "/api/v1/auth/tokens",
            json!({"name": "x", "expires_in_days": "90"}),
            "expires_in_days",
            "wrong_type",
        ),
        ("POST", "/api/v1/auth/tokens", json!({}), "name", "required"),
    ];
    for (method, path, body, field, code) in named {
        for lang in ["fr", "en"] {
            let r = reqwest::Client::new()
                .request(method.parse().unwrap(), format!("{}{path}", s.base))
                .bearer_auth(&token)
                .header("accept-language", lang)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{method} {path} {body}");
            let p: serde_json::Value = r.json().await.unwrap();
            let errors = p["errors"].as_array().unwrap_or_else(|| panic!("{p}"));
            let e = errors
                .iter()
                .find(|e| e["field"] == field)
                .unwrap_or_else(|| panic!("{field} not named: {p}"));
            assert_eq!(e["code"], code, "{p}");
            assert!(e["message"].as_str().is_some_and(|m| m.len() > 5), "{p}");
        }
    }
    // Invalid UTF-8 in a query and an over-long request line are problems too.
    for (path, want) in [
        ("/api/v1/contacts?tag=%FF%FE".to_owned(), 422),
        (format!("/api/v1/contacts?tag={}", "a".repeat(20_000)), 414),
    ] {
        let (status, problem, content_type) = raw_body(&s.base, &token, "GET", &path, "application/json", Vec::new()).await;
        assert_eq!(status, want, "{problem}");
        assert!(content_type.starts_with("application/problem+json"), "{content_type}");
    }
    // Past hyper's own limits (a 100,000-character request line, an unreadable header,
    // headers too large) the answer is a problem too, written on the wire by hand here
    // because HTTP clients refuse to send such requests.
    let addr = s.base.trim_start_matches("http://").to_owned();
    for (request, status, code) in [
        (
            format!("GET /api/v1/contacts?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)),
            "414",
            "uri_too_long",
        ),
        (
            "GET /api/v1/contacts HTTP/1.1\r\nHost: x\r\nPas un en-tête\r\n\r\n".to_owned(),
            "400",
            "malformed_request",
        ),
        (
            format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(500_000)),
            "431",
            "headers_too_large",
        ),
    ] {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let _ = tcp.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no answer for {status}"));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
        let p: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{body}"));
        assert_eq!(p["code"], code);
    }
    let page = admin.list_contacts(&Default::default()).await.unwrap();
    assert!(page.items.is_empty(), "a refused request wrote something");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_names_fields_in_french_or_english() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Langues").await;
    let bad = ContactWrite {
        kind: "ami".into(),
        first_name: String::new(),
        last_name: "x".repeat(10_000),
        emails: vec!["pas-un-email".into()],
        phones: vec!["06 12".into()],
        ..ContactWrite::default()
    };
    for (lang, msg) in [("fr", "Champ obligatoire"), ("en", "Required field")] {
        let err = fx
            .client(Role::Sales)
            .with_language(lang)
            .create_contact(&bad, false)
            .await
            .unwrap_err();
        let crm_sdk::Error::Api { code, problem } = err else {
            panic!("{err:?}")
        };
        assert_eq!(code, ErrorCode::ValidationFailed);
        assert_eq!(problem.status, 422);
        let fields: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("kind", "unknown"),
                ("first_name", "required"),
                ("last_name", "too_long"),
                ("emails.0", "malformed"),
                ("phones.0", "malformed")
            ]
        );
        assert_eq!(problem.errors[1].message, msg);
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_idempotency_csrf_and_rate_limits() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Protocole").await;
    let sales = fx.client(Role::Sales);
    let c = sales
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Vera".into(),
                last_name: "Version".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    // ETag on read; If-Match required (428), stale (412).
    let r = sales.raw("GET", &format!("/api/v1/contacts/{}", c.id), None, &[]).await.unwrap();
    assert_eq!(r.etag.as_deref(), Some("\"1\""));
    let body = json!({"kind": "client", "first_name": "Vera", "last_name": "Version"});
    let r = sales
        .raw("PUT", &format!("/api/v1/contacts/{}", c.id), Some(&body), &[])
        .await
        .unwrap();
    assert_eq!((r.status, r.body["code"].as_str()), (428, Some("precondition_required")));
    // An invalid body is refused (422) before a stale version is looked at (412).
    for bad in [
        json!({"kind": "client", "first_name": "", "last_name": "Version"}),
        json!({"kind": "client", "first_name": 7, "last_name": "Version"}),
    ] {
        let r = sales
            .raw("PUT", &format!("/api/v1/contacts/{}", c.id), Some(&bad), &[("if-match", "\"9\"")])
            .await
            .unwrap();
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some("validation_failed")), "{bad}");
        assert_eq!(r.body["errors"][0]["field"], "first_name");
    }
    let ok = sales
        .update_contact(
            c.id,
            1,
            &ContactWrite {
                kind: "client".into(),
                first_name: "Vera".into(),
                last_name: "Version".into(),
                ..ContactWrite::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ok.version, 2);
    let stale = sales
        .update_contact(
            c.id,
            1,
            &ContactWrite {
                kind: "partner".into(),
                first_name: "Vera".into(),
                last_name: "Version".into(),
                ..ContactWrite::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some(&ErrorCode::PreconditionFailed));
    assert_eq!(sales.contact(c.id).await.unwrap().kind, "client");

    // Idempotency: a retried create never creates twice.
    let new = json!({"kind": "client", "first_name": "Ida", "last_name": "Potent"});
    let first = sales
        .raw("POST", "/api/v1/contacts", Some(&new), &[("idempotency-key", "creation-42")])
        .await
        .unwrap();
    let again = sales
        .raw("POST", "/api/v1/contacts", Some(&new), &[("idempotency-key", "creation-42")])
        .await
        .unwrap();
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.body["id"], again.body["id"]);
    let other = sales
        .raw(
            "POST",
            "/api/v1/contacts",
            Some(&json!({"kind": "client", "first_name": "Autre", "last_name": "Corps"})),
            &[("idempotency-key", "creation-42")],
        )
        .await
        .unwrap();
    assert_eq!((other.status, other.body["code"].as_str()), (422, Some("idempotency_key_reused")));
    let mine = sales.list_contacts(&Default::default()).await.unwrap();
    assert_eq!(mine.items.iter().filter(|c| c.first_name == "Ida").count(), 1);
    // The SDK sends the key with its POSTs, and only with them.
    let retried = sales.with_idempotency_key("creation-43");
    let write = crm_sdk::models::ContactWrite {
        kind: "client".into(),
        first_name: "Ida".into(),
        last_name: "Deux".into(),
        ..Default::default()
    };
    let a = retried.create_contact(&write, true).await.unwrap();
    let b = retried.create_contact(&write, true).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(retried.contact(a.id).await.unwrap().last_name, "Deux");
    let reused = retried
        .create_contact(
            &crm_sdk::models::ContactWrite {
                last_name: "Trois".into(),
                ..write.clone()
            },
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Some(&ErrorCode::IdempotencyKeyReused));
    // The same key is another user's own.
    let manager = fx.client(Role::Manager);
    let m = manager
        .raw(
            "POST",
            "/api/v1/contacts?confirm_duplicates=true",
            Some(&new),
            &[("idempotency-key", "creation-42")],
        )
        .await
        .unwrap();
    assert_eq!(m.status, 201);
    assert_ne!(m.body["id"], first.body["id"]);

    // Cookie sessions: reads work, writes need the CSRF token.
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({"email": fx.emails[&Role::Sales], "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let session: serde_json::Value = login.json().await.unwrap();
    let value = cookie.split(';').next().unwrap().to_owned();
    let read = http
        .get(format!("{}/api/v1/contacts", s.base))
        .header("cookie", &value)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let write = http
        .post(format!("{}/api/v1/contacts", s.base))
        .header("cookie", &value)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    let write = http
        .post(format!("{}/api/v1/contacts?confirm_duplicates=true", s.base))
        .header("cookie", &value)
        .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 201);

    // Logout ends the session.
    let t = s.client.login(&fx.emails[&Role::Observer], PASSWORD).await.unwrap().token;
    let c2 = s.client.with_token(&t);
    c2.logout().await.unwrap();
    assert_eq!(c2.me().await.unwrap_err().code(), Some(&ErrorCode::Unauthenticated));

    // Repeated wrong passwords lock the account for a while, whatever the password.
    let email = &fx.emails[&Role::Marketing];
    for _ in 0..10 {
        assert_eq!(
            s.client.login(email, "mauvais mot de passe").await.unwrap_err().code(),
            Some(&ErrorCode::Unauthenticated)
        );
    }
    let locked = s.client.login(email, PASSWORD).await.unwrap_err();
    assert_eq!(locked.code(), Some(&ErrorCode::TooManyRequests));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_timeline_and_todo_through_the_sdk() {
    use crm_sdk::models::{ActivityWrite, LinkRef};
    let s = spawn_app().await;
    let fx = tenant(&s, "Suivi").await;
    let rep = fx.client(Role::Sales);
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Tim".into(),
                last_name: "Line".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let link = vec![LinkRef {
        entity_type: "contact".into(),
        entity_id: c.id,
        name: None,
    }];
    let overdue = rep
        .create_activity(&ActivityWrite {
            kind: Some("task".into()),
            subject: "Relancer".into(),
            links: link.clone(),
            due_at: Some(chrono::Utc::now() - chrono::Duration::hours(2)),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    let call = rep
        .create_activity(&ActivityWrite {
            kind: Some("call".into()),
            subject: "Appel de découverte".into(),
            body: Some("Intéressé, rappeler en janvier".into()),
            direction: Some("outbound".into()),
            duration_seconds: Some(420),
            links: link.clone(),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(call.body.as_deref(), Some("Intéressé, rappeler en janvier"));
    let bad = rep
        .create_activity(&ActivityWrite {
            kind: Some("call".into()),
            subject: "x".into(),
            links: link.clone(),
            ..ActivityWrite::default()
        })
        .await
        .unwrap_err();
    let crm_sdk::Error::Api { problem, .. } = bad else { panic!() };
    assert_eq!(problem.errors[0].field, "direction");
    let todo = rep.todo(false).await.unwrap();
    assert_eq!(todo.overdue.iter().map(|a| a.id).collect::<Vec<_>>(), [overdue.id]);
    let dash = rep.raw("GET", "/api/v1/dashboard", None, &[]).await.unwrap();
    let names: Vec<&str> = dash.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["overdue", "today", "meetings", "upcoming"]);
    assert_eq!(dash.body["sections"][0]["items"][0]["id"], overdue.id.to_string());
    let done = rep.set_task_done(overdue.id, overdue.version, true).await.unwrap();
    assert!(done.done_at.is_some());
    assert!(rep.todo(false).await.unwrap().overdue.is_empty());
    let t = rep.timeline("contacts", c.id, None, None).await.unwrap();
    let kinds: Vec<&str> = t.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["activity", "activity", "event"], "{t:?}");
    assert_eq!(t[0].activity.as_ref().unwrap().id, call.id);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_and_notifications_through_the_sdk() {
    use crm_sdk::models::{ActivityWrite, LinkRef};
    let s = spawn_app().await;
    let fx = tenant(&s, "Rappels").await;
    let admin = fx.client(Role::Admin);
    let rep = fx.client(Role::Sales);
    let rule = admin.create_reminder_rule("task_due", None, None, true).await.unwrap();
    assert_eq!(rule.kind, "task_due");
    assert_eq!(
        admin
            .create_reminder_rule("no_activity", None, None, true)
            .await
            .unwrap_err()
            .code(),
        Some(&ErrorCode::ValidationFailed)
    );
    assert_eq!(rep.reminder_rules().await.unwrap_err().code(), Some(&ErrorCode::Forbidden));
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Dora".into(),
                last_name: "Due".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    rep.create_activity(&ActivityWrite {
        kind: Some("task".into()),
        subject: "Signer le bon de commande".into(),
        due_at: Some(chrono::Utc::now() - chrono::Duration::minutes(5)),
        links: vec![LinkRef {
            entity_type: "contact".into(),
            entity_id: c.id,
            name: None,
        }],
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let first = admin.run_reminders().await.unwrap();
    let second = admin.run_reminders().await.unwrap();
    assert_eq!((first.notifications, second.notifications, second.already_done), (1, 0, 1));
    let notes = rep.notifications(true).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].subject, "Signer le bon de commande");
    assert_eq!(
        admin.read_notification(notes[0].id).await.unwrap_err().code(),
        Some(&ErrorCode::NotFound)
    );
    rep.read_notification(notes[0].id).await.unwrap();
    assert!(rep.notifications(true).await.unwrap().is_empty());
    assert_eq!(rep.read_all_notifications().await.unwrap(), 0);
    let r2 = admin
        .update_reminder_rule(rule.id, rule.version, "meeting_soon", None, Some(15), true)
        .await
        .unwrap();
    assert_eq!(r2.minutes, Some(15));
    admin.delete_reminder_rule(r2.id, r2.version).await.unwrap();
    assert!(admin.reminder_rules().await.unwrap().is_empty());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Verrou").await;
    let email = fx.emails[&Role::Sales].clone();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/login", s.base);
    let tries = (0..100).map(|_| {
        let (http, url, email) = (http.clone(), url.clone(), email.clone());
        tokio::spawn(async move {
            http.post(url)
                .json(&json!({"email": email, "password": "mauvais mot de passe"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(tries).await.into_iter().map(Result::unwrap).collect();
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((evaluated, refused), (10, 90), "{statuses:?}");
    // Locked for the window, whatever the password, even after a restart.
    let dir = s.stop_keeping_data().await;
    let s = crate::support::spawn_app_in(dir).await;
    let locked = s.client.login(&email, PASSWORD).await.unwrap_err();
    assert_eq!(locked.code(), Some(&ErrorCode::TooManyRequests));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carry_names_beside_ids_and_deals_advance() {
    use crm_sdk::models::{ActivityWrite, LinkRef, NewOpportunity};
    let s = spawn_app().await;
    let fx = tenant(&s, "Noms").await;
    let rep = fx.client(Role::Sales);
    let me = rep.me().await.unwrap();
    assert_eq!(me.tenant_name.as_deref(), Some("Noms"));
    assert!(me.display_name.is_some() && me.email.is_some());
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Inès".into(),
                last_name: "Garnier".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let p = rep.list_pipelines().await.unwrap().remove(0);
    let o = rep
        .create_opportunity(&NewOpportunity {
            pipeline_id: p.id,
            title: "Bornes de recharge".into(),
            value_minor: 1_200_000,
            contact_ids: vec![c.id],
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    let got = rep.opportunity(o.id).await.unwrap();
    assert_eq!(got.stage_name.as_deref(), Some(p.stages[0].name.as_str()));
    assert_eq!(got.pipeline_name.as_deref(), Some(p.name.as_str()));
    assert_eq!(got.owner_name, me.display_name);
    // One stage at a time to the last, then no further.
    let mut cur = got;
    for stage in &p.stages[1..] {
        cur = rep.advance_opportunity(cur.id, cur.version).await.unwrap();
        assert_eq!(cur.stage_id, stage.id);
        assert_eq!(
            cur.stage_name.as_deref(),
            Some(stage.name.as_str()),
            "the answer names the new stage"
        );
    }
    let err = rep.advance_opportunity(cur.id, cur.version).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::AtLastStage));
    let listed = rep.list_opportunities(&Default::default()).await.unwrap();
    let last = p.stages.last().unwrap();
    let l = listed.items.iter().find(|x| x.id == o.id).unwrap();
    assert_eq!(l.stage_name.as_deref(), Some(last.name.as_str()));
    let h = l.stage_history.last().unwrap();
    assert_eq!(h.to_name.as_deref(), Some(last.name.as_str()));
    assert_eq!(h.by_name, me.display_name);
    // A task on the contact and the deal: the to-do list names both.
    rep.create_activity(&ActivityWrite {
        kind: Some("task".into()),
        subject: "Envoyer le devis".into(),
        links: vec![
            LinkRef {
                entity_type: "contact".into(),
                entity_id: c.id,
                name: None,
            },
            LinkRef {
                entity_type: "opportunity".into(),
                entity_id: o.id,
                name: None,
            },
        ],
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let todo = rep.todo(false).await.unwrap();
    let task = todo.upcoming.iter().find(|t| t.subject == "Envoyer le devis").unwrap();
    let mut names: Vec<_> = task.links.iter().filter_map(|l| l.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Bornes de recharge", "Inès Garnier"]);
    assert_eq!(task.assignee_name, me.display_name);
    // The deal's timeline names who moved it and the stages.
    let timeline = rep.timeline("opportunities", o.id, None, None).await.unwrap();
    let moved = timeline
        .iter()
        .filter_map(|e| e.event.as_ref())
        .find(|e| e.kind == "stage_moved")
        .unwrap();
    assert_eq!(moved.actor_name, me.display_name);
    let change = moved.changes.iter().find(|c| c.field == "stage_id").unwrap();
    assert!(change.before_name.is_some() && change.after_name.is_some(), "{change:?}");
    // The forecast by owner names the owner.
    let forecast = fx.client(Role::Admin).forecast("month", "owner", None, None).await;
    let lines = forecast.unwrap();
    assert!(lines.iter().all(|l| l.group_name.is_some()), "{lines:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_updates_with_json_merge_patch() {
    use crm_sdk::models::NewOpportunity;
    let s = spawn_app().await;
    let fx = tenant(&s, "Correctifs").await;
    let rep = fx.client(Role::Sales);
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Paul".into(),
                last_name: "Morel".into(),
                emails: vec!["p.morel@exemple.fr".into()],
                job_title: Some("Acheteur".into()),
                address: Some(crm_sdk::models::Address {
                    street: Some("3 rue des Lilas".into()),
                    city: Some("Lyon".into()),
                    ..Default::default()
                }),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    // Members given replace, `null` removes, the address merges; the rest is kept.
    let p = rep
        .patch_contact(
            c.id,
            c.version,
            &json!({"job_title": null, "kind": "client", "address": {"city": "Villeurbanne"}}),
        )
        .await
        .unwrap();
    assert_eq!((p.kind.as_str(), p.job_title.as_deref()), ("client", None));
    assert_eq!(p.address.city.as_deref(), Some("Villeurbanne"));
    assert_eq!(p.address.street.as_deref(), Some("3 rue des Lilas"));
    assert_eq!(
        (p.first_name.as_str(), p.emails.as_slice()),
        ("Paul", ["p.morel@exemple.fr".to_owned()].as_slice())
    );
    assert_eq!(p.version, c.version + 1);
    // The same rules as PUT: a stale version, no If-Match, and bad members.
    let path = format!("/api/v1/contacts/{}", c.id);
    let stale = rep
        .raw("PATCH", &path, Some(&json!({"job_title": "x"})), &[("if-match", "\"1\"")])
        .await
        .unwrap();
    assert_eq!(stale.status, 412);
    let none = rep.raw("PATCH", &path, Some(&json!({"job_title": "x"})), &[]).await.unwrap();
    assert_eq!(none.status, 428);
    let etag = format!("\"{}\"", p.version);
    for (patch, field, code) in [
        (json!({"first_name": null}), "first_name", "required"),
        (json!({"first_name": 12}), "first_name", "wrong_type"),
        (json!({"notes_": "x"}), "notes_", "unknown_field"),
        (json!({"address": {"ville": "Lyon"}}), "address.ville", "unknown_field"),
        (json!({"emails": ["pas une adresse"]}), "emails.0", "malformed"),
    ] {
        let r = rep.raw("PATCH", &path, Some(&patch), &[("if-match", &etag)]).await.unwrap();
        assert_eq!(r.status, 422, "{patch}: {}", r.body);
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{patch}: {}",
            r.body
        );
    }
    // The standard content type is accepted too.
    let r = reqwest::Client::new()
        .patch(format!("{}{path}", s.base))
        .bearer_auth(s.client.login(&fx.emails[&Role::Sales], PASSWORD).await.unwrap().token)
        .header("if-match", &etag)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"source": "salon"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Opportunities: a probability override, then back to the stage's with null.
    let pipeline = rep.list_pipelines().await.unwrap().remove(0);
    let o = rep
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Cuves inox".into(),
            value_minor: 50_000_00,
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    let o2 = rep.patch_opportunity(o.id, o.version, &json!({"probability": 35})).await.unwrap();
    assert_eq!((o2.probability, o2.title.as_str(), o2.value_minor), (35, "Cuves inox", 50_000_00));
    let o3 = rep
        .patch_opportunity(o.id, o2.version, &json!({"probability": null}))
        .await
        .unwrap();
    assert_eq!(o3.probability, pipeline.stages[0].probability);
    // Organizations and activities.
    let org = fx
        .client(Role::Admin)
        .create_organization(&crm_sdk::models::OrganizationWrite {
            name: "Tonnellerie".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let org2 = fx
        .client(Role::Admin)
        .patch_organization(org.id, org.version, &json!({"industry": "Bois"}))
        .await
        .unwrap();
    assert_eq!((org2.name.as_str(), org2.industry.as_deref()), ("Tonnellerie", Some("Bois")));
    let a = rep
        .create_activity(&crm_sdk::models::ActivityWrite {
            kind: Some("task".into()),
            subject: "Relancer".into(),
            links: vec![crm_sdk::models::LinkRef {
                entity_type: "contact".into(),
                entity_id: c.id,
                name: None,
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    let a2 = rep.patch_activity(a.id, a.version, &json!({"priority": "high"})).await.unwrap();
    assert_eq!((a2.priority.as_str(), a2.subject.as_str(), a2.links.len()), ("high", "Relancer", 1));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_authenticated_operation_documents_401_and_refuses_without_credentials() {
    let s = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(format!("{}/api/openapi.json", s.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("security").is_none() {
                continue;
            }
            assert!(op["responses"].get("401").is_some(), "{method} {path} does not document 401");
            let url = format!("{}{}", s.base, path.replace("{id}", &uuid::Uuid::nil().to_string()));
            let r = reqwest::Client::new()
                .request(method.to_uppercase().parse().unwrap(), url)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{method} {path} without credentials");
            checked += 1;
        }
    }
    assert!(checked > 90, "{checked}");
    s.stop().await;
}

/// `updated_since` through the SDK: a copy kept in step asks only for what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_list_gives_what_changed_since_a_time() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Synchronisation").await;
    let rep = fx.client(Role::Sales);
    let write = |last: &str| ContactWrite {
        kind: "prospect".into(),
        first_name: "Sam".into(),
        last_name: last.into(),
        ..ContactWrite::default()
    };
    let old = rep.create_contact(&write("Ancien"), true).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let new = rep.create_contact(&write("Nouveau"), true).await.unwrap();
    let page = rep
        .list_contacts(&crm_sdk::ContactQuery {
            updated_since: Some(since),
            ..crm_sdk::ContactQuery::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, [new.id]);
    assert!(!ids.contains(&old.id));
    s.stop().await;
}
