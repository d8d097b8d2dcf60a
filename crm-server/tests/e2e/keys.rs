//! `crm keys rotate` while the server takes reads and writes, then `crm keys retire 1`: no
//! request fails, no acknowledged write is lost, and the installation restarted with only
//! the new key opens everything written before — contacts and their emails, their
//! history (person keys wrapped under the old key), a stored file, logins — and writes
//! under the new key. The size is `CRM_ROTATION_CONTACTS` (2,000 by default; the release
//! proof runs 100,000: `scripts/rotation-proof.sh`).

use crate::backup::crm;
use crate::support::{PASSWORD, spawn_app, spawn_app_in, tenant};
use crm_domain::user::Role;
use crm_sdk::models::ContactWrite;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn key_ids(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("master.key"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':').map(|(id, _)| id.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_under_load_loses_nothing_and_the_old_key_retires() {
    let n: usize = std::env::var("CRM_ROTATION_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let s = spawn_app().await;
    let a = tenant(&s, "Rotation des clés").await;
    let admin = a.client(Role::Admin).clone();
    let rep = a.client(Role::Sales).clone();
    let data = s.dir.path().to_str().unwrap().to_owned();
    assert_eq!(key_ids(s.dir.path()), vec!["1"]);

    // The company's contacts, imported by the command line (sealed under key 1).
    let csv_dir = tempfile::tempdir().unwrap();
    let csv = csv_dir.path().join("contacts.csv");
    let mut text = String::from("Prénom;Nom;E-mail;Téléphone\n");
    for i in 0..n {
        text.push_str(&format!("Rot{i};Avant{i:06};avant{i:06}@rotation.fr;06{:08}\n", i));
    }
    std::fs::write(&csv, text).unwrap();
    let started = Instant::now();
    let (d, t, f) = (data.clone(), a.tenant_id.to_string(), csv.to_str().unwrap().to_owned());
    let out = tokio::task::spawn_blocking(move || crm(&["import", "run", "--data-dir", &d, "--tenant", &t, &f]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("{n} contacts imported in {:.1} s", started.elapsed().as_secs_f64());
    let before_file = admin
        .upload_file("avant-rotation.txt", b"scelle sous la cle 1".to_vec())
        .await
        .unwrap();
    let early = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Historique".into(),
                last_name: "Ancien".into(),
                emails: vec!["historique@rotation.fr".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();

    // The load: two writers and a reader, each keeping what failed.
    let acked: Arc<Mutex<Vec<(uuid::Uuid, String)>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let reads = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for w in 0..2 {
        let (rep, acked, failures, stop) = (rep.clone(), acked.clone(), failures.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let email = format!("pendant{w}x{i}@rotation.fr");
                let write = ContactWrite {
                    kind: "prospect".into(),
                    first_name: format!("Écrit{w}"),
                    last_name: format!("Pendant{i}"),
                    emails: vec![email.clone()],
                    ..ContactWrite::default()
                };
                match rep.create_contact(&write, true).await {
                    Ok(c) => acked.lock().unwrap().push((c.id, email)),
                    Err(e) => failures.lock().unwrap().push(format!("write {w}.{i}: {e}")),
                }
            }
        }));
    }
    {
        let (admin, failures, stop, reads) = (admin.clone(), failures.clone(), stop.clone(), reads.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                match admin.list_contacts(&crm_sdk::ContactQuery::default()).await {
                    Ok(_) => reads.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        failures.lock().unwrap().push(format!("read: {e}"));
                        0
                    }
                };
            }
        }));
    }
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The rotation, by the command line, while the load goes on.
    let at_start = acked.lock().unwrap().len();
    let d = data.clone();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || crm(&["keys", "rotate", "--data-dir", &d]))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Nouvelle clé maîtresse n° 2"), "{said}");
    assert!(said.contains("Rien n'a été rechiffré"), "{said}");
    assert_eq!(key_ids(s.dir.path()), vec!["1", "2"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for l in load {
        l.await.unwrap();
    }
    assert!(failures.lock().unwrap().is_empty(), "{:?}", failures.lock().unwrap());
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > at_start, "writes went on during the rotation");
    eprintln!(
        "rotation of {n} contacts: {:.2} s, under {} writes and {} reads, no failure",
        took.as_secs_f64(),
        acked.len(),
        reads.load(Ordering::Relaxed)
    );

    // Key 1 retired (the server stopped: a retirement reads everything back without it).
    let dir = s.stop_keeping_data().await;
    let d = dir.path().to_str().unwrap().to_owned();
    let out = crm(&["keys", "retire", "1", "--data-dir", &d]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Clé n° 1 retirée"), "{out:?}");
    assert_eq!(key_ids(dir.path()), vec!["2"], "the old key is gone from the file");
    // The key in charge cannot be retired.
    assert!(!crm(&["keys", "retire", "2", "--data-dir", &d]).status.success());

    // Restarted with key 2 only: everything opens, logins included.
    let r = spawn_app_in(dir).await;
    let admin = {
        let l = r.client.login(&a.emails[&Role::Admin], PASSWORD).await.unwrap();
        r.client.with_token(&l.token)
    };
    for (id, email) in &acked {
        let c = admin
            .contact(*id)
            .await
            .unwrap_or_else(|e| panic!("acknowledged, missing: {id}: {e}"));
        assert_eq!(&c.emails[0], email);
    }
    // Every contact of the company read back, its sealed fields opened.
    let system = crm_domain::Actor::System {
        tenant_id: crm_domain::TenantId::from_uuid(a.tenant_id),
    };
    let (mut count, mut cursor) = (0usize, None);
    loop {
        let page = r
            .app
            .list_contacts(
                &system,
                &crm_ports::query::ContactFilter::default(),
                &crm_ports::query::PageRequest {
                    cursor: cursor.clone(),
                    limit: Some(200),
                    ..crm_ports::query::PageRequest::default()
                },
            )
            .await
            .unwrap();
        count += page.items.len();
        assert!(page.items.iter().all(|c| !c.fields.emails.is_empty()), "every email opened");
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(count, n + 1 + acked.len(), "every contact kept");
    let imported = admin
        .search(&crm_sdk::models::SearchQuery {
            q: "avant000007@rotation.fr".into(),
            ..crm_sdk::models::SearchQuery::default()
        })
        .await
        .unwrap();
    let hit = imported
        .hits("contact")
        .first()
        .cloned()
        .expect("the imported contact found by its email");
    assert_eq!(admin.contact(hit.id).await.unwrap().phones[0], "+33600000007");
    let history = admin.timeline("contacts", early.id, None, None).await.unwrap();
    assert!(
        history
            .iter()
            .filter_map(|e| e.event.as_ref())
            .any(|e| !e.erased && !e.changes.is_empty()),
        "{history:?}"
    );
    assert_eq!(admin.file_content(before_file.id).await.unwrap(), b"scelle sous la cle 1");
    let after = admin
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Après".into(),
                last_name: "Rotation".into(),
                emails: vec!["apres@rotation.fr".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(admin.contact(after.id).await.unwrap().emails, vec!["apres@rotation.fr".to_owned()]);
}
