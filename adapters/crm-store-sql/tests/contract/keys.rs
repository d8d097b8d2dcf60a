//! The master keys a database was written with: another key is refused at open, naming
//! the fix; a rotation (old key kept, new one added) is accepted and recorded.

use crate::harness::{TEST_KEY, pg_target};
use crm_crypto::{Keyring, RingCipher};
use crm_store_sql::{OpenError, PostgresSetup, SqlStore};

const OTHER: &str = "1:0707070707070707070707070707070707070707070707070707070707070707";

fn cipher(spec: &str) -> RingCipher {
    RingCipher::new(Keyring::from_spec(spec).unwrap())
}

fn refused(r: Result<SqlStore<RingCipher>, OpenError>) -> String {
    match r {
        Err(OpenError::KeyMismatch(m)) => m,
        Err(e) => panic!("expected a key mismatch, got {e}"),
        Ok(_) => panic!("expected a key mismatch, the store opened"),
    }
}

fn rotated() -> String {
    format!("{TEST_KEY},2:0808080808080808080808080808080808080808080808080808080808080808")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    drop(SqlStore::open_sqlite(&path, cipher(TEST_KEY)).await.unwrap());
    let m = refused(SqlStore::open_sqlite(&path, cipher(OTHER)).await);
    assert!(m.contains("n° 1") && m.contains("CRM_MASTER_KEY"), "{m}");
    drop(SqlStore::open_sqlite(&path, cipher(&rotated())).await.unwrap());
    // Key 2 is now recorded too: a different key 2 is refused.
    let wrong2 = format!("{TEST_KEY},2:0909090909090909090909090909090909090909090909090909090909090909");
    refused(SqlStore::open_sqlite(&path, cipher(&wrong2)).await);
    let only_new = "2:0808080808080808080808080808080808080808080808080808080808080808";
    drop(SqlStore::open_sqlite(&path, cipher(only_new)).await.unwrap());
    drop(SqlStore::open_sqlite(&path, cipher(TEST_KEY)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_another_key() {
    let Some(target) = pg_target().await else { return };
    let setup = PostgresSetup {
        url: target.app_url.clone(),
        max_connections: 2,
    };
    // The suite's own store opened with TEST_KEY first (or opens now).
    drop(SqlStore::connect_postgres(&setup, cipher(TEST_KEY)).await.unwrap());
    let m = refused(SqlStore::connect_postgres(&setup, cipher(OTHER)).await);
    assert!(m.contains("CRM_MASTER_KEY"), "{m}");
    refused(SqlStore::connect_postgres(&setup, cipher("5:0707070707070707070707070707070707070707070707070707070707070707")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_indexes_survive_the_retirement_of_the_first_key() {
    use crate::harness::{Harness, Raw, creds};
    use sqlx::{Connection, Row};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let open = |spec: String| {
        let path = path.clone();
        async move {
            Harness {
                app: crm_ports::App::new(SqlStore::open_sqlite(&path, cipher(&spec)).await.unwrap(), creds()),
                raw: Raw::Sqlite {
                    _dir: tempfile::tempdir().unwrap(),
                    path,
                },
            }
        }
    };
    // The installation starts with key 1 (its blind-index root comes from it); key 2 is
    // added, and the tenant's records are written under key 2.
    drop(open(TEST_KEY.to_owned()).await);
    let h = open(rotated()).await;
    let (_, admin) = h.tenant("Rotation").await;
    let mut first = crate::contacts::input("Rose", "Rotation");
    first.emails = vec!["rose@rotation.fr".into()];
    h.app.create_contact(&admin, &first, None, true).await.unwrap();
    drop(h);
    // Key 1 retired: a contact with the same email gets the same blind index, so lookups
    // and duplicate checks still meet (derived from key 2 instead, they would not).
    let h = open("2:0808080808080808080808080808080808080808080808080808080808080808".into()).await;
    let mut second = crate::contacts::input("Rosa", "Rotation");
    second.emails = vec!["rose@rotation.fr".into()];
    h.app.create_contact(&admin, &second, None, true).await.unwrap();
    drop(h);
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let row = sqlx::query("SELECT count(*) AS n, count(DISTINCT hash) AS d FROM contact_lookups WHERE field = 'email' AND tenant_id = ?1")
        .bind(admin.tenant_id().unwrap().as_uuid())
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!((row.get::<i64, _>("n"), row.get::<i64, _>("d")), (2, 1));
    let copies: Vec<i64> = sqlx::query("SELECT key_id FROM installation_keys WHERE name = 'blind-index-root' ORDER BY key_id")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("key_id"))
        .collect();
    assert_eq!(copies, [1, 2], "a copy under each key the installation was given");
}
