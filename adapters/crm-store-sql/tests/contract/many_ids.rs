//! Work on thousands of records at once is split so that no statement passes the backends'
//! limits of values (SQLite 32,766, PostgreSQL 65,535): a whole company's contacts scored
//! in one call, their facts read, their scores, history points and events written, then a
//! second round where only one changed.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::ContactId;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::scoring::Breakdown;
use crm_ports::store::{ContactScore, ScoringStore};
use serde_json::json;
use uuid::Uuid;

/// Contacts in the case: 5 values each in the scores' upsert (45,500 in one statement
/// were it not split, past SQLite's limit).
const MANY: usize = 9_100;

/// The score given to the `i`-th contact: never 0, so each first score is a change.
fn score(i: usize) -> i32 {
    i32::try_from(i % 90).unwrap() + 10
}

pub async fn a_whole_company_is_scored_in_one_call(h: &Harness) {
    let s = h.app.store();
    let (t, admin) = h.tenant("Toute une société notée").await;
    let model = h.app.create_contact(&admin, &input("Mo", "Dèle"), None, true).await.unwrap();

    // The contacts written as an import writes them (one piece with its job's step), without
    // emails or events: only the rows are needed, and quickly.
    let now = chrono::Utc::now();
    let created: Vec<_> = (0..MANY)
        .map(|_| {
            let mut c = model.clone();
            c.id = ContactId::from_uuid(Uuid::now_v7());
            c.fields.emails = Vec::new();
            c
        })
        .collect();
    crate::import::write_new_contacts(h, t.id, &created, &[]).await;
    let ids: Vec<ContactId> = created.iter().map(|c| c.id).collect();
    let (first, last) = (ids[0], ids[MANY - 1]);

    // Their facts, in one call.
    let facts = s.scoring_facts(t.id, &ids, now).await.unwrap();
    assert_eq!(facts.len(), MANY, "every contact's facts");

    // Their scores, in one call: each kept, each a history point and an event.
    let at = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap();
    let scores: Vec<ContactScore> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| ContactScore {
            contact_id: *id,
            breakdown: Breakdown {
                score: score(i),
                lines: Vec::new(),
            },
            computed_at: at,
        })
        .collect();
    s.save_scores(t.id, &scores).await.unwrap();
    let history = |c: ContactId| async move {
        s.score_history(t.id, c, 10)
            .await
            .unwrap()
            .iter()
            .map(|p| p.1)
            .collect::<Vec<i32>>()
    };
    let kept = score(MANY - 1);
    assert_eq!(s.contact_score(t.id, last).await.unwrap().unwrap().breakdown.score, kept);
    assert_eq!(history(last).await, [kept]);

    // Again an hour later, only the last one changed: the scores before are read whole
    // (none of the others is taken for a change), the last one's change is logged.
    let mut again = scores.clone();
    for one in &mut again {
        one.computed_at = at + chrono::Duration::hours(1);
    }
    again[MANY - 1].breakdown.score = kept + 1;
    s.save_scores(t.id, &again).await.unwrap();
    assert_eq!(history(first).await, [score(0)], "the same score is no new point");
    assert_eq!(history(last).await, [kept + 1, kept]);
    let logged: Vec<_> = h
        .app
        .history_of(&admin, EntityType::Contact, last.as_uuid(), 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::ScoreChanged)
        .map(|e| e.changes.into_iter().map(|c| (c.field, c.before, c.after)).collect::<Vec<_>>())
        .collect();
    assert_eq!(
        logged,
        [
            vec![("score".to_owned(), Some(json!(kept)), Some(json!(kept + 1)))],
            vec![("score".to_owned(), Some(json!(0)), Some(json!(kept)))],
        ]
    );
}

contract!(a_whole_company_is_scored_in_one_call);
