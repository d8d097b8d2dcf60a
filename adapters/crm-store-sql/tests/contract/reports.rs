//! Reports through the store: the sales of a month counted in Paris time on deals created,
//! won and lost at known instants (money to the cent, half-to-even averages, a deal won at
//! 00:30 on the 1st belonging to the new month), the month before beside it, the open
//! pipeline weighted, the funnel of the pipeline; a sales rep's report holds none of
//! another rep's deals.

use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::Actor;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::report::{PeriodKind, ReportPeriod, ReportScope};
use crm_domain::user::Role;
use crm_ports::store::ActivityCounts;
use crm_ports::{FixedClock, ServiceError};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A deal of `owner` created at `created`, then won (`Some(true)`) or lost at `closed`.
async fn deal(
    h: &Harness,
    admin: &Actor,
    owner: &Actor,
    value: i64,
    probability: Option<i64>,
    created: &str,
    closed: Option<(bool, &str)>,
) {
    let pipeline = h.app.list_pipelines(admin).await.unwrap().remove(0);
    let at = h.app.with_clock(FixedClock(t(created)));
    let input = OpportunityInput {
        title: format!("Affaire {value}"),
        value_minor: value,
        probability,
        ..OpportunityInput::default()
    };
    // A deal to win is created at the last stage (winning is only from there).
    let stage = closed.filter(|(won, _)| *won).and(pipeline.stages.last().map(|s| s.id));
    let o = at
        .create_opportunity(owner, pipeline.id, stage, &input, owner.user_id())
        .await
        .unwrap();
    if let Some((won, when)) = closed {
        let then = h.app.with_clock(FixedClock(t(when)));
        if won {
            then.win_opportunity(owner, o.id, o.version).await.unwrap();
        } else {
            then.lose_opportunity(owner, o.id, o.version, "Budget").await.unwrap();
        }
    }
}

pub async fn a_month_of_sales_is_counted_to_the_cent_in_paris_time(h: &Harness) {
    let (_, admin) = h.tenant("Rapports").await;
    h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let (_, ana) = h.user(&admin, Role::Sales, None).await;
    let (_, bob) = h.user(&admin, Role::Sales, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    // Ana: two won in March (1,000.00 € and 2,500.01 €), one open 10,000.00 € at 30 %.
    deal(
        h,
        &admin,
        &ana,
        100_000,
        None,
        "2026-01-10T09:00:00Z",
        Some((true, "2026-03-02T10:00:00Z")),
    )
    .await;
    deal(
        h,
        &admin,
        &ana,
        250_001,
        None,
        "2026-03-01T09:00:00Z",
        Some((true, "2026-03-31T21:30:00Z")),
    )
    .await;
    deal(h, &admin, &ana, 1_000_000, Some(30), "2026-03-10T09:00:00Z", None).await;
    // Bob: won at 00:30 on April 1st in Paris (22:30 UTC on March 31st), lost one in March,
    // one in February.
    deal(
        h,
        &admin,
        &bob,
        999_999,
        None,
        "2026-03-05T09:00:00Z",
        Some((true, "2026-03-31T22:30:00Z")),
    )
    .await;
    deal(
        h,
        &admin,
        &bob,
        50_000,
        None,
        "2026-02-01T09:00:00Z",
        Some((false, "2026-03-20T09:00:00Z")),
    )
    .await;
    deal(
        h,
        &admin,
        &bob,
        50_000,
        None,
        "2026-01-01T09:00:00Z",
        Some((false, "2026-02-20T09:00:00Z")),
    )
    .await;

    let march = ReportPeriod::containing(NaiveDate::from_ymd_opt(2026, 3, 17).unwrap(), PeriodKind::Month);
    let company = h.app.sales_report(&admin, ReportScope::Company, march).await.unwrap();
    assert_eq!(company.time_zone, "Europe/Paris");
    assert_eq!(company.bounds[0].0.to_rfc3339(), "2026-02-28T23:00:00+00:00");
    assert_eq!(company.bounds[0].1.to_rfc3339(), "2026-03-31T22:00:00+00:00");
    let c = &company.current;
    assert_eq!((c.won_count, c.lost_count, c.created_count), (2, 1, 3));
    // 2 won of 3 closed: 66.7 %.
    assert_eq!(c.win_rate_permille, Some(667));
    // 3,500.01 € over 2 deals: 1,750.005 € → 1,750.00 € (half to even).
    assert_eq!(
        (c.won[0].currency.as_str(), c.won[0].total_minor, c.won[0].derived_minor),
        ("EUR", 350_001, 175_000)
    );
    // Cycles: 51 days 1 h and 30 days 12 h 30: the mean of the two.
    assert_eq!(
        c.median_cycle_seconds,
        Some((51 * 86_400 + 3600 + 30 * 86_400 + 12 * 3600 + 1800) / 2)
    );
    // February: one lost, nothing won.
    assert_eq!((company.previous.won_count, company.previous.lost_count), (0, 1));
    // Per rep: Ana won 2, Bob lost 1 (his win is April's).
    let ana_id = ana.user_id().unwrap();
    let by: Vec<_> = company
        .by_owner
        .iter()
        .map(|o| (o.owner_id == ana_id, o.won_count, o.lost_count))
        .collect();
    assert_eq!(by.len(), 2, "{by:?}");
    assert!(by.contains(&(true, 2, 0)) && by.contains(&(false, 0, 1)), "{by:?}");
    // Per team: neither is in a team — one line for the owners in no team.
    let teams: Vec<_> = company
        .by_team
        .iter()
        .map(|(t, name)| (t.team_id, name.clone(), t.won_count, t.lost_count))
        .collect();
    assert_eq!(teams, vec![(None, None, 2, 1)]);
    // Open now: 10,000.00 €, weighted 3,000.00 €.
    assert_eq!((company.open[0].total_minor, company.open[0].derived_minor), (1_000_000, 300_000));
    // April holds Bob's deal won at 00:30 Paris time on the 1st.
    let april = ReportPeriod::containing(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), PeriodKind::Month);
    let next = h.app.sales_report(&admin, ReportScope::Company, april).await.unwrap();
    assert_eq!((next.current.won_count, next.current.won[0].total_minor), (1, 999_999));

    // Ana's report, whatever she asks for, holds her deals only.
    for scope in [ReportScope::Mine, ReportScope::Team, ReportScope::Company] {
        let mine = h.app.sales_report(&ana, scope, march).await.unwrap();
        assert_eq!((mine.current.won_count, mine.current.lost_count), (2, 0), "{scope:?}");
        assert_eq!(mine.current.win_rate_permille, Some(1000));
        let theirs = h.app.sales_report(&bob, scope, april).await.unwrap();
        assert_eq!(theirs.current.won_count, 1);
        assert!(theirs.open.is_empty(), "Bob sees none of Ana's open deals");
    }
    // The Admin's own deals: none.
    let own = h.app.sales_report(&admin, ReportScope::Mine, march).await.unwrap();
    assert_eq!((own.current.won_count, own.current.lost_count), (0, 0));
    assert!(matches!(
        h.app.sales_report(&marketing, ReportScope::Company, march).await,
        Err(ServiceError::Forbidden)
    ));

    // The funnel: the three won deals were created at the last stage, the other three at
    // the first; the two lost stayed 47 and 50 days in it.
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let f = h.app.funnel_report(&admin, ReportScope::Company, pipeline.id, None).await.unwrap();
    let steps: Vec<_> = f.steps.iter().map(|(s, _)| s).collect();
    let n = pipeline.stages.len();
    assert_eq!(steps.len(), n + 1);
    let at_ends = |first: u64, middle: u64, last: u64, won: u64| {
        let mut v = vec![first];
        v.extend(std::iter::repeat_n(middle, n - 2));
        v.extend([last, won]);
        v
    };
    assert_eq!(steps.iter().map(|s| s.entered).collect::<Vec<_>>(), at_ends(3, 0, 3, 3));
    assert_eq!(steps.iter().map(|s| s.reached).collect::<Vec<_>>(), at_ends(6, 3, 3, 3));
    assert_eq!(steps.iter().map(|s| s.dropped).collect::<Vec<_>>(), at_ends(3, 0, 0, 0));
    assert_eq!(steps[0].conversion_permille, Some(500));
    assert_eq!(steps[0].median_seconds, Some(97 * 86_400 / 2));
    assert_eq!(steps[n - 1].median_seconds, Some(30 * 86_400 + 12 * 3600 + 1800));
    assert_eq!(f.steps[0].1.as_deref(), Some(pipeline.stages[0].name.as_str()));
    assert_eq!(f.steps[n].1, None);
    // Ana's funnel: her deals only; March's deals: the three created in March.
    let mine = h.app.funnel_report(&ana, ReportScope::Company, pipeline.id, None).await.unwrap();
    assert_eq!(mine.steps.iter().map(|(s, _)| s.entered).collect::<Vec<_>>(), at_ends(1, 0, 2, 2));
    let cohort = h
        .app
        .funnel_report(&admin, ReportScope::Company, pipeline.id, Some(march))
        .await
        .unwrap();
    assert_eq!(cohort.steps[0].0.reached, 3);
    // Another company's pipeline is unknown here.
    let (_, stranger) = h.tenant("Rapports ailleurs").await;
    assert!(matches!(
        h.app.funnel_report(&stranger, ReportScope::Company, pipeline.id, None).await,
        Err(ServiceError::Invalid(_))
    ));
}

pub async fn the_work_of_a_period_is_counted_by_its_people(h: &Harness) {
    use crm_domain::activity::ActivityInput;
    let (_, admin) = h.tenant("Activités").await;
    let (ana_user, ana) = h.user(&admin, Role::Sales, None).await;
    let (boss_user, boss) = h.user(&admin, Role::Manager, None).await;
    let nord = h.team(&admin, "Nord", boss_user.id).await;
    let (bob_user, bob) = h.user(&admin, Role::Sales, Some(nord)).await;
    let at = |when: &str| h.app.with_clock(FixedClock(t(when)));
    let lea = at("2026-03-02T09:00:00Z")
        .create_contact(&ana, &crate::contacts::input("Léa", "Mars"), None, true)
        .await
        .unwrap();
    let bobs = at("2026-03-02T09:00:00Z")
        .create_contact(&bob, &crate::contacts::input("Bob", "Prospect"), None, true)
        .await
        .unwrap();
    at("2026-02-02T09:00:00Z")
        .create_contact(&ana, &crate::contacts::input("Léo", "Février"), None, true)
        .await
        .unwrap();
    let link = |id: crm_domain::ContactId| {
        vec![crm_domain::activity::Link {
            entity_type: crm_domain::event::EntityType::Contact,
            entity_id: id.as_uuid(),
        }]
    };
    let task = |subject: &str, due: &str, on: crm_domain::ContactId| ActivityInput {
        subject: subject.into(),
        due_at: Some(t(due)),
        links: link(on),
        ..ActivityInput::default()
    };
    let timed = |subject: &str, start: &str| ActivityInput {
        subject: subject.into(),
        starts_at: Some(t(start)),
        ends_at: Some(t(start) + chrono::Duration::minutes(30)),
        links: link(lea.id),
        ..ActivityInput::default()
    };
    // Ana, in Paris time: a task due on March 10th done on the 5th; one due on February
    // 20th never done; one due on March 20th done on April 2nd; a call on March 3rd; a
    // meeting planned for March 30th (after "now"); a prospect in March, one in February.
    let done_early = at("2026-03-01T09:00:00Z")
        .create_activity(&ana, "task", &task("Relancer", "2026-03-10T09:00:00Z", lea.id))
        .await
        .unwrap();
    at("2026-03-05T09:00:00Z")
        .set_task_done(&ana, done_early.id, done_early.version, true)
        .await
        .unwrap();
    at("2026-02-01T09:00:00Z")
        .create_activity(&ana, "task", &task("Devis", "2026-02-20T09:00:00Z", lea.id))
        .await
        .unwrap();
    let late = at("2026-03-01T09:00:00Z")
        .create_activity(&ana, "task", &task("Contrat", "2026-03-20T09:00:00Z", lea.id))
        .await
        .unwrap();
    at("2026-04-02T09:00:00Z")
        .set_task_done(&ana, late.id, late.version, true)
        .await
        .unwrap();
    let call = ActivityInput {
        direction: Some("outbound".into()),
        ..timed("Appel", "2026-03-03T09:00:00Z")
    };
    at("2026-03-03T09:00:00Z").create_activity(&ana, "call", &call).await.unwrap();
    at("2026-03-03T09:00:00Z")
        .create_activity(&ana, "meeting", &timed("Rendez-vous", "2026-03-30T09:00:00Z"))
        .await
        .unwrap();
    // Bob: a task overdue and a prospect, none of which is Ana's.
    at("2026-03-01T09:00:00Z")
        .create_activity(&bob, "task", &task("Bob", "2026-03-02T09:00:00Z", bobs.id))
        .await
        .unwrap();

    let march = ReportPeriod::containing(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), PeriodKind::Month);
    let now = at("2026-03-25T10:00:00Z");
    let report = now.sales_report(&ana, ReportScope::Company, march).await.unwrap();
    let mine = &report.activity.total;
    assert_eq!(mine.done, vec![("call".to_owned(), [1, 0]), ("task".to_owned(), [1, 0])]);
    assert_eq!(mine.done_total(), [2, 0]);
    // Overdue now: "Devis" and "Contrat"; at the end of February: "Devis".
    assert_eq!(mine.overdue_tasks, [2, 1]);
    assert_eq!(mine.new_leads, [1, 1]);
    // A sales rep's report names no one else.
    assert_eq!(report.activity.by_person, vec![(ana_user.id, mine.clone())]);
    assert_eq!(report.activity_by_team, vec![(None, None, mine.clone())]);
    let all = now.sales_report(&admin, ReportScope::Company, march).await.unwrap();
    assert_eq!((all.activity.total.overdue_tasks, all.activity.total.new_leads), ([3, 1], [2, 1]));
    // Per person: Ana's work as above; Bob's task late since March 2nd (not yet at the end
    // of February) and his prospect. Per team: Bob's Nord, then Ana in no team.
    let bobs_counts = ActivityCounts {
        done: Vec::new(),
        overdue_tasks: [1, 0],
        new_leads: [1, 0],
    };
    let mut people = all.activity.by_person.clone();
    people.sort_by_key(|(u, _)| *u != ana_user.id);
    assert_eq!(people, vec![(ana_user.id, mine.clone()), (bob_user.id, bobs_counts.clone())]);
    assert_eq!(
        all.activity_by_team,
        vec![
            (Some(nord), Some("Nord".to_owned()), bobs_counts.clone()),
            (None, None, mine.clone())
        ]
    );
    // The team's Manager sees the team's people only.
    let team = now.sales_report(&boss, ReportScope::Team, march).await.unwrap();
    assert_eq!(team.activity.by_person, vec![(bob_user.id, bobs_counts.clone())]);
    assert_eq!(team.activity.total, bobs_counts);
}

contract!(
    a_month_of_sales_is_counted_to_the_cent_in_paris_time,
    the_work_of_a_period_is_counted_by_its_people
);
