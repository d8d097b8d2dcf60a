//! Importing contacts. The dry run: each row's fate, with the rules of a contact created
//! by hand, the file's own repeats, and the walls of who may see what; nothing written.
//! The import job: every row once, organizations matched or made, a resumed job starting
//! after its last piece, Marketing's rows in the pool; and the store's piece written
//! whole with the job's step, or not at all.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::contact::Contact;
use crm_domain::duplicates::MatchReason;
use crm_domain::event::{EntityType, EventKind, NewEvent};
use crm_domain::import::guess_mapping;
use crm_domain::organization::OrganizationInput;
use crm_domain::user::Role;
use crm_domain::{Actor, ContactId};
use crm_files_disk::DiskFiles;
use crm_ports::ServiceError;
use crm_ports::StoreError;
use crm_ports::files::FileStorage;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::runtime::Shutdown;
use crm_ports::runtime::jobs::JobOptions;
use crm_ports::services::import::{ContactImport, IMPORT_CONTACTS, ImportJob, ImportOptions, RowAction, RowNote, RowPlan, UpsertKey};
use crm_ports::store::{ContactStore, HeldStep, ImportPiece, ImportStore, JobState, JobStore, NewJob};
use crm_tabular::Tables;
use std::sync::Arc;
use uuid::Uuid;

fn rows(lines: &[&[&str]]) -> Vec<(u64, Vec<String>)> {
    lines
        .iter()
        .enumerate()
        .map(|(i, cells)| (i as u64 + 2, cells.iter().map(|c| (*c).to_owned()).collect()))
        .collect()
}

pub async fn an_import_dry_run_says_what_each_row_would_do(h: &Harness) {
    let (_, admin) = h.tenant("Import à blanc").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let mut known = input("Hélène", "Lefèvre");
    known.emails = vec!["helene@creme.fr".into()];
    let known = h.app.create_contact(&admin, &known, None, true).await.unwrap();
    let mut named = input("Gaspard", "Dumoulin");
    named.emails = vec!["gaspard@ailleurs.fr".into()];
    h.app.create_contact(&admin, &named, None, true).await.unwrap();

    let mapping = guess_mapping(&["Prénom".into(), "Nom".into(), "E-mail".into()]);
    let file = rows(&[
        &["Hélène", "Lefèvre-Martin", "HELENE@creme.fr"],
        &["Paul", "Neuf", "paul@neuf.fr"],
        &["Paulo", "Neuf", "paul@neuf.fr"],
        &["Ina", "Valide", "pas-une-adresse"],
        &["Gaspard", "Dumoulin", "g.dumoulin@autre.fr"],
        &["Sans", "Adresse", ""],
    ]);
    let options = ImportOptions::by(UpsertKey::Email);
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &options).await.unwrap();
    let action = |p: &RowPlan| (p.line, p.action.clone());
    assert_eq!(
        action(&plan[0]),
        (2, RowAction::Update(known.id.as_uuid())),
        "the email finds her, whatever its case"
    );
    assert_eq!(action(&plan[1]), (3, RowAction::Create));
    assert_eq!(plan[2].note, Some(RowNote::RepeatedInFile(3)), "the same email again in the file");
    assert!(matches!(&plan[3].note, Some(RowNote::Invalid(v)) if v.errors().iter().any(|e| e.field == "emails.0")));
    assert_eq!(plan[4].note, Some(RowNote::PossibleDuplicate(vec![MatchReason::SimilarName])));
    assert_eq!(action(&plan[5]), (7, RowAction::Create), "no key: created");
    // Asked to, a close name is created anyway.
    let anyway = ImportOptions {
        create_possible_duplicates: true,
        ..options
    };
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &anyway).await.unwrap();
    assert_eq!(plan[4].action, RowAction::Create);

    // A rep's key that finds a contact they may not see: left out, nothing said of it.
    let plan = h.app.plan_contact_import(&rep, &file, &mapping, &options).await.unwrap();
    assert_eq!(plan[0].note, Some(RowNote::NotVisible));
    // By phone: the phone of a contact, written otherwise, finds it.
    let mut called = input("Tél", "Connu");
    called.phones = vec!["06 12 34 56 78".into()];
    let called = h.app.create_contact(&admin, &called, None, true).await.unwrap();
    let by_phone = ImportOptions {
        create_possible_duplicates: true,
        ..ImportOptions::by(UpsertKey::Phone)
    };
    let mapping = guess_mapping(&["Nom".into(), "Prénom".into(), "Portable".into()]);
    let plan = h
        .app
        .plan_contact_import(&admin, &rows(&[&["Connu", "Tél", "+33 6 12 34 56 78"]]), &mapping, &by_phone)
        .await
        .unwrap();
    assert_eq!(
        plan[0].action,
        RowAction::Unchanged(called.id.as_uuid()),
        "found, and nothing new to write"
    );

    // Nothing was written; a role that may not write contacts may not plan an import.
    let all = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 3);
    let observer = h.user(&admin, Role::Observer, None).await.1;
    assert!(matches!(
        h.app.plan_contact_import(&observer, &file, &mapping, &options).await,
        Err(ServiceError::Forbidden)
    ));
}

// ---- The import job ----------------------------------------------------------------------

/// One files directory for every case (a worker of one case may claim another's job).
pub(crate) fn files() -> Arc<dyn FileStorage> {
    let dir = std::env::temp_dir().join(format!("crm-contract-import-files-{}", std::process::id()));
    Arc::new(DiskFiles::open(&dir, Arc::new(crate::harness::cipher())).unwrap())
}

pub(crate) fn csv(lines: &[String]) -> Vec<u8> {
    lines.join("\r\n").into_bytes()
}

pub(crate) async fn upload(h: &Harness, files: &Arc<dyn FileStorage>, actor: &Actor, bytes: &[u8]) -> Uuid {
    h.app
        .upload_file(actor, &**files, "contacts.csv", Box::pin(bytes), 10_000_000)
        .await
        .unwrap()
        .id
}

/// Works on the queue until the import `id` is finished; the job as it ended.
pub(crate) async fn run_until_done(h: &Harness, files: &Arc<dyn FileStorage>, actor: &Actor, id: Uuid) -> ImportJob {
    let handler = ContactImport::new(&h.app, Arc::clone(files), Arc::new(Tables::default()));
    let (trigger, shutdown) = Shutdown::new();
    let mut options = JobOptions::new(Uuid::now_v7());
    options.poll = std::time::Duration::from_millis(50);
    let app = h.app.clone();
    let worker = tokio::spawn(async move { app.run_jobs(vec![Arc::new(handler)], options, shutdown).await });
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

const HEADERS: &str = "Prénom;Nom;E-mail;Société;Site web;Ville";

pub async fn an_import_job_writes_each_row_once_and_matches_organizations(h: &Harness) {
    let files = files();
    let (_, admin) = h.tenant("Import en tâche de fond").await;
    let creme = h
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
    let mut known = input("Hélène", "Lefèvre");
    known.emails = vec!["helene@creme.fr".into()];
    let known = h.app.create_contact(&admin, &known, None, true).await.unwrap();
    let mut lines = vec![HEADERS.to_owned(), "Hélène;Lefèvre;HELENE@creme.fr;;;Lyon".to_owned()];
    lines.extend((0..1100).map(|i| format!("P{i};N{i};p{i}@x.fr;Société {};;Paris", i % 10)));
    lines.push("Par;Domaine;par@domaine.fr;Autre nom;https://www.creme.fr/contact;".to_owned());
    lines.push("Ina;Valide;pas-une-adresse;;;".to_owned());
    let bytes = csv(&lines);
    let file = upload(h, &files, &admin, &bytes).await;
    let mapping = guess_mapping(&HEADERS.split(';').map(str::to_owned).collect::<Vec<_>>());
    let options = ImportOptions::by(UpsertKey::Email);
    let job = h.app.start_contact_import(&admin, file, &mapping, &options).await.unwrap();
    assert!(
        matches!(
            h.app.start_contact_import(&admin, file, &mapping, &options).await,
            Err(ServiceError::Conflict)
        ),
        "the same file twice at once"
    );
    let done = run_until_done(h, &files, &admin, job.job.id).await;
    assert_eq!(done.job.state, JobState::Done, "{:?}", done.job.error);
    let p = &done.progress;
    assert_eq!(
        (p.total, p.done, p.created, p.updated, p.unchanged, p.skipped, p.organizations),
        (1103, 1103, 1101, 1, 0, 1, 10)
    );
    assert_eq!(p.noted.len(), 1);
    assert!(matches!(&p.noted[0].note, RowNote::Invalid(v) if v.errors()[0].field == "emails.0"));
    let helene = h.app.contact(&admin, known.id).await.unwrap();
    assert_eq!(helene.version, 2);
    assert_eq!(helene.fields.address.city.as_ref().map(|c| c.as_str()), Some("Lyon"));
    // Every row is there once: the same file again changes nothing.
    let table: Vec<(u64, Vec<String>)> = lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| (i as u64 + 2, l.split(';').map(str::to_owned).collect()))
        .collect();
    let again = h.app.plan_contact_import(&admin, &table, &mapping, &options).await.unwrap();
    let unchanged = again.iter().filter(|p| matches!(p.action, RowAction::Unchanged(_))).count();
    assert_eq!(
        unchanged,
        1102,
        "{:?}",
        again.iter().find(|p| !matches!(p.action, RowAction::Unchanged(_)))
    );
    // The web site found the organization whatever the name said.
    let RowAction::Unchanged(by_site) = again[1101].action else {
        panic!("{:?}", again[1101])
    };
    assert_eq!(
        h.app
            .contact(&admin, crm_domain::ContactId::from_uuid(by_site))
            .await
            .unwrap()
            .fields
            .organization_id,
        Some(creme.id)
    );
    // The report: the row as it was, with its reason.
    let (headers, report) = h.app.import_report(&admin, &*files, &Tables::default(), job.job.id).await.unwrap();
    assert_eq!(headers.len(), 6);
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].cells[2], "pas-une-adresse");
    assert_eq!(report[0].noted.line, 1104);
    // Another user's import is not theirs to read; a rep sees their own only.
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    assert!(matches!(h.app.import_job(&rep, job.job.id).await, Err(ServiceError::NotFound)));
    assert!(h.app.import_jobs(&rep, 10).await.unwrap().is_empty());
    assert_eq!(h.app.import_jobs(&admin, 10).await.unwrap().len(), 1);
}

pub async fn a_resumed_import_starts_after_its_last_piece(h: &Harness) {
    let files = files();
    let (t, admin) = h.tenant("Import repris").await;
    let mut lines = vec![HEADERS.to_owned()];
    lines.extend((0..1000).map(|i| format!("R{i};S{i};r{i}@repris.fr;;;")));
    let file = upload(h, &files, &admin, &csv(&lines)).await;
    let mapping = guess_mapping(&HEADERS.split(';').map(str::to_owned).collect::<Vec<_>>());
    let options = ImportOptions::by(UpsertKey::Email);
    let job = h.app.start_contact_import(&admin, file, &mapping, &options).await.unwrap();
    // A worker took it, committed the first 500 rows' step, and died (its lease ran out);
    // what it wrote is left out here so that only a resumption from the step can pass.
    let s = h.app.store();
    let (w, now) = (Uuid::now_v7(), chrono::Utc::now());
    let claimed = s
        .claim_job(None, &[IMPORT_CONTACTS], w, now, now - chrono::Duration::seconds(1))
        .await
        .unwrap();
    let mut claimed = claimed.unwrap();
    while claimed.id != job.job.id {
        claimed = s
            .claim_job(None, &[IMPORT_CONTACTS], w, now, now - chrono::Duration::seconds(1))
            .await
            .unwrap()
            .unwrap();
    }
    let half =
        serde_json::json!({"total": 1000, "done": 500, "created": 500, "updated": 0, "unchanged": 0, "skipped": 0, "organizations": 0});
    s.checkpoint_job(t.id, job.job.id, w, 500, &half, now - chrono::Duration::seconds(1), now)
        .await
        .unwrap();
    let done = run_until_done(h, &files, &admin, job.job.id).await;
    assert_eq!(done.job.state, JobState::Done, "{:?}", done.job.error);
    assert_eq!((done.progress.done, done.progress.created), (1000, 1000));
    let table: Vec<(u64, Vec<String>)> = lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| (i as u64 + 2, l.split(';').map(str::to_owned).collect()))
        .collect();
    let plan = h.app.plan_contact_import(&admin, &table, &mapping, &options).await.unwrap();
    assert!(
        plan[..500].iter().all(|p| p.action == RowAction::Create),
        "rows before the step are not run again"
    );
    assert!(plan[500..].iter().all(|p| matches!(p.action, RowAction::Unchanged(_))));
}

pub async fn marketing_imports_leads_into_the_pool(h: &Harness) {
    let files = files();
    let (_, admin) = h.tenant("Import marketing").await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let mut client = input("Déjà", "Cliente");
    client.emails = vec!["deja@cliente.fr".into()];
    h.app.create_contact(&admin, &client, None, true).await.unwrap();
    let headers = "Prénom;Nom;E-mail;Société;Type";
    let lines = vec![
        headers.to_owned(),
        "Nou;Veau;nou@veau.fr;Inconnue SARL;".to_owned(),
        "Déjà;Cliente;deja@cliente.fr;;".to_owned(),
        "Sal;On;sal@on.fr;;Client".to_owned(),
    ];
    let mapping = guess_mapping(&headers.split(';').map(str::to_owned).collect::<Vec<_>>());
    let table: Vec<(u64, Vec<String>)> = lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| (i as u64 + 2, l.split(';').map(str::to_owned).collect()))
        .collect();
    let options = ImportOptions::by(UpsertKey::Email);
    let plan = h.app.plan_contact_import(&marketing, &table, &mapping, &options).await.unwrap();
    assert_eq!(plan[0].action, RowAction::Create);
    assert_eq!(
        plan[0].note,
        Some(RowNote::UnknownOrganization),
        "Marketing does not create organizations"
    );
    assert_eq!(plan[1].note, Some(RowNote::NotEditable), "a contact out of the pool");
    assert!(matches!(&plan[2].note, Some(RowNote::Invalid(v)) if v.errors()[0].field == "kind"));
    let file = upload(h, &files, &marketing, &csv(&lines)).await;
    let job = h.app.start_contact_import(&marketing, file, &mapping, &options).await.unwrap();
    let done = run_until_done(h, &files, &marketing, job.job.id).await;
    assert_eq!((done.progress.created, done.progress.skipped), (1, 2));
    let all = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let new = all.items.iter().find(|c| c.fields.first_name.as_str() == "Nou").unwrap();
    assert!(new.lead.as_ref().is_some_and(|l| l.pooled), "in the pool, for Marketing to qualify");
    assert_eq!(new.fields.organization_id, None);
}

/// A job of a kind of its own, claimed for five minutes: what an import piece is written
/// with; the job and its worker.
pub(crate) async fn held_job(h: &Harness, tenant: crm_domain::TenantId) -> (NewJob, Uuid) {
    let s = h.app.store();
    let now = chrono::Utc::now();
    let job = NewJob {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        kind: format!("test.{}", Uuid::new_v4().simple()),
        payload: serde_json::Value::Null,
        due_at: now,
        key: None,
    };
    s.enqueue_job(&job, now).await.unwrap();
    let worker = Uuid::now_v7();
    s.claim_job(None, &[&job.kind], worker, now, now + chrono::Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    (job, worker)
}

/// Writes `created` (with `events`) as one import piece of a job held for it, the job's
/// step moved to their number; the job's id.
pub(crate) async fn write_new_contacts(h: &Harness, tenant: crm_domain::TenantId, created: &[Contact], events: &[NewEvent]) -> Uuid {
    let (job, worker) = held_job(h, tenant).await;
    let now = chrono::Utc::now();
    let piece = ImportPiece {
        updated_organizations: &[],
        opportunities: &[],
        organizations: &[],
        created,
        updated: &[],
        events,
    };
    let done = i64::try_from(created.len()).unwrap();
    let step = HeldStep {
        job: job.id,
        worker,
        step: done,
        progress: serde_json::json!({ "done": done }),
        lease_until: now + chrono::Duration::minutes(5),
        now,
    };
    h.app.store().write_import_piece(tenant, &piece, &step).await.unwrap();
    job.id
}

pub async fn an_import_piece_is_written_whole_with_its_step_or_not_at_all(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Morceaux d'import").await;
    let existing = h.app.create_contact(&admin, &input("Ex", "Istant"), None, true).await.unwrap();
    let (job, w) = held_job(h, t.id).await;
    let now = chrono::Utc::now();
    let mut new = existing.clone();
    new.id = ContactId::from_uuid(Uuid::now_v7());
    new.fields.last_name = crm_domain::text::Name::parse("Nouveau").unwrap();
    let mut changed = existing.clone();
    changed.version += 1;
    changed.fields.job_title = Some(crm_domain::text::Label::parse("Acheteuse").unwrap());
    let step = |worker: Uuid, n: i64| HeldStep {
        job: job.id,
        worker,
        step: n,
        progress: serde_json::json!({ "done": n }),
        lease_until: now + chrono::Duration::minutes(5),
        now,
    };
    let created = [new.clone()];
    let mut read_later = existing.clone();
    read_later.version += 7;
    let stale = [(changed.clone(), read_later)];
    let piece = ImportPiece {
        updated_organizations: &[],
        opportunities: &[],
        organizations: &[],
        created: &created,
        updated: &stale,
        events: &[],
    };
    assert!(matches!(
        s.write_import_piece(t.id, &piece, &step(w, 1)).await,
        Err(StoreError::Conflict)
    ));
    let scope = crm_ports::query::Scope {
        tenant_id: t.id,
        records: crm_domain::visibility::RecordScope::Tenant,
    };
    assert!(s.contact(scope, new.id).await.is_err(), "nothing of a refused piece is kept");
    assert_eq!(s.job(t.id, job.id).await.unwrap().step, 0);
    let good = [(changed.clone(), existing.clone())];
    let piece = ImportPiece { updated: &good, ..piece };
    assert!(
        matches!(
            s.write_import_piece(t.id, &piece, &step(Uuid::now_v7(), 1)).await,
            Err(StoreError::Conflict)
        ),
        "a worker that does not hold the job writes nothing"
    );
    assert!(s.contact(scope, new.id).await.is_err());
    s.write_import_piece(t.id, &piece, &step(w, 1)).await.unwrap();
    assert_eq!(s.contact(scope, new.id).await.unwrap().fields.last_name.as_str(), "Nouveau");
    let read = s.contact(scope, existing.id).await.unwrap();
    assert_eq!(read.version, existing.version + 1);
    // Only the changed column is rewritten; what is sealed and unchanged reads as it was.
    assert_eq!(read.fields.job_title.as_ref().map(|t| t.as_str()), Some("Acheteuse"));
    assert_eq!(read.fields.emails, existing.fields.emails);
    assert_eq!(read.fields.phones, existing.fields.phones);
    let held = s.job(t.id, job.id).await.unwrap();
    assert_eq!((held.step, held.progress.clone()), (1, serde_json::json!({ "done": 1 })));
}

/// A piece larger than SQLite's variables allow in one statement (9,000 new contacts:
/// their person keys, 4 values each, and their events) is written whole; every new
/// contact's history opens with its own key.
pub async fn a_piece_of_many_thousand_contacts_is_written(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Gros morceau").await;
    let model = h.app.create_contact(&admin, &input("Mo", "Dèle"), None, true).await.unwrap();
    let now = chrono::Utc::now();
    let created: Vec<_> = (0..9_000)
        .map(|i| {
            let mut c = model.clone();
            c.id = ContactId::from_uuid(Uuid::now_v7());
            c.fields.emails = vec![crm_domain::email::EmailAddress::parse(&format!("gros.{i}@morceau.fr")).unwrap()];
            c
        })
        .collect();
    let events: Vec<NewEvent> = created
        .iter()
        .map(|c| NewEvent {
            at: now,
            actor: admin,
            entity_type: EntityType::Contact,
            entity_id: c.id.as_uuid(),
            kind: EventKind::Created,
            owner_id: Some(c.owner_id.as_uuid()),
            changes: Contact::changes(None, c),
        })
        .collect();
    let job = write_new_contacts(h, t.id, &created, &events).await;
    let scope = crm_ports::query::Scope {
        tenant_id: t.id,
        records: crm_domain::visibility::RecordScope::Tenant,
    };
    let last = created.last().unwrap();
    assert_eq!(s.contact(scope, last.id).await.unwrap().fields.emails, last.fields.emails);
    let history = h.app.history_of(&admin, EntityType::Contact, last.id.as_uuid(), 10).await.unwrap();
    let opened = history.iter().find(|e| e.kind == EventKind::Created).unwrap();
    assert!(!opened.erased);
    assert!(
        opened
            .changes
            .iter()
            .any(|c| c.field == "emails" && c.after.as_ref().is_some_and(|v| v.to_string().contains("gros.8999@"))),
        "{opened:?}"
    );
    assert_eq!(s.job(t.id, job).await.unwrap().step, 9_000);
}

/// The external id: unique in the company among the contacts not deleted (the field named
/// when it is taken), an import key of its own, and never given twice by an import keyed
/// otherwise (a row that would is left out, as is its repeat in the file).
pub async fn an_external_id_is_unique_and_an_import_key(h: &Harness) {
    let (_, admin) = h.tenant("Identifiants externes").await;
    let mut a = input("Agathe", "Externe");
    a.emails = vec!["agathe@erp.fr".into()];
    a.external_id = Some(" ERP-1 ".into());
    let a = h.app.create_contact(&admin, &a, None, true).await.unwrap();
    assert_eq!(a.fields.external_id.as_ref().map(|x| x.as_str()), Some("ERP-1"), "trimmed");
    let mut b = input("Bruno", "Autre");
    b.external_id = Some("ERP-1".into());
    match h.app.create_contact(&admin, &b, None, true).await {
        Err(ServiceError::Invalid(v)) => assert!(v.errors().iter().any(|e| e.field == "external_id"), "{v:?}"),
        other => panic!("{other:?}"),
    }
    let mut c = input("Chloé", "Partie");
    c.external_id = Some("ERP-2".into());
    let c = h.app.create_contact(&admin, &c, None, true).await.unwrap();
    h.app.delete_contact(&admin, c.id, c.version).await.unwrap();
    b.external_id = Some("ERP-2".into());
    h.app.create_contact(&admin, &b, None, true).await.unwrap();

    let mapping = guess_mapping(&["Id externe".into(), "Prénom".into(), "Nom".into(), "E-mail".into()]);
    let file = rows(&[
        &["ERP-1", "Agathe", "Externe", "agathe.nouvelle@erp.fr"],
        &["ERP-9", "Nina", "Neuve", "nina@erp.fr"],
        &["ERP-9", "Nino", "Double", "nino@erp.fr"],
    ]);
    let by_external = ImportOptions::by(UpsertKey::ExternalId);
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &by_external).await.unwrap();
    assert_eq!(
        plan[0].action,
        RowAction::Update(a.id.as_uuid()),
        "found by its external id, not its email"
    );
    assert_eq!(plan[1].action, RowAction::Create);
    assert_eq!(plan[2].note, Some(RowNote::RepeatedInFile(3)));
    // Keyed by email: a new person with a taken external id is left out, and so is the
    // second row of the file giving the same one.
    let file = rows(&[
        &["ERP-1", "Zoé", "Intruse", "zoe@ailleurs.fr"],
        &["ERP-7", "Yves", "Premier", "yves@ailleurs.fr"],
        &["ERP-7", "Yann", "Second", "yann@ailleurs.fr"],
    ]);
    let by_email = ImportOptions::by(UpsertKey::Email);
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &by_email).await.unwrap();
    assert!(
        matches!(&plan[0].note, Some(RowNote::Invalid(v)) if v.errors().iter().any(|e| e.field == "external_id")),
        "{:?}",
        plan[0]
    );
    assert_eq!(plan[1].action, RowAction::Create);
    assert_eq!(plan[2].note, Some(RowNote::RepeatedInFile(3)));
    let own = rows(&[&["ERP-1", "Agathe", "Externe", "agathe@erp.fr"]]);
    let plan = h.app.plan_contact_import(&admin, &own, &mapping, &by_email).await.unwrap();
    assert_eq!(
        plan[0].action,
        RowAction::Unchanged(a.id.as_uuid()),
        "her own external id, her own email"
    );
}

/// The suppression list: the Admin's alone, values kept as keyed hashes (looked up, never
/// read back), each value once; an import leaves out every row carrying a listed email or
/// phone, however written, and takes it back once the entry is removed.
pub async fn an_import_never_brings_back_a_suppressed_person(h: &Harness) {
    use crm_domain::suppression::{Channel, SuppressionInput, SuppressionReason};
    let (_, admin) = h.tenant("Liste d'exclusion").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let stop = |email: &str| SuppressionInput {
        email: Some(email.into()),
        reason: Some("unsubscribed".into()),
        ..SuppressionInput::default()
    };
    assert!(matches!(
        h.app.add_suppression(&rep, &stop("x@y.fr")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(h.app.suppressions(&rep, None, 10).await, Err(ServiceError::Forbidden)));
    let entry = h.app.add_suppression(&admin, &stop("Zoe@Desinscrite.fr")).await.unwrap();
    assert_eq!((entry.channel, entry.reason), (Channel::Email, SuppressionReason::Unsubscribed));
    assert_eq!(entry.fingerprint.len(), 12);
    let phone = SuppressionInput {
        phone: Some("06 99 88 77 66".into()),
        reason: Some("erased".into()),
        ..SuppressionInput::default()
    };
    h.app.add_suppression(&admin, &phone).await.unwrap();
    match h.app.add_suppression(&admin, &stop("zoe@desinscrite.fr")).await {
        Err(ServiceError::Invalid(v)) => assert!(v.errors().iter().any(|e| e.field == "email"), "{v:?}"),
        other => panic!("already there: {other:?}"),
    }
    assert_eq!(h.app.suppressions(&admin, None, 10).await.unwrap().len(), 2);
    let found = h.app.suppressions(&admin, Some(&stop("ZOE@desinscrite.fr")), 10).await.unwrap();
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), [entry.id]);
    assert!(
        h.app
            .suppressions(&admin, Some(&stop("autre@desinscrite.fr")), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let mapping = guess_mapping(&["Prénom".into(), "Nom".into(), "E-mail".into(), "Téléphone".into()]);
    let file = rows(&[
        &["Zoé", "Partie", "zoe@desinscrite.fr", ""],
        &["Effacé", "Numéro", "efface@ailleurs.fr", "+33 6 99 88 77 66"],
        &["Libre", "Toujours", "libre@ailleurs.fr", ""],
    ]);
    let options = ImportOptions::by(UpsertKey::Email);
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &options).await.unwrap();
    assert_eq!(plan[0].note, Some(RowNote::Suppressed));
    assert_eq!(plan[1].note, Some(RowNote::Suppressed), "the phone, written otherwise");
    assert_eq!(plan[2].action, RowAction::Create);
    h.app.remove_suppression(&admin, entry.id).await.unwrap();
    assert!(matches!(
        h.app.remove_suppression(&admin, entry.id).await,
        Err(ServiceError::NotFound)
    ));
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &options).await.unwrap();
    assert_eq!(plan[0].action, RowAction::Create, "off the list, importable again");
}

contract!(
    an_import_dry_run_says_what_each_row_would_do,
    an_import_job_writes_each_row_once_and_matches_organizations,
    a_resumed_import_starts_after_its_last_piece,
    marketing_imports_leads_into_the_pool,
    an_import_piece_is_written_whole_with_its_step_or_not_at_all,
    a_piece_of_many_thousand_contacts_is_written,
    an_external_id_is_unique_and_an_import_key,
    an_import_never_brings_back_a_suppressed_person,
);
