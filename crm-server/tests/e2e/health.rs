//! Health routes, the key file of the data directory, graceful shutdown, the security
//! headers of every response, what the request log leaves out, and private data files.

use crate::support::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let s = spawn_app().await;
    s.client.health().await.unwrap();
    s.client.ready().await.unwrap();
    let key = s.dir.path().join("master.key");
    assert!(key.exists(), "the first start creates the master key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(s.dir.path().join("crm.db").exists());
    let base = s.base.clone();
    s.stop().await;
    assert!(
        crm_sdk::Client::new(&base).unwrap().health().await.is_err(),
        "stopped server still answers"
    );
}

#[tokio::test]
async fn unknown_routes_are_problem_404() {
    let s = spawn_app().await;
    let r = s.client.raw("GET", "/api/v1/nope", None, &[]).await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "not_found");
    s.stop().await;
}

/// A tenant with its Admin, logged in: `(email, bearer token)`.
async fn admin(s: &crate::support::TestServer) -> (String, String) {
    let email = crate::support::unique_email("admin");
    s.app
        .create_tenant(
            &crm_domain::Actor::Operator,
            &crm_ports::services::tenants::NewTenant {
                name: "En-têtes".into(),
                admin_email: email.clone(),
                admin_name: "Admin".into(),
                admin_password: Some(crate::support::PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let login = s.client.login(&email, crate::support::PASSWORD).await.unwrap();
    (email, login.token)
}

/// The inline scripts of an HTML page, as a browser hashes them for a CSP.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let tag_end = open + rest[open..].find('>').unwrap();
        let close = tag_end + rest[tag_end..].find("</script>").unwrap();
        if !rest[open..tag_end].contains("src=") {
            out.push(&rest[tag_end + 1..close]);
        }
        rest = &rest[close..];
    }
    out
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    use base64::Engine as _;
    let s = spawn_app().await;
    let (_, token) = admin(&s).await;
    let feed = s
        .client
        .with_token(&token)
        .raw("POST", "/api/v1/calendar-feeds", None, &[])
        .await
        .unwrap();
    let feed_path = feed.body["path"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", s.base));
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("API, authenticated", get("/api/v1/auth/me").bearer_auth(&token), 200),
        ("calendar feed", get(&feed_path), 200),
        ("API without credentials", get("/api/v1/auth/me"), 401),
        ("unknown API route", get("/api/v1/nope"), 404),
        ("unknown route", get("/nothing/here"), 404),
        ("under a health route", get("/healthz/more"), 404),
        (
            "wrong method",
            http.delete(format!("{}/api/v1/auth/me", s.base)).bearer_auth(&token),
            405,
        ),
        (
            "body too large",
            http.post(format!("{}/api/v1/contacts", s.base))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(vec![b' '; 2 * 1024 * 1024]),
            413,
        ),
        ("liveness", get("/healthz"), 200),
        ("readiness", get("/readyz"), 200),
        ("spec", get("/api/openapi.json"), 200),
        ("docs", get("/api/docs/"), 200),
        ("docs without slash", get("/api/docs"), 200),
    ];
    for (what, request, status) in cases {
        let res = request.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        let h = res.headers().clone();
        let header = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{what}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{what}");
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{what}");
        let csp = header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        if !what.starts_with("docs") {
            assert_eq!(csp, "frame-ancestors 'none'", "{what}");
            continue;
        }
        // The documentation page: a full policy that lets exactly its inline scripts run.
        assert!(csp.starts_with("default-src 'self';"), "{csp}");
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("no {name} in {csp}"))
                .to_owned()
        };
        let script_src = directive("script-src");
        assert!(!script_src.contains("unsafe"), "{script_src}");
        assert_eq!(directive("object-src"), "object-src 'none'");
        assert!(directive("connect-src").ends_with("'self'"));
        let html = res.text().await.unwrap();
        let scripts = inline_scripts(&html);
        assert!(
            scripts.len() >= 2 && scripts.iter().any(|s| s.contains("SwaggerUIBundle(")),
            "{}",
            scripts.len()
        );
        for script in scripts {
            let digest = ring::digest::digest(&ring::digest::SHA256, script.as_bytes());
            let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
            assert!(
                script_src.contains(&format!("'sha256-{hash}'")),
                "{what}: script not allowed by {script_src}"
            );
        }
        // Nothing is loaded from elsewhere.
        assert!(
            !html.contains("<script src=") && !html.contains("<link"),
            "the page loads outside resources"
        );
    }
    s.stop().await;
}

/// Captures what the server logs on this thread (the test runs on one thread, the
/// server's tasks too).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn calendar_feed_secrets_and_queries_stay_out_of_the_request_log() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // With a single subscriber registered, tracing caches each callsite's interest as the
    // thread that first reaches it sees it: another test's thread (no subscriber) would
    // switch the server's log lines off for this one too. A second registered dispatcher
    // makes every callsite ask the current thread's subscriber each time.
    let _other = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    tracing::callsite::rebuild_interest_cache();
    let s = spawn_app().await;
    let (_, token) = admin(&s).await;
    let feed = s
        .client
        .with_token(&token)
        .raw("POST", "/api/v1/calendar-feeds", None, &[])
        .await
        .unwrap();
    let path = feed.body["path"].as_str().unwrap().to_owned();
    let secret = path.rsplit('/').next().unwrap().to_owned();
    assert!(secret.starts_with("crm_"));
    let res = reqwest::get(format!("{}{path}?token=q-secret-1&access_key=q-secret-2", s.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A mistyped address, with the secret in another place.
    let res = reqwest::get(format!("{}/api/v1/calendars/{secret}", s.base)).await.unwrap();
    assert_eq!(res.status(), 404);
    s.stop().await;
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("path=/api/v1/calendar/[redacted]"), "{logged}");
    assert!(logged.contains("path=/api/v1/calendars/[redacted]"), "{logged}");
    assert!(logged.contains("path=/api/v1/calendar-feeds"), "{logged}");
    assert!(!logged.contains(&secret[4..]), "the feed's secret was logged:\n{logged}");
    assert!(!logged.contains(&token[4..]), "a bearer token was logged:\n{logged}");
    assert!(!logged.contains("q-secret"), "a query was logged:\n{logged}");
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and directory under `dir` (itself included) that group or others can use.
#[cfg(unix)]
fn shared_entries(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if mode(dir) & 0o077 != 0 {
        out.push(format!("{} {:o}", dir.display(), mode(dir)));
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(shared_entries(&p));
        } else if mode(&p) & 0o077 != 0 {
            out.push(format!("{} {:o}", p.display(), mode(&p)));
        }
    }
    out
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    // A data directory made earlier with the usual modes is narrowed at start.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = crate::support::spawn_app_in(dir).await;
    admin(&s).await;
    let data = s.dir.path().to_path_buf();
    assert_eq!(mode(&data), 0o700);
    for file in ["crm.db", "crm.db-wal", "crm.db-shm", "master.key"] {
        let p = data.join(file);
        assert!(file.ends_with("-shm") || p.exists(), "{file} missing");
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{file}");
        }
    }
    assert_eq!(mode(&data.join("search")), 0o700);
    s.stop().await;

    // A fresh one, parents included, as the server's assembly makes it.
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = root.path().join("srv").join("crm");
    let config = crm_server::Config::layered(
        crm_server::config::FileConfig::default(),
        crm_server::config::FileConfig {
            data_dir: Some(data.clone()),
            ..Default::default()
        },
    );
    let app = crm_server::open_app(&config).await.unwrap();
    let search = crm_server::search::open(&config.data_dir).unwrap();
    drop((app, search));
    assert_eq!(mode(&root.path().join("srv")), 0o700);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("crm.db")), 0o600);
    assert_eq!(mode(&data.join("search")), 0o700);
    // The index's files: made by the index itself under this test's umask, narrowed at open.
    assert!(
        shared_entries(&data.join("search")).is_empty(),
        "{:?}",
        shared_entries(&data.join("search"))
    );
}

/// The `crm` binary under a umask that keeps nothing private (`umask 000`): all it writes —
/// database, WAL, key file, and the search index's segments written while it serves — is
/// its user's only all the same. It also runs itself again with mimalloc's freed memory
/// given back after 100 ms (`MIMALLOC_PURGE_DELAY=100`, `main.rs`).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crm_binary_keeps_its_files_private() {
    use std::io::BufRead as _;
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data");
    let crm = |args: &[&str]| {
        let mut c = std::process::Command::new("sh");
        c.current_dir(cwd.path())
            .args(["-c", "umask 000 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_crm")])
            .args(args)
            .args(["--data-dir", data.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .env("CRM_ADMIN_PASSWORD", crate::support::PASSWORD)
            .env_remove("MIMALLOC_PURGE_DELAY");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CRM_") && k != "CRM_ADMIN_PASSWORD") {
            c.env_remove(k);
        }
        c
    };
    // Only `serve` and `migrate` create an installation: `migrate` makes the database and
    // the key file here, under the same umask.
    let init = crm(&["migrate"]).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let email = crate::support::unique_email("privee");
    let out = crm(&["tenant", "create", "--name", "Privée", "--admin-email", &email])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    /// The server child, stopped however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(
        crm(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = std::io::BufReader::new(server.0.stdout.take().unwrap()).lines();
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned))
        .expect("the server says where it listens");
    // Keep reading its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    // It ran itself again (same process) with mimalloc giving freed memory back sooner.
    #[cfg(all(target_os = "linux", feature = "mimalloc"))]
    {
        let environ = std::fs::read(format!("/proc/{}/environ", server.0.id())).unwrap();
        assert!(
            environ.split(|b| *b == 0).any(|v| v == b"MIMALLOC_PURGE_DELAY=100"),
            "{}",
            String::from_utf8_lossy(&environ)
        );
    }
    let client = crm_sdk::Client::new(&base).unwrap();
    let token = client.login(&email, crate::support::PASSWORD).await.unwrap().token;
    let client = client.with_token(&token);
    client
        .create_contact(
            &crm_sdk::models::ContactWrite {
                kind: "prospect".into(),
                first_name: "Octave".into(),
                last_name: "Umask".into(),
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    // Indexed: the index wrote segment files after it was opened.
    let start = std::time::Instant::now();
    let query = crm_sdk::models::SearchQuery {
        q: "umask".into(),
        ..Default::default()
    };
    while client.search(&query).await.unwrap().hits("contact").is_empty() {
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "never indexed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(server);

    assert!(data.join("crm.db").exists() && data.join("master.key").exists());
    let segments = std::fs::read_dir(data.join("search"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "idx"))
        .count();
    assert!(segments > 0, "the index wrote no segment");
    assert_eq!(shared_entries(&data), Vec::<String>::new());
}
