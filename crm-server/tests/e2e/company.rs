//! A company's full export (Admin only): a ZIP with a CSV per kind of record, the
//! pipelines, the users, the event log and the counts; another company's archive holds
//! nothing of this one; brought into an empty company, it gives the same counts, the links
//! between records and the deals' outcomes kept.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_domain::{Actor, TenantId};
use crm_sdk::models::{ActivityWrite, ContactWrite, LinkRef, NewOpportunity, OrganizationWrite, PipelineWrite, StageWrite};
use crm_sdk::{ContactQuery, OpportunityQuery};
use std::collections::HashMap;

fn files(zip: &[u8]) -> HashMap<String, String> {
    crm_tabular::read_archive(zip, &crm_tabular::Limits::default())
        .unwrap()
        .into_iter()
        .map(|(n, b)| (n, String::from_utf8(b).unwrap()))
        .collect()
}

fn link(entity_type: &str, entity_id: uuid::Uuid) -> Vec<LinkRef> {
    vec![LinkRef {
        entity_type: entity_type.into(),
        entity_id,
        name: None,
    }]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_exported_and_brought_into_an_empty_one_gives_the_same_counts() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Cave Aubert").await;
    let (admin, rep) = (fx.client(Role::Admin), fx.client(Role::Sales));
    let org = admin
        .create_organization(&OrganizationWrite {
            name: "Domaine des Trois Chênes".into(),
            domain: Some("trois-chenes.fr".into()),
            size: Some("medium".into()),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let mut contacts = Vec::new();
    // Two people of the same name: a restore brings both back, it does not deduplicate.
    for (first, last, email) in [
        ("Zoé", "Aubert", "zoe@trois-chenes.fr"),
        ("Zoé", "Aubert", ""),
        ("Léo", "Brun", "leo@exemple.fr"),
    ] {
        let c = rep
            .create_contact(
                &ContactWrite {
                    kind: "client".into(),
                    first_name: first.into(),
                    last_name: last.into(),
                    emails: if email.is_empty() { vec![] } else { vec![email.into()] },
                    organization_id: Some(org.id),
                    tags: vec!["salon".into()],
                    ..ContactWrite::default()
                },
                true,
            )
            .await
            .unwrap();
        contacts.push(c);
    }
    let pipeline = admin
        .create_pipeline(&PipelineWrite {
            name: "Grands comptes".into(),
            stages: vec![
                StageWrite {
                    id: None,
                    name: "Premier contact".into(),
                    probability: 10,
                },
                StageWrite {
                    id: None,
                    name: "Négociation".into(),
                    probability: 60,
                },
            ],
            moves: Vec::new(),
        })
        .await
        .unwrap();
    let mut deals = Vec::new();
    for (i, title) in ["Cuvée 2027", "Foudres", "Caveau"].into_iter().enumerate() {
        let d = rep
            .create_opportunity(&NewOpportunity {
                pipeline_id: pipeline.id,
                stage_id: Some(pipeline.stages[1].id),
                title: title.into(),
                value_minor: 1_000_050 * (i as i64 + 1),
                contact_ids: vec![contacts[i].id],
                organization_id: Some(org.id),
                ..NewOpportunity::default()
            })
            .await
            .unwrap();
        deals.push(d);
    }
    rep.win_opportunity(deals[0].id, deals[0].version).await.unwrap();
    rep.lose_opportunity(deals[1].id, deals[1].version, "Budget reporté").await.unwrap();
    rep.create_activity(&ActivityWrite {
        kind: Some("call".into()),
        subject: "Appel de suivi".into(),
        direction: Some("inbound".into()),
        links: link("opportunity", deals[2].id),
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let task = rep
        .create_activity(&ActivityWrite {
            kind: Some("task".into()),
            subject: "Envoyer les échantillons".into(),
            links: link("contact", contacts[2].id),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    rep.complete_task(task.id, task.version).await.unwrap();
    admin
        .create_activity(&ActivityWrite {
            kind: Some("note".into()),
            subject: "Domaine racheté en 2025".into(),
            links: link("organization", org.id),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();

    match fx.client(Role::Manager).export_company().await {
        Err(crm_sdk::Error::Api { problem, .. }) => assert_eq!(problem.status, 403),
        other => panic!("the whole company is the Admin's: {other:?}"),
    }
    let zip = admin.export_company().await.unwrap();
    let got = files(&zip);
    let mut names: Vec<&str> = got.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "activities.csv",
            "contacts.csv",
            "events.jsonl",
            "manifest.json",
            "opportunities.csv",
            "organizations.csv",
            "pipelines.csv",
            "users.csv"
        ]
    );
    let manifest: serde_json::Value = serde_json::from_str(&got["manifest.json"]).unwrap();
    let counts = &manifest["counts"];
    assert_eq!(
        [
            &counts["organizations"],
            &counts["contacts"],
            &counts["opportunities"],
            &counts["activities"]
        ],
        [1, 3, 3, 3].map(serde_json::Value::from).each_ref()
    );
    let events = got["events.jsonl"].lines().count() as u64;
    assert_eq!(counts["events"], events);
    assert!(events >= 12, "every change is in the log: {events}");
    assert!(
        got["events.jsonl"]
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    assert!(
        got["contacts.csv"].starts_with("Identifiant CRM,Id externe,Type,Prénom,Nom,"),
        "UTF-8, no BOM"
    );
    assert!(got["pipelines.csv"].contains("Grands comptes"));

    // Another company's archive holds nothing of this one.
    let other = tenant(&s, "Autre maison").await;
    let theirs = files(&other.client(Role::Admin).export_company().await.unwrap());
    for text in theirs.values() {
        assert!(!text.contains(&org.id.to_string()) && !text.contains("Trois Chênes") && !text.contains("Aubert"));
    }

    // Into the other (empty) company: the same counts, links and outcomes.
    let actor = Actor::System {
        tenant_id: TenantId::from_uuid(other.tenant_id),
    };
    let report = crm_server::company::restore(&s.app, &actor, &zip).await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(
        (
            report.organizations,
            report.contacts,
            report.opportunities,
            report.activities,
            report.pipelines
        ),
        (1, 3, 3, 3, 1)
    );
    let again = files(&other.client(Role::Admin).export_company().await.unwrap());
    let m: serde_json::Value = serde_json::from_str(&again["manifest.json"]).unwrap();
    for k in ["organizations", "contacts", "opportunities", "activities"] {
        assert_eq!(m["counts"][k], counts[k], "{k}");
    }
    let theirs = other.client(Role::Admin);
    let deals = theirs.list_opportunities(&OpportunityQuery::default()).await.unwrap().items;
    let by_title = |t: &str| deals.iter().find(|d| d.title == t).unwrap();
    assert_eq!(by_title("Cuvée 2027").status, "won");
    assert_eq!(by_title("Foudres").status, "lost");
    assert_eq!(by_title("Caveau").value_minor, 3_000_150);
    assert_eq!(by_title("Caveau").stage_name.as_deref(), Some("Négociation"));
    assert!(by_title("Caveau").organization_id.is_some());
    assert_eq!(by_title("Caveau").contact_ids.len(), 1);
    let people = theirs.list_contacts(&ContactQuery::default()).await.unwrap().items;
    assert_eq!(people.iter().filter(|c| c.last_name == "Aubert").count(), 2);
    assert!(people.iter().all(|c| c.organization_id.is_some() && c.tags == ["salon"]));
    // A second time: refused, the company is no longer empty.
    let err = crm_server::company::restore(&s.app, &actor, &zip).await.unwrap_err();
    assert!(!err.is_empty());
    s.stop().await;
}
