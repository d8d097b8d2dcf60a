//! Tests of the segment rules.

use super::*;

fn fields(e: ValidationError) -> Vec<(String, ViolationKind)> {
    e.errors().iter().map(|f| (f.field.clone(), f.kind)).collect()
}

#[test]
fn a_nested_rule_reads_and_writes_back() {
    let raw = json!({"all": [
        {"field": "kind", "op": "in", "value": ["prospect", "client"]},
        {"field": "last_name", "op": "starts_with", "value": "Lefèvre"},
        {"any": [
            {"field": "tag", "op": "has", "value": "salon-2026"},
            {"field": "last_activity", "op": "before", "value": {"days_ago": 90}},
            {"not": {"field": "organization.size", "op": "is_empty"}}
        ]},
        {"field": "score", "op": "gte", "value": 40},
        {"field": "created_at", "op": "after", "value": "2026-01-01"}
    ]});
    let r = Rule::parse(&raw, "rule").unwrap();
    assert_eq!(r.conditions().len(), 7);
    let Rule::All(items) = &r else { panic!() };
    assert_eq!(
        items[1],
        Rule::Condition(Condition {
            field: SegmentField::LastName,
            op: Op::StartsWith,
            value: Operand::Texts(vec!["lefevre".into()]),
        }),
        "names are compared folded"
    );
    assert_eq!(Rule::parse(&r.to_json(), "rule").unwrap(), r);
}

#[test]
fn every_fault_is_named_with_its_path() {
    let raw = json!({"all": [
        {"field": "couleur", "op": "eq", "value": "bleu"},
        {"field": "score", "op": "contains", "value": 3},
        {"field": "kind", "op": "in", "value": ["prospect", "fournisseur"]},
        {"field": "city", "op": "eq"},
        {"field": "created_at", "op": "before", "value": "hier"},
        {"field": "tag", "op": "has", "value": "ok", "extra": 1},
        {"any": "non"}
    ]});
    assert_eq!(
        fields(Rule::parse(&raw, "rule").unwrap_err()),
        [
            ("rule.all.0.field".to_owned(), ViolationKind::Unknown),
            ("rule.all.1.op".to_owned(), ViolationKind::Unknown),
            ("rule.all.2.value.1".to_owned(), ViolationKind::Unknown),
            ("rule.all.3.value".to_owned(), ViolationKind::Required),
            ("rule.all.4.value".to_owned(), ViolationKind::Malformed),
            ("rule.all.5.extra".to_owned(), ViolationKind::Unknown),
            ("rule.all.6.any".to_owned(), ViolationKind::Malformed),
        ]
    );
}

#[test]
fn size_limits() {
    let mut deep = json!({"field": "city", "op": "eq", "value": "Lyon"});
    for _ in 0..=MAX_DEPTH {
        deep = json!({"not": deep});
    }
    assert!(Rule::parse(&deep, "rule").is_err());
    let many: Vec<Value> = (0..=MAX_CONDITIONS)
        .map(|_| json!({"field": "city", "op": "eq", "value": "Lyon"}))
        .collect();
    assert!(Rule::parse(&json!({"any": many}), "rule").is_err());
    let long = "x".repeat(MAX_TEXT + 1);
    assert_eq!(
        fields(Rule::parse(&json!({"field": "city", "op": "eq", "value": long}), "rule").unwrap_err()),
        [("rule.value".to_owned(), ViolationKind::TooLong)]
    );
}

#[test]
fn relative_times_resolve_at_evaluation() {
    let now = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z").unwrap().with_timezone(&Utc);
    assert_eq!(When::DaysAgo(2).at(now).to_rfc3339(), "2026-11-27T10:00:00+00:00");
}
