//! Test harness: a fresh store per case (a temporary SQLite file, or a shared throwaway
//! PostgreSQL database where every case works in tenants of its own).

use crm_crypto::{Argon2Credentials, Keyring, RingCipher};
use crm_domain::Actor;
use crm_domain::tenant::Tenant;
use crm_domain::user::{Role, User};
use crm_domain::{TeamId, UserId};
use crm_ports::App;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{NewUser, TeamInput};
use crm_store_sql::{PostgresSetup, SqlStore, migrate_postgres};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::path::PathBuf;
use std::str::FromStr;
use tokio::sync::OnceCell;
use uuid::Uuid;

pub type TestApp = App<SqlStore<RingCipher>, Argon2Credentials>;

/// Cheap hashing parameters: tests exercise the flow, not the cost.
pub fn creds() -> Argon2Credentials {
    Argon2Credentials::with_params(4, 256, 1).unwrap()
}

pub const TEST_KEY: &str = "1:5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

pub fn cipher() -> RingCipher {
    RingCipher::new(Keyring::from_spec(TEST_KEY).unwrap())
}

/// Where the data of a case lives, for tests that look at it raw.
pub enum Raw {
    Sqlite { _dir: tempfile::TempDir, path: PathBuf },
    Postgres { target: PgTarget },
}

pub struct Harness {
    pub app: TestApp,
    pub raw: Raw,
}

#[derive(Clone, Debug)]
pub struct PgTarget {
    pub admin_url: String,
    pub app_url: String,
}

pub async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let store = SqlStore::open_sqlite(&path, cipher()).await.unwrap();
    Harness {
        app: App::new(store, creds()),
        raw: Raw::Sqlite { _dir: dir, path },
    }
}

static PG: OnceCell<Option<PgTarget>> = OnceCell::const_new();

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

async fn setup_postgres(admin_url: &str) -> Result<PgTarget, String> {
    let opts = PgConnectOptions::from_str(admin_url).map_err(|e| e.to_string())?;
    let mut admin = PgConnection::connect_with(&opts).await.map_err(|e| e.to_string())?;
    for stmt in [
        "DO $$ BEGIN CREATE ROLE crm_test_owner LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        "DO $$ BEGIN CREATE ROLE crm_test_app LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    ] {
        sqlx::query(stmt).execute(&mut admin).await.map_err(|e| e.to_string())?;
    }
    // Earlier runs of this suite leave their database behind: drop them.
    let old: Vec<(String,)> = sqlx::query_as("SELECT datname::text FROM pg_database WHERE datname LIKE 'crm_test_contract_%'")
        .fetch_all(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    for (name,) in old {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
            .execute(&mut admin)
            .await;
    }
    let database = format!("crm_test_contract_{}", Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{database}\" OWNER crm_test_owner")))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    let host = opts.get_host().to_owned();
    let port = opts.get_port();
    let owner_url = format!("postgres://crm_test_owner@{host}:{port}/{database}");
    let app_url = format!("postgres://crm_test_app@{host}:{port}/{database}");
    migrate_postgres(&owner_url, "crm_test_app", cipher())
        .await
        .map_err(|e| e.to_string())?;
    Ok(PgTarget {
        admin_url: format!("postgres://{}@{host}:{port}/{database}", opts.get_username()),
        app_url,
    })
}

pub async fn pg_target() -> Option<PgTarget> {
    PG.get_or_init(|| async {
        let Ok(url) = std::env::var("CRM_TEST_POSTGRES_URL") else {
            assert!(
                !in_ci(),
                "CI=true but CRM_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run"
            );
            eprintln!("skipped: PostgreSQL contract cases (set CRM_TEST_POSTGRES_URL to run them)");
            return None;
        };
        match setup_postgres(&url).await {
            Ok(t) => Some(t),
            Err(e) => {
                assert!(!in_ci(), "CI=true but PostgreSQL at CRM_TEST_POSTGRES_URL is unusable: {e}");
                eprintln!("skipped: PostgreSQL contract cases (PostgreSQL unusable: {e})");
                None
            }
        }
    })
    .await
    .clone()
}

/// A store on a PostgreSQL database of its own (for a case that loads it heavily), and the
/// superuser URL of that database; the caller drops it with [`drop_database`]. Named like
/// the suite's, so that a run that stopped half-way leaves nothing the next one keeps.
pub async fn postgres_alone() -> Option<(Harness, String)> {
    let shared = pg_target().await?;
    let server = std::env::var("CRM_TEST_POSTGRES_URL").ok()?;
    let opts = PgConnectOptions::from_str(&server).unwrap();
    let mut admin = PgConnection::connect_with(&opts).await.unwrap();
    let database = format!("crm_test_contract_alone_{}", Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{database}\" OWNER crm_test_owner")))
        .execute(&mut admin)
        .await
        .unwrap();
    let on = |url: &str| format!("{}/{database}", url.rsplit_once('/').map_or(url, |(base, _)| base));
    migrate_postgres(
        &on(&shared.app_url).replace("crm_test_app@", "crm_test_owner@"),
        "crm_test_app",
        cipher(),
    )
    .await
    .unwrap();
    let store = SqlStore::connect_postgres(
        &PostgresSetup {
            url: on(&shared.app_url),
            max_connections: 4,
        },
        cipher(),
    )
    .await
    .unwrap();
    let target = PgTarget {
        admin_url: on(&shared.admin_url),
        app_url: on(&shared.app_url),
    };
    let admin_url = target.admin_url.clone();
    Some((
        Harness {
            app: App::new(store, creds()),
            raw: Raw::Postgres { target },
        },
        admin_url,
    ))
}

/// Drops a database made by [`postgres_alone`] (after its harness is dropped).
pub async fn drop_database(admin_url: &str) {
    let (server, name) = admin_url.rsplit_once('/').unwrap();
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .unwrap();
}

pub async fn postgres() -> Option<Harness> {
    let target = pg_target().await?;
    let store = SqlStore::connect_postgres(
        &PostgresSetup {
            url: target.app_url.clone(),
            max_connections: 4,
        },
        cipher(),
    )
    .await
    .unwrap();
    Some(Harness {
        app: App::new(store, creds()),
        raw: Raw::Postgres { target },
    })
}

/// A unique email, so cases sharing a PostgreSQL database never collide on logins.
pub fn email(local: &str) -> String {
    format!("{local}.{}@exemple.fr", Uuid::new_v4().simple())
}

impl Harness {
    /// A new tenant and its Admin.
    pub async fn tenant(&self, name: &str) -> (Tenant, Actor) {
        let (t, admin) = self
            .app
            .create_tenant(
                &Actor::Operator,
                &NewTenant {
                    name: name.into(),
                    admin_email: email("admin"),
                    admin_name: format!("Admin {name}"),
                    ..NewTenant::default()
                },
            )
            .await
            .unwrap();
        (t, actor_of(&admin))
    }

    /// A new user of the admin's tenant.
    pub async fn user(&self, admin: &Actor, role: Role, team: Option<TeamId>) -> (User, Actor) {
        let u = self
            .app
            .create_user(
                admin,
                &NewUser {
                    email: email(role.code()),
                    display_name: format!("{} {}", role.code(), &Uuid::new_v4().simple().to_string()[..6]),
                    role: role.code().into(),
                    team_id: team,
                    password: None,
                },
            )
            .await
            .unwrap();
        let a = actor_of(&u);
        (u, a)
    }

    /// A team led by `manager`.
    pub async fn team(&self, admin: &Actor, name: &str, manager: UserId) -> TeamId {
        self.app
            .create_team(
                admin,
                &TeamInput {
                    name: name.into(),
                    manager_id: manager,
                    territory: Some("Île-de-France".into()),
                },
            )
            .await
            .unwrap()
            .id
    }
}

pub fn actor_of(u: &User) -> Actor {
    Actor::User {
        tenant_id: u.tenant_id,
        user_id: u.id,
        role: u.role,
    }
}
