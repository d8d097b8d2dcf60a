//! Dates at the edges: every date-taking use case accepts exactly the documented range
//! (years 1900 to 2200) and names the field otherwise, and the reads that do date
//! arithmetic (to-do, dashboard, forecast, calendar, reminders) never fail on any stored
//! value, even one written before the range was checked.

use crate::contacts::input;
use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use crm_domain::activity::{Activity, ActivityInput, Link};
use crm_domain::event::{EntityType, NewEvent};
use crm_domain::forecast::{GroupBy, Period};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::reminder::RuleKind;
use crm_domain::time::{day_in_range, instant_in_range};
use crm_domain::{ActivityId, Actor, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, HistoryQuery, OpportunityFilter, PageRequest};
use crm_ports::services::telephony::CallRecordInput;
use crm_ports::store::ActivityStore;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use uuid::Uuid;

/// Instants at and around every edge, then random ones over chrono's whole range.
fn instants() -> Vec<DateTime<Utc>> {
    let at = |y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32| {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, s).unwrap().and_utc()
    };
    let mut v = vec![
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        at(262_142, 12, 31, 23, 59, 59),
        at(0, 1, 1, 0, 0, 0),
        at(-1, 1, 1, 0, 0, 0),
        at(1899, 12, 31, 23, 59, 59),
        at(1900, 1, 1, 0, 0, 0),
        at(2200, 12, 31, 23, 59, 59),
        at(2201, 1, 1, 0, 0, 0),
        at(2026, 11, 30, 10, 0, 0),
    ];
    let (lo, hi) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    let mut runner = TestRunner::deterministic();
    let strategy = (lo..=hi).prop_map(|s| DateTime::<Utc>::from_timestamp(s, 0).unwrap());
    let near = (-5_000_000_000_i64..=10_000_000_000).prop_map(|s| DateTime::<Utc>::from_timestamp(s, 0).unwrap());
    for _ in 0..6 {
        v.push(strategy.new_tree(&mut runner).unwrap().current());
        v.push(near.new_tree(&mut runner).unwrap().current());
    }
    v
}

fn out_of_range(r: &Result<impl std::fmt::Debug, ServiceError>, field: &str) -> bool {
    match r {
        Err(ServiceError::Invalid(e)) => e.errors().iter().any(|f| f.field == field && f.kind == ViolationKind::OutOfRange),
        _ => false,
    }
}

/// Ok when in range, `out_of_range` on `field` otherwise.
fn expect<T: std::fmt::Debug>(r: &Result<T, ServiceError>, ok: bool, field: &str, what: &str) {
    if ok {
        assert!(r.is_ok(), "{what}: {r:?}");
    } else {
        assert!(out_of_range(r, field), "{what}: expected {field} out_of_range, got {r:?}");
    }
}

async fn dates_are_checked_everywhere_and_reads_never_fail(h: &Harness) {
    let (t, admin) = h.tenant("Dates SA").await;
    let pipeline = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    for kind in [
        RuleKind::NoActivity { days: 1 },
        RuleKind::PastExpectedClose,
        RuleKind::TaskDue,
        RuleKind::MeetingSoon { minutes: 60 },
    ] {
        h.app.create_reminder_rule(&admin, kind, true).await.unwrap();
    }
    let c = h.app.create_contact(&admin, &input("Jeanne", "Bornes"), None, false).await.unwrap();
    let link = Link {
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
    };
    let task = |due| ActivityInput {
        subject: "Rappeler".into(),
        links: vec![link],
        due_at: Some(due),
        ..ActivityInput::default()
    };
    let base = h
        .app
        .create_activity(
            &admin,
            "task",
            &ActivityInput {
                due_at: None,
                ..task(Utc::now())
            },
        )
        .await
        .unwrap();
    let opp = h
        .app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &OpportunityInput {
                title: "Bornes".into(),
                value_minor: 100,
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();

    let (mut base_version, mut opp_version) = (base.version, opp.version);
    for at in instants() {
        let ok = instant_in_range(at);
        let day = at.date_naive();
        let day_ok = day_in_range(day);
        let what = at.to_rfc3339();
        expect(&h.app.create_activity(&admin, "task", &task(at)).await, ok, "due_at", &what);
        let meeting = ActivityInput {
            starts_at: Some(at),
            ends_at: Some(crm_domain::time::add(at, TimeDelta::hours(1))),
            ..task(at)
        };
        let r = h
            .app
            .create_activity(&admin, "meeting", &ActivityInput { due_at: None, ..meeting })
            .await;
        let end_ok = instant_in_range(crm_domain::time::add(at, TimeDelta::hours(1)));
        assert_eq!(r.is_ok(), ok && end_ok, "{what}: {r:?}");
        let r = h.app.update_activity(&admin, base.id, base_version, &task(at)).await;
        expect(&r, ok, "due_at", &what);
        if let Ok(a) = r {
            base_version = a.version;
        }
        let new_opp = |d: NaiveDate| OpportunityInput {
            title: "Date".into(),
            value_minor: 1,
            expected_close: Some(d),
            ..OpportunityInput::default()
        };
        expect(
            &h.app.create_opportunity(&admin, pipeline.id, None, &new_opp(day), None).await,
            day_ok,
            "expected_close",
            &what,
        );
        let r = h.app.update_opportunity(&admin, opp.id, opp_version, &new_opp(day)).await;
        expect(&r, day_ok, "expected_close", &what);
        if let Ok(o) = r {
            opp_version = o.version;
        }
        let page = PageRequest::default();
        let f = OpportunityFilter {
            close_from: Some(day),
            ..OpportunityFilter::default()
        };
        expect(
            &h.app.list_opportunities(&admin, &f, &page).await.map(|_| ()),
            day_ok,
            "close_from",
            &what,
        );
        expect(
            &h.app.forecast(&admin, Period::Quarter, GroupBy::Owner, &f).await,
            day_ok,
            "close_from",
            &what,
        );
        let f = ContactFilter {
            updated_since: Some(at),
            ..ContactFilter::default()
        };
        expect(
            &h.app.list_contacts(&admin, &f, &page).await.map(|_| ()),
            ok,
            "updated_since",
            &what,
        );
        expect(&h.app.timeline(&admin, link, Some(at), 10).await, ok, "before", &what);
        let q = HistoryQuery::Period { from: at, to: Utc::now() };
        expect(&h.app.history(&admin, &q, 10).await, ok, "from", &what);
        let rule = serde_json::json!({"field": "updated_at", "op": "after", "value": at.to_rfc3339()});
        let r = h.app.preview_segment(&admin, &rule).await;
        assert_eq!(r.is_ok(), ok, "{what}: {r:?}");
        let call = CallRecordInput {
            caller: "+33612345678".into(),
            callee: "+33187654321".into(),
            started_at: at,
            duration_seconds: 30,
            direction: "inbound".into(),
            recording_url: None,
        };
        expect(&h.app.log_call(&admin, &call).await.map(|_| ()), ok, "started_at", &what);
    }

    // Values stored before the range was checked: every read still answers.
    for (i, due) in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC].into_iter().enumerate() {
        let mut a: Activity = base.clone();
        a.id = ActivityId::from_uuid(Uuid::now_v7());
        a.fields.due_at = Some(due);
        a.fields.starts_at = Some(due);
        a.reminder_key = Some(format!("old-{i}"));
        let ev = NewEvent {
            at: h.app.now(),
            actor: Actor::System { tenant_id: t.id },
            entity_type: EntityType::Activity,
            entity_id: a.id.as_uuid(),
            kind: crm_domain::event::EventKind::Created,
            owner_id: None,
            changes: vec![],
        };
        h.app.store().create_activity(&a, &ev).await.unwrap();
    }
    let todo = h.app.todo(&admin, false).await.unwrap();
    assert!(todo.overdue.len() + todo.today.len() + todo.upcoming.len() >= 3, "{todo:?}");
    h.app.dashboard(&admin).await.unwrap();
    h.app
        .forecast(&admin, Period::Month, GroupBy::Nothing, &OpportunityFilter::default())
        .await
        .unwrap();
    let (_, secret) = h.app.create_calendar_feed(&admin).await.unwrap();
    h.app.calendar_by_secret(&secret).await.unwrap();
    h.app.run_reminders(t.id).await.unwrap();
}

contract!(dates_are_checked_everywhere_and_reads_never_fail);
