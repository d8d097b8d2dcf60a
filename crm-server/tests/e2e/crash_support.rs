//! Running `crm serve` as its own process, to kill it: the master key, the server with its
//! address, a logged-in client.

use crate::support::PASSWORD;
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

pub const KEY: &str = "1:2222222222222222222222222222222222222222222222222222222222222222";

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `crm serve` on `dir` (and `url`), with only these `CRM_` variables.
pub fn start_with(dir: &std::path::Path, url: Option<&str>, env: &[(&str, String)]) -> Server {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crm"));
    c.args(["--data-dir", dir.to_str().unwrap(), "serve", "--listen", "127.0.0.1:0"])
        .env("CRM_MASTER_KEY", KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CRM_")) {
        c.env_remove(k);
    }
    c.env("CRM_MASTER_KEY", KEY);
    for (k, v) in env {
        c.env(k, v);
    }
    if let Some(u) = url {
        c.args(["--database-url", u]);
    }
    let mut child = c.spawn().unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = out.lines();
    let base = loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if line.contains("prêt") {
            break line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

pub async fn logged_in(base: &str, email: &str) -> crm_sdk::Client {
    let c = crm_sdk::Client::new(base).unwrap();
    let token = c.login(email, PASSWORD).await.unwrap().token;
    c.with_token(&token)
}

/// A data directory under `dir` holding an installation with one company, `name`, whose
/// Admin has the test password: (the data directory, the Admin's email).
pub async fn installation(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, String) {
    use crm_server::config::{Config, FileConfig, Secret};
    let data = dir.join("data");
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(data.clone()),
            master_key: Some(Some(Secret::new(KEY))),
            ..FileConfig::default()
        },
    );
    let admin_email = crate::support::unique_email("admin");
    let app = crm_server::open_app(&config).await.unwrap();
    app.create_tenant(
        &crm_domain::Actor::Operator,
        &crm_ports::services::tenants::NewTenant {
            name: name.into(),
            admin_email: admin_email.clone(),
            admin_name: "Admin".into(),
            admin_password: Some(PASSWORD.into()),
            ..crm_ports::services::tenants::NewTenant::default()
        },
    )
    .await
    .unwrap();
    (data, admin_email)
}
