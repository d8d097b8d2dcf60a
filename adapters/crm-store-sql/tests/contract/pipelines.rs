//! Pipelines: stage probabilities strictly increase; stages in use cannot be removed.

use crate::harness::Harness;
use crate::tenancy::stages;
use crm_domain::ViolationKind;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::pipeline::StageInput;
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
    assert!(h.app.list_pipelines(&admin).await.unwrap().is_empty());
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
    // Removing the stage that holds the opportunity is refused.
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
    assert!(matches!(
        h.app.update_pipeline(&admin, p.id, 1, "Ventes", &without).await,
        Err(ServiceError::InUse("stages"))
    ));
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
    let p2 = h.app.update_pipeline(&admin, p.id, 1, "Ventes directes", &next).await.unwrap();
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
    assert_eq!(h.app.list_pipelines(&admin).await.unwrap().len(), 1);
}

contract!(probabilities_must_increase, rename_reorder_and_remove_stages);
