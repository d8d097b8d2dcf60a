//! The `crm` command line writes into the SQLite data directory while the server runs
//! (writes take the lock with `BEGIN IMMEDIATE` and wait with a busy timeout); a company
//! it (or the operator's route) creates starts with its default pipeline.

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
    // The new company starts ready: its default pipeline takes an opportunity at once.
    let admin = s.client.with_token(&login.token);
    let pipelines = admin.list_pipelines().await.unwrap();
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0].name, crm_domain::pipeline::DEFAULT_PIPELINE_NAME);
    let stages: Vec<(&str, i64)> = pipelines[0].stages.iter().map(|s| (s.name.as_str(), s.probability)).collect();
    assert_eq!(stages, crm_domain::pipeline::DEFAULT_STAGES);
    let deal = admin
        .create_opportunity(&crm_sdk::models::NewOpportunity {
            pipeline_id: pipelines[0].id,
            title: "Première affaire".into(),
            value_minor: 50_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((deal.stage_id, deal.probability), (pipelines[0].stages[0].id, 10));
    // A password is never a flag.
    let refused = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["tenant", "create", "--name", "X", "--admin-email", "x@x.fr", "--password", "secret"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_route_creates_a_company_ready_to_sell() {
    let s = spawn_app().await;
    let operator_email = unique_email("operateur");
    s.app.bootstrap_operator(&operator_email, PASSWORD).await.unwrap();
    let operator = s.client.with_token(&s.client.login(&operator_email, PASSWORD).await.unwrap().token);
    let admin_email = unique_email("admin");
    let created = operator
        .create_tenant(&crm_sdk::models::NewTenant {
            name: "Prête à vendre".into(),
            admin_email: admin_email.clone(),
            admin_name: "Claire Duval".into(),
            admin_password: PASSWORD.into(),
            settings: None,
        })
        .await
        .unwrap();
    let admin = s.client.with_token(&s.client.login(&admin_email, PASSWORD).await.unwrap().token);
    assert_eq!(admin.tenant().await.unwrap().id, created.tenant.id);
    let pipelines = admin.list_pipelines().await.unwrap();
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0].name, "Pipeline commercial");
    assert_eq!(
        pipelines[0].stages.iter().map(|s| s.probability).collect::<Vec<_>>(),
        [10, 25, 50, 75, 90]
    );
    let deal = admin
        .create_opportunity(&crm_sdk::models::NewOpportunity {
            pipeline_id: pipelines[0].id,
            title: "Première affaire".into(),
            value_minor: 50_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(deal.stage_id, pipelines[0].stages[0].id);
    s.stop().await;
}

/// Runs `crm` in `cwd` with the given arguments and environment (no CRM_* inherited).
fn crm(cwd: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crm"));
    c.current_dir(cwd).args(args).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CRM_")) {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn a_database_url_needs_the_key_given_explicitly() {
    let cwd = tempfile::tempdir().unwrap();
    let out = crm(
        cwd.path(),
        &[
            "tenant",
            "create",
            "--database-url",
            "postgres://crm_app@127.0.0.1:1/crm",
            "--name",
            "Sans clé",
            "--admin-email",
            "a@exemple.fr",
        ],
        &[("CRM_ADMIN_PASSWORD", PASSWORD)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("CRM_MASTER_KEY"), "{err}");
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "no key file, no data directory made"
    );
}

#[test]
fn another_key_is_refused_at_start_with_the_fix() {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data");
    let data = data.to_str().unwrap();
    let first = crm(
        cwd.path(),
        &[
            "tenant",
            "create",
            "--data-dir",
            data,
            "--name",
            "Clé A",
            "--admin-email",
            "a@exemple.fr",
        ],
        &[("CRM_ADMIN_PASSWORD", PASSWORD)],
    );
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let other_key = "1:0707070707070707070707070707070707070707070707070707070707070707";
    let out = crm(
        cwd.path(),
        &[
            "tenant",
            "create",
            "--data-dir",
            data,
            "--name",
            "Clé B",
            "--admin-email",
            "b@exemple.fr",
        ],
        &[("CRM_ADMIN_PASSWORD", PASSWORD), ("CRM_MASTER_KEY", other_key)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a tenant was created under another key");
    assert!(err.contains("clé maîtresse n° 1") && err.contains("CRM_MASTER_KEY"), "{err}");
}
