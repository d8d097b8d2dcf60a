//! Exports through HTTP: the contacts a list shows, as CSV, CSV for French Excel and XLSX,
//! filtered and within the caller's visibility; and the round trip — the file exported,
//! imported back, changes nothing (no new contact, no version bumped).

use crate::support::{TenantFixture, import_finished, spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::ContactQuery;
use crm_sdk::models::{Address, ContactWrite, ImportRequest, OrganizationWrite};
use uuid::Uuid;

/// More than one page of contacts (200 a page), imported, plus a few made by hand with
/// everything a file can hold: several emails and phones, tags, an organization with its
/// domain, an address with a comma, notes with a line break and a semicolon.
async fn contacts(fx: &TenantFixture) -> (Uuid, i64) {
    let admin = fx.client(Role::Admin);
    let mut csv = String::from("Prénom;Nom;E-mail;Société\n");
    for i in 0..230 {
        csv.push_str(&format!("Élise{i};Dupré;elise.{i}@exemple.fr;Société {}\n", i % 7));
    }
    let file = admin.upload_file("base.csv", csv.into_bytes()).await.unwrap();
    let started = admin
        .start_contact_import(&ImportRequest {
            file_id: file.id,
            ..Default::default()
        })
        .await
        .unwrap();
    import_finished(admin, started.id).await;
    let org = admin
        .create_organization(&OrganizationWrite {
            name: "Atelier Lumière".into(),
            domain: Some("atelier-lumiere.fr".into()),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let rich = admin
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Anaïs".into(),
                last_name: "Le Gall-Bréhat".into(),
                emails: vec!["anais@atelier-lumiere.fr".into(), "anais.perso@exemple.fr".into()],
                phones: vec!["06 12 34 56 78".into(), "+33 1 40 00 00 00".into()],
                organization_id: Some(org.id),
                job_title: Some("Directrice, achats".into()),
                address: Some(Address {
                    street: Some("12, rue de la Paix".into()),
                    postal_code: Some("75002".into()),
                    city: Some("Paris".into()),
                    country: Some("FR".into()),
                }),
                tags: vec!["salon 2026".into(), "vip".into()],
                source: Some("Salon".into()),
                notes: Some("Rappeler ; lundi\n« urgent »".into()),
                external_id: Some("ERP-0042".into()),
                email_opt_out: Some(true),
                phone_opt_out: Some(false),
            },
            true,
        )
        .await
        .unwrap();
    fx.client(Role::Sales)
        .create_contact(
            &ContactWrite {
                kind: "partner".into(),
                first_name: "Paul".into(),
                last_name: "Martin".into(),
                emails: vec!["paul.martin@exemple.fr".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    (rich.id, rich.version)
}

/// Data rows of a CSV export (the header line and a final line end left out).
fn csv_rows(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).lines().count() - 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_imported_back_changes_nothing() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Export aller-retour").await;
    let (rich, version) = contacts(&fx).await;
    let admin = fx.client(Role::Admin);
    let all = ContactQuery::default();
    let total = 232;

    let excel = admin.export_contacts("excel_csv", &all).await.unwrap();
    let text = String::from_utf8(excel.clone()).unwrap();
    assert!(
        text.starts_with("\u{feff}Identifiant CRM;Id externe;Type;Prénom;Nom;E-mail;Téléphone;Poste;Société;Site web;Adresse;"),
        "{}",
        &text[..200]
    );
    assert!(
        text.contains(";ERP-0042;Client;Anaïs;Le Gall-Bréhat;anais@atelier-lumiere.fr, anais.perso@exemple.fr;+33612345678, +33140000000;Directrice, achats;Atelier Lumière;atelier-lumiere.fr;12, rue de la Paix;75002;Paris;FR;salon 2026, vip;Salon;\"Rappeler ; lundi\n« urgent »\";"),
        "{text}"
    );
    assert!(text.contains("\r\n"), "CRLF for Excel");
    let plain = admin.export_contacts("csv", &all).await.unwrap();
    assert!(plain.starts_with(b"Identifiant CRM,Id externe,Type,"), "no BOM, commas");
    assert_eq!(csv_rows(&plain), total + 1, "one line break inside the notes");
    let xlsx = admin.export_contacts("xlsx", &all).await.unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip archive");
    let vcf = admin.export_contacts("vcf", &all).await.unwrap();
    let cards = String::from_utf8(vcf.clone()).unwrap();
    assert_eq!(cards.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), total, "a card a contact");
    assert!(cards.contains("N:Le Gall-Bréhat;Anaïs;;;\r\n"), "{cards}");
    assert!(cards.contains("TEL;VALUE=uri:tel:+33612345678\r\n"), "{cards}");

    for (name, bytes) in [("a.csv", excel), ("b.csv", plain), ("c.xlsx", xlsx), ("d.vcf", vcf)] {
        let file = admin.upload_file(name, bytes).await.unwrap();
        let request = ImportRequest {
            file_id: file.id,
            ..Default::default()
        };
        let p = admin.preview_contact_import(&request).await.unwrap();
        let c = &p.counts;
        let odd: Vec<_> = p.rows.iter().filter(|r| r.action != "unchanged").take(3).collect();
        assert_eq!(
            (c.create, c.update, c.skip, c.unchanged),
            (0, 0, 0, total as i64),
            "{name}: {odd:?}"
        );
        if name == "c.xlsx" {
            let done = import_finished(admin, admin.start_contact_import(&request).await.unwrap().id).await;
            assert_eq!(
                (done.state.as_str(), done.created, done.updated, done.unchanged, done.organizations),
                ("done", 0, 0, total as i64, 0)
            );
        }
    }
    let after = admin.contact(rich).await.unwrap();
    assert_eq!(after.version, version, "no version bumped");
    let count = admin
        .list_contacts(&ContactQuery {
            limit: Some(200),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert!(count.next_cursor.is_some(), "still {total} contacts, more than a page");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_keeps_to_the_filters_and_to_what_the_caller_sees() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Export filtré").await;
    contacts(&fx).await;
    let admin = fx.client(Role::Admin);
    let clients = admin
        .export_contacts(
            "csv",
            &ContactQuery {
                kind: Some("client".into()),
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(csv_rows(&clients), 2, "one client, its notes on two lines");
    // A rep sees only their own contacts: the partner they made.
    let rep = fx
        .client(Role::Sales)
        .export_contacts("csv", &ContactQuery::default())
        .await
        .unwrap();
    let text = String::from_utf8(rep).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(",,Partenaire,Paul,Martin,paul.martin@exemple.fr,"), "{text}");
    // In English when asked; a format we do not write is refused, the field named.
    let partners = ContactQuery {
        kind: Some("partner".into()),
        ..ContactQuery::default()
    };
    let en = admin.with_language("en").export_contacts("csv", &partners).await.unwrap();
    let en = String::from_utf8(en).unwrap();
    assert!(en.starts_with("CRM id,External id,Type,First name,Last name,Email,"), "{en}");
    assert!(en.contains(",Partner,Paul,"), "{en}");
    match admin.export_contacts("pdf", &ContactQuery::default()).await {
        Err(crm_sdk::Error::Api { problem, .. }) => {
            assert_eq!(problem.status, 422);
            assert!(problem.errors.iter().any(|e| e.field == "format"), "{problem:?}");
        }
        other => panic!("{other:?}"),
    }
    s.stop().await;
}

/// The mapping chosen for a file is proposed again for the next file with the same
/// headers (their case and accents aside), in the whole company; another file gets the
/// guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_is_kept_for_the_next_file_with_the_same_headers() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Correspondances").await;
    let admin = fx.client(Role::Admin);
    let file = admin
        .upload_file("salon.csv", "Prénom;Nom;Métier\nZoé;Aubert;Caviste\n".as_bytes().to_vec())
        .await
        .unwrap();
    let fields: Vec<Option<String>> = vec![Some("first_name".into()), Some("last_name".into()), Some("job_title".into())];
    let first = admin
        .preview_contact_import(&ImportRequest {
            file_id: file.id,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (first.mapping[2].clone(), first.mapping_from),
        (None, None),
        "guessed: Métier unknown"
    );
    let started = admin
        .start_contact_import(&ImportRequest {
            file_id: file.id,
            mapping: Some(fields.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    import_finished(admin, started.id).await;
    // Next month's file, from a rep: same headers written otherwise.
    let rep = fx.client(Role::Sales);
    let next = rep
        .upload_file("salon-2.csv", "PRENOM;nom;metier\nLéo;Brun;Sommelier\n".as_bytes().to_vec())
        .await
        .unwrap();
    let p = rep
        .preview_contact_import(&ImportRequest {
            file_id: next.id,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p.mapping, fields);
    assert!(p.mapping_from.is_some());
    let other = rep
        .upload_file("autre.csv", "Prénom;Nom;Métier;Ville\nA;B;C;D\n".as_bytes().to_vec())
        .await
        .unwrap();
    let p = rep
        .preview_contact_import(&ImportRequest {
            file_id: other.id,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((p.mapping[2].clone(), p.mapping_from), (None, None));
    s.stop().await;
}
