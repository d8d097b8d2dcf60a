//! Lead scoring in the store: the facts a score is made of read from the real rows (the
//! contact's profile and company, calls and meetings that took place — not those to come,
//! nor deleted contacts), scores kept apart from the contact (its version untouched) with a
//! history point per change, read back by the contact and by a segment's `score` rule.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::organization::{OrganizationInput, OrganizationSize};
use crm_domain::scoring::{Breakdown, Engagement};
use crm_ports::store::{ContactScore, ScoringStore as _};

fn at(score: i32, secs: i64) -> ContactScore {
    ContactScore {
        contact_id: crm_domain::ContactId::from_uuid(uuid::Uuid::nil()),
        breakdown: Breakdown { score, lines: Vec::new() },
        computed_at: chrono::DateTime::from_timestamp(1_780_000_000 + secs, 0).unwrap(),
    }
}

pub async fn facts_come_from_the_rows_and_scores_stay_apart(h: &Harness) {
    let (t, admin) = h.tenant("Notes").await;
    let org = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Domaine Rivière".into(),
                industry: Some("Vins".into()),
                size: Some("small".into()),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let c = h
        .app
        .create_contact(
            &admin,
            &crm_domain::contact::ContactInput {
                organization_id: Some(org.id),
                job_title: Some("Directeur commercial".into()),
                source: Some("Salon".into()),
                tags: vec!["VIP".into()],
                ..input("Léa", "Notée")
            },
            None,
            true,
        )
        .await
        .unwrap();
    let gone = h.app.create_contact(&admin, &input("Jean", "Parti"), None, true).await.unwrap();
    h.app.delete_contact(&admin, gone.id, gone.version).await.unwrap();
    let now = chrono::Utc::now();
    let link = vec![Link {
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
    }];
    let timed = |subject: &str, start: chrono::DateTime<chrono::Utc>| ActivityInput {
        subject: subject.into(),
        starts_at: Some(start),
        ends_at: Some(start + chrono::Duration::minutes(30)),
        direction: Some("outbound".into()),
        links: link.clone(),
        ..ActivityInput::default()
    };
    let call_at = now - chrono::Duration::hours(2);
    h.app.create_activity(&admin, "call", &timed("Appel", call_at)).await.unwrap();
    let met_at = now - chrono::Duration::days(3);
    h.app
        .create_activity(
            &admin,
            "meeting",
            &ActivityInput {
                direction: None,
                ..timed("Visite", met_at)
            },
        )
        .await
        .unwrap();
    // A meeting to come: not held yet.
    h.app
        .create_activity(
            &admin,
            "meeting",
            &ActivityInput {
                direction: None,
                ..timed("Dégustation", now + chrono::Duration::days(2))
            },
        )
        .await
        .unwrap();
    let store = h.app.store();
    let facts = store.scoring_facts(t.id, &[c.id, gone.id], now).await.unwrap();
    assert_eq!(facts.len(), 1, "the deleted contact is left out: {facts:?}");
    let (id, f) = &facts[0];
    assert_eq!(*id, c.id);
    assert_eq!(f.job_title.as_deref(), Some("Directeur commercial"));
    assert_eq!(
        (f.industry.as_deref(), f.size, f.source.as_deref()),
        (Some("Vins"), Some(OrganizationSize::Small), Some("Salon"))
    );
    assert_eq!(f.tags, ["vip"]);
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    let mut got: Vec<(Engagement, i64)> = f.engagements.iter().map(|(e, t)| (*e, micros(*t))).collect();
    got.sort();
    assert_eq!(
        got,
        [(Engagement::MeetingHeld, micros(met_at)), (Engagement::CallMade, micros(call_at))]
    );

    // Scores: a first 0 is no history; each change is a point; the same score again is not.
    let one = |s: i32, secs: i64| ContactScore {
        contact_id: c.id,
        ..at(s, secs)
    };
    let before = h.app.contact(&admin, c.id).await.unwrap();
    store.save_scores(t.id, &[one(0, 0)]).await.unwrap();
    store.save_scores(t.id, &[one(12, 10)]).await.unwrap();
    store.save_scores(t.id, &[one(12, 20)]).await.unwrap();
    store.save_scores(t.id, &[one(7, 30)]).await.unwrap();
    let history: Vec<i32> = store.score_history(t.id, c.id, 10).await.unwrap().iter().map(|p| p.1).collect();
    assert_eq!(history, [7, 12]);
    assert_eq!(store.contact_score(t.id, c.id).await.unwrap().unwrap().breakdown.score, 7);
    let after = h.app.contact(&admin, c.id).await.unwrap();
    assert_eq!(
        (after.score, after.version, after.updated_at),
        (7, before.version, before.updated_at)
    );
    // A write of the contact made from a read taken before a new score (a person's edit
    // racing the scoring job) does not put the old score back: the score is not one of
    // the contact's own columns.
    store.save_scores(t.id, &[one(30, 40)]).await.unwrap();
    let mut stale = after.clone();
    stale.fields.job_title = Some(crm_domain::text::Label::parse("Directrice commerciale").unwrap());
    stale.version += 1;
    let edit = crm_domain::event::NewEvent {
        at: chrono::Utc::now(),
        actor: crm_domain::Actor::System { tenant_id: t.id },
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
        kind: crm_domain::event::EventKind::Updated,
        owner_id: None,
        changes: vec![],
    };
    crm_ports::store::ContactStore::update_contact(store, &stale, after.version, &edit)
        .await
        .unwrap();
    let edited = h.app.contact(&admin, c.id).await.unwrap();
    assert_eq!(
        (
            edited.score,
            edited.version,
            edited.fields.job_title.as_ref().map(|j| j.as_str().to_owned())
        ),
        (30, after.version + 1, Some("Directrice commerciale".to_owned()))
    );
    // Pages of contacts read it too.
    let page = h
        .app
        .list_contacts(
            &admin,
            &crm_ports::query::ContactFilter::default(),
            &crm_ports::query::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(page.items.iter().find(|m| m.id == c.id).map(|m| m.score), Some(30));
    // Another company reads none of it.
    let (other, _) = h.tenant("Autre note").await;
    assert_eq!(store.contact_score(other.id, c.id).await.unwrap(), None);
    assert!(store.score_history(other.id, c.id, 10).await.unwrap().is_empty());
    // A segment's score rule reads the score.
    let high = h
        .app
        .create_segment(
            &admin,
            &crm_ports::services::segments::SegmentInput {
                name: "Chauds".into(),
                rule: Some(serde_json::json!({"field": "score", "op": "gte", "value": 5})),
            },
        )
        .await
        .unwrap();
    let members = h
        .app
        .list_contacts(
            &admin,
            &crm_ports::query::ContactFilter {
                segment: Some(h.app.segment_filter(&admin, high.id).await.unwrap()),
                ..crm_ports::query::ContactFilter::default()
            },
            &crm_ports::query::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(members.items.iter().map(|m| m.id).collect::<Vec<_>>(), [c.id]);
    assert_eq!(
        h.app
            .preview_segment(&admin, &serde_json::json!({"field": "score", "op": "gte", "value": 31}))
            .await
            .unwrap(),
        0
    );
}

pub async fn the_history_and_the_model_are_the_companys_own(h: &Harness) {
    use crm_domain::opportunity::OpportunityInput;
    use crm_domain::scoring::learned::Training;
    let (t, admin) = h.tenant("Historique").await;
    let pipeline = h.app.create_pipeline(&admin, "Ventes", &crate::tenancy::stages()).await.unwrap();
    let last = pipeline.stages.last().unwrap().id;
    let deal = |c: crm_domain::ContactId, title: &str| OpportunityInput {
        title: title.into(),
        value_minor: 100_00,
        contact_ids: vec![c],
        ..OpportunityInput::default()
    };
    let won = h.app.create_contact(&admin, &input("Gagné", "Client"), None, true).await.unwrap();
    let lost = h.app.create_contact(&admin, &input("Perdu", "Prospect"), None, true).await.unwrap();
    let open = h
        .app
        .create_contact(&admin, &input("Ouvert", "Prospect"), None, true)
        .await
        .unwrap();
    let w = h
        .app
        .create_opportunity(&admin, pipeline.id, Some(last), &deal(won.id, "A"), None)
        .await
        .unwrap();
    h.app.win_opportunity(&admin, w.id, w.version).await.unwrap();
    // Lost once, then won: it counts as won.
    let l1 = h
        .app
        .create_opportunity(&admin, pipeline.id, None, &deal(won.id, "B"), None)
        .await
        .unwrap();
    h.app.lose_opportunity(&admin, l1.id, l1.version, "Prix").await.unwrap();
    let l2 = h
        .app
        .create_opportunity(&admin, pipeline.id, None, &deal(lost.id, "C"), None)
        .await
        .unwrap();
    h.app.lose_opportunity(&admin, l2.id, l2.version, "Prix").await.unwrap();
    h.app
        .create_opportunity(&admin, pipeline.id, None, &deal(open.id, "D"), None)
        .await
        .unwrap();
    let store = h.app.store();
    let mut got: Vec<(crm_domain::ContactId, bool)> = store
        .scoring_examples(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(c, w, _)| (c, w))
        .collect();
    got.sort();
    let mut want = vec![(won.id, true), (lost.id, false)];
    want.sort();
    assert_eq!(got, want, "open deals are no history");
    // The model kept, then replaced; another company has none.
    let at = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap();
    assert_eq!(store.scoring_model(t.id).await.unwrap(), None);
    let few = Training::TooFew { examples: 2, won: 1 };
    store.save_scoring_model(t.id, at, &few).await.unwrap();
    let later = at + chrono::Duration::days(7);
    let fewer = Training::TooFew { examples: 3, won: 1 };
    store.save_scoring_model(t.id, later, &fewer).await.unwrap();
    assert_eq!(store.scoring_model(t.id).await.unwrap(), Some((later, fewer)));
    let (other, _) = h.tenant("Sans modèle").await;
    assert_eq!(store.scoring_model(other.id).await.unwrap(), None);
    assert!(store.scoring_examples(other.id).await.unwrap().is_empty());
}

contract!(
    facts_come_from_the_rows_and_scores_stay_apart,
    the_history_and_the_model_are_the_companys_own
);
