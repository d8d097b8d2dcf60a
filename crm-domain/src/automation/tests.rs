//! Tests of rules: reading, checking, and which changes start them.

use super::*;
use serde_json::json;

fn input(trigger: Value, actions: Vec<Value>) -> AutomationInput {
    AutomationInput {
        name: "Relance".into(),
        active: true,
        trigger,
        conditions: None,
        actions,
    }
}

fn fields(e: &ValidationError) -> Vec<(String, &'static str)> {
    e.errors().iter().map(|f| (f.field.clone(), f.kind.code())).collect()
}

#[test]
fn a_full_rule_reads_back() {
    let mut i = input(
        json!({"type": "email_opened"}),
        vec![
            json!({"type": "wait", "hours": 48, "unless_replied": true}),
            json!({"type": "create_task", "title": "Rappeler", "due_in_days": 1}),
            json!({"type": "add_tag", "tag": "Chaud"}),
        ],
    );
    i.conditions = Some(json!({"all": [{"field": "kind", "op": "eq", "value": "prospect"}]}));
    let s = i.validate().unwrap();
    assert_eq!(s.trigger, Trigger::EmailOpened);
    assert!(s.conditions.is_some());
    assert_eq!(s.actions.len(), 3);
    assert_eq!(s.actions[0].code(), "wait");
    assert_eq!(
        serde_json::to_value(&s.actions[0]).unwrap(),
        json!({"type": "wait", "hours": 48, "unless_replied": true})
    );
}

#[test]
fn faults_are_named_by_their_path() {
    let mut i = input(
        json!({"type": "field_changed", "entity": "contact", "field": "shoe_size"}),
        vec![
            json!({"type": "wait", "hours": 0}),
            json!({"type": "teleport"}),
            json!({"type": "create_task"}),
            json!({"type": "notify", "message": "  "}),
            json!({"type": "add_tag", "tag": "x", "colour": "red"}),
        ],
    );
    i.name = " ".into();
    i.conditions = Some(json!({"all": [{"field": "nope", "op": "eq", "value": 1}]}));
    let e = i.validate().unwrap_err();
    let f = fields(&e);
    for want in [
        ("name", "required"),
        ("trigger.field", "unknown"),
        ("actions.0.hours", "too_small"),
        ("actions.1.type", "unknown"),
        ("actions.2.title", "required"),
        ("actions.3.message", "required"),
        ("actions.4.colour", "unknown_field"),
    ] {
        assert!(f.contains(&(want.0.to_owned(), want.1)), "{want:?} not in {f:?}");
    }
    assert!(f.iter().any(|(p, _)| p.starts_with("conditions.all.0")), "{f:?}");
}

#[test]
fn contact_actions_need_a_contact_and_a_rule_cannot_end_waiting() {
    let i = input(
        json!({"type": "record_created", "entity": "organization"}),
        vec![json!({"type": "add_tag", "tag": "x"}), json!({"type": "wait", "hours": 2})],
    );
    let f = fields(&i.validate().unwrap_err());
    assert!(f.contains(&("actions.0.type".into(), "not_allowed")), "{f:?}");
    assert!(f.contains(&("actions.1".into(), "not_allowed")), "{f:?}");
    let dated = input(
        json!({"type": "date_reached", "days": -3}),
        vec![json!({"type": "call_webhook", "webhook_id": Uuid::nil()})],
    );
    assert!(fields(&dated.validate().unwrap_err()).contains(&("actions.0.type".into(), "not_allowed")));
    let far = input(
        json!({"type": "date_reached", "days": 400}),
        vec![json!({"type": "add_tag", "tag": "x"})],
    );
    assert!(fields(&far.validate().unwrap_err()).contains(&("trigger.days".into(), "out_of_range")));
    assert!(fields(&input(Value::Null, vec![]).validate().unwrap_err()).contains(&("trigger".into(), "required")));
}

fn change<'a>(field: &'a str, before: Option<&'a Value>, after: Option<&'a Value>) -> Change<'a> {
    Change { field, before, after }
}

#[test]
fn triggers_match_their_changes_only() {
    let c = EntityType::Contact;
    let created = Trigger::RecordCreated { entity: Subject::Contact };
    assert!(created.matches(c, EventKind::Created, &[]));
    assert!(!created.matches(c, EventKind::Updated, &[]));
    assert!(!created.matches(EntityType::Organization, EventKind::Created, &[]));
    let changed = Trigger::RecordChanged { entity: Subject::Contact };
    assert!(changed.matches(c, EventKind::OwnerChanged, &[]));
    assert!(!changed.matches(c, EventKind::EmailOpened, &[]));
    assert!(!changed.matches(c, EventKind::ScoreChanged, &[]));

    let salon = json!("Salon");
    let web = json!("web");
    let field = Trigger::FieldChanged {
        entity: Subject::Contact,
        field: "source".into(),
        to: Some("salon".into()),
    };
    assert!(field.matches(c, EventKind::Updated, &[change("source", Some(&web), Some(&salon))]));
    assert!(!field.matches(c, EventKind::Updated, &[change("source", Some(&salon), Some(&web))]));
    assert!(!field.matches(c, EventKind::Updated, &[change("job_title", None, Some(&salon))]));
    assert!(!field.matches(c, EventKind::Created, &[change("source", None, Some(&salon))]));

    let stage = Uuid::from_u128(7);
    let to_stage = json!(stage.to_string());
    let other = json!(Uuid::from_u128(8).to_string());
    let moved = Trigger::StageChanged { stage_id: Some(stage) };
    let o = EntityType::Opportunity;
    assert!(moved.matches(o, EventKind::StageMoved, &[change("stage_id", Some(&other), Some(&to_stage))]));
    assert!(moved.matches(o, EventKind::Won, &[change("stage_id", Some(&other), Some(&to_stage))]));
    assert!(!moved.matches(o, EventKind::StageMoved, &[change("stage_id", Some(&to_stage), Some(&other))]));
    assert!(Trigger::StageChanged { stage_id: None }.matches(o, EventKind::StageMoved, &[change("stage_id", None, Some(&other))]));
}

#[test]
fn a_score_crosses_its_threshold_upward_only() {
    let t = Trigger::ScoreCrossed { threshold: 50 };
    let c = EntityType::Contact;
    let (v40, v50, v60) = (json!(40), json!(50), json!(60));
    assert!(t.matches(c, EventKind::ScoreChanged, &[change("score", Some(&v40), Some(&v50))]));
    assert!(t.matches(c, EventKind::ScoreChanged, &[change("score", None, Some(&v60))]));
    assert!(!t.matches(c, EventKind::ScoreChanged, &[change("score", Some(&v50), Some(&v60))]));
    assert!(!t.matches(c, EventKind::ScoreChanged, &[change("score", Some(&v60), Some(&v40))]));
    assert!(!t.matches(c, EventKind::Updated, &[change("score", Some(&v40), Some(&v60))]));
}

#[test]
fn derived_ids_repeat_for_the_same_parts_only() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let a = derived_id(at, &[b"run", b"1"]);
    assert_eq!(a, derived_id(at, &[b"run", b"1"]));
    assert_ne!(a, derived_id(at, &[b"run", b"2"]));
    assert_ne!(a, derived_id(at, &[b"run1", b""]));
    assert_eq!(a.get_version_num(), 7);
    assert_eq!(RunState::parse("waiting"), Some(RunState::Waiting));
}
