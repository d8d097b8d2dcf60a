//! An import longer than a piece: the next piece is looked up while the last one is
//! written, yet each row sees what the rows of earlier pieces made or changed, as if the
//! pieces had been planned one after the other — a phone or a name of a contact made one
//! piece before, a contact changed one piece before and changed again by its other email.

use crate::contacts::input;
use crate::harness::Harness;
use crate::import::{csv, files, run_until_done, upload};
use crm_domain::duplicates::MatchReason;
use crm_domain::import::guess_mapping;
use crm_ports::services::import::{ImportOptions, RowNote, UpsertKey};
use crm_ports::store::JobState;

/// Rows of one piece of an import job (`PIECE` in the import use case).
const PIECE: usize = 2_000;

/// Imports `lines` (headers first) by email; the job as it ended.
async fn import(h: &Harness, admin: &crm_domain::Actor, lines: &[String]) -> crm_ports::services::import::ImportJob {
    let files = files();
    let file = upload(h, &files, admin, &csv(lines)).await;
    let mapping = guess_mapping(&lines[0].split(';').map(str::to_owned).collect::<Vec<_>>());
    let options = ImportOptions::by(UpsertKey::Email);
    let job = h.app.start_contact_import(admin, file, &mapping, &options).await.unwrap();
    let done = run_until_done(h, &files, admin, job.job.id).await;
    assert_eq!(done.job.state, JobState::Done, "{:?}", done.job.error);
    // No piece met a contact changed since it was looked up (that would be a retry).
    assert_eq!(done.job.attempts, 1, "{:?}", done.job.error);
    done
}

/// A first piece: `rows`, then rows of people named after `filler` up to a whole piece.
fn first_piece(rows: &[&str], filler: &str) -> Vec<String> {
    let mut lines = vec!["Prénom;Nom;E-mail;Téléphone;Ville".to_owned()];
    lines.extend(rows.iter().map(|r| (*r).to_owned()));
    lines.extend((rows.len()..PIECE).map(|i| format!("{filler}{i};{filler}{i};{i}@{filler}.fr;;")));
    lines
}

pub async fn a_row_sees_what_the_pieces_before_it_wrote(h: &Harness) {
    let (_, admin) = h.tenant("Import en plusieurs morceaux").await;

    // The phone of a contact made by the first piece, and the name of another.
    let mut lines = first_piece(
        &["Anne;Vasseur;anne@vasseur.fr;06 11 22 33 44;", "Bruno;Quillard;bruno@quillard.fr;;"],
        "Remplissage",
    );
    lines.extend([
        "Anna;Vasseur-Blot;autre@vasseur.fr;+33 6 11 22 33 44;".to_owned(),
        "Bruno;Quillard;b.quillard@ailleurs.fr;;".to_owned(),
        "Zoé;Neuve;zoe@neuve.fr;;".to_owned(),
    ]);
    let done = import(h, &admin, &lines).await;
    let p = &done.progress;
    assert_eq!(
        (p.total, p.created, p.updated, p.unchanged, p.skipped),
        (PIECE as u64 + 3, PIECE as u64 + 1, 0, 0, 2),
        "{:?}",
        p.noted
    );
    // The file's line of `lines[n]` is n + 1.
    let note = |n: usize| p.noted.iter().find(|x| x.line == n as u64 + 1).map(|x| x.note.clone());
    let Some(RowNote::PossibleDuplicate(reasons)) = note(PIECE + 1) else {
        panic!("{:?}", note(PIECE + 1))
    };
    assert!(reasons.contains(&MatchReason::SamePhone), "{reasons:?}");
    let Some(RowNote::PossibleDuplicate(reasons)) = note(PIECE + 2) else {
        panic!("{:?}", note(PIECE + 2))
    };
    assert!(reasons.contains(&MatchReason::SimilarName), "{reasons:?}");

    // A contact changed by each piece in turn, by one email then the other: each change
    // made on the one before it.
    let mut xavier = input("Xavier", "Ollier");
    xavier.emails = vec!["x1@ollier.fr".into(), "x2@ollier.fr".into()];
    let xavier = h.app.create_contact(&admin, &xavier, None, true).await.unwrap();
    let mut lines = first_piece(&["Xavier;Ollier;x1@ollier.fr;;Lyon"], "Complement");
    lines.push("Xavier;Ollier;x2@ollier.fr;;Nantes".to_owned());
    let done = import(h, &admin, &lines).await;
    assert_eq!((done.progress.created, done.progress.updated), (PIECE as u64 - 1, 2));
    let after = h.app.contact(&admin, xavier.id).await.unwrap();
    assert_eq!(after.version, 3);
    assert_eq!(after.fields.address.city.as_ref().map(|c| c.as_str()), Some("Nantes"));
}

contract!(a_row_sees_what_the_pieces_before_it_wrote);
