//! Teams' validated forecasts through the store: the live figures of a team's reps for a
//! month (their open deals due in it, weighted to the cent, per currency), the Manager's
//! submission with adjustments and comment kept as submitted, the month before set against
//! what was won in Paris time, and who may read or submit what.

use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::Actor;
use crm_domain::money::Currency;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::report::submission::Adjustment;
use crm_domain::report::{PeriodKind, ReportPeriod};
use crm_domain::user::Role;
use crm_ports::services::team_forecast::SubmitForecast;
use crm_ports::{FixedClock, ServiceError};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn month(s: &str) -> ReportPeriod {
    ReportPeriod::containing(day(s), PeriodKind::Month)
}

/// An open deal of `owner` created at `at`, due on `close`; its id and version.
async fn deal(
    h: &Harness,
    owner: &Actor,
    value: i64,
    currency: &str,
    probability: i64,
    close: &str,
    at: &str,
) -> (crm_domain::OpportunityId, i64) {
    let pipeline = h.app.list_pipelines(owner).await.unwrap().remove(0);
    let last = pipeline.stages.last().map(|s| s.id);
    let input = OpportunityInput {
        title: format!("Affaire {value}"),
        value_minor: value,
        currency: Some(currency.into()),
        probability: Some(probability),
        expected_close: Some(day(close)),
        ..OpportunityInput::default()
    };
    let o = h
        .app
        .with_clock(FixedClock(t(at)))
        .create_opportunity(owner, pipeline.id, last, &input, owner.user_id())
        .await
        .unwrap();
    (o.id, o.version)
}

pub async fn a_manager_validates_the_team_forecast_and_sees_it_against_what_was_won(h: &Harness) {
    let (_, admin) = h.tenant("Prévisions").await;
    h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let (mgr, manager) = h.user(&admin, Role::Manager, None).await;
    let (_, other_manager) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Équipe Nord", mgr.id).await;
    let (ana_user, ana) = h.user(&admin, Role::Sales, Some(team)).await;
    let (bob_user, bob) = h.user(&admin, Role::Sales, Some(team)).await;
    let (carl_user, carl) = h.user(&admin, Role::Sales, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let eur = Currency::EUR;
    let usd = Currency::parse("USD").unwrap();

    // March: on the 1st the Manager submits 3,000.00 € for Ana where her deal weighs
    // 2,000.00 € (4,000.00 € at 50 %); she wins it on the 10th. Bob's 100.00 € won at
    // 00:30 on April 1st in Paris is April's.
    let (won_id, won_v) = deal(h, &ana, 400_000, "EUR", 50, "2026-03-20", "2026-02-20T09:00:00Z").await;
    let (late_id, late_v) = deal(h, &bob, 10_000, "EUR", 50, "2026-03-31", "2026-02-20T09:00:00Z").await;
    let march_day = h.app.with_clock(FixedClock(t("2026-03-01T08:00:00Z")));
    let adjust = |owner, currency, amount_minor| Adjustment {
        owner_id: owner,
        currency,
        amount_minor,
    };
    let march = march_day
        .submit_forecast(
            &manager,
            team,
            month("2026-03-01"),
            &SubmitForecast {
                adjustments: vec![adjust(ana_user.id, eur, 300_000)],
                comment: Some("  Ana signe avant le 20  ".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(march.comment.as_deref(), Some("Ana signe avant le 20"));
    let ana_line = march.lines.iter().find(|l| l.owner_id == ana_user.id).unwrap();
    assert_eq!(
        (ana_line.count, ana_line.weighted_minor, ana_line.adjusted_minor),
        (1, 200_000, 300_000)
    );
    h.app
        .with_clock(FixedClock(t("2026-03-10T09:00:00Z")))
        .win_opportunity(&ana, won_id, won_v)
        .await
        .unwrap();
    h.app
        .with_clock(FixedClock(t("2026-03-31T22:30:00Z")))
        .win_opportunity(&bob, late_id, late_v)
        .await
        .unwrap();

    // April: Ana 10,000.00 € at 30 % due on the 20th and 5,000.01 € due in June; Bob
    // 800.00 $ at 25 % and 333.33 € at 50 % due on the 30th; Carl (no team) 1,000.00 €.
    deal(h, &ana, 1_000_000, "EUR", 30, "2026-04-20", "2026-04-01T09:00:00Z").await;
    deal(h, &ana, 500_001, "EUR", 50, "2026-06-30", "2026-04-01T09:00:00Z").await;
    deal(h, &bob, 80_000, "USD", 25, "2026-04-30", "2026-04-01T09:00:00Z").await;
    deal(h, &bob, 33_333, "EUR", 50, "2026-04-30", "2026-04-01T09:00:00Z").await;
    deal(h, &carl, 100_000, "EUR", 10, "2026-04-10", "2026-04-01T09:00:00Z").await;

    let now = h.app.with_clock(FixedClock(t("2026-04-15T10:00:00Z")));
    let april = month("2026-04-15");
    let live = now.team_forecast(&manager, team, april).await.unwrap();
    let got: Vec<_> = live
        .lines
        .iter()
        .map(|l| (l.owner_id, l.currency, l.count, l.total_minor, l.weighted_minor))
        .collect();
    let mut want = vec![
        (ana_user.id, eur, 1, 1_000_000, 300_000),
        // 333.33 € at 50 %: 166.665 € → 166.66 € (half to even).
        (bob_user.id, eur, 1, 33_333, 16_666),
        (bob_user.id, usd, 1, 80_000, 20_000),
    ];
    want.sort_by_key(|w| (w.0, w.1));
    assert_eq!(got, want);
    assert!(live.lines.iter().all(|l| l.owner_id != carl_user.id));
    assert!(live.submitted.is_none());
    // March against what was won: 3,000.00 € for Ana and Bob's 50.00 € (100.00 € at 50 %)
    // forecast, 4,000.00 € won (Bob's win fell in April): 131.1 %.
    let h0 = &live.history[0];
    assert_eq!(h0.period, month("2026-03-01"));
    assert_eq!(
        (
            h0.currency,
            h0.weighted_minor,
            h0.adjusted_minor,
            h0.won_minor,
            h0.attainment_permille
        ),
        (eur, Some(205_000), Some(305_000), 400_000, Some(1311))
    );
    assert_eq!(live.history.len(), 1, "{:?}", live.history);

    // The Manager validates April: Bob's dollars brought to zero.
    let sub = now
        .submit_forecast(
            &manager,
            team,
            april,
            &SubmitForecast {
                adjustments: vec![adjust(bob_user.id, usd, 0)],
                comment: Some("Bob prudent sur le dossier US".into()),
            },
        )
        .await
        .unwrap();
    let totals = sub.totals();
    assert_eq!(totals[0].0, eur);
    assert_eq!((totals[0].1.weighted_minor, totals[0].1.adjusted_minor), (316_666, 316_666));
    assert_eq!(
        (totals[1].0, totals[1].1.weighted_minor, totals[1].1.adjusted_minor),
        (usd, 20_000, 0)
    );
    let read = now.forecast_submission(&admin, sub.id).await.unwrap();
    assert_eq!(read, sub, "kept exactly as submitted");
    // A second submission supersedes the first; both stay.
    let again = now.submit_forecast(&admin, team, april, &SubmitForecast::default()).await.unwrap();
    assert_eq!(
        now.team_forecast(&observer, team, april).await.unwrap().submitted,
        Some(again.clone())
    );
    let all = now.forecast_submissions(&admin, None, None).await.unwrap();
    assert_eq!(all.iter().map(|s| s.id).collect::<Vec<_>>(), vec![again.id, sub.id, march.id]);
    let aprils = now.forecast_submissions(&manager, Some(team), Some(april)).await.unwrap();
    assert_eq!(aprils.len(), 2);

    // Another Manager does not see this team; a rep and Marketing may not read forecasts.
    assert!(now.forecast_submissions(&other_manager, None, None).await.unwrap().is_empty());
    for denied in [
        now.team_forecast(&other_manager, team, april).await.err(),
        now.forecast_submission(&other_manager, sub.id).await.err(),
        now.submit_forecast(&other_manager, team, april, &SubmitForecast::default())
            .await
            .err(),
    ] {
        assert!(matches!(denied, Some(ServiceError::NotFound)), "{denied:?}");
    }
    assert!(matches!(now.team_forecast(&ana, team, april).await, Err(ServiceError::Forbidden)));
    assert!(matches!(
        now.submit_forecast(&observer, team, april, &SubmitForecast::default()).await,
        Err(ServiceError::Forbidden)
    ));
    // A month gone by, a year, someone outside the team: refused with the field at fault.
    let field = |r: Result<_, ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => e.errors()[0].field.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(
            now.submit_forecast(&manager, team, month("2026-03-01"), &SubmitForecast::default())
                .await
        ),
        "day"
    );
    let year = ReportPeriod::containing(day("2026-04-01"), PeriodKind::Year);
    assert_eq!(
        field(now.submit_forecast(&manager, team, year, &SubmitForecast::default()).await),
        "kind"
    );
    let outsider = SubmitForecast {
        adjustments: vec![adjust(carl_user.id, eur, 1)],
        comment: None,
    };
    assert_eq!(
        field(now.submit_forecast(&manager, team, april, &outsider).await),
        "adjustments[0].owner_id"
    );
    // Another company's submission is not found there.
    let (_, stranger) = h.tenant("Prévisions ailleurs").await;
    assert!(matches!(
        now.forecast_submission(&stranger, sub.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        now.team_forecast(&stranger, team, april).await,
        Err(ServiceError::NotFound)
    ));
}

contract!(a_manager_validates_the_team_forecast_and_sees_it_against_what_was_won);
