//! Master key rotation on both backends: a process given the old and the new key keeps
//! each company's key of the old one under the new one; a process given only the new key
//! then opens what was sealed under the old one — a contact's sealed fields, its history
//! (a person key wrapped under the old key), a user's email — and writes under the new
//! one. A company created afterwards by a process given only the old key has no copy: its
//! records do not open without the old key, and the retirement check names it until the
//! rotation runs again.

use crate::contacts::input;
use crate::harness::{Harness, Raw, TEST_KEY, creds};
use crm_crypto::{Keyring, RingCipher};
use crm_ports::App;
use crm_store_sql::{PostgresSetup, SqlStore};

const NEW_KEY: &str = "2:7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";

async fn store_with(h: &Harness, spec: &str) -> SqlStore<RingCipher> {
    let cipher = RingCipher::new(Keyring::from_spec(spec).unwrap());
    match &h.raw {
        Raw::Sqlite { path, .. } => SqlStore::open_sqlite(path, cipher).await.unwrap(),
        Raw::Postgres { target } => SqlStore::connect_postgres(
            &PostgresSetup {
                url: target.app_url.clone(),
                max_connections: 2,
            },
            cipher,
        )
        .await
        .unwrap(),
    }
}

async fn a_retired_master_key_s_data_opens_through_the_kept_copies(h: &Harness) {
    let (tenant, admin) = h.tenant("Rotation des clés maîtresses").await;
    let mut i = input("Rose", "Rotation");
    i.notes = Some("Note scellée sous la clé 1".into());
    i.phones = vec!["06 12 12 12 12".into()];
    let c = h.app.create_contact(&admin, &i, None, true).await.unwrap();
    let c = h
        .app
        .update_contact(&admin, c.id, c.version, &input("Rose", "Tournée"))
        .await
        .unwrap();

    // Old and new key: the copies kept under key 2; run again, nothing more.
    let both = store_with(h, &format!("{TEST_KEY},{NEW_KEY}")).await;
    let done = both.rotate_keys().await.unwrap();
    assert_eq!(done.under, 2);
    assert!(done.wrapped >= 1, "{done:?}");
    let again = both.rotate_keys().await.unwrap();
    assert!(again.kept >= done.wrapped, "{again:?}");
    assert!(!both.retirement(1).await.unwrap().missing.contains(&tenant.id));

    // Key 2 only: everything of the company opens.
    let only = App::new(store_with(h, NEW_KEY).await, creds());
    let read = only.contact(&admin, c.id).await.unwrap();
    assert_eq!(read.fields, c.fields);
    let history = only.events_after(&admin, 0, 1_000).await.unwrap();
    let mine: Vec<_> = history.iter().filter(|e| e.entity_id == c.id.as_uuid()).collect();
    assert!(mine.len() >= 2 && mine.iter().all(|e| !e.erased), "{mine:?}");
    assert!(
        mine.iter().any(|e| e.changes.iter().any(|ch| ch.field == "last_name")),
        "the history's sealed values open: {mine:?}"
    );
    let users = only.list_users(&admin).await.unwrap();
    assert!(users.iter().all(|u| !u.email.as_str().is_empty()));
    // It writes under key 2, and reads it back.
    let later = only.create_contact(&admin, &input("Léo", "Après"), None, true).await.unwrap();
    assert_eq!(only.contact(&admin, later.id).await.unwrap().fields, later.fields);

    // A company created by a process still given only key 1: no copy until rotated again.
    let (late_tenant, late_admin) = h.tenant("Créée après la rotation").await;
    let late = h
        .app
        .create_contact(&late_admin, &input("Tardive", "Créée"), None, true)
        .await
        .unwrap();
    assert!(both.retirement(1).await.unwrap().missing.contains(&late_tenant.id));
    assert!(
        only.contact(&late_admin, late.id).await.is_err(),
        "no copy: it does not open without key 1"
    );
    both.rotate_keys().await.unwrap();
    assert!(!both.retirement(1).await.unwrap().missing.contains(&late_tenant.id));
    let reopened = App::new(store_with(h, NEW_KEY).await, creds());
    assert_eq!(reopened.contact(&late_admin, late.id).await.unwrap().fields, late.fields);
}

contract!(a_retired_master_key_s_data_opens_through_the_kept_copies);
