//! Importing organizations and opportunities as background jobs, on both backends: more
//! than one piece written, each row once; organizations found again by domain or name
//! and updated; opportunities linked to their contacts found by email (the blind index),
//! won deals closed; the same file again writes nothing.

use crate::contacts::input;
use crate::harness::Harness;
use crate::import::{files, upload};
use crm_domain::Actor;
use crm_domain::import::{guess_opportunity_mapping, guess_organization_mapping};
use crm_domain::organization::OrganizationInput;
use crm_ports::files::FileStorage;
use crm_ports::query::{OpportunityFilter, PageRequest};
use crm_ports::runtime::Shutdown;
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::services::import::{ContactImport, ImportEntity, ImportJob, ImportOptions, UpsertKey};
use crm_ports::store::JobState;
use crm_tabular::Tables;
use std::sync::Arc;
use uuid::Uuid;

async fn run(h: &Harness, files: &Arc<dyn FileStorage>, actor: &Actor, id: Uuid) -> ImportJob {
    let tables = || Arc::new(Tables::default());
    let handlers: Vec<Arc<dyn JobHandler>> = vec![
        Arc::new(ContactImport::organizations(&h.app, Arc::clone(files), tables())),
        Arc::new(ContactImport::opportunities(&h.app, Arc::clone(files), tables())),
    ];
    let (trigger, shutdown) = Shutdown::new();
    let mut options = JobOptions::new(Uuid::now_v7());
    options.poll = std::time::Duration::from_millis(50);
    let app = h.app.clone();
    let worker = tokio::spawn(async move { app.run_jobs(handlers, options, shutdown).await });
    let done = loop {
        let j = h.app.import_job(actor, id).await.unwrap();
        if matches!(j.job.state, JobState::Done | JobState::Failed | JobState::Cancelled) {
            break j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    trigger.trigger();
    worker.await.unwrap();
    done
}

async fn import(h: &Harness, files: &Arc<dyn FileStorage>, actor: &Actor, entity: ImportEntity, lines: &[String]) -> ImportJob {
    let bytes = lines.join("\r\n").into_bytes();
    let file = upload(h, files, actor, &bytes).await;
    let headers: Vec<String> = lines[0].split(';').map(str::to_owned).collect();
    let mapping = match entity {
        ImportEntity::Organizations => guess_organization_mapping(&headers),
        _ => guess_opportunity_mapping(&headers),
    };
    let started = h
        .app
        .start_import(actor, entity, file, &mapping, &ImportOptions::by(UpsertKey::Email))
        .await
        .unwrap();
    run(h, files, actor, started.job.id).await
}

async fn organizations_and_opportunities_import_each_row_once(h: &Harness) {
    let files = files();
    let (_, admin) = h.tenant("Import de sociétés et d'affaires").await;
    let known = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Crème SA".into(),
                domain: Some("creme.fr".into()),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let mut lines = vec!["Raison sociale;Site web;Effectif;Ville".to_owned()];
    lines.push("Crème et fils;https://www.creme.fr;35;Lyon".to_owned());
    lines.extend((0..620).map(|i| format!("Société {i};s{i}.fr;{i};Paris")));
    lines.push("SOCIÉTÉ 7;;;Nantes".to_owned());
    let done = import(h, &files, &admin, ImportEntity::Organizations, &lines).await;
    let p = &done.progress;
    assert_eq!(
        (p.created, p.updated, p.skipped, p.unchanged),
        (620, 1, 1, 0),
        "{:?}",
        done.job.error
    );
    let creme = h.app.organization(&admin, known.id).await.unwrap();
    assert_eq!(
        (creme.name.as_str(), creme.address.city.as_ref().map(|c| c.as_str())),
        ("Crème et fils", Some("Lyon"))
    );
    let again = import(h, &files, &admin, ImportEntity::Organizations, &lines).await;
    assert_eq!(
        (again.progress.created, again.progress.updated, again.progress.unchanged),
        (0, 0, 621)
    );

    let mut zoe = input("Zoé", "Aubert");
    zoe.emails = vec!["zoe@creme.fr".into()];
    let zoe = h.app.create_contact(&admin, &zoe, None, true).await.unwrap();
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let last = pipeline.stages.last().unwrap().name.to_string();
    let mut lines = vec!["Intitulé;Montant;Étape;Statut;Société;E-mail".to_owned()];
    lines.push(format!("Cuves;1 234,50;{last};Gagnée;Crème et fils;ZOE@creme.fr"));
    lines.extend((0..540).map(|i| format!("Affaire {i};{i}00;;;Société {i};")));
    let done = import(h, &files, &admin, ImportEntity::Opportunities, &lines).await;
    assert_eq!(
        (done.progress.created, done.progress.skipped),
        (541, 0),
        "{:?}",
        done.progress.noted.first()
    );
    let all = h
        .app
        .list_opportunities(&admin, &OpportunityFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let cuves = h
        .app
        .list_opportunities(
            &admin,
            &OpportunityFilter {
                status: Some("won"),
                ..OpportunityFilter::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(!all.items.is_empty());
    assert_eq!(
        (
            cuves.fields.value.minor(),
            cuves.fields.contact_ids.clone(),
            cuves.fields.organization_id
        ),
        (123_450, vec![zoe.id], Some(known.id))
    );
    let again = import(h, &files, &admin, ImportEntity::Opportunities, &lines).await;
    assert_eq!((again.progress.created, again.progress.unchanged), (0, 541));
}

contract!(organizations_and_opportunities_import_each_row_once);
