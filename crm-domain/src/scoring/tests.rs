//! Scores on a hand-built history: profile points, engagements fading with their rule's
//! half-life, inactive rules ignored, the rounding, and the checks of a rule.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono::Duration;

fn rule(n: u128, name: &str, signal: Signal, points: i32, half_life_days: Option<u32>, active: bool) -> ScoringRule {
    ScoringRule {
        id: Uuid::from_u128(n),
        tenant_id: TenantId::from_uuid(Uuid::nil()),
        spec: ScoringRuleInput {
            name: name.into(),
            signal,
            points,
            half_life_days,
            active,
        }
        .validate()
        .unwrap(),
        updated_by: None,
        version: 1,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}

fn rules() -> Vec<ScoringRule> {
    let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        rule(
            1,
            "Décideur",
            Signal::JobTitle {
                words: words(&["Directeur", "DG"]),
            },
            20,
            None,
            true,
        ),
        rule(2, "Viticulture", Signal::Industry { values: words(&["Vins"]) }, 10, None, true),
        rule(
            3,
            "PME",
            Signal::OrganizationSize {
                sizes: vec![OrganizationSize::Small, OrganizationSize::Medium],
            },
            5,
            None,
            true,
        ),
        rule(
            4,
            "E-mail ouvert",
            Signal::Engagement {
                engagement: Engagement::EmailOpened,
            },
            10,
            Some(7),
            true,
        ),
        rule(
            5,
            "Rendez-vous",
            Signal::Engagement {
                engagement: Engagement::MeetingHeld,
            },
            30,
            Some(30),
            true,
        ),
        rule(6, "Froid", Signal::Tag { tag: "froid".into() }, -15, None, true),
        rule(
            7,
            "Appel (désactivée)",
            Signal::Engagement {
                engagement: Engagement::CallMade,
            },
            100,
            None,
            false,
        ),
    ]
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).unwrap()
}

fn facts() -> ContactFacts {
    ContactFacts {
        job_title: Some("Directeur commercial".into()),
        industry: Some("vins".into()),
        size: Some(OrganizationSize::Small),
        source: None,
        tags: vec!["Froid".into()],
        engagements: vec![
            (Engagement::EmailOpened, now() - Duration::days(7)),
            (Engagement::EmailOpened, now() - Duration::days(14)),
            (Engagement::EmailOpened, now()),
            (Engagement::MeetingHeld, now() - Duration::days(30)),
            (Engagement::CallMade, now()),
        ],
    }
}

#[test]
fn every_point_is_explained_and_engagements_fade_by_half_lives() {
    let b = score(&rules(), &facts(), now());
    let lines: Vec<(u128, i64)> = b.lines.iter().map(|l| (l.rule_id.as_u128(), l.hundredths)).collect();
    // Profile (20 + 10 + 5 − 15), then engagements newest first: an email opened now (10),
    // a week ago (one half-life: 5), two weeks ago (2.5), a meeting a month ago (15).
    assert_eq!(
        lines,
        [(1, 2000), (2, 1000), (3, 500), (6, -1500), (4, 1000), (4, 500), (4, 250), (5, 1500)]
    );
    // 52.5 points: halves away from zero.
    assert_eq!(b.score, 53);
    assert_eq!(b.lines[4].at, Some(now()));
    assert_eq!(b.lines[0].rule, "Décideur");
}

#[test]
fn a_year_later_only_the_profile_remains() {
    let b = score(&rules(), &facts(), now() + Duration::days(365));
    assert_eq!(b.score, 20);
    assert!(b.lines.iter().all(|l| l.at.is_none()), "{:?}", b.lines);
}

#[test]
fn no_rule_no_point_and_negative_scores_round_away_from_zero() {
    assert_eq!(score(&[], &facts(), now()), Breakdown::default());
    let cold = vec![rule(6, "Froid", Signal::Tag { tag: "froid".into() }, -15, None, true)];
    assert_eq!(score(&cold, &facts(), now()).score, -15);
    let fading = vec![rule(
        8,
        "Clic",
        Signal::Engagement {
            engagement: Engagement::EmailClicked,
        },
        -3,
        Some(1),
        true,
    )];
    let f = ContactFacts {
        engagements: vec![(Engagement::EmailClicked, now() - Duration::days(1))],
        ..ContactFacts::default()
    };
    // −1.5 → −2.
    assert_eq!(score(&fading, &f, now()).score, -2);
}

#[test]
fn a_rule_is_checked_field_by_field() {
    let bad = ScoringRuleInput {
        name: String::new(),
        signal: Signal::JobTitle { words: Vec::new() },
        points: 0,
        half_life_days: Some(30),
        active: true,
    }
    .validate()
    .unwrap_err();
    let fields: Vec<&str> = bad.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "signal.words", "points", "half_life_days"]);
    let too_much = ScoringRuleInput {
        name: "Trop".into(),
        signal: Signal::Engagement {
            engagement: Engagement::CallMade,
        },
        points: 5_000,
        half_life_days: Some(0),
        active: true,
    }
    .validate()
    .unwrap_err();
    let fields: Vec<&str> = too_much.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["points", "half_life_days"]);
    // Words are folded and kept once.
    let ok = ScoringRuleInput {
        name: "Décideur".into(),
        signal: Signal::JobTitle {
            words: vec!["Président".into(), "president".into(), " DG ".into()],
        },
        points: 15,
        half_life_days: None,
        active: true,
    }
    .validate()
    .unwrap();
    assert_eq!(
        ok.signal,
        Signal::JobTitle {
            words: vec!["president".into(), "dg".into()]
        }
    );
}
