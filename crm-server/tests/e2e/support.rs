//! `spawn_app`: the server on port 0 with a fresh SQLite data directory, and fixtures of
//! tenants with a user per role, each logged in through the SDK.

use crm_domain::Actor;
use crm_domain::user::Role;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{NewUser, TeamInput};
use crm_sdk::Client;
use crm_server::config::{Config, FileConfig};
use crm_server::{Crm, CrmApp};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

pub const PASSWORD: &str = "une phrase de passe solide";

pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub app: CrmApp,
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Stops the server and hands back its data directory.
    pub async fn stop_keeping_data(mut self) -> tempfile::TempDir {
        self.shutdown_now().await;
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }

    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }
}

pub async fn spawn_app() -> TestServer {
    spawn_app_in(tempfile::tempdir().unwrap()).await
}

/// The server on an existing data directory (restarts).
pub async fn spawn_app_in(dir: tempfile::TempDir) -> TestServer {
    spawn_app_with(dir, FileConfig::default()).await
}

/// The server on a data directory with settings of the configuration file.
pub async fn spawn_app_with(dir: tempfile::TempDir, file: FileConfig) -> TestServer {
    let config = Config::layered(
        file,
        FileConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..FileConfig::default()
        },
    );
    let crm = Crm::open(&config).await.unwrap();
    serve_opened(crm, dir).await
}

/// The server with the demo data set of `size`, loaded before it serves (its workers
/// start once the demo is in, as with `crm serve --demo`).
pub async fn spawn_demo(size: crm_seeds::demo::DemoSize) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..FileConfig::default()
        },
    );
    let crm = Crm::open(&config).await.unwrap();
    crm_seeds::demo::load(crm.app(), 2026, size).await.unwrap();
    serve_opened(crm, dir).await
}

/// Serves an opened CRM on a loopback port of its own.
async fn serve_opened(crm: Crm, dir: tempfile::TempDir) -> TestServer {
    let app = crm.app().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let handle = tokio::spawn(async move {
        crm.serve(
            listener,
            async {
                let _ = rx.await;
            },
            Duration::from_secs(5),
        )
        .await
    });
    TestServer {
        client: Client::new(&base).unwrap(),
        base,
        app,
        dir,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

/// A tenant with one logged-in client per role: the Sales rep is in a team the Manager
/// leads.
pub struct TenantFixture {
    pub tenant_id: Uuid,
    pub emails: HashMap<Role, String>,
    pub users: HashMap<Role, Uuid>,
    pub clients: HashMap<Role, Client>,
    pub team_id: Uuid,
}

impl TenantFixture {
    pub fn client(&self, role: Role) -> &Client {
        &self.clients[&role]
    }

    pub fn user(&self, role: Role) -> Uuid {
        self.users[&role]
    }
}

pub fn unique_email(local: &str) -> String {
    format!("{local}.{}@exemple.fr", Uuid::new_v4().simple())
}

pub async fn tenant(s: &TestServer, name: &str) -> TenantFixture {
    let (t, admin) = s
        .app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: name.into(),
                admin_email: unique_email("admin"),
                admin_name: "Admin".into(),
                admin_password: Some(PASSWORD.into()),
                ..NewTenant::default()
            },
        )
        .await
        .unwrap();
    let admin_actor = Actor::User {
        tenant_id: t.id,
        user_id: admin.id,
        role: Role::Admin,
    };
    let mut emails = HashMap::from([(Role::Admin, admin.email.as_str().to_owned())]);
    let mut users = HashMap::from([(Role::Admin, admin.id.as_uuid())]);
    let mut team_id = None;
    for role in [Role::Manager, Role::Sales, Role::Marketing, Role::Observer] {
        let email = unique_email(role.code());
        let u = s
            .app
            .create_user(
                &admin_actor,
                &NewUser {
                    email: email.clone(),
                    display_name: format!("{} de {name}", role.code()),
                    role: role.code().into(),
                    team_id: if role == Role::Sales { team_id } else { None },
                    password: Some(PASSWORD.into()),
                },
            )
            .await
            .unwrap();
        if role == Role::Manager {
            let team = s
                .app
                .create_team(
                    &admin_actor,
                    &TeamInput {
                        name: "Équipe terrain".into(),
                        manager_id: u.id,
                        territory: Some("Sud-Ouest".into()),
                    },
                )
                .await
                .unwrap();
            team_id = Some(team.id);
        }
        emails.insert(role, email);
        users.insert(role, u.id.as_uuid());
    }
    let mut clients = HashMap::new();
    for (role, email) in &emails.clone() {
        let login = s.client.login(email, PASSWORD).await.unwrap();
        clients.insert(*role, s.client.with_token(&login.token));
    }
    TenantFixture {
        tenant_id: t.id.as_uuid(),
        emails,
        users,
        clients,
        team_id: team_id.map(|t| t.as_uuid()).unwrap_or_default(),
    }
}

/// An import job once it has finished (done or failed), asked every 100 ms.
pub async fn import_finished(client: &Client, id: Uuid) -> crm_sdk::models::Import {
    loop {
        let i = client.import(id).await.unwrap();
        if i.state == "done" || i.state == "failed" {
            return i;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
