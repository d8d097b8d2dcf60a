//! Reports through the API: a deal won now is this month's for its owner and the company,
//! and another sales rep's report holds none of it.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{NewOpportunity, SalesQuery};

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
    let company = admin.sales_report(&month).await.unwrap();
    assert_eq!(company.current.won_count, 1);
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
