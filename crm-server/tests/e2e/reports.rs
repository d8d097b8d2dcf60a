//! Reports through the API: a deal won now is this month's for its owner and the company,
//! and another sales rep's report holds none of it.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ActivityWrite, ContactWrite, LinkRef, NewOpportunity, SalesQuery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_reps_report_holds_only_their_deals() {
    let s = spawn_app().await;
    let t = tenant(&s, "Rapports API").await;
    let admin = t.client(Role::Admin);
    let rep = t.client(Role::Sales);
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let last = pipeline.stages.last().unwrap().id;
    let won = rep
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            stage_id: Some(last),
            title: "Renouvellement".into(),
            value_minor: 1_234_56,
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    rep.win_opportunity(won.id, won.version).await.unwrap();
    let month = SalesQuery::default();
    let mine = rep.sales_report(&month).await.unwrap();
    assert_eq!((mine.scope.as_str(), mine.time_zone.as_str()), ("company", "Europe/Paris"));
    assert_eq!(mine.current.won_count, 1);
    assert_eq!(
        (mine.current.won[0].total_minor, mine.current.won[0].average_minor),
        (1_234_56, 1_234_56)
    );
    assert_eq!(mine.current.win_rate_permille, Some(1000));
    assert_eq!(mine.current.period.kind, "month");
    // The rep calls a new prospect: their activity, and their team's.
    let prospect = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Paul".into(),
                last_name: "Appel".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    rep.create_activity(&ActivityWrite {
        kind: Some("call".into()),
        direction: Some("outbound".into()),
        subject: "Premier appel".into(),
        starts_at: Some(chrono::Utc::now() - chrono::Duration::seconds(5)),
        links: vec![LinkRef {
            entity_type: "contact".into(),
            entity_id: prospect.id,
            name: None,
        }],
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let company = admin.sales_report(&month).await.unwrap();
    assert_eq!(company.current.won_count, 1);
    // (current + previous: robust to a month that turns between the call and the read)
    let both = |a: &crm_sdk::models::ActivityFigures| (a.done_current + a.done_previous, a.new_leads_current + a.new_leads_previous);
    assert_eq!(company.activity_by_rep.len(), 1, "{:?}", company.activity_by_rep);
    assert_eq!(company.activity_by_rep[0].user_id, t.user(Role::Sales));
    assert_eq!(both(&company.activity_by_rep[0].activity), (1, 1));
    assert_eq!(company.activity_by_rep[0].activity.done[0].kind, "call");
    assert_eq!(company.activity_by_team.len(), 1, "{:?}", company.activity_by_team);
    assert_eq!(company.activity_by_team[0].team_id, Some(t.team_id));
    assert_eq!(both(&company.activity_by_team[0].activity), (1, 1));
    // By team: the rep's team (led by the Manager) won it.
    assert_eq!(company.by_team.len(), 1, "{:?}", company.by_team);
    assert_eq!((company.by_team[0].team_id, company.by_team[0].won_count), (Some(t.team_id), 1));
    assert!(company.by_team[0].team_name.is_some());
    // Another rep: none of it, whatever they ask for.
    let email = crate::support::unique_email("autre");
    admin
        .create_user(&crm_sdk::models::NewUser {
            email: email.clone(),
            display_name: "Autre commercial".into(),
            role: "sales".into(),
            team_id: None,
            password: Some(crate::support::PASSWORD.into()),
        })
        .await
        .unwrap();
    let other = crate::crash_support::logged_in(&s.base, &email).await;
    for scope in ["mine", "team", "company"] {
        let theirs = other
            .sales_report(&SalesQuery {
                scope: Some(scope.into()),
                period: Some("year".into()),
                ..SalesQuery::default()
            })
            .await
            .unwrap();
        assert_eq!((theirs.current.won_count, theirs.current.created_count), (0, 0), "{scope}");
        assert!(theirs.activity_by_rep.is_empty() && theirs.activity_by_team.is_empty(), "{scope}");
        assert_eq!(theirs.activity.done_current + theirs.activity.done_previous, 0, "{scope}");
    }
    // Bad input: its field.
    let e = admin
        .sales_report(&SalesQuery {
            period: Some("custom".into()),
            ..SalesQuery::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("first"), "{e:?}");
    assert!(t.client(Role::Marketing).sales_report(&month).await.is_err());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_validates_the_team_forecast_through_the_api() {
    use crm_sdk::ErrorCode;
    use crm_sdk::models::{AdjustmentWrite, SubmissionWrite, TeamForecastQuery};
    let s = spawn_app().await;
    let t = tenant(&s, "Prévisions API").await;
    let (admin, manager, rep) = (t.client(Role::Admin), t.client(Role::Manager), t.client(Role::Sales));
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let today = chrono::Utc::now().date_naive();
    // 1,000.01 € at 50 % due in two days: weighs 500.005 € → 500.00 € (half to even); the
    // quarter asked is the one holding that day.
    rep.create_opportunity(&NewOpportunity {
        pipeline_id: pipeline.id,
        title: "Prévue".into(),
        value_minor: 1_000_01,
        probability: Some(50),
        expected_close: Some(today + chrono::Days::new(2)),
        ..NewOpportunity::default()
    })
    .await
    .unwrap();
    let q = TeamForecastQuery {
        team_id: None,
        period: Some("quarter".into()),
        date: Some(today + chrono::Days::new(2)),
    };
    let live = manager.team_forecast(t.team_id, &q).await.unwrap();
    assert_eq!(live.lines.len(), 1, "{live:?}");
    assert_eq!(
        (live.lines[0].owner_id, live.lines[0].weighted_minor),
        (t.user(Role::Sales), 500_00)
    );
    let body = SubmissionWrite {
        period: q.period.clone(),
        date: q.date,
        adjustments: vec![AdjustmentWrite {
            owner_id: t.user(Role::Sales),
            currency: "EUR".into(),
            amount_minor: 800_00,
        }],
        comment: Some("Signature attendue".into()),
    };
    let sub = manager.submit_forecast(t.team_id, &body).await.unwrap();
    assert_eq!((sub.totals[0].weighted_minor, sub.totals[0].adjusted_minor), (500_00, 800_00));
    assert_eq!(admin.forecast_submission(sub.id).await.unwrap(), sub);
    let listed = admin.forecast_submissions(&TeamForecastQuery::default()).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![sub.id]);
    // Someone outside the team, a negative figure: 422 naming the field.
    let mut bad = body.clone();
    bad.adjustments[0].owner_id = t.user(Role::Observer);
    let e = manager.submit_forecast(t.team_id, &bad).await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::ValidationFailed));
    assert!(format!("{e:?}").contains("adjustments[0].owner_id"), "{e:?}");
    bad.adjustments[0].owner_id = t.user(Role::Sales);
    bad.adjustments[0].amount_minor = -1;
    let e = manager.submit_forecast(t.team_id, &bad).await.unwrap_err();
    assert!(format!("{e:?}").contains("adjustments[0].amount_minor"), "{e:?}");
    // The rep does not validate nor read the team's forecast.
    assert_eq!(
        rep.team_forecast(t.team_id, &q).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );
}
