//! `crm backup` while the server takes writes, then `crm restore` into a new data
//! directory: every write acknowledged before the backup started is there, the restored
//! installation serves (logins, reads, search), the master key is in no file of the
//! backup, and a restore without the key, or with another one, writes nothing.

use crate::support::{PASSWORD, spawn_app, spawn_app_in, tenant};
use crm_domain::user::Role;
use crm_sdk::models::ContactWrite;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs the `crm` binary with no key or database from the environment.
pub(crate) fn crm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(args)
        .env_remove("CRM_MASTER_KEY")
        .env_remove("CRM_DATABASE_URL")
        .output()
        .unwrap()
}

fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(all_bytes(&p));
        } else {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_writes_restores_every_acknowledged_write() {
    let s = spawn_app().await;
    let a = tenant(&s, "Sauvegarde à chaud").await;
    let rep = a.client(Role::Sales).clone();

    // Two writers create contacts without a pause; each keeps what the server acknowledged.
    let acked: Arc<Mutex<Vec<uuid::Uuid>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (rep, acked, failures, stop) = (rep.clone(), acked.clone(), failures.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let write = ContactWrite {
                        kind: "prospect".into(),
                        first_name: format!("Écrit{w}"),
                        last_name: format!("Pendant{}", uuid::Uuid::new_v4().simple()),
                        ..ContactWrite::default()
                    };
                    match rep.create_contact(&write, true).await {
                        Ok(c) => acked.lock().unwrap().push(c.id),
                        Err(e) => failures.lock().unwrap().push(format!("write {w}.{i}: {e}")),
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The backup, by the command line, while the writes go on.
    let before: Vec<uuid::Uuid> = acked.lock().unwrap().clone();
    let place = tempfile::tempdir().unwrap();
    let dest = place.path().join("sauvegarde");
    let (data, dest_s) = (s.dir.path().to_str().unwrap().to_owned(), dest.to_str().unwrap().to_owned());
    let out = tokio::task::spawn_blocking(move || crm(&["backup", "--data-dir", &data, &dest_s]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("La clé maîtresse n'y est pas"), "{said}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    assert!(failures.lock().unwrap().is_empty(), "{:?}", failures.lock().unwrap());
    let total = acked.lock().unwrap().len();
    assert!(
        total > before.len(),
        "writes went on during the backup ({} then {total})",
        before.len()
    );

    // The master key is in no file of the backup.
    let key = std::fs::read(s.dir.path().join("master.key")).unwrap();
    assert!(!dest.join("master.key").exists());
    let key_text = String::from_utf8_lossy(&key);
    let secret = key_text.trim().rsplit(':').next().unwrap().to_owned();
    assert_eq!(secret.len(), 64, "the key file holds a 256-bit key in hex");
    let raw: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&secret[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let backed_up = all_bytes(&dest);
    assert!(!backed_up.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(!backed_up.windows(raw.len()).any(|w| w == raw.as_slice()));
    // A second backup into the same directory is refused.
    let again = crm(&["backup", "--data-dir", s.dir.path().to_str().unwrap(), dest.to_str().unwrap()]);
    assert!(!again.status.success());

    // A restore without the key writes nothing and says what to do.
    let target = tempfile::tempdir().unwrap();
    let data = target.path().join("data");
    let (data_s, dest_s) = (data.to_str().unwrap(), dest.to_str().unwrap());
    let refused = crm(&["restore", "--data-dir", data_s, dest_s]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("master.key"), "{refused:?}");
    assert!(!data.join("crm.db").exists());
    // Another installation's key: nothing kept either.
    std::fs::create_dir_all(&data).unwrap();
    let other = tempfile::tempdir().unwrap();
    assert!(crm(&["migrate", "--data-dir", other.path().to_str().unwrap()]).status.success());
    std::fs::copy(other.path().join("master.key"), data.join("master.key")).unwrap();
    let wrong = crm(&["restore", "--data-dir", data_s, dest_s]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("clé maîtresse"), "{wrong:?}");
    assert!(!data.join("crm.db").exists(), "taken back");

    // The right key: restored, the index rebuilt.
    std::fs::write(data.join("master.key"), &key).unwrap();
    let restored = crm(&["restore", "--data-dir", data_s, dest_s]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let said = String::from_utf8_lossy(&restored.stdout);
    assert!(said.contains("restaurée"), "{said}");
    // Already there: a second restore is refused.
    assert!(!crm(&["restore", "--data-dir", data_s, dest_s]).status.success());

    s.stop().await;
    let target_dir = tempfile::TempDir::new().unwrap();
    std::fs::remove_dir(target_dir.path()).unwrap();
    std::fs::rename(&data, target_dir.path()).unwrap();
    let r = spawn_app_in(target_dir).await;
    let rep = r.client.clone();
    let rep = {
        let l = rep.login(&a.emails[&Role::Sales], PASSWORD).await.unwrap();
        rep.with_token(&l.token)
    };
    for id in &before {
        rep.contact(*id)
            .await
            .unwrap_or_else(|e| panic!("acknowledged before the backup, missing: {id}: {e}"));
    }
    // The rebuilt index finds a contact of the backup.
    let first = rep.contact(before[0]).await.unwrap();
    let found = rep
        .search(&crm_sdk::models::SearchQuery {
            q: first.last_name.clone(),
            ..crm_sdk::models::SearchQuery::default()
        })
        .await
        .unwrap();
    assert!(found.hits("contact").iter().any(|h| h.id == first.id), "{found:?}");
    // The restored installation takes writes.
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Après".into(),
                last_name: "Restauration".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(rep.contact(c.id).await.unwrap().last_name, "Restauration");
}
