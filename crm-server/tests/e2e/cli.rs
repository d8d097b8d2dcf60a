//! The `crm` command line writes into the SQLite data directory while the server runs
//! (writes take the lock with `BEGIN IMMEDIATE` and wait with a busy timeout); a company
//! it (or the operator's route) creates starts with its default pipeline. Administration
//! commands refuse a data directory without an installation (only `serve` and `migrate`
//! create one), say the rule a refused value breaks, list tenants and users, and
//! `seed demo` refuses an installation that already has companies.

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
    let init = crm(cwd.path(), &["migrate", "--data-dir", data], &[]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
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

/// Standard error and output of a finished command, for assertion messages.
fn said(out: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh installation made by `crm migrate` in a new temporary directory: (cwd, data dir).
fn installed() -> (tempfile::TempDir, String) {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data").to_str().unwrap().to_owned();
    let out = crm(cwd.path(), &["migrate", "--data-dir", &data], &[]);
    assert!(out.status.success(), "{}", said(&out));
    (cwd, data)
}

/// Creates a tenant through the command line; its id.
fn tenant_create(cwd: &std::path::Path, data: &str, name: &str, admin_email: &str) -> String {
    let out = crm(
        cwd,
        &["tenant", "create", "--data-dir", data, "--name", name, "--admin-email", admin_email],
        &[("CRM_ADMIN_PASSWORD", PASSWORD)],
    );
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    stdout
        .split("tenant ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no tenant id in {stdout:?}"))
        .to_owned()
}

#[test]
fn administration_commands_refuse_a_directory_without_an_installation() {
    let cwd = tempfile::tempdir().unwrap();
    let typo = cwd.path().join("crm-dta");
    let dir = typo.to_str().unwrap();
    let some_tenant = uuid::Uuid::new_v4().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["tenant", "create", "--name", "Faute de frappe", "--admin-email", "a@exemple.fr"],
        vec!["tenant", "list"],
        vec![
            "user",
            "create",
            "--tenant",
            &some_tenant,
            "--email",
            "u@exemple.fr",
            "--name",
            "U",
            "--role",
            "sales",
        ],
        vec!["user", "list", "--tenant", &some_tenant],
        vec!["token", "create", "--email", "u@exemple.fr", "--name", "script"],
        vec!["operator", "create", "--email", "ops@exemple.fr"],
        vec!["seed", "demo"],
        vec!["reindex"],
    ];
    let secrets = [
        ("CRM_ADMIN_PASSWORD", PASSWORD),
        ("CRM_USER_PASSWORD", PASSWORD),
        ("CRM_OPERATOR_PASSWORD", PASSWORD),
    ];
    for args in &commands {
        let mut all = args.clone();
        all.extend(["--data-dir", dir]);
        let out = crm(cwd.path(), &all, &secrets);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} ran on an empty directory: {}", said(&out));
        assert!(
            err.contains("aucune installation du CRM")
                && err.contains(dir)
                && err.contains(&format!("crm migrate --data-dir {dir}"))
                && err.contains(&format!("crm serve --data-dir {dir}")),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created {dir}");
    }
    // The default data directory (./crm-data) is no exception.
    let out = crm(cwd.path(), &["tenant", "list"], &[]);
    assert!(!out.status.success(), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("crm-data"), "{}", said(&out));
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0, "nothing created");
    // `crm migrate` creates the installation (database and key), and then they work.
    let out = crm(cwd.path(), &["migrate", "--data-dir", dir], &[]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Installation créée"),
        "{}",
        said(&out)
    );
    assert!(typo.join("crm.db").is_file() && typo.join("master.key").is_file());
    let out = crm(cwd.path(), &["migrate", "--data-dir", dir], &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Installation à jour"),
        "{}",
        said(&out)
    );
    let out = crm(cwd.path(), &["tenant", "list", "--data-dir", dir], &[]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Aucune entreprise"), "{}", said(&out));
}

#[test]
fn refused_values_are_explained_with_their_rule() {
    let (cwd, data) = installed();
    let create = |name: &str, email: &str, password: &str| {
        crm(
            cwd.path(),
            &["tenant", "create", "--data-dir", &data, "--name", name, "--admin-email", email],
            &[("CRM_ADMIN_PASSWORD", password)],
        )
    };
    let refused = |out: &std::process::Output, wants: &[&str]| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}", said(out));
        for w in wants {
            assert!(err.contains(w), "{w:?} missing from {err}");
        }
        assert!(!err.contains("too_small") && !err.contains("(unknown)"), "codes, not rules: {err}");
    };
    refused(
        &create("Court", "court@exemple.fr", "court"),
        &[
            "saisie refusée",
            "admin_password : mot de passe trop court",
            "au moins 12 caractères",
        ],
    );
    refused(
        &create("Adresse", "pas-une-adresse", PASSWORD),
        &["admin_email : adresse email invalide"],
    );
    // Every field at fault, each with its rule; generic ones from the API's messages.
    refused(
        &create(&"N".repeat(201), "pas-une-adresse", PASSWORD),
        &["name : trop long : au plus 200 caractères", "admin_email : adresse email invalide"],
    );
    let tenant = tenant_create(cwd.path(), &data, "Règles", "regles@exemple.fr");
    let out = crm(
        cwd.path(),
        &["operator", "create", "--data-dir", &data, "--email", "regles@exemple.fr"],
        &[("CRM_OPERATOR_PASSWORD", PASSWORD)],
    );
    refused(&out, &["email : adresse email déjà utilisée"]);
    let user = |role: &str, email: &str| {
        crm(
            cwd.path(),
            &[
                "user",
                "create",
                "--data-dir",
                &data,
                "--tenant",
                &tenant,
                "--email",
                email,
                "--name",
                "Paul",
                "--role",
                role,
            ],
            &[("CRM_USER_PASSWORD", PASSWORD)],
        )
    };
    refused(
        &user("chef", "paul@exemple.fr"),
        &["role : rôle inconnu", "admin, manager, sales, marketing, observer"],
    );
    let out = crm(
        cwd.path(),
        &[
            "token",
            "create",
            "--data-dir",
            &data,
            "--email",
            "regles@exemple.fr",
            "--name",
            "script",
            "--days",
            "0",
        ],
        &[],
    );
    refused(&out, &["expires_in_days", "de 1 à 366 jours"]);
    // An unknown tenant is said as such.
    let out = crm(
        cwd.path(),
        &[
            "user",
            "create",
            "--data-dir",
            &data,
            "--tenant",
            &uuid::Uuid::new_v4().to_string(),
            "--email",
            "x@exemple.fr",
            "--name",
            "X",
            "--role",
            "sales",
        ],
        &[("CRM_USER_PASSWORD", PASSWORD)],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("aucune entreprise n'a l'identifiant"),
        "{}",
        said(&out)
    );
}

#[test]
fn tenants_and_users_are_listed_as_tables() {
    let (cwd, data) = installed();
    let a = tenant_create(cwd.path(), &data, "Vins Duval", "claire@duval.fr");
    let b = tenant_create(cwd.path(), &data, "Bâtiment Moreau", "admin@moreau.fr");
    for (email, name, role) in [
        ("julie@duval.fr", "Julie Petit", "sales"),
        ("paul@duval.fr", "Paul Mercier", "observer"),
    ] {
        let out = crm(
            cwd.path(),
            &[
                "user",
                "create",
                "--data-dir",
                &data,
                "--tenant",
                &a,
                "--email",
                email,
                "--name",
                name,
                "--role",
                role,
            ],
            &[("CRM_USER_PASSWORD", PASSWORD)],
        );
        assert!(out.status.success(), "{}", said(&out));
    }
    let out = crm(cwd.path(), &["tenant", "list", "--data-dir", &data], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    let header: Vec<&str> = lines[0].split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(header, ["ID", "NOM", "UTILISATEURS", "CRÉÉE LE"], "{stdout}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let row = |id: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} missing: {stdout}"))
    };
    let cells = |l: &str| {
        l.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(row(&a)), [a.as_str(), "Vins Duval", "3", today.as_str()], "{stdout}");
    assert_eq!(cells(row(&b)), [b.as_str(), "Bâtiment Moreau", "1", today.as_str()], "{stdout}");
    // Columns line up, accents included.
    let col = |l: &str| l.chars().position(|c| c == 'V' || c == 'B' || c == 'N').unwrap();
    assert_eq!(col(lines[0]), col(row(&a)));
    assert_eq!(col(row(&a)), col(row(&b)));
    assert!(stdout.contains("2 entreprises."), "{stdout}");

    let out = crm(cwd.path(), &["user", "list", "--data-dir", &data, "--tenant", &a], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.starts_with("Entreprise « Vins Duval »") && stdout.contains("3 utilisateurs"),
        "{stdout}"
    );
    let lines: Vec<Vec<String>> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect())
        .collect();
    assert_eq!(lines[0], ["ID", "EMAIL", "NOM", "RÔLE", "ÉQUIPE"], "{stdout}");
    let people: Vec<[&str; 4]> = lines[1..]
        .iter()
        .map(|c| [c[1].as_str(), c[2].as_str(), c[3].as_str(), c[4].as_str()])
        .collect();
    assert_eq!(
        people,
        [
            ["claire@duval.fr", "Administrateur", "admin", "—"],
            ["julie@duval.fr", "Julie Petit", "sales", "—"],
            ["paul@duval.fr", "Paul Mercier", "observer", "—"],
        ],
        "{stdout}"
    );
    // Another company's users stay out of the list; an unknown tenant is said as such.
    assert!(!stdout.contains("moreau"), "{stdout}");
    let out = crm(
        cwd.path(),
        &["user", "list", "--data-dir", &data, "--tenant", &uuid::Uuid::new_v4().to_string()],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("aucune entreprise n'a l'identifiant"),
        "{}",
        said(&out)
    );
}

#[test]
fn the_demo_is_refused_on_an_installation_with_companies() {
    let (cwd, data) = installed();
    tenant_create(cwd.path(), &data, "Déjà là", "deja@exemple.fr");
    let out = crm(cwd.path(), &["seed", "demo", "--data-dir", &data], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", said(&out));
    assert!(
        err.contains("contient déjà 1 entreprise") && err.contains("rien n'a été chargé") && err.contains("--demo"),
        "{err}"
    );
    // Nothing was loaded: still one company.
    let out = crm(cwd.path(), &["tenant", "list", "--data-dir", &data], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 entreprise."), "{}", said(&out));
    // No progress bar in a pipe.
    assert!(!err.contains("Démonstration ["), "{err}");
}

/// `crm serve` says it is ready only when it answers: right after the line, `/readyz` is 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_says_ready_once_it_answers() {
    use std::io::BufRead as _;
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data");
    let mut c = Command::new(env!("CARGO_BIN_EXE_crm"));
    c.current_dir(cwd.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CRM_")) {
        c.env_remove(k);
    }
    /// The server child, stopped however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(c.spawn().unwrap());
    let stdout = server.0.stdout.take().unwrap();
    let (line, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines().map_while(Result::ok);
        let ready = lines.by_ref().find(|l| l.contains("prêt")).unwrap();
        let rest: Vec<String> = lines.take(3).collect();
        (ready, rest)
    })
    .await
    .unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
    let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(r.status(), 200);
    // The first start of an empty installation says how to begin, after the ready line.
    assert!(rest.iter().any(|l| l.contains("Aucun espace")), "{rest:?}");
}

#[test]
fn an_import_dry_run_reads_french_excels_csv_and_writes_nothing() {
    let (cwd, data) = installed();
    let tenant = tenant_create(cwd.path(), &data, "Import en ligne de commande", "admin@import.example");
    // As French Excel saves it: Windows-1252, semicolons, CRLF.
    let file = cwd.path().join("contacts.csv");
    std::fs::write(
        &file,
        b"Pr\xe9nom;Nom;E-mail;Soci\xe9t\xe9\r\nH\xe9l\xe8ne;Lef\xe8vre;helene@creme.fr;Cr\xe8me\r\nPaul;Neuf;HELENE@creme.fr;\r\nIna;Valide;pas-une-adresse;\r\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let plan = |extra: &[&str]| {
        let mut args = vec!["import", "plan", "--data-dir", &data, "--tenant", &tenant];
        args.extend_from_slice(extra);
        crm(cwd.path(), &args, &[])
    };
    let out = plan(&[path]);
    assert!(out.status.success(), "{}", said(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CSV Windows-1252, séparateur point-virgule"), "{text}");
    assert!(text.contains("Prénom") && text.contains("→ first_name"), "{text}");
    assert!(text.contains("ligne      2 : création"), "{text}");
    assert!(text.contains("ligne      3 : ignorée — Même clé que la ligne 2"), "{text}");
    assert!(text.contains("ligne      4 : ignorée — Valeur refusée : emails.0"), "{text}");
    assert!(
        text.contains("À créer : 1, à mettre à jour : 0, déjà à jour : 0, ignorées : 2."),
        "{text}"
    );
    // Nothing written: the same dry run says the same.
    assert_eq!(plan(&[path]).stdout, out.stdout);
    // The rows left out, with their line and reason, in a file French Excel opens.
    let report = cwd.path().join("ignorees.csv");
    let out = plan(&["--report", report.to_str().unwrap(), path]);
    assert!(out.status.success(), "{}", said(&out));
    let written = std::fs::read(&report).unwrap();
    assert!(
        written.starts_with("\u{feff}Prénom;Nom;E-mail;Société;Ligne;Raison\r\n".as_bytes()),
        "{}",
        String::from_utf8_lossy(&written)
    );
    let text = String::from_utf8_lossy(&written);
    assert!(text.contains("Paul;Neuf;HELENE@creme.fr;;3;Même clé que la ligne 2\r\n"), "{text}");
    assert!(text.contains("Ina;Valide;pas-une-adresse;;4;Valeur refusée : emails.0"), "{text}");
    assert!(!text.contains("Hélène;Lef"), "a row imported is not in the report: {text}");
    // An unknown key, a missing file: said so, and a failure.
    let out = plan(&["--key", "fax", path]);
    assert!(!out.status.success() && said(&out).contains("clé inconnue"), "{}", said(&out));
    let out = plan(&["absent.csv"]);
    assert!(!out.status.success() && said(&out).contains("absent.csv"), "{}", said(&out));
}

/// `kill -9` in the middle of an import, then `crm import resume`: every row exactly once
/// (the release-mode script `scripts/import-kill.sh` does the same with 100,000 rows).
#[test]
fn an_import_killed_mid_way_resumes_and_writes_every_row_once() {
    use std::io::BufRead;
    let (cwd, data) = installed();
    let tenant = tenant_create(cwd.path(), &data, "Import interrompu", "admin@kill.example");
    // Two pieces of 2,000 rows and a short one: killed after one, before the last (the dry
    // run at the end reads at most 5,000 rows).
    let rows = 4_500;
    let mut text = String::from("Prénom;Nom;E-mail;Société\r\n");
    for i in 0..rows {
        text.push_str(&format!("Prénom{i};Nom{i};p{i}@kill.example;Société {}\r\n", i % 20));
    }
    let file = cwd.path().join("gros.csv");
    std::fs::write(&file, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
        .current_dir(cwd.path())
        .args(["import", "run", "--data-dir", &data, "--tenant", &tenant, file.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let job = first
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no import id in {first:?}"))
        .to_owned();
    // Killed once at least one piece is written and before the last.
    let err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut killed_at = None;
    for line in err.lines() {
        let line = line.unwrap();
        if let Some(done) = line.strip_prefix("progression : ").and_then(|p| p.split('/').next()) {
            let done: u64 = done.parse().unwrap();
            if done > 0 {
                child.kill().unwrap();
                killed_at = Some(done);
                break;
            }
        }
    }
    child.wait().unwrap();
    let killed_at = killed_at.expect("the import showed no progress before it ended");
    assert!(killed_at < rows, "killed after the end ({killed_at})");
    // Resumed once the dead worker's lease has run out.
    let out = crm(
        cwd.path(),
        &["import", "resume", "--data-dir", &data, "--tenant", &tenant, &job],
        &[],
    );
    assert!(out.status.success(), "{}", said(&out));
    let said_out = String::from_utf8_lossy(&out.stdout);
    assert!(
        said_out.contains(&format!(
            "terminé : {rows} lignes ; créés : {rows}, mis à jour : 0, déjà à jour : 0, ignorées : 0, sociétés créées : 20."
        )),
        "{said_out}"
    );
    // Every row is there once: the dry run of the same file finds each, with nothing new.
    let out = crm(
        cwd.path(),
        &["import", "plan", "--data-dir", &data, "--tenant", &tenant, file.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", said(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains(&format!("À créer : 0, à mettre à jour : 0, déjà à jour : {rows}, ignorées : 0.")),
        "{}",
        plan.lines().last().unwrap_or_default()
    );
}
