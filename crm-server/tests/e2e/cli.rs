//! The `crm` command line writes into the SQLite data directory while the server runs
//! (writes take the lock with `BEGIN IMMEDIATE` and wait with a busy timeout).

use crate::support::{PASSWORD, spawn_app, unique_email};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_writes_while_the_server_runs() {
    let s = spawn_app().await;
    let dir = s.dir.path().to_str().unwrap().to_owned();
    let email = unique_email("cli");
    // Keep the server busy writing while the command line writes too.
    let busy = {
        let app = s.app.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                let _ = app
                    .create_tenant(
                        &crm_domain::Actor::Operator,
                        &crm_ports::services::tenants::NewTenant {
                            name: format!("Charge {i}"),
                            admin_email: unique_email("charge"),
                            admin_name: "Charge".into(),
                            ..Default::default()
                        },
                    )
                    .await;
            }
        })
    };
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_crm"))
            .args([
                "tenant",
                "create",
                "--name",
                "Créée en ligne de commande",
                "--admin-email",
                &email,
                "--data-dir",
                &dir,
            ])
            .env("CRM_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .map(|o| (o, email))
    })
    .await
    .unwrap()
    .unwrap();
    busy.await.unwrap();
    let (out, email) = out;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Créée en ligne de commande"));
    // The running server sees it at once: its Admin logs in through the API.
    let login = s.client.login(&email, PASSWORD).await.unwrap();
    assert_eq!(login.me.role.as_deref(), Some("admin"));
    // A password is never a flag.
    let refused = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["tenant", "create", "--name", "X", "--admin-email", "x@x.fr", "--password", "secret"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    s.stop().await;
}
