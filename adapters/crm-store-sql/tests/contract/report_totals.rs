//! The totals a report is made of, counted by the store in SQL, against the domain's
//! reference counted from the deals themselves: a varied set of deals (three owners, two
//! currencies, amounts up to the largest allowed, moves forward and back, wins, losses,
//! reopenings, deletions and a restore, instants with 0, 3, 6 and 9 decimals, across the
//! daylight-saving change of 2026-03-29 in Paris), read in three scopes and several
//! periods. Then the stays the funnel reads are rebuilt from the stage histories by the
//! migration's own backfill, and give the same funnel.

use crate::harness::Harness;
use crate::tenancy::stages;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_domain::UserId;
use crm_domain::money::Money;
use crm_domain::opportunity::{Opportunity, OpportunityInput, Status};
use crm_domain::pipeline::StageInput;
use crm_domain::report::{DealFact, DealState, FunnelDeal, FunnelTotals, PeriodKind, PeriodTotals, ReportPeriod, open_groups};
use crm_domain::user::Role;
use crm_domain::visibility::RecordScope;
use crm_ports::FixedClock;
use crm_ports::query::{OpportunityFilter, PageRequest, Scope};
use crm_ports::store::ReportStore;
use crm_store_sql::Backend;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The fractions of a second events fall on, in turn (0, 3, 6 and 9 decimals): two
/// events in a row never share one, so no stay lasts a whole number of seconds give or
/// take a nanosecond (where the store's microseconds and the histories' nanoseconds would
/// round apart).
const FRACTIONS: [i64; 4] = [0, 250_000_000, 123_000, 123_456_789];

fn fact(o: &Opportunity) -> DealFact {
    DealFact {
        state: match o.status {
            Status::Open => DealState::Open,
            Status::Won => DealState::Won,
            Status::Lost { .. } => DealState::Lost,
        },
        value_minor: o.fields.value.minor(),
        currency: o.fields.value.currency(),
        probability: o.probability.percent(),
        created_at: o.created_at,
        closed_at: o.closed_at,
        owner_id: o.owner_id,
    }
}

pub async fn the_store_counts_what_the_reference_counts(h: &Harness) {
    let (t, admin) = h.tenant("Totaux").await;
    let (mgr_user, _) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Nord", mgr_user.id).await;
    let (ana_user, _) = h.user(&admin, Role::Sales, Some(team)).await;
    let (bob_user, _) = h.user(&admin, Role::Sales, None).await;
    let owners: [UserId; 3] = [ana_user.id, bob_user.id, mgr_user.id];
    let pipeline = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let ids: Vec<_> = pipeline.stages.iter().map(|s| s.id).collect();
    let last = *ids.last().unwrap();
    let start = DateTime::parse_from_rfc3339("2026-02-20T08:00:00Z").unwrap().with_timezone(&Utc);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut deleted = Vec::new();
    for i in 0..72u64 {
        let mut at = start + Duration::minutes(i64::try_from(rng.below(60 * 24 * 60)).unwrap());
        let mut event = 0usize;
        let mut clock = |at: &mut DateTime<Utc>, rng: &mut Rng| {
            *at += Duration::minutes(i64::try_from(1 + rng.below(9 * 24 * 60)).unwrap());
            let when = at.with_nanosecond_fraction(FRACTIONS[event % FRACTIONS.len()]);
            event += 1;
            h.app.with_clock(FixedClock(when))
        };
        let value = if i % 9 == 0 {
            Money::MAX_MINOR - i64::try_from(i).unwrap()
        } else {
            i64::try_from(1 + rng.below(5_000_000)).unwrap()
        };
        let input = OpportunityInput {
            title: format!("Affaire {i}"),
            value_minor: value,
            currency: (i % 4 == 3).then(|| "USD".to_owned()),
            probability: (i % 5 == 0).then(|| i64::try_from(rng.below(101)).unwrap()),
            ..OpportunityInput::default()
        };
        let owner = owners[usize::try_from(i % 3).unwrap()];
        let stage = ids[usize::try_from(rng.below(ids.len() as u64)).unwrap()];
        let mut o = clock(&mut at, &mut rng)
            .create_opportunity(&admin, pipeline.id, Some(stage), &input, Some(owner))
            .await
            .unwrap();
        // Forward one stage at a time; back to any stage before.
        for _ in 0..rng.below(5) {
            let here = ids.iter().position(|s| *s == o.stage_id).unwrap();
            if here > 0 && rng.below(3) == 0 {
                let to = ids[usize::try_from(rng.below(here as u64)).unwrap()];
                o = clock(&mut at, &mut rng)
                    .move_opportunity(&admin, o.id, o.version, to)
                    .await
                    .unwrap();
            } else if o.stage_id != last {
                o = clock(&mut at, &mut rng).advance_opportunity(&admin, o.id, o.version).await.unwrap();
            }
        }
        match rng.below(5) {
            0 | 1 => {}
            2 | 3 => {
                while o.stage_id != last {
                    o = clock(&mut at, &mut rng).advance_opportunity(&admin, o.id, o.version).await.unwrap();
                }
                o = clock(&mut at, &mut rng).win_opportunity(&admin, o.id, o.version).await.unwrap();
            }
            _ => {
                o = clock(&mut at, &mut rng)
                    .lose_opportunity(&admin, o.id, o.version, "Budget")
                    .await
                    .unwrap()
            }
        }
        if i % 11 == 4 && o.is_closed() {
            o = clock(&mut at, &mut rng).reopen_opportunity(&admin, o.id, o.version).await.unwrap();
        }
        if i % 5 == 1 && !o.is_closed() {
            clock(&mut at, &mut rng).delete_opportunity(&admin, o.id, o.version).await.unwrap();
            deleted.push(o.id);
        }
    }
    h.app.restore_opportunity(&admin, deleted[0]).await.unwrap();

    // Every live deal, as the reference reads it.
    let mut deals: Vec<Opportunity> = Vec::new();
    let mut page = PageRequest {
        limit: Some(200),
        ..PageRequest::default()
    };
    loop {
        let p = h
            .app
            .list_opportunities(&admin, &OpportunityFilter::default(), &page)
            .await
            .unwrap();
        deals.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert!(deleted.len() > 2, "{deleted:?}");
    assert_eq!(deals.len(), 72 - deleted.len() + 1);
    assert!(deals.iter().any(|d| d.status == Status::Won) && deals.iter().any(|d| d.stage_history.len() > 2));

    let tz = h.app.company_time_zone(&admin).await.unwrap().tz();
    assert_eq!(tz.name(), "Europe/Paris");
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let periods = [
        ReportPeriod::containing(day(3, 1), PeriodKind::Month),
        ReportPeriod::containing(day(4, 1), PeriodKind::Month),
        ReportPeriod::custom(day(3, 27), day(3, 31)).unwrap(),
        ReportPeriod::containing(day(1, 1), PeriodKind::Year),
    ];
    let scopes = [
        (RecordScope::Tenant, vec![ana_user.id, bob_user.id, mgr_user.id]),
        (RecordScope::OwnedBy(ana_user.id), vec![ana_user.id]),
        (RecordScope::TeamsLedBy(mgr_user.id), vec![ana_user.id, mgr_user.id]),
    ];
    let store = h.app.store();
    for (records, whose) in &scopes {
        let scope = Scope {
            tenant_id: t.id,
            records: *records,
        };
        let theirs: Vec<&Opportunity> = deals.iter().filter(|d| whose.contains(&d.owner_id)).collect();
        let facts: Vec<DealFact> = theirs.iter().map(|d| fact(d)).collect();
        assert_eq!(store.open_totals(scope).await.unwrap(), open_groups(&facts), "{records:?}");
        for p in &periods {
            let bounds = p.bounds(&tz);
            let want = PeriodTotals::of(&facts, bounds);
            assert_eq!(store.period_totals(scope, bounds).await.unwrap(), want, "{records:?} {p:?}");
        }
        let all: Vec<_> = periods.iter().take(2).map(|p| p.bounds(&tz)).collect();
        let closed: Vec<_> = all.iter().map(|b| PeriodTotals::of(&facts, *b).closed).collect();
        assert_eq!(store.closed_totals(scope, &all).await.unwrap(), closed, "{records:?}");
        for created in [None, Some(periods[0].bounds(&tz)), Some(periods[2].bounds(&tz))] {
            let got = store.funnel_totals(scope, pipeline.id, &ids, created).await.unwrap();
            let want = FunnelTotals::of(
                &ids,
                theirs
                    .iter()
                    .filter(|d| created.is_none_or(|(from, to)| from <= d.created_at && d.created_at < to))
                    .map(|d| FunnelDeal {
                        history: &d.stage_history,
                        won: d.status == Status::Won,
                        closed_at: d.closed_at,
                    }),
            );
            assert_eq!(got, want, "{records:?} {created:?}");
        }
    }

    // The stages put in another order: each deal's furthest stage follows it.
    let scope = Scope {
        tenant_id: t.id,
        records: RecordScope::Tenant,
    };
    let mut order = pipeline.stages.clone();
    order.swap(1, 2);
    order.swap(0, 3);
    let inputs: Vec<StageInput> = order
        .iter()
        .enumerate()
        .map(|(k, st)| StageInput {
            id: Some(st.id),
            name: st.name.as_str().to_owned(),
            probability: 10 + 20 * i64::try_from(k).unwrap(),
        })
        .collect();
    h.app
        .update_pipeline(&admin, pipeline.id, pipeline.version, "Ventes", &inputs, &[])
        .await
        .unwrap();
    let ids: Vec<_> = order.iter().map(|s| s.id).collect();
    let want = FunnelTotals::of(
        &ids,
        deals.iter().map(|d| FunnelDeal {
            history: &d.stage_history,
            won: d.status == Status::Won,
            closed_at: d.closed_at,
        }),
    );
    assert_eq!(store.funnel_totals(scope, pipeline.id, &ids, None).await.unwrap(), want);

    // The migration's backfill rebuilds the same stays from the stage histories.
    let before = store.funnel_totals(scope, pipeline.id, &ids, None).await.unwrap();
    let migration = match store.backend() {
        Backend::Sqlite => include_str!("../../migrations/sqlite/0028_opportunity_stays.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/0028_opportunity_stays.sql"),
    };
    let backfill = migration
        .split("-- backfill: begin")
        .nth(1)
        .and_then(|rest| rest.split("-- backfill: end").next())
        .expect("the migration marks its backfill");
    // The live deals' stays, and the deleted ones' (kept, not live).
    let removed = store
        .execute_raw_sql_for_tests(Some(t.id), "DELETE FROM opportunity_stays")
        .await
        .unwrap();
    assert!(removed > u64::try_from(deals.iter().map(|d| d.stage_history.len()).sum::<usize>()).unwrap());
    assert_eq!(
        store.funnel_totals(scope, pipeline.id, &ids, None).await.unwrap().furthest,
        vec![0; ids.len() + 1]
    );
    store.execute_raw_sql_for_tests(Some(t.id), backfill).await.unwrap();
    assert_eq!(store.funnel_totals(scope, pipeline.id, &ids, None).await.unwrap(), before);
}

trait Fraction {
    fn with_nanosecond_fraction(self, nanos: i64) -> Self;
}

impl Fraction for DateTime<Utc> {
    /// The same second, at `nanos` past it.
    fn with_nanosecond_fraction(self, nanos: i64) -> Self {
        let whole = DateTime::<Utc>::from_timestamp(self.timestamp(), 0).unwrap();
        whole + Duration::nanoseconds(nanos)
    }
}

contract!(the_store_counts_what_the_reference_counts);
