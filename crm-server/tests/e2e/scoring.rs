//! Lead scoring through the API: rules written by the Admin, a contact scored from its
//! profile as soon as it is created, a call logged adding its points, every line explained,
//! the history kept, the contact's version never touched by a score, and a rule changed or
//! deleted scoring everyone again.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ActivityWrite, ContactWrite, LinkRef, ScoringRuleWrite};
use serde_json::json;
use std::time::{Duration, Instant};

async fn score_reaches(c: &crm_sdk::Client, id: uuid::Uuid, want: i32) -> crm_sdk::models::ContactScore {
    let started = Instant::now();
    loop {
        let s = c.contact_score(id).await.unwrap();
        if s.score == want {
            return s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "score {} never became {want}: {s:?}",
            s.score
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_follow_the_profile_the_engagements_and_the_rules() {
    let s = spawn_app().await;
    let t = tenant(&s, "Notation").await;
    let admin = t.client(Role::Admin);
    let rep = t.client(Role::Sales);
    let title = admin
        .create_scoring_rule(&ScoringRuleWrite {
            name: "Décideur".into(),
            signal: json!({"kind": "job_title", "words": ["Directeur", "DG"]}),
            points: 20,
            ..ScoringRuleWrite::default()
        })
        .await
        .unwrap();
    admin
        .create_scoring_rule(&ScoringRuleWrite {
            name: "Froid".into(),
            signal: json!({"kind": "tag", "tag": "froid"}),
            points: -5,
            ..ScoringRuleWrite::default()
        })
        .await
        .unwrap();
    admin
        .create_scoring_rule(&ScoringRuleWrite {
            name: "Appel".into(),
            signal: json!({"kind": "engagement", "engagement": "call_made"}),
            points: 10,
            half_life_days: Some(30),
            ..ScoringRuleWrite::default()
        })
        .await
        .unwrap();
    // A profile rule with a half-life: refused with its field.
    let e = admin
        .create_scoring_rule(&ScoringRuleWrite {
            name: "Mauvaise".into(),
            signal: json!({"kind": "tag", "tag": "x"}),
            points: 5,
            half_life_days: Some(3),
            ..ScoringRuleWrite::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("half_life_days"), "{e:?}");
    // Scored from its profile as soon as it is created: 20 − 5.
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Paul".into(),
                last_name: "Noté".into(),
                job_title: Some("Directeur des achats".into()),
                tags: vec!["Froid".into()],
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let first = score_reaches(rep, c.id, 15).await;
    assert_eq!(first.lines.len(), 2, "{first:?}");
    assert!(first.lines.iter().all(|l| l.at.is_none()));
    // A call: ten more points, its line dated.
    rep.create_activity(&ActivityWrite {
        kind: Some("call".into()),
        direction: Some("outbound".into()),
        subject: "Premier appel".into(),
        starts_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
        links: vec![LinkRef {
            entity_type: "contact".into(),
            entity_id: c.id,
            name: None,
        }],
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let scored = score_reaches(rep, c.id, 25).await;
    let call = scored.lines.iter().find(|l| l.rule == "Appel").unwrap();
    assert!(call.at.is_some() && (call.points - 10.0).abs() < 0.01, "{call:?}");
    assert_eq!(scored.history.iter().map(|p| p.score).collect::<Vec<_>>(), [25, 15]);
    // The contact shows it; its version is the creation's.
    let read = rep.contact(c.id).await.unwrap();
    assert_eq!((read.score, read.version), (25, c.version));
    // A list and a search filter.
    let at_least = |n: i32| crm_sdk::ContactQuery {
        min_score: Some(n),
        ..crm_sdk::ContactQuery::default()
    };
    let ids = |p: crm_sdk::models::Page<crm_sdk::models::Contact>| p.items.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(rep.list_contacts(&at_least(20)).await.unwrap()), [c.id]);
    assert!(ids(rep.list_contacts(&at_least(26)).await.unwrap()).is_empty());
    let search = |n: Option<i32>| crm_sdk::models::SearchQuery {
        q: "Noté".into(),
        min_score: n,
        ..crm_sdk::models::SearchQuery::default()
    };
    let started = Instant::now();
    while rep.search(&search(None)).await.unwrap().groups.iter().all(|g| g.hits.is_empty()) {
        assert!(started.elapsed() < Duration::from_secs(30), "never indexed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let found = |r: crm_sdk::models::SearchResults| r.groups.iter().flat_map(|g| g.hits.iter().map(|h| h.id)).collect::<Vec<_>>();
    assert_eq!(found(rep.search(&search(Some(20))).await.unwrap()), [c.id]);
    assert!(found(rep.search(&search(Some(26))).await.unwrap()).is_empty());
    // A rule changed, then deleted: everyone scored again.
    let changed = admin
        .update_scoring_rule(
            title.id,
            title.version,
            &ScoringRuleWrite {
                name: "Décideur".into(),
                signal: json!({"kind": "job_title", "words": ["directeur"]}),
                points: 30,
                ..ScoringRuleWrite::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.version, 2);
    score_reaches(rep, c.id, 35).await;
    admin.delete_scoring_rule(title.id).await.unwrap();
    score_reaches(rep, c.id, 5).await;
    // A company changing industry rescores its contacts at once.
    let org = rep
        .create_organization(&crm_sdk::models::OrganizationWrite {
            name: "Cave Martin".into(),
            industry: Some("Négoce".into()),
            ..crm_sdk::models::OrganizationWrite::default()
        })
        .await
        .unwrap();
    let c2 = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Marc".into(),
                last_name: "Caviste".into(),
                organization_id: Some(org.id),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let before = admin.jobs(Some("scoring.rescore")).await.unwrap().len();
    admin
        .create_scoring_rule(&ScoringRuleWrite {
            name: "Viticulture".into(),
            signal: json!({"kind": "industry", "values": ["Vins"]}),
            points: 7,
            ..ScoringRuleWrite::default()
        })
        .await
        .unwrap();
    // (the rescoring the new rule queued is over: only the company's change can move it now)
    let started = Instant::now();
    loop {
        let jobs = admin.jobs(Some("scoring.rescore")).await.unwrap();
        if jobs.len() > before && jobs.iter().all(|j| j.state == "done") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{jobs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rep.contact_score(c2.id).await.unwrap().score, 0);
    rep.update_organization(
        org.id,
        org.version,
        &crm_sdk::models::OrganizationWrite {
            name: "Cave Martin".into(),
            industry: Some("Vins".into()),
            ..crm_sdk::models::OrganizationWrite::default()
        },
    )
    .await
    .unwrap();
    score_reaches(rep, c2.id, 7).await;
    // Rules are the Admin's and Marketing's.
    assert!(rep.scoring_rules().await.is_err());
    assert_eq!(t.client(Role::Marketing).scoring_rules().await.unwrap().len(), 3);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_learned_model_is_judged_on_history_kept_aside() {
    let s = spawn_app().await;
    let t = tenant(&s, "Modèle").await;
    let admin = t.client(Role::Admin);
    // No history: the rules stay in charge, and the model says so.
    assert_eq!(admin.scoring_model().await.unwrap().state, "none");
    let none = admin.train_scoring_model().await.unwrap();
    assert_eq!((none.state.as_str(), none.examples), ("too_few", Some(0)));
    // 64 contacts with a deal each: those met twice before were won, the others lost.
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let last = pipeline.stages.last().unwrap().id;
    for i in 0..64 {
        let met = i % 2 == 0;
        let c = admin
            .create_contact(
                &ContactWrite {
                    kind: "prospect".into(),
                    first_name: "Histo".into(),
                    last_name: format!("Rique{i}"),
                    ..ContactWrite::default()
                },
                true,
            )
            .await
            .unwrap();
        if met {
            for d in [3, 2] {
                admin
                    .create_activity(&ActivityWrite {
                        kind: Some("meeting".into()),
                        subject: "Visite".into(),
                        starts_at: Some(chrono::Utc::now() - chrono::Duration::days(d)),
                        ends_at: Some(chrono::Utc::now() - chrono::Duration::days(d) + chrono::Duration::hours(1)),
                        links: vec![LinkRef {
                            entity_type: "contact".into(),
                            entity_id: c.id,
                            name: None,
                        }],
                        ..ActivityWrite::default()
                    })
                    .await
                    .unwrap();
            }
        }
        let o = admin
            .create_opportunity(&crm_sdk::models::NewOpportunity {
                pipeline_id: pipeline.id,
                title: format!("Affaire {i}"),
                stage_id: Some(last),
                value_minor: 1_000_00,
                contact_ids: vec![c.id],
                ..crm_sdk::models::NewOpportunity::default()
            })
            .await
            .unwrap();
        if met {
            admin.win_opportunity(o.id, o.version).await.unwrap();
        } else {
            admin.lose_opportunity(o.id, o.version, "Prix").await.unwrap();
        }
    }
    let m = admin.train_scoring_model().await.unwrap();
    assert_eq!((m.state.as_str(), m.examples), ("trained", Some(64)), "{m:?}");
    assert_eq!(m.trained_on.unwrap() + m.held_out.unwrap(), 64);
    // No rule: the rules' AUC is a coin toss; the model sees the meetings.
    assert_eq!(m.rules_auc_permille, Some(500));
    assert!(m.auc_permille.unwrap() > 900 && m.beats_rules, "{m:?}");
    assert_eq!(
        (m.factors[0].feature.as_str(), m.factors[0].effect.as_str()),
        ("meeting_held", "strong_up")
    );
    assert_eq!(admin.scoring_model().await.unwrap(), m);
    assert!(t.client(Role::Sales).train_scoring_model().await.is_err());
    s.stop().await;
}
