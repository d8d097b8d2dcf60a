//! Opportunities: pipeline rules through the store, closed-deal locking, Admin reopen,
//! currency rules, rollback of a failed write, forecast by visibility.

use crate::contacts::input;
use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::NaiveDate;
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::forecast::{GroupBy, GroupKey, Period};
use crm_domain::opportunity::{OpportunityInput, RuleError, Status};
use crm_domain::user::Role;
use crm_domain::visibility::RecordScope;
use crm_domain::{Actor, ContactId, OpportunityId, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::query::{OpportunityFilter, PageRequest, Scope};
use crm_ports::services::board::BoardColumn;
use crm_ports::store::OpportunityStore;
use uuid::Uuid;

fn deal(title: &str, value: i64) -> OpportunityInput {
    OpportunityInput {
        title: title.into(),
        value_minor: value,
        ..OpportunityInput::default()
    }
}

async fn stage_rules_and_locking(h: &Harness) {
    let (_, admin) = h.tenant("Règles").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let o = h
        .app
        .create_opportunity(&rep, p.id, None, &deal("Parc imprimantes", 12_500_00), None)
        .await
        .unwrap();
    assert_eq!(o.fields.value.currency().as_str(), "EUR");
    assert!(matches!(
        h.app.move_opportunity(&rep, o.id, 1, p.stages[2].id).await,
        Err(ServiceError::Rule(RuleError::SkipsStage { from: 0, to: 2 }))
    ));
    assert!(matches!(
        h.app.win_opportunity(&rep, o.id, 1).await,
        Err(ServiceError::Rule(RuleError::NotAtLastStage))
    ));
    let mut v = 1;
    for s in &p.stages[1..] {
        let moved = h.app.move_opportunity(&rep, o.id, v, s.id).await.unwrap();
        v = moved.version;
        assert_eq!(moved.probability, s.probability);
    }
    let back = h.app.move_opportunity(&rep, o.id, v, p.stages[2].id).await.unwrap();
    let o2 = h.app.move_opportunity(&rep, o.id, back.version, p.stages[3].id).await.unwrap();
    assert_eq!(o2.stage_history.len(), 6);
    let won = h.app.win_opportunity(&rep, o.id, o2.version).await.unwrap();
    assert_eq!(won.status, Status::Won);
    assert_eq!(won.probability.percent(), 100);
    // Closed: every change refused, for the rep and the admin alike.
    let v = won.version;
    assert!(matches!(
        h.app.update_opportunity(&rep, o.id, v, &deal("x", 1)).await,
        Err(ServiceError::Rule(RuleError::Closed))
    ));
    assert!(matches!(
        h.app.move_opportunity(&admin, o.id, v, p.stages[0].id).await,
        Err(ServiceError::Rule(RuleError::Closed))
    ));
    assert!(matches!(
        h.app.lose_opportunity(&admin, o.id, v, "trop tard").await,
        Err(ServiceError::Rule(RuleError::Closed))
    ));
    assert!(matches!(
        h.app.delete_opportunity(&admin, o.id, v).await,
        Err(ServiceError::Rule(RuleError::Closed))
    ));
    // Only an Admin reopens, and it is recorded.
    assert!(matches!(
        h.app.reopen_opportunity(&rep, o.id, v).await,
        Err(ServiceError::Forbidden)
    ));
    let reopened = h.app.reopen_opportunity(&admin, o.id, v).await.unwrap();
    assert_eq!(reopened.status, Status::Open);
    let history = h.app.history_of(&admin, EntityType::Opportunity, o.id.as_uuid(), 50).await.unwrap();
    assert_eq!(history[0].kind.name(), "reopened");
    assert_eq!(history[0].actor_id, admin.user_id());
    assert!(history.iter().any(|e| e.kind.name() == "won"));
    // Lost needs a reason.
    match h.app.lose_opportunity(&rep, o.id, reopened.version, "  ").await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "reason"),
        other => panic!("{other:?}"),
    }
    let lost = h.app.lose_opportunity(&rep, o.id, reopened.version, "Budget gelé").await.unwrap();
    assert!(matches!(lost.status, Status::Lost { .. }));
    assert_eq!(h.app.opportunity(&rep, o.id).await.unwrap(), lost);
}

async fn bad_values_and_currency(h: &Harness) {
    let (_, admin) = h.tenant("Montants").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    for (value, field) in [(-1, "value.amount"), (i64::MAX, "value.amount")] {
        match h.app.create_opportunity(&admin, p.id, None, &deal("x", value), None).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, field),
            other => panic!("{other:?}"),
        }
    }
    match h
        .app
        .create_opportunity(
            &admin,
            p.id,
            Some(crm_domain::StageId::from_uuid(Uuid::now_v7())),
            &deal("x", 1),
            None,
        )
        .await
    {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].field, "stage_id"),
        other => panic!("{other:?}"),
    }
    let mut usd = deal("Export", 10_000);
    usd.currency = Some("usd".into());
    let o = h.app.create_opportunity(&admin, p.id, None, &usd, None).await.unwrap();
    assert_eq!(o.fields.value.currency().as_str(), "USD");
    let mut eur = deal("Export", 20_000);
    eur.currency = Some("EUR".into());
    match h.app.update_opportunity(&admin, o.id, 1, &eur).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.errors()[0].kind, ViolationKind::CurrencyMismatch),
        other => panic!("{other:?}"),
    }
    let mut over = usd.clone();
    over.probability = Some(65);
    let o2 = h.app.update_opportunity(&admin, o.id, 1, &over).await.unwrap();
    assert!(o2.probability_overridden);
    assert_eq!(o2.probability.percent(), 65);
    let hist = h.app.history_of(&admin, EntityType::Opportunity, o.id.as_uuid(), 10).await.unwrap();
    assert!(hist[0].changes.iter().any(|c| c.field == "probability_overridden"));
    assert!(matches!(
        h.app.create_opportunity(&admin, p.id, None, &deal("", 1), None).await,
        Err(ServiceError::Invalid(_))
    ));
}

async fn a_failed_write_rolls_back_entirely(h: &Harness) {
    let (t, admin) = h.tenant("Rollback").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let good = h.app.create_opportunity(&admin, p.id, None, &deal("ok", 1), None).await.unwrap();
    let events_before = h.app.events_after(&admin, 0, 1000).await.unwrap();
    // Straight to the store: the opportunity row is inserted, then the link to a contact
    // that does not exist fails; the row and the event must both be gone.
    let mut bad = good.clone();
    bad.id = OpportunityId::from_uuid(Uuid::now_v7());
    bad.fields.contact_ids = vec![ContactId::from_uuid(Uuid::now_v7())];
    let ev = NewEvent {
        at: h.app.now(),
        actor: admin,
        entity_type: EntityType::Opportunity,
        entity_id: bad.id.as_uuid(),
        kind: crm_domain::event::EventKind::Created,
        owner_id: None,
        changes: vec![],
    };
    assert!(h.app.store().create_opportunity(&bad, &ev).await.is_err());
    let scope = Scope {
        tenant_id: t.id,
        records: RecordScope::Tenant,
    };
    assert!(matches!(
        h.app.store().opportunity(scope, bad.id).await,
        Err(crm_ports::StoreError::NotFound)
    ));
    assert_eq!(h.app.events_after(&admin, 0, 1000).await.unwrap(), events_before);
    let page = h
        .app
        .list_opportunities(&admin, &OpportunityFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

async fn forecast_by_visibility(h: &Harness) {
    let (_, admin) = h.tenant("Prévisions").await;
    let (_, rep1) = h.user(&admin, Role::Sales, None).await;
    let (_, rep2) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let mk = |title: &str, v: i64, d: (i32, u32, u32)| OpportunityInput {
        title: title.into(),
        value_minor: v,
        expected_close: NaiveDate::from_ymd_opt(d.0, d.1, d.2),
        ..OpportunityInput::default()
    };
    // 10 % of 0.05 EUR three times = 1.5 cents, rounded once to 2.
    for _ in 0..3 {
        h.app
            .create_opportunity(&rep1, p.id, None, &mk("petit", 5, (2026, 1, 15)), None)
            .await
            .unwrap();
    }
    h.app
        .create_opportunity(&rep1, p.id, Some(p.stages[1].id), &mk("moyen", 100_000, (2026, 2, 1)), None)
        .await
        .unwrap();
    h.app
        .create_opportunity(&rep2, p.id, None, &mk("autre", 1_000_000, (2026, 1, 20)), None)
        .await
        .unwrap();
    let lost = h
        .app
        .create_opportunity(&rep2, p.id, None, &mk("perdu", 9_999_999, (2026, 1, 20)), None)
        .await
        .unwrap();
    h.app.lose_opportunity(&rep2, lost.id, 1, "non").await.unwrap();

    let all = h
        .app
        .forecast(&admin, Period::Quarter, GroupBy::Nothing, &OpportunityFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].count, 5);
    assert_eq!(all[0].total_minor, 15 + 100_000 + 1_000_000);
    assert_eq!(all[0].weighted_minor, 2 + 40_000 + 100_000);
    let mine = h
        .app
        .forecast(&rep1, Period::Month, GroupBy::Owner, &OpportunityFilter::default())
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].weighted_minor, 2);
    assert_eq!(mine[1].weighted_minor, 40_000);
    assert!(mine.iter().all(|b| b.group == GroupKey::Owner(rep1.user_id().unwrap())));
    assert!(matches!(
        h.app
            .forecast(&marketing, Period::Month, GroupBy::Nothing, &OpportunityFilter::default())
            .await,
        Err(ServiceError::Forbidden)
    ));
    let _ = Actor::Operator;
}

async fn marketing_sees_no_opportunity(h: &Harness) {
    let (_, admin) = h.tenant("Marketing").await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let c = h.app.create_contact(&admin, &input("Nina", "Simon"), None, false).await.unwrap();
    let mut i = deal("Lien", 10);
    i.contact_ids = vec![c.id];
    let o = h.app.create_opportunity(&admin, p.id, None, &i, None).await.unwrap();
    assert!(matches!(h.app.opportunity(&marketing, o.id).await, Err(ServiceError::NotFound)));
    // No access at all: the list is refused rather than always empty.
    assert!(matches!(
        h.app
            .list_opportunities(&marketing, &OpportunityFilter::default(), &PageRequest::default())
            .await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(h.app.opportunity(&observer, o.id).await.unwrap(), o);
    assert_eq!(
        h.app
            .list_opportunities(&observer, &OpportunityFilter::default(), &PageRequest::default())
            .await
            .unwrap()
            .items
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        [o.id]
    );
    assert!(matches!(
        h.app.move_opportunity(&observer, o.id, 1, p.stages[1].id).await,
        Err(ServiceError::Forbidden)
    ));
}

/// The board: columns in the pipeline's order, totals over every open deal of a stage
/// (not only the cards shown), within visibility; the contact and team filters.
async fn board_and_filters(h: &Harness) {
    use crm_ports::services::board::BoardFilter;
    let (_, admin) = h.tenant("Tableau").await;
    let (mgr_user, manager) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Nord", mgr_user.id).await;
    let (_, rep1) = h.user(&admin, Role::Sales, Some(team)).await;
    let (_, rep2) = h.user(&admin, Role::Sales, None).await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let c = h.app.create_contact(&rep1, &input("Lina", "Roux"), None, false).await.unwrap();
    for v in [1, 1, 1] {
        let mut i = deal("petit", v);
        i.contact_ids = vec![c.id];
        h.app.create_opportunity(&rep1, p.id, None, &i, None).await.unwrap();
    }
    h.app
        .create_opportunity(&rep1, p.id, Some(p.stages[1].id), &deal("moyen", 100_000), None)
        .await
        .unwrap();
    h.app
        .create_opportunity(&rep2, p.id, None, &deal("autre", 50_000), None)
        .await
        .unwrap();
    let lost = h.app.create_opportunity(&rep2, p.id, None, &deal("perdu", 7), None).await.unwrap();
    h.app.lose_opportunity(&rep2, lost.id, 1, "non").await.unwrap();

    let of_p = BoardFilter {
        pipeline_id: Some(p.id),
        ..BoardFilter::default()
    };
    let b = h.app.board(&admin, &of_p, 2).await.unwrap();
    assert_eq!(b.pipeline.id, p.id);
    assert!(b.pipelines.len() >= 2, "the tenant's default pipeline and this one");
    assert_eq!(b.columns.len(), p.stages.len());
    let first = &b.columns[0];
    assert_eq!((first.count(), first.cards.len(), first.more), (4, 2, true));
    // Three deals of 0.01 at 10 % and one of 500.00 at 10 %: 50.0015, rounded once.
    assert_eq!(first.totals[0].total_minor, 50_003);
    assert_eq!(first.totals[0].weighted_minor, 5_000);
    assert_eq!((b.columns[1].count(), b.columns[1].totals[0].weighted_minor), (1, 40_000));
    assert!(b.columns[2..].iter().all(|c| c.count() == 0 && c.cards.is_empty()));

    let mine = h.app.board(&rep2, &of_p, 10).await.unwrap();
    assert_eq!(mine.columns.iter().map(BoardColumn::count).sum::<u64>(), 1);
    let team_board = BoardFilter {
        team_id: Some(team),
        ..of_p.clone()
    };
    let t = h.app.board(&admin, &team_board, 10).await.unwrap();
    assert_eq!(t.columns.iter().map(BoardColumn::count).sum::<u64>(), 4);
    let managed = h.app.board(&manager, &of_p, 10).await.unwrap();
    assert_eq!(managed.columns.iter().map(BoardColumn::count).sum::<u64>(), 4);

    let of_contact = OpportunityFilter {
        contact_id: Some(c.id),
        ..OpportunityFilter::default()
    };
    let linked = h
        .app
        .list_opportunities(&admin, &of_contact, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(linked.items.len(), 3);
    assert!(linked.items.iter().all(|o| o.fields.contact_ids == [c.id]));
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    assert!(matches!(
        h.app.board(&marketing, &BoardFilter::default(), 10).await,
        Err(ServiceError::Forbidden)
    ));
}

contract!(
    board_and_filters,
    stage_rules_and_locking,
    bad_values_and_currency,
    a_failed_write_rolls_back_entirely,
    forecast_by_visibility,
    marketing_sees_no_opportunity,
);
