//! A Manager's view of a team through the store: each active member's open deals (per
//! currency, weighted), tasks overdue and activities done this week; who may open which
//! team; one member's open deals given to another in bulk, each under the rules.

use crate::harness::Harness;
use crate::tenancy::stages;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;

pub async fn a_manager_sees_the_team_and_reassigns_its_deals(h: &Harness) {
    let (_, admin) = h.tenant("Vue d'équipe").await;
    let pipeline = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let (mgr, manager) = h.user(&admin, Role::Manager, None).await;
    let (_, other_manager) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Équipe Sud", mgr.id).await;
    let (ana_user, ana) = h.user(&admin, Role::Sales, Some(team)).await;
    let (bob_user, _) = h.user(&admin, Role::Sales, Some(team)).await;
    let (gone_user, _) = h.user(&admin, Role::Sales, Some(team)).await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    h.app.deactivate_user(&admin, gone_user.id, gone_user.version).await.unwrap();
    // Ana: three open deals of 1,000.00 € at 40 %, one lost.
    let mut ids = Vec::new();
    for i in 0..4 {
        let input = OpportunityInput {
            title: format!("Affaire {i}"),
            value_minor: 100_000,
            ..OpportunityInput::default()
        };
        let o = h
            .app
            .create_opportunity(&ana, pipeline.id, Some(pipeline.stages[1].id), &input, None)
            .await
            .unwrap();
        ids.push((o.id, o.version));
    }
    h.app.lose_opportunity(&ana, ids[3].0, ids[3].1, "prix").await.unwrap();

    let view = h.app.team_view(&manager, team).await.unwrap();
    assert_eq!(view.week.last - view.week.first, chrono::Duration::days(6));
    let names: Vec<_> = view.members.iter().map(|m| m.user.id).collect();
    assert!(names.contains(&ana_user.id) && names.contains(&bob_user.id));
    assert!(!names.contains(&gone_user.id), "a deactivated member is not shown");
    let ana_work = view.members.iter().find(|m| m.user.id == ana_user.id).unwrap();
    assert_eq!(ana_work.open.len(), 1);
    assert_eq!(
        (ana_work.open[0].count, ana_work.open[0].total_minor, ana_work.open[0].derived_minor),
        (3, 300_000, 120_000)
    );
    let bob_work = view.members.iter().find(|m| m.user.id == bob_user.id).unwrap();
    assert!(bob_work.open.is_empty());
    // Who opens which team.
    assert_eq!(h.app.viewable_teams(&manager).await.unwrap().len(), 1);
    assert!(h.app.viewable_teams(&other_manager).await.unwrap().is_empty());
    assert!(matches!(h.app.team_view(&other_manager, team).await, Err(ServiceError::NotFound)));
    assert!(matches!(h.app.team_view(&rep, team).await, Err(ServiceError::Forbidden)));
    h.app.team_view(&admin, team).await.unwrap();

    // Ana's open deals go to Bob; the lost one stays hers.
    let done = h.app.reassign_open_deals(&manager, ana_user.id, bob_user.id).await.unwrap();
    assert_eq!((done.changed, done.refused), (3, 0));
    for (id, _) in &ids[..3] {
        assert_eq!(h.app.opportunity(&admin, *id).await.unwrap().owner_id, bob_user.id);
    }
    assert_eq!(h.app.opportunity(&admin, ids[3].0).await.unwrap().owner_id, ana_user.id);
    let view = h.app.team_view(&manager, team).await.unwrap();
    let bob_work = view.members.iter().find(|m| m.user.id == bob_user.id).unwrap();
    assert_eq!(bob_work.open[0].count, 3);
    // Nothing left to give: nothing changes. To a deactivated user: refused, named.
    let again = h.app.reassign_open_deals(&manager, ana_user.id, bob_user.id).await.unwrap();
    assert_eq!((again.changed, again.refused), (0, 0));
    match h.app.reassign_open_deals(&manager, bob_user.id, gone_user.id).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "owner_id"),
        other => panic!("{other:?}"),
    }
    // A sales rep may not hand another's deals around.
    assert!(matches!(
        h.app.reassign_open_deals(&rep, bob_user.id, ana_user.id).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(h.app.opportunity(&admin, ids[0].0).await.unwrap().owner_id, bob_user.id);
}

contract!(a_manager_sees_the_team_and_reassigns_its_deals);
