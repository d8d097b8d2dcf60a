//! Exports of organizations, opportunities and activities through HTTP: the headers in
//! the reader's language, amounts and dates typed, linked records by name and by id, and
//! each role's visibility (a rep's file holds only their deals and what concerns them;
//! Marketing gets no opportunity file).

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::OpportunityQuery;
use crm_sdk::models::{ActivityWrite, ContactWrite, LinkRef, NewOpportunity, OrganizationWrite};

fn link(entity_type: &str, entity_id: uuid::Uuid) -> Vec<LinkRef> {
    vec![LinkRef {
        entity_type: entity_type.into(),
        entity_id,
        name: None,
    }]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_opportunities_and_activities_export_within_what_each_sees() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Export des affaires").await;
    let (admin, rep) = (fx.client(Role::Admin), fx.client(Role::Sales));
    let org = admin
        .create_organization(&OrganizationWrite {
            name: "Brasserie du Port; Lorient".into(),
            domain: Some("brasserie-du-port.fr".into()),
            industry: Some("Agroalimentaire".into()),
            size: Some("small".into()),
            external_id: Some("ERP-77".into()),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let contact = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Maël".into(),
                last_name: "Le Bihan".into(),
                organization_id: Some(org.id),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let mine = rep
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Cuves inox 2027".into(),
            value_minor: 1_234_550,
            contact_ids: vec![contact.id],
            organization_id: Some(org.id),
            expected_close: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    let theirs = admin
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Contrat de maintenance".into(),
            value_minor: 90_000,
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    rep.create_activity(&ActivityWrite {
        kind: Some("call".into()),
        subject: "Appel de découverte".into(),
        body: Some("Besoin : 3 cuves ; budget validé".into()),
        direction: Some("outbound".into()),
        duration_seconds: Some(540),
        links: link("opportunity", mine.id),
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    admin
        .create_activity(&ActivityWrite {
            kind: Some("task".into()),
            subject: "Relancer la maintenance".into(),
            priority: Some("high".into()),
            links: link("opportunity", theirs.id),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();

    let orgs = String::from_utf8(admin.export_organizations("excel_csv").await.unwrap()).unwrap();
    assert!(
        orgs.starts_with(
            "\u{feff}Identifiant CRM;Id externe;Nom;Site web;Secteur;Taille;Adresse;Code postal;Ville;Pays;Créé le;Modifié le;Version\r\n"
        ),
        "{orgs}"
    );
    assert!(
        orgs.contains(&format!(
            "{};ERP-77;\"Brasserie du Port; Lorient\";brasserie-du-port.fr;Agroalimentaire;Petite (10 à 49);",
            org.id
        )),
        "{orgs}"
    );
    assert!(admin.export_organizations("xlsx").await.unwrap().starts_with(b"PK"));

    let all = OpportunityQuery::default();
    let deals = String::from_utf8(admin.export_opportunities("excel_csv", &all).await.unwrap()).unwrap();
    assert!(
        deals.starts_with("\u{feff}Identifiant CRM;Intitulé;Pipeline;Étape;Statut;Montant;Devise;Probabilité (%);Clôture prévue;Société;Id société;Contacts;Id contacts;Propriétaire;"),
        "{deals}"
    );
    let stage = &pipeline.stages[0].name;
    assert!(
        deals.contains(&format!(
            "{};Cuves inox 2027;{};{stage};En cours;12345,50;EUR;",
            mine.id, pipeline.name
        )),
        "amount with a decimal comma: {deals}"
    );
    assert!(
        deals.contains(&format!(
            ";31/03/2027;\"Brasserie du Port; Lorient\";{};Maël Le Bihan;{};",
            org.id, contact.id
        )),
        "{deals}"
    );
    assert_eq!(deals.lines().count(), 3, "both deals for the Admin");
    let open = OpportunityQuery {
        status: Some("won".into()),
        ..OpportunityQuery::default()
    };
    let none = admin.export_opportunities("csv", &open).await.unwrap();
    assert_eq!(String::from_utf8(none).unwrap().lines().count(), 1, "the filters apply");
    let rep_deals = String::from_utf8(rep.export_opportunities("csv", &all).await.unwrap()).unwrap();
    assert_eq!(rep_deals.lines().count(), 2, "a rep sees their deal only: {rep_deals}");
    assert!(rep_deals.contains("Cuves inox 2027") && !rep_deals.contains("maintenance"));
    match fx.client(Role::Marketing).export_opportunities("csv", &all).await {
        Err(crm_sdk::Error::Api { problem, .. }) => assert_eq!(problem.status, 403),
        other => panic!("Marketing sees no deal: {other:?}"),
    }
    let en = admin.with_language("en").export_opportunities("csv", &all).await.unwrap();
    assert!(
        String::from_utf8(en)
            .unwrap()
            .starts_with("CRM id,Title,Pipeline,Stage,Status,Amount,")
    );

    let acts = String::from_utf8(admin.export_activities("excel_csv").await.unwrap()).unwrap();
    assert!(
        acts.contains(&format!(
            ";Appel;Appel de découverte;\"Besoin : 3 cuves ; budget validé\";Cuves inox 2027;opportunity:{};",
            mine.id
        )),
        "{acts}"
    );
    assert!(acts.contains(";Tâche;Relancer la maintenance;;Contrat de maintenance;"), "{acts}");
    assert!(acts.contains(";Haute;"), "{acts}");
    let rep_acts = String::from_utf8(rep.export_activities("csv").await.unwrap()).unwrap();
    assert_eq!(rep_acts.lines().count(), 2, "a rep: what concerns their records: {rep_acts}");
    assert!(admin.export_activities("xlsx").await.unwrap().starts_with(b"PK"));
    match admin.export_activities("vcf").await {
        Err(crm_sdk::Error::Api { problem, .. }) => {
            assert_eq!(problem.status, 422);
            assert!(problem.errors.iter().any(|e| e.field == "format"), "{problem:?}");
        }
        other => panic!("vCards are for contacts: {other:?}"),
    }
    s.stop().await;
}
