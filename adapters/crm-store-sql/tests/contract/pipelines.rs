//! Pipelines: stage probabilities strictly increase; stages in use cannot be removed; a new
//! tenant starts with the default pipeline.

use crate::harness::Harness;
use crate::tenancy::stages;
use crm_domain::ViolationKind;
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::pipeline::{DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, StageInput, StageMove};
use crm_domain::user::Role;
use crm_ports::ServiceError;

async fn probabilities_must_increase(h: &Harness) {
    let (_, admin) = h.tenant("Pipeline Test").await;
    let mut s = stages();
    s[2].probability = 30;
    match h.app.create_pipeline(&admin, "Ventes", &s).await {
        Err(ServiceError::Invalid(v)) => {
            assert_eq!(v.errors()[0].field, "stages.2.probability");
            assert_eq!(v.errors()[0].kind, ViolationKind::NotIncreasing);
        }
        other => panic!("{other:?}"),
    }
    // Only the default pipeline every new tenant starts with.
    assert_eq!(h.app.list_pipelines(&admin).await.unwrap().len(), 1);
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    assert!(matches!(
        h.app.create_pipeline(&rep, "Ventes", &stages()).await,
        Err(ServiceError::Forbidden)
    ));
}

async fn rename_reorder_and_remove_stages(h: &Harness) {
    let (_, admin) = h.tenant("Pipeline Edit").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    assert_eq!(h.app.pipeline(&admin, p.id).await.unwrap(), p);
    let opp = h
        .app
        .create_opportunity(
            &admin,
            p.id,
            Some(p.stages[1].id),
            &OpportunityInput {
                title: "x".into(),
                value_minor: 1,
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(opp.probability.percent(), 40);
    // Removing the stage that holds an open opportunity, saying not where it goes, is refused.
    let without: Vec<StageInput> = p
        .stages
        .iter()
        .filter(|s| s.id != p.stages[1].id)
        .map(|s| StageInput {
            id: Some(s.id),
            name: s.name.to_string(),
            probability: i64::from(s.probability.percent()),
        })
        .collect();
    match h.app.update_pipeline(&admin, p.id, 1, "Ventes", &without, &[]).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "stages"),
        other => panic!("{other:?}"),
    }
    // Removing an empty one, renaming and adding one works.
    let mut next: Vec<StageInput> = p
        .stages
        .iter()
        .filter(|s| s.id != p.stages[2].id)
        .map(|s| StageInput {
            id: Some(s.id),
            name: s.name.to_string(),
            probability: i64::from(s.probability.percent()),
        })
        .collect();
    next[0].name = "Découverte".into();
    next.push(StageInput {
        id: None,
        name: "Commande".into(),
        probability: 95,
    });
    let p2 = h.app.update_pipeline(&admin, p.id, 1, "Ventes directes", &next, &[]).await.unwrap();
    let back = h.app.pipeline(&admin, p.id).await.unwrap();
    assert_eq!(back, p2);
    assert_eq!(back.stages.len(), 4);
    assert_eq!(back.stages[0].name.as_str(), "Découverte");
    assert_eq!(back.stages[3].probability.percent(), 95);
    assert!(matches!(
        h.app.delete_pipeline(&admin, p.id, 2).await,
        Err(ServiceError::InUse("opportunities"))
    ));
    let empty = h.app.create_pipeline(&admin, "Vide", &stages()).await.unwrap();
    h.app.delete_pipeline(&admin, empty.id, 1).await.unwrap();
    // "Ventes directes" and the default one.
    assert_eq!(h.app.list_pipelines(&admin).await.unwrap().len(), 2);
}

/// A new tenant starts ready: its default pipeline, with French stages whose
/// probabilities strictly increase, written with the tenant (its event in the same log,
/// by the system) and usable at once to create, move and win an opportunity.
async fn a_new_tenant_starts_with_the_default_pipeline(h: &Harness) {
    let (t, admin) = h.tenant("Prête à vendre").await;
    let pipelines = h.app.list_pipelines(&admin).await.unwrap();
    assert_eq!(pipelines.len(), 1);
    let p = &pipelines[0];
    assert_eq!(p.name.as_str(), DEFAULT_PIPELINE_NAME);
    assert_eq!(p.tenant_id, t.id);
    assert_eq!(p.version, 1);
    let got: Vec<(&str, i64)> = p
        .stages
        .iter()
        .map(|s| (s.name.as_str(), i64::from(s.probability.percent())))
        .collect();
    assert_eq!(got, DEFAULT_STAGES);
    assert_eq!(
        got.iter().map(|s| s.0).collect::<Vec<_>>(),
        ["Qualification", "Découverte", "Proposition", "Négociation", "Signature"]
    );
    assert!(got.windows(2).all(|w| w[0].1 < w[1].1) && got.iter().all(|s| s.1 < 100));
    // Its creation is in the tenant's log, by the system, right after the tenant's own.
    let log = h.app.events_after(&admin, 0, 100).await.unwrap();
    let created = log
        .iter()
        .find(|e| e.entity_type == EntityType::Pipeline)
        .expect("pipeline created event");
    assert_eq!(
        (created.seq, created.kind.name(), created.actor_kind.as_str()),
        (3, "created", "system")
    );
    assert_eq!(created.entity_id, p.id.as_uuid());
    // A rep sells on it at once: first stage by default, moved along, won from the last.
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let o = h
        .app
        .create_opportunity(
            &rep,
            p.id,
            None,
            &OpportunityInput {
                title: "Première affaire".into(),
                value_minor: 120_000,
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(o.stage_id, p.stages[0].id);
    assert_eq!(o.probability.percent(), 10);
    let mut o = o;
    for s in &p.stages[1..] {
        o = h.app.move_opportunity(&rep, o.id, o.version, s.id).await.unwrap();
        assert_eq!(o.probability, s.probability);
    }
    let won = h.app.win_opportunity(&rep, o.id, o.version).await.unwrap();
    assert_eq!(won.probability.percent(), 100);
    // It is the tenant's own data: the Admin renames and edits it like any other.
    let renamed = h
        .app
        .update_pipeline(
            &admin,
            p.id,
            1,
            "Ventes",
            &p.stages
                .iter()
                .map(|s| StageInput {
                    id: Some(s.id),
                    name: s.name.to_string(),
                    probability: i64::from(s.probability.percent()),
                })
                .collect::<Vec<_>>(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(renamed.name.as_str(), "Ventes");
    // Each tenant has its own: another new tenant does not see this one's.
    let (_, other_admin) = h.tenant("Autre").await;
    let theirs = h.app.list_pipelines(&other_admin).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_ne!(theirs[0].id, p.id);
    assert!(matches!(h.app.pipeline(&other_admin, p.id).await, Err(ServiceError::NotFound)));
}

/// A stage taken out with open deals: they go where the Admin says (the move in their
/// history), the lost deal keeps the stage, now archived, and opens again in the first
/// stage; a stage only closed deals name needs no destination; an empty one goes.
async fn stages_taken_out_move_their_open_deals_and_archive(h: &Harness) {
    let (_, admin) = h.tenant("Pipeline Archive").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let [qualif, proposal, nego, signing] = [0, 1, 2, 3].map(|i| p.stages[i].id);
    let deal = |title: &str, stage| {
        let input = OpportunityInput {
            title: title.into(),
            value_minor: 1000,
            ..OpportunityInput::default()
        };
        let app = h.app.clone();
        let (admin, p) = (admin, p.id);
        async move { app.create_opportunity(&admin, p, Some(stage), &input, None).await.unwrap() }
    };
    let open1 = deal("Ouverte 1", proposal).await;
    let open2 = deal("Ouverte 2", proposal).await;
    let lost = deal("Perdue", proposal).await;
    let lost = h.app.lose_opportunity(&admin, lost.id, lost.version, "prix").await.unwrap();
    let keep = |ids: &[crm_domain::StageId]| -> Vec<StageInput> {
        p.stages
            .iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| StageInput {
                id: Some(s.id),
                name: s.name.to_string(),
                probability: i64::from(s.probability.percent()),
            })
            .collect()
    };
    let without_proposal = keep(&[qualif, nego, signing]);
    // A destination that is not a kept stage is refused, naming the move.
    let to_itself = [StageMove {
        from: proposal,
        to: proposal,
    }];
    match h
        .app
        .update_pipeline(&admin, p.id, 1, "Ventes", &without_proposal, &to_itself)
        .await
    {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "moves.0.to"),
        other => panic!("{other:?}"),
    }
    let to_nego = [StageMove { from: proposal, to: nego }];
    let p2 = h
        .app
        .update_pipeline(&admin, p.id, 1, "Ventes", &without_proposal, &to_nego)
        .await
        .unwrap();
    assert_eq!(p2.stages.iter().map(|s| s.id).collect::<Vec<_>>(), [qualif, nego, signing]);
    assert_eq!(p2.archived.iter().map(|s| s.id).collect::<Vec<_>>(), [proposal]);
    assert_eq!(h.app.pipeline(&admin, p.id).await.unwrap(), p2);
    for o in [&open1, &open2] {
        let moved = h.app.opportunity(&admin, o.id).await.unwrap();
        assert_eq!(moved.stage_id, nego);
        assert_eq!(moved.probability.percent(), 70);
        assert_eq!(moved.version, o.version + 1);
        let last = moved.stage_history.last().unwrap();
        assert_eq!((last.from, last.to), (Some(proposal), nego));
    }
    let history = h
        .app
        .history_of(&admin, EntityType::Opportunity, open1.id.as_uuid(), 50)
        .await
        .unwrap();
    assert!(history.iter().any(|e| e.kind == crm_domain::event::EventKind::StageMoved));
    // The lost deal keeps its stage, which still has its name; reopened, it starts over.
    let still = h.app.opportunity(&admin, lost.id).await.unwrap();
    assert_eq!(still.stage_id, proposal);
    assert_eq!(p2.stage(proposal).unwrap().name.as_str(), "Proposition");
    let reopened = h.app.reopen_opportunity(&admin, lost.id, still.version).await.unwrap();
    assert_eq!(reopened.stage_id, qualif);
    // Deals cannot be moved to the archived stage.
    assert!(h.app.move_opportunity(&admin, open1.id, open1.version + 1, proposal).await.is_err());
    // A stage only a closed deal names: archived without a destination; an empty one goes.
    let lost2 = deal("Perdue 2", signing).await;
    h.app.lose_opportunity(&admin, lost2.id, lost2.version, "prix").await.unwrap();
    let p3 = h
        .app
        .update_pipeline(&admin, p.id, 2, "Ventes", &keep(&[qualif, nego]), &[])
        .await
        .unwrap();
    assert_eq!(p3.archived.iter().map(|s| s.id).collect::<Vec<_>>(), [proposal, signing]);
    let p4 = h.app.update_pipeline(&admin, p.id, 3, "Ventes", &keep(&[nego]), &[]).await;
    // Qualification holds the reopened deal (open): it needs a destination.
    assert!(matches!(p4, Err(ServiceError::Invalid(_))));
    let empty = h.app.create_pipeline(&admin, "Vide", &stages()).await.unwrap();
    let e2 = h
        .app
        .update_pipeline(
            &admin,
            empty.id,
            1,
            "Vide",
            &stages()[..2]
                .iter()
                .enumerate()
                .map(|(i, s)| StageInput {
                    id: Some(empty.stages[i].id),
                    ..s.clone()
                })
                .collect::<Vec<_>>(),
            &[],
        )
        .await
        .unwrap();
    assert!(e2.archived.is_empty());
    assert_eq!(e2.stages.len(), 2);
}

contract!(
    stages_taken_out_move_their_open_deals_and_archive,
    probabilities_must_increase,
    rename_reorder_and_remove_stages,
    a_new_tenant_starts_with_the_default_pipeline,
);
