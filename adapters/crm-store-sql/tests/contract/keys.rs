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
