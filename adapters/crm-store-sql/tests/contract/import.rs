//! The dry run of a contacts import: each row's fate, with the rules of a contact created
//! by hand, the file's own repeats, and the walls of who may see what; nothing written.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::duplicates::MatchReason;
use crm_domain::import::guess_mapping;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::services::import::{ImportOptions, RowAction, RowNote, RowPlan, UpsertKey};

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
    let options = ImportOptions {
        key: UpsertKey::Email,
        create_possible_duplicates: false,
    };
    let plan = h.app.plan_contact_import(&admin, &file, &mapping, &options).await.unwrap();
    let action = |p: &RowPlan| (p.line, p.action.clone());
    assert_eq!(
        action(&plan[0]),
        (2, RowAction::Update(known.id)),
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
    // By phone: a row without a phone is created, one with the phone of a contact updates it.
    let mut called = input("Tél", "Connu");
    called.phones = vec!["06 12 34 56 78".into()];
    let called = h.app.create_contact(&admin, &called, None, true).await.unwrap();
    let by_phone = ImportOptions {
        key: UpsertKey::Phone,
        create_possible_duplicates: true,
    };
    let mapping = guess_mapping(&["Nom".into(), "Prénom".into(), "Portable".into()]);
    let plan = h
        .app
        .plan_contact_import(&admin, &rows(&[&["Connu", "Tél", "+33 6 12 34 56 78"]]), &mapping, &by_phone)
        .await
        .unwrap();
    assert_eq!(plan[0].action, RowAction::Update(called.id));

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

contract!(an_import_dry_run_says_what_each_row_would_do);
