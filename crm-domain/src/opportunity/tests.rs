//! Tests of the opportunity rules.

use super::*;
use crate::pipeline::parse_stages;
use crate::pipeline::tests::{counter, stages};
use crate::text::Name;
use proptest::prelude::*;
use uuid::Uuid;

fn pipeline(n: usize) -> Pipeline {
    let probs: Vec<i64> = (0..n).map(|i| (i as i64 + 1) * 90 / n as i64).collect();
    let now = Utc::now();
    Pipeline {
        id: PipelineId::from_uuid(Uuid::from_u128(1)),
        tenant_id: TenantId::from_uuid(Uuid::from_u128(2)),
        name: Name::parse("Ventes").unwrap(),
        stages: parse_stages(&stages(&probs), &[], counter()).unwrap(),
        archived: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn opp(p: &Pipeline) -> Opportunity {
    let (fields, prob) = OpportunityInput {
        title: "Renouvellement parc".into(),
        value_minor: 1_250_000,
        ..OpportunityInput::default()
    }
    .parse(Currency::EUR)
    .unwrap();
    Opportunity::open(
        OpportunityId::from_uuid(Uuid::from_u128(3)),
        p,
        None,
        UserId::from_uuid(Uuid::from_u128(4)),
        fields,
        prob,
        Utc::now(),
        None,
    )
    .unwrap()
}

#[test]
fn starts_at_first_stage_with_its_probability() {
    let p = pipeline(4);
    let o = opp(&p);
    assert_eq!(o.stage_id, p.stages[0].id);
    assert_eq!(o.probability, p.stages[0].probability);
    assert_eq!(o.stage_history.len(), 1);
}

#[test]
fn cannot_skip_forward_but_can_go_back() {
    let p = pipeline(4);
    let mut o = opp(&p);
    assert_eq!(
        o.move_to_stage(&p, p.stages[2].id, Utc::now(), None),
        Err(RuleError::SkipsStage { from: 0, to: 2 })
    );
    o.move_to_stage(&p, p.stages[1].id, Utc::now(), None).unwrap();
    o.move_to_stage(&p, p.stages[2].id, Utc::now(), None).unwrap();
    o.move_to_stage(&p, p.stages[0].id, Utc::now(), None).unwrap();
    assert_eq!(o.stage_history.len(), 4);
    assert_eq!(o.move_to_stage(&p, p.stages[0].id, Utc::now(), None), Err(RuleError::SameStage));
}

#[test]
fn unknown_stage_names_the_field() {
    let p = pipeline(3);
    let mut o = opp(&p);
    let err = o
        .move_to_stage(&p, StageId::from_uuid(Uuid::from_u128(999)), Utc::now(), None)
        .unwrap_err();
    assert!(matches!(err, RuleError::Invalid(e) if e.errors()[0].field == "stage_id"));
}

#[test]
fn win_only_from_last_stage_then_locked() {
    let p = pipeline(2);
    let mut o = opp(&p);
    assert_eq!(o.win(&p, Utc::now()), Err(RuleError::NotAtLastStage));
    o.move_to_stage(&p, p.stages[1].id, Utc::now(), None).unwrap();
    o.win(&p, Utc::now()).unwrap();
    assert_eq!(o.probability, Probability::HUNDRED);
    assert_eq!(o.lose("x", Utc::now()), Err(RuleError::Closed));
    assert_eq!(o.move_to_stage(&p, p.stages[0].id, Utc::now(), None), Err(RuleError::Closed));
    let f = o.fields.clone();
    assert_eq!(o.update(&p, f, None, Utc::now()), Err(RuleError::Closed));
    o.reopen(&p, Utc::now()).unwrap();
    assert_eq!(o.status, Status::Open);
    assert_eq!(o.probability, p.stages[1].probability);
    assert_eq!(o.reopen(&p, Utc::now()), Err(RuleError::NotClosed));
}

#[test]
fn lose_needs_a_reason() {
    let p = pipeline(3);
    let mut o = opp(&p);
    assert!(matches!(o.lose("  ", Utc::now()), Err(RuleError::Invalid(e)) if e.errors()[0].field == "reason"));
    o.lose("Budget gelé", Utc::now()).unwrap();
    assert_eq!(o.probability, Probability::ZERO);
    assert!(o.is_closed());
}

#[test]
fn currency_is_fixed() {
    let p = pipeline(3);
    let mut o = opp(&p);
    let (f, _) = OpportunityInput {
        title: "x".into(),
        value_minor: 5,
        currency: Some("USD".into()),
        ..OpportunityInput::default()
    }
    .parse(Currency::EUR)
    .unwrap();
    assert!(
        matches!(o.update(&p, f, None, Utc::now()), Err(RuleError::Invalid(e)) if e.errors()[0].kind == ViolationKind::CurrencyMismatch)
    );
}

#[test]
fn override_is_recorded_and_cleared_by_a_move() {
    let p = pipeline(3);
    let mut o = opp(&p);
    let f = o.fields.clone();
    o.update(&p, f, Some(Probability::new(77).unwrap()), Utc::now()).unwrap();
    assert!(o.probability_overridden);
    assert_eq!(o.probability.percent(), 77);
    o.move_to_stage(&p, p.stages[1].id, Utc::now(), None).unwrap();
    assert!(!o.probability_overridden);
    assert_eq!(o.probability, p.stages[1].probability);
}

#[test]
fn bad_input_values() {
    let e = OpportunityInput {
        title: String::new(),
        value_minor: -5,
        currency: Some("EURO".into()),
        probability: Some(101),
        ..OpportunityInput::default()
    }
    .parse(Currency::EUR)
    .unwrap_err();
    let f: Vec<_> = e.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(f, ["title", "currency", "probability"]);
    let e = OpportunityInput {
        title: "x".into(),
        value_minor: i64::MAX,
        ..OpportunityInput::default()
    }
    .parse(Currency::EUR)
    .unwrap_err();
    assert_eq!(e.errors()[0].field, "value.amount");
}

proptest! {
    /// Whatever sequence of moves is attempted, the stage only ever advances by one.
    #[test]
    fn never_skips(n in 2usize..8, moves in proptest::collection::vec(0usize..8, 0..40)) {
        let p = pipeline(n);
        let mut o = opp(&p);
        for m in moves {
            let before = p.position(o.stage_id).unwrap();
            let target = p.stages[m % n].id;
            let ok = o.move_to_stage(&p, target, Utc::now(), None).is_ok();
            let after = p.position(o.stage_id).unwrap();
            prop_assert!(after <= before + 1);
            prop_assert_eq!(ok, m % n != before && m % n <= before + 1);
        }
    }
}
