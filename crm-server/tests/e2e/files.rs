//! Files through HTTP: an upload streamed to disk and sealed there, read back byte for
//! byte; each person's files their own (the Admin sees all); the upload limit enforced
//! whether the size is announced or not, leaving nothing behind; other bodies still 1 MiB.

use crate::support::{import_finished, spawn_app, spawn_app_with, tenant};
use crm_domain::user::Role;
use crm_sdk::ErrorCode;
use crm_server::config::FileConfig;

/// A CSV of `rows` French contacts, with a marker that must never be found on disk.
fn csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("Prénom;Nom;E-mail;Société\n");
    for i in 0..rows {
        out.push_str(&format!("Élodie;MarqueurSecret{i};elodie.{i}@exemple.fr;Vins Duval & Fils\n"));
    }
    out.into_bytes()
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_sealed_on_disk_and_read_back_exactly() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Fichiers").await;
    let rep = fx.client(Role::Sales);
    let content = csv(40_000); // ~3 MiB: many chunks
    let f = rep.upload_file("Contacts été 2026.csv", content.clone()).await.unwrap();
    assert_eq!(
        (f.name.as_str(), f.content_type.as_str(), f.size),
        ("Contacts été 2026.csv", "text/csv", i64::try_from(content.len()).unwrap())
    );
    assert_eq!(f.sha256, sha256_hex(&content));
    assert_eq!(f.created_by, Some(fx.user(Role::Sales)));
    assert_eq!(rep.file_content(f.id).await.unwrap(), content, "read back byte for byte");

    // On disk: sealed (no clear value of the content, nor the name), in the files directory.
    let stored = files_under(&s.dir.path().join("files"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    let raw = std::fs::read(&stored[0]).unwrap();
    assert!(raw.len() > content.len());
    for needle in [&b"MarqueurSecret"[..], b"elodie.", b"Vins Duval"] {
        assert!(!raw.windows(needle.len()).any(|w| w == needle), "clear text on disk");
    }
    // Nor in the database (the name is sealed there).
    let db = std::fs::read(s.dir.path().join("crm.db")).unwrap();
    assert!(!db.windows(9).any(|w| w == "Contacts ".as_bytes()));

    // Whose files: the rep's own; the Admin sees every one; the Manager and Marketing not
    // the rep's; the Observer none.
    assert_eq!(rep.files().await.unwrap().len(), 1);
    let admin = fx.client(Role::Admin);
    assert_eq!(admin.file(f.id).await.unwrap().id, f.id);
    assert_eq!(admin.file_content(f.id).await.unwrap().len(), content.len());
    for role in [Role::Manager, Role::Marketing] {
        let c = fx.client(role);
        assert_eq!(c.file(f.id).await.unwrap_err().code(), Some(&ErrorCode::NotFound), "{role:?}");
        assert!(c.files().await.unwrap().is_empty());
    }
    let observer = fx.client(Role::Observer);
    assert_eq!(observer.files().await.unwrap_err().code(), Some(&ErrorCode::Forbidden));
    assert_eq!(
        observer.upload_file("x.csv", b"a".to_vec()).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );

    // A download is the file as sent, named for the browser.
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/files/{}/content", s.base, f.id))
        .bearer_auth(login_token(&s, &fx, Role::Sales).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''Contacts%20%C3%A9t%C3%A9%202026.csv"),
        "{disposition}"
    );
    assert_eq!(res.headers()["x-content-sha256"], f.sha256.as_str());

    // The upload is in the audit, without its name in clear for other readers.
    let mut events = Box::pin(admin.events(Some(0)).await.unwrap());
    let mut seen_file = false;
    while let Ok(Some(Ok(e))) = tokio::time::timeout(std::time::Duration::from_millis(500), futures::StreamExt::next(&mut events)).await {
        if e.event.entity_type == "file" {
            seen_file = true;
        }
    }
    assert!(seen_file, "the Admin's stream shows the upload");

    // Deleted: gone, record and bytes.
    rep.delete_file(f.id).await.unwrap();
    assert_eq!(rep.file(f.id).await.unwrap_err().code(), Some(&ErrorCode::NotFound));
    assert_eq!(rep.file_content(f.id).await.unwrap_err().code(), Some(&ErrorCode::NotFound));
    assert!(files_under(&s.dir.path().join("files")).is_empty());

    // A bad name names the field.
    let e = rep.upload_file("  ", b"a".to_vec()).await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::ValidationFailed), "{e:?}");
    s.stop().await;
}

async fn login_token(s: &crate::support::TestServer, fx: &crate::support::TenantFixture, role: Role) -> String {
    s.client.login(&fx.emails[&role], crate::support::PASSWORD).await.unwrap().token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_limit_holds_announced_or_not_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = spawn_app_with(
        dir,
        FileConfig {
            max_upload_bytes: Some(2 * 1024 * 1024),
            ..FileConfig::default()
        },
    )
    .await;
    let fx = tenant(&s, "Limites").await;
    let rep = fx.client(Role::Sales);
    // Under the limit but over the 1 MiB of other bodies: accepted.
    let ok = rep.upload_file("moyen.csv", vec![b'a'; 1536 * 1024]).await.unwrap();
    assert_eq!(ok.size, 1536 * 1024);
    // Announced over the limit: 413 at once.
    let e = rep.upload_file("gros.csv", vec![b'b'; 3 * 1024 * 1024]).await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::PayloadTooLarge), "{e:?}");
    // Not announced (chunked), over the limit: 413 once the limit is passed.
    let token = login_token(&s, &fx, Role::Sales).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..48).map(|_| Ok(vec![b'c'; 64 * 1024])).collect();
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/files?name=flux.csv", s.base))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    // Nothing but the accepted file stayed.
    let stored = files_under(&s.dir.path().join("files"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(rep.files().await.unwrap().len(), 1);
    // Every other route keeps its 1 MiB limit.
    let big = serde_json::json!({"kind": "prospect", "first_name": "A", "last_name": "x".repeat(1_200_000)});
    let r = rep.raw("POST", "/api/v1/contacts", Some(&big), &[]).await.unwrap();
    assert_eq!(r.status, 413);
    // Not announced either (chunked): read up to the limit, passed on whole under it.
    let chunked = |body: Vec<u8>| {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(100 * 1024).map(|c| Ok(c.to_vec())).collect();
        reqwest::Client::new()
            .post(format!("{}/api/v1/contacts", s.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            .send()
    };
    assert_eq!(chunked(big.to_string().into_bytes()).await.unwrap().status(), 413);
    // Several chunks (150 kB of blanks) that make one contact.
    let small = format!(
        r#"{{"kind": "prospect", "first_name": "Flux",{} "last_name": "Morceaux"}}"#,
        " ".repeat(150_000)
    );
    let created = chunked(small.into_bytes()).await.unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["first_name"], "Flux");
    // Unauthenticated uploads are refused before anything is stored.
    let anon = reqwest::Client::new()
        .post(format!("{}/api/v1/files?name=a.csv", s.base))
        .header("content-type", "application/octet-stream")
        .body(vec![b'a'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    assert_eq!(files_under(&s.dir.path().join("files")).len(), 1);
    s.stop().await;
}

/// An import through HTTP, as an integrator drives it: upload, dry run, import in the
/// background, its state, the report of the rows left out (in the language asked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_previewed_imported_in_the_background_and_reported() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Import par l'API").await;
    let admin = fx.client(Role::Admin);
    let mut bytes = csv(300);
    bytes.extend_from_slice("Sans;Adresse;pas-une-adresse;\n".as_bytes());
    let file = admin.upload_file("contacts.csv", bytes).await.unwrap();
    let request = crm_sdk::models::ImportRequest {
        file_id: file.id,
        ..Default::default()
    };
    let preview = admin.preview_contact_import(&request).await.unwrap();
    assert_eq!(
        preview.mapping[..3],
        [Some("first_name".into()), Some("last_name".into()), Some("email".into())]
    );
    assert_eq!((preview.total, preview.counts.create, preview.counts.skip), (301, 300, 1));
    let bad = &preview.rows[300];
    assert_eq!((bad.line, bad.action.as_str()), (302, "skip"));
    let note = bad.note.as_ref().unwrap();
    assert_eq!(
        (note.code.as_str(), note.fields.as_deref()),
        ("invalid", Some(&["emails.0".to_owned()][..]))
    );
    assert!(note.text.starts_with("Valeur refusée"), "{}", note.text);
    // A mapping naming an unknown field: refused, the column named.
    let wrong = crm_sdk::models::ImportRequest {
        mapping: Some(vec![Some("prenom".into())]),
        ..request.clone()
    };
    match admin.preview_contact_import(&wrong).await {
        Err(crm_sdk::Error::Api { problem, .. }) => {
            assert_eq!(problem.status, 422);
            assert!(problem.errors.iter().any(|e| e.field == "mapping.0"), "{problem:?}");
        }
        other => panic!("{other:?}"),
    }
    let started = admin.start_contact_import(&request).await.unwrap();
    assert_eq!(started.state, "queued");
    let done = import_finished(admin, started.id).await;
    assert_eq!(
        (done.state.as_str(), done.created, done.skipped, done.organizations),
        ("done", 300, 1, 1)
    );
    assert_eq!(admin.imports(None).await.unwrap()[0].id, started.id);
    let report = admin.import_report(started.id).await.unwrap();
    let text = String::from_utf8(report).unwrap();
    assert!(text.starts_with("\u{feff}Prénom;Nom;E-mail;Société;Ligne;Raison"), "{text}");
    assert!(
        text.contains("Sans;Adresse;pas-une-adresse;;302;Valeur refusée : emails.0"),
        "{text}"
    );
    // In English when asked.
    let en = admin
        .raw(
            "GET",
            &format!("/api/v1/imports/{}/report", started.id),
            None,
            &[("accept-language", "en")],
        )
        .await
        .unwrap();
    assert_eq!(en.status, 200);
    s.stop().await;
}

/// Pieces are written while the next is planned: a row of the second piece that looks
/// like a contact the first piece created or changed is still found, as if the pieces had
/// been planned one after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_like_one_of_the_piece_before_is_found_while_that_piece_is_written() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Import en paquets").await;
    let admin = fx.client(Role::Admin);
    let known = admin
        .create_contact(
            &crm_sdk::models::ContactWrite {
                kind: "prospect".into(),
                first_name: "Inès".into(),
                last_name: "Connue".into(),
                emails: vec!["ines.connue@exemple.fr".into()],
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    let mut out = String::from("Prénom;Nom;E-mail;Téléphone\n");
    for i in 0..4_200 {
        let row = match i {
            // The first piece creates a contact with this phone; a row of the second has it.
            10 | 2_010 => format!("Jade;Mobile{i};jade.{i}@exemple.fr;06 11 22 33 44"),
            // The first piece gives the known contact a phone; a row of the second has it.
            30 => "Inès;Connue;ines.connue@exemple.fr;06 55 44 33 22".to_owned(),
            2_030 => "Inès;Autre;ines.autre@exemple.fr;06 55 44 33 22".to_owned(),
            _ => format!("Léo;Ligne{i};leo.{i}@exemple.fr;"),
        };
        out.push_str(&row);
        out.push('\n');
    }
    let file = admin.upload_file("paquets.csv", out.into_bytes()).await.unwrap();
    let request = crm_sdk::models::ImportRequest {
        file_id: file.id,
        ..Default::default()
    };
    let started = admin.start_contact_import(&request).await.unwrap();
    let done = import_finished(admin, started.id).await;
    assert_eq!(
        (done.state.as_str(), done.created, done.updated, done.skipped),
        ("done", 4_197, 1, 2),
        "{done:?}"
    );
    let text = String::from_utf8(admin.import_report(started.id).await.unwrap()).unwrap();
    for line in [2_012, 2_032] {
        assert!(text.contains(&format!(";{line};Doublon possible")), "line {line}: {text}");
    }
    let after = admin.contact(known.id).await.unwrap();
    assert_eq!((after.version, after.phones.len()), (2, 1));
    s.stop().await;
}
