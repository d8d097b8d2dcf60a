//! Importing organizations through HTTP: a French Excel file with its headers guessed,
//! each row found by external id, web domain or name and updated (empty cells keep the
//! value) or created, the bad rows reported; the same file again changes nothing, nor does
//! an export of the organizations imported back.

use crate::support::{import_finished, spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ImportRequest, OrganizationWrite};
use uuid::Uuid;

/// A CSV as French Excel saves it: Windows-1252 (here Latin-1 letters only), semicolons,
/// CRLF.
fn excel(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_are_found_by_external_id_domain_or_name_and_updated_or_created() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Import de sociétés").await;
    let admin = fx.client(Role::Admin);
    let cave = admin
        .create_organization(&OrganizationWrite {
            name: "Cave Aubert".into(),
            domain: Some("cave-aubert.fr".into()),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let port = admin
        .create_organization(&OrganizationWrite {
            name: "Brasserie du Port".into(),
            external_id: Some("ERP-2".into()),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let file = admin
        .upload_file(
            "societes.csv",
            excel(
                "Raison sociale;Site web;Secteur d'activité;Effectif;Code postal;Ville;Id externe\n\
                 CAVE AUBERT;www.cave-aubert.fr;Vins;12;33000;Bordeaux;ERP-1\n\
                 Le Port;;Brasserie;;;Lorient;ERP-2\n\
                 Domaine Neuf;domaine-neuf.fr;Vins;250 à 499;;;ERP-3\n\
                 domaine neuf;;;;;;\n\
                 ;;;;;Paris;\n\
                 Atelier Sans Taille;;;beaucoup;;;\n",
            ),
        )
        .await
        .unwrap();
    let request = ImportRequest {
        file_id: file.id,
        ..Default::default()
    };
    let p = admin.preview_organization_import(&request).await.unwrap();
    assert_eq!(
        p.mapping,
        ["organization", "website", "industry", "size", "postal_code", "city", "external_id"].map(|f| Some(f.to_owned()))
    );
    let actions: Vec<(&str, Option<Uuid>)> = p.rows.iter().map(|r| (r.action.as_str(), r.organization_id)).collect();
    assert_eq!(
        actions,
        [
            ("update", Some(cave.id)),
            ("update", Some(port.id)),
            ("create", None),
            ("skip", None),
            ("skip", None),
            ("skip", None)
        ]
    );
    let notes: Vec<String> = p.rows[3..].iter().map(|r| r.note.as_ref().unwrap().code.clone()).collect();
    assert_eq!(notes, ["repeated_in_file", "invalid", "invalid"]);
    assert_eq!(p.rows[5].note.as_ref().unwrap().fields.as_deref(), Some(&["size".to_owned()][..]));
    match fx.client(Role::Marketing).preview_organization_import(&request).await {
        Err(crm_sdk::Error::Api { problem, .. }) => assert!(problem.status == 403 || problem.status == 404, "{problem:?}"),
        other => panic!("Marketing writes no organization: {other:?}"),
    }

    let done = import_finished(admin, admin.start_organization_import(&request).await.unwrap().id).await;
    assert_eq!(
        (
            done.entity.as_str(),
            done.state.as_str(),
            done.created,
            done.updated,
            done.unchanged,
            done.skipped
        ),
        ("organizations", "done", 1, 2, 0, 3)
    );
    let report = String::from_utf8(admin.import_report(done.id).await.unwrap()).unwrap();
    assert!(report.contains("Atelier Sans Taille"), "{report}");
    let got = admin.organization(cave.id).await.unwrap();
    assert_eq!(
        (
            got.name.as_str(),
            got.industry.as_deref(),
            got.size.as_deref(),
            got.address.city.as_deref(),
            got.external_id.as_deref()
        ),
        ("CAVE AUBERT", Some("Vins"), Some("small"), Some("Bordeaux"), Some("ERP-1"))
    );
    let got = admin.organization(port.id).await.unwrap();
    assert_eq!((got.name.as_str(), got.address.city.as_deref()), ("Le Port", Some("Lorient")));
    let all = admin.list_organizations(None, None).await.unwrap().items;
    assert_eq!(all.len(), 3);
    let neuf = all.iter().find(|o| o.external_id.as_deref() == Some("ERP-3")).unwrap();
    assert_eq!(
        (neuf.domain.as_deref(), neuf.size.as_deref()),
        (Some("domaine-neuf.fr"), Some("intermediate"))
    );

    // The same file again: nothing to write.
    let again = admin
        .upload_file("societes-bis.csv", admin.file_content(file.id).await.unwrap())
        .await
        .unwrap();
    let request = ImportRequest {
        file_id: again.id,
        ..Default::default()
    };
    let p = admin.preview_organization_import(&request).await.unwrap();
    assert!(p.mapping_from.is_some(), "the mapping of the first import is proposed again");
    assert_eq!((p.counts.create, p.counts.update, p.counts.unchanged, p.counts.skip), (0, 0, 3, 3));

    // The organizations exported, imported back: unchanged, every one, by its external id.
    let export = admin.export_organizations("excel_csv").await.unwrap();
    let back = admin.upload_file("export.csv", export).await.unwrap();
    let request = ImportRequest {
        file_id: back.id,
        key: Some("external_id".into()),
        ..Default::default()
    };
    let p = admin.preview_organization_import(&request).await.unwrap();
    let odd: Vec<_> = p.rows.iter().filter(|r| r.action != "unchanged").collect();
    assert_eq!(p.counts.unchanged, 3, "{:?} {odd:?}", p.mapping);
    s.stop().await;
}

/// Opportunities from a file: pipeline and stage found by name, amounts as France writes
/// them, won and lost deals closed, organization by name, contacts by email, owner by
/// email; the bad rows reported; the export of the deals imported back finds them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunities_are_opened_where_the_file_says_and_found_again() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Import d'affaires").await;
    let admin = fx.client(Role::Admin);
    let org = admin
        .create_organization(&OrganizationWrite {
            name: "Cave Aubert".into(),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let rep = fx.client(Role::Sales);
    let zoe = rep
        .create_contact(
            &crm_sdk::models::ContactWrite {
                kind: "client".into(),
                first_name: "Zoé".into(),
                last_name: "Aubert".into(),
                emails: vec!["zoe@cave-aubert.fr".into()],
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let (first, last) = (&pipeline.stages[0].name, &pipeline.stages.last().unwrap().name);
    let rep_email = &fx.emails[&Role::Sales];
    let csv = format!(
        "Intitulé;Montant;Étape;Statut;Clôture prévue;Société;E-mail;Propriétaire;Raison de la perte\n\
         Cuves 2027;12 345,50 €;{first};En cours;31/03/2027;CAVE AUBERT;ZOE@cave-aubert.fr;{rep_email};\n\
         Foudres;8 000;{last};Gagnée;;Cave Aubert;;;\n\
         Caveau;1 500;;Perdue;;;;;Budget reporté\n\
         Cuves 2027;99;;;;Cave Aubert;;;\n\
         Sans montant;douze;;;;;;;\n\
         Étape inconnue;100;Signature chez le notaire;;;;;;\n\
         Contact inconnu;100;;;;;personne@nulle-part.fr;;\n\
         Rachat;100;;;;Société Inconnue;;;\n"
    );
    let file = admin.upload_file("affaires.csv", csv.into_bytes()).await.unwrap();
    let request = ImportRequest {
        file_id: file.id,
        ..Default::default()
    };
    let p = admin.preview_opportunity_import(&request).await.unwrap();
    let actions: Vec<&str> = p.rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "create", "create", "skip", "skip", "skip", "skip", "create"]);
    let notes: Vec<(String, Option<Vec<String>>)> = p
        .rows
        .iter()
        .filter_map(|r| r.note.as_ref().map(|n| (n.code.clone(), n.fields.clone())))
        .collect();
    assert_eq!(
        notes,
        [
            ("repeated_in_file".to_owned(), None),
            ("invalid".to_owned(), Some(vec!["amount".to_owned()])),
            ("invalid".to_owned(), Some(vec!["stage".to_owned()])),
            ("invalid".to_owned(), Some(vec!["email.0".to_owned()])),
            ("unknown_organization".to_owned(), None),
        ]
    );
    match fx.client(Role::Marketing).preview_opportunity_import(&request).await {
        Err(crm_sdk::Error::Api { problem, .. }) => assert!(problem.status == 403 || problem.status == 404, "{problem:?}"),
        other => panic!("Marketing opens no deal: {other:?}"),
    }

    let done = import_finished(admin, admin.start_opportunity_import(&request).await.unwrap().id).await;
    assert_eq!(
        (
            done.entity.as_str(),
            done.state.as_str(),
            done.created,
            done.unchanged,
            done.skipped
        ),
        ("opportunities", "done", 4, 0, 4)
    );
    let deals = admin.list_opportunities(&Default::default()).await.unwrap().items;
    let by = |t: &str| deals.iter().find(|d| d.title == t).unwrap();
    let cuves = by("Cuves 2027");
    assert_eq!(
        (
            cuves.value_minor,
            cuves.stage_id,
            cuves.status.as_str(),
            cuves.organization_id,
            &cuves.contact_ids
        ),
        (1_234_550, pipeline.stages[0].id, "open", Some(org.id), &vec![zoe.id])
    );
    assert_eq!(cuves.owner_id, fx.user(Role::Sales));
    assert_eq!(cuves.expected_close, chrono::NaiveDate::from_ymd_opt(2027, 3, 31));
    assert_eq!(by("Foudres").status, "won");
    assert_eq!(
        (by("Caveau").status.as_str(), by("Caveau").lost_reason.as_deref()),
        ("lost", Some("Budget reporté"))
    );
    assert_eq!(by("Rachat").organization_id, None);
    let history = admin.opportunity_history(by("Foudres").id).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"won") && kinds.contains(&"created"), "{kinds:?}");

    // Exported then imported back: every deal found, nothing opened twice.
    let export = admin.export_opportunities("excel_csv", &Default::default()).await.unwrap();
    let back = admin.upload_file("export-affaires.csv", export).await.unwrap();
    let p = admin
        .preview_opportunity_import(&ImportRequest {
            file_id: back.id,
            ..Default::default()
        })
        .await
        .unwrap();
    let odd: Vec<_> = p.rows.iter().filter(|r| r.action != "unchanged").collect();
    assert_eq!((p.counts.unchanged, p.counts.create), (4, 0), "{:?} {odd:?}", p.mapping);
    // `null` leaves a column out of a mapping; in a list that takes no null, it is a
    // request error, not a server one.
    let body = serde_json::json!({"file_id": file.id, "mapping": ["title", null, null]});
    let res = admin
        .raw("POST", "/api/v1/imports/opportunities/preview", Some(&body), &[])
        .await
        .unwrap();
    assert_eq!(res.status, 200, "{:?}", res.body);
    let body = serde_json::json!({"kind": "prospect", "first_name": "A", "last_name": "B", "emails": [null]});
    let res = admin.raw("POST", "/api/v1/contacts", Some(&body), &[]).await.unwrap();
    assert!((400..500).contains(&res.status), "{} {:?}", res.status, res.body);
    s.stop().await;
}
