//! Tests of leads: every transition, reasons, settings, hand-over, round-robin.
#![allow(clippy::unwrap_used)]
use super::*;
use LeadStatus::{Disqualified, New, Qualified, Working};
use uuid::Uuid;

fn at(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + n, 0).unwrap()
}

fn lead(status: LeadStatus) -> Lead {
    Lead {
        status,
        ..Lead::incoming(None, at(0))
    }
}

fn fault(r: Result<Lead, ValidationError>) -> (String, ViolationKind) {
    let e = r.unwrap_err();
    let v = &e.errors()[0];
    (v.field.clone(), v.kind)
}

fn reasons() -> Vec<LeadReason> {
    LeadReason::built_in()
}

#[test]
fn codes_round_trip() {
    for s in LeadStatus::ALL {
        assert_eq!(LeadStatus::parse(s.code()).unwrap(), s);
    }
    assert!(LeadStatus::parse("converted").is_err());
}

#[test]
fn every_transition_allowed_or_refused_with_its_reason() {
    let allowed = [
        (New, Working),
        (New, Qualified),
        (New, Disqualified),
        (Working, Qualified),
        (Working, Disqualified),
        (Qualified, Working),
        (Qualified, Disqualified),
        (Disqualified, Working),
    ];
    for from in LeadStatus::ALL {
        for to in LeadStatus::ALL {
            let reason = (to == Disqualified).then_some("no_budget");
            let r = Lead::moved(ContactKind::Prospect, Some(&lead(from)), to, reason, &reasons(), None, at(1));
            if from == to {
                assert_eq!(fault(r), ("status".into(), ViolationKind::Repeated), "{from:?} -> {to:?}");
            } else if allowed.contains(&(from, to)) {
                assert_eq!(r.unwrap().status, to, "{from:?} -> {to:?}");
            } else {
                assert_eq!(fault(r), ("status".into(), ViolationKind::NotAllowed), "{from:?} -> {to:?}");
            }
        }
    }
}

#[test]
fn only_prospects_are_leads() {
    for kind in [ContactKind::Client, ContactKind::Partner, ContactKind::FormerClient] {
        let r = Lead::moved(kind, None, Working, None, &reasons(), None, at(1));
        assert_eq!(fault(r), ("kind".into(), ViolationKind::NotAllowed));
    }
    // A prospect that was not a lead becomes one, in any status, not pooled.
    let l = Lead::moved(ContactKind::Prospect, None, Qualified, None, &reasons(), None, at(1)).unwrap();
    assert!(!l.pooled);
    assert_eq!(l.qualified_at, Some(at(1)));
}

#[test]
fn disqualifying_needs_a_reason_of_the_list_and_nothing_else_takes_one() {
    let new = lead(New);
    let r = Lead::moved(ContactKind::Prospect, Some(&new), Disqualified, None, &reasons(), None, at(1));
    assert_eq!(fault(r), ("reason".into(), ViolationKind::Required));
    let r = Lead::moved(ContactKind::Prospect, Some(&new), Disqualified, Some("  "), &reasons(), None, at(1));
    assert_eq!(fault(r), ("reason".into(), ViolationKind::Required));
    let r = Lead::moved(
        ContactKind::Prospect,
        Some(&new),
        Disqualified,
        Some("trop_cher"),
        &reasons(),
        None,
        at(1),
    );
    assert_eq!(fault(r), ("reason".into(), ViolationKind::Unknown));
    let r = Lead::moved(
        ContactKind::Prospect,
        Some(&new),
        Working,
        Some("no_budget"),
        &reasons(),
        None,
        at(1),
    );
    assert_eq!(fault(r), ("reason".into(), ViolationKind::NotAllowed));
    let d = Lead::moved(
        ContactKind::Prospect,
        Some(&new),
        Disqualified,
        Some("no_need"),
        &reasons(),
        None,
        at(1),
    )
    .unwrap();
    assert_eq!(d.reason.as_deref(), Some("no_need"));
    assert!(d.pooled, "still in the pool");
    // Back to work: the reason goes.
    let w = Lead::moved(ContactKind::Prospect, Some(&d), Working, None, &reasons(), None, at(2)).unwrap();
    assert_eq!(w.reason, None);
}

#[test]
fn first_qualification_is_kept_and_who_when_recorded() {
    let by = UserId::from_uuid(Uuid::from_u128(9));
    let q = Lead::moved(
        ContactKind::Prospect,
        Some(&lead(Working)),
        Qualified,
        None,
        &reasons(),
        Some(by),
        at(5),
    )
    .unwrap();
    assert_eq!((q.changed_by, q.changed_at, q.qualified_at), (Some(by), at(5), Some(at(5))));
    let w = Lead::moved(ContactKind::Prospect, Some(&q), Working, None, &reasons(), None, at(6)).unwrap();
    let q2 = Lead::moved(ContactKind::Prospect, Some(&w), Qualified, None, &reasons(), None, at(7)).unwrap();
    assert_eq!(q2.qualified_at, Some(at(5)));
}

#[test]
fn hand_over_only_once_and_only_qualified() {
    assert_eq!(lead(New).check_hand_over().unwrap_err().errors()[0].field, "status");
    assert_eq!(lead(Disqualified).check_hand_over().unwrap_err().errors()[0].field, "status");
    assert!(lead(Qualified).check_hand_over().is_ok());
    let handed = Lead {
        pooled: false,
        ..lead(Qualified)
    };
    assert_eq!(handed.check_hand_over().unwrap_err().errors()[0].field, "owner_id");
}

#[test]
fn round_robin_goes_around() {
    let u = |n| UserId::from_uuid(Uuid::from_u128(n));
    let reps = [u(3), u(1), u(2)];
    assert_eq!(next_in_rotation(&reps, None), Some(u(1)));
    assert_eq!(next_in_rotation(&reps, Some(u(1))), Some(u(2)));
    assert_eq!(next_in_rotation(&reps, Some(u(3))), Some(u(1)));
    // The last one left the team: the next after where it stood.
    assert_eq!(next_in_rotation(&[u(1), u(3)], Some(u(2))), Some(u(3)));
    assert_eq!(next_in_rotation(&[], Some(u(2))), None);
}

#[test]
fn reason_lists() {
    assert_eq!(LeadReason::check_list(&reasons()).unwrap(), reasons());
    let bad = [
        LeadReason {
            code: "Trop Cher".into(),
            label: Some("Trop cher".into()),
        },
        LeadReason {
            code: "salon".into(),
            label: None,
        },
        LeadReason {
            code: "no_need".into(),
            label: None,
        },
        LeadReason {
            code: "no_need".into(),
            label: Some("x".repeat(101)),
        },
    ];
    let e = LeadReason::check_list(&bad).unwrap_err();
    let got: Vec<_> = e.errors().iter().map(|v| (v.field.as_str(), v.kind)).collect();
    assert_eq!(
        got,
        [
            ("reasons.0.code", ViolationKind::Malformed),
            ("reasons.1.label", ViolationKind::Required),
            ("reasons.3.code", ViolationKind::Repeated),
            ("reasons.3.label", ViolationKind::TooLong),
        ]
    );
}

#[test]
fn settings() {
    assert_eq!(LeadSettings::default().check().unwrap(), LeadSettings::default());
    let bad = LeadSettings {
        reasons: vec![LeadReason {
            code: "x y".into(),
            label: Some("X".into()),
        }],
        former_client_after_months: Some(0),
    };
    let e = bad.check().unwrap_err();
    let got: Vec<_> = e.errors().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(got, ["reasons.0.code", "former_client_after_months"]);
    let ok = LeadSettings {
        former_client_after_months: Some(MAX_FORMER_CLIENT_MONTHS),
        ..LeadSettings::default()
    };
    assert!(ok.check().is_ok());
}

#[test]
fn conversions_by_hand() {
    assert!(check_conversion(ContactKind::Prospect).is_ok());
    assert!(check_conversion(ContactKind::FormerClient).is_ok());
    assert!(check_conversion(ContactKind::Client).is_err());
    assert!(check_conversion(ContactKind::Partner).is_err());
}
