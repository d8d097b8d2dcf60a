//! The everyday reads of a large company, on the same data set as the reports plus its
//! activities (by default a million: calls, notes, meetings and tasks on the contacts,
//! over 18 months, most tasks done): to-do lists, a contact's timeline, the contacts
//! list as each role sees it and with filters, counts of segments, a rep's opportunities.
//! Each timed through the use cases, p99 against the 50 ms aim.

use super::support::BenchDb;
use super::{BenchApp, Company, Rng, gather_stats, time};
use chrono::{DateTime, Duration as Days, Utc};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_domain::user::Role;
use crm_domain::{Actor, ContactId, UserId};
use crm_ports::FixedClock;
use crm_ports::query::{ContactFilter, OpportunityFilter, PageRequest};
use crm_ports::services::segments::SegmentInput;
use futures::StreamExt;
use std::error::Error;
use std::time::Instant;

/// Activities created at once (SQLite serializes the writes; the rest overlaps).
const CONCURRENT: usize = 4;

/// Creates `n` activities on `contacts` (each with its owner), spread back from `now`:
/// 30 % calls, 30 % notes, 20 % tasks assigned to the owner (four in five done), 10 %
/// meetings, 10 % more notes. Returns how many were created.
pub(crate) async fn load_activities(
    app: &BenchApp,
    admin: &Actor,
    contacts: &[(ContactId, UserId)],
    n: u64,
    now: DateTime<Utc>,
    db: Option<&BenchDb>,
) -> Result<u64, Box<dyn Error>> {
    if contacts.is_empty() || n == 0 {
        return Ok(0);
    }
    let started = Instant::now();
    let mut rng = Rng(0x51_7cc1_b727_220a);
    let plans: Vec<(u64, u64, u64)> = (0..n)
        .map(|_| (rng.below(540 * 24 * 60), rng.below(14 * 24 * 60), rng.below(5)))
        .collect();
    let mut done = 0_u64;
    let mut stream = futures::stream::iter(plans.into_iter().enumerate().map(|(i, (back, due_in, fate))| {
        let (contact, owner) = contacts[i % contacts.len()];
        let when = now - Days::minutes(i64::try_from(back).unwrap_or(0));
        async move { create_one(app, admin, i, contact, owner, when, due_in, fate).await }
    }))
    .buffer_unordered(CONCURRENT);
    while let Some(r) = stream.next().await {
        r?;
        done += 1;
        gather_stats(db, done)?;
        if done.is_multiple_of(100_000) {
            eprintln!("  {done} activities in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(done)
}

#[allow(clippy::too_many_arguments)]
async fn create_one(
    app: &BenchApp,
    admin: &Actor,
    i: usize,
    contact: ContactId,
    owner: UserId,
    when: DateTime<Utc>,
    due_in: u64,
    fate: u64,
) -> Result<(), Box<dyn Error>> {
    let at = app.with_clock(FixedClock(when));
    let links = vec![Link {
        entity_type: EntityType::Contact,
        entity_id: contact.as_uuid(),
    }];
    let base = ActivityInput {
        links,
        ..ActivityInput::default()
    };
    let (kind, input) = match i % 10 {
        0..=2 => (
            "call",
            ActivityInput {
                subject: format!("Appel {i}"),
                direction: Some("outbound".into()),
                starts_at: Some(when),
                duration_seconds: Some(i64::try_from(60 + i % 900).unwrap_or(60)),
                ..base
            },
        ),
        3..=4 => (
            "task",
            ActivityInput {
                subject: format!("Relancer {i}"),
                assignee_id: Some(owner),
                due_at: Some(when + Days::minutes(i64::try_from(due_in).unwrap_or(0))),
                ..base
            },
        ),
        5 => (
            "meeting",
            ActivityInput {
                subject: format!("Rendez-vous {i}"),
                starts_at: Some(when),
                ends_at: Some(when + Days::hours(1)),
                ..base
            },
        ),
        _ => (
            "note",
            ActivityInput {
                subject: format!("Note {i}"),
                body: Some("Échange sur le besoin, à suivre.".into()),
                ..base
            },
        ),
    };
    let a = at.create_activity(admin, kind, &input).await?;
    if kind == "task" && fate > 0 {
        at.set_task_done(admin, a.id, a.version, true).await?;
    }
    Ok(())
}

/// Times the everyday reads on the company and prints their table.
pub(crate) async fn measure(backend: &str, app: &BenchApp, c: &Company, runs: usize) -> Result<(), Box<dyn Error>> {
    let app = app.with_clock(FixedClock(c.now));
    let (admin, rep, manager) = (
        c.actor(c.admin, Role::Admin),
        c.actor(c.rep, Role::Sales),
        c.actor(c.manager, Role::Manager),
    );
    let page = PageRequest {
        limit: Some(50),
        ..PageRequest::default()
    };
    let (everyone, every_deal) = (ContactFilter::default(), OpportunityFilter::default());
    let clients = ContactFilter {
        kind: Some(crm_domain::contact::ContactKind::Client),
        ..ContactFilter::default()
    };
    let clients_rule = app
        .create_segment(
            &admin,
            &SegmentInput {
                name: format!("Clients {}", Utc::now().timestamp_micros()),
                rule: Some(serde_json::json!({"field": "kind", "op": "eq", "value": "client"})),
            },
        )
        .await?;
    let mut rows = vec![
        ("to-do list, a rep", time(runs, || app.todo(&rep, false)).await?),
        ("to-do list, a manager's team", time(runs, || app.todo(&manager, true)).await?),
        ("to-do list, the company (Admin)", time(runs, || app.todo(&admin, true)).await?),
    ];
    if !c.sample.is_empty() {
        // A different contact each time.
        let mut k = 0;
        rows.push((
            "timeline of a contact (50 entries)",
            time(runs, || {
                k += 1;
                let link = Link {
                    entity_type: EntityType::Contact,
                    entity_id: c.sample[k % c.sample.len()].as_uuid(),
                };
                app.timeline(&admin, link, None, 50)
            })
            .await?,
        ));
    }
    rows.extend([
        (
            "contacts list, first page (Admin)",
            time(runs, || app.list_contacts(&admin, &everyone, &page)).await?,
        ),
        (
            "contacts list, a rep's own",
            time(runs, || app.list_contacts(&rep, &everyone, &page)).await?,
        ),
        (
            "contacts list, a manager's team",
            time(runs, || app.list_contacts(&manager, &everyone, &page)).await?,
        ),
        (
            "contacts list, clients only (Admin)",
            time(runs, || app.list_contacts(&admin, &clients, &page)).await?,
        ),
        (
            "count of a segment (clients), Admin",
            time(runs, || app.count_segment(&admin, &clients_rule)).await?,
        ),
        (
            "count of a segment (clients), a rep",
            time(runs, || app.count_segment(&rep, &clients_rule)).await?,
        ),
        (
            "opportunities list, a rep's own",
            time(runs, || app.list_opportunities(&rep, &every_deal, &page)).await?,
        ),
    ]);
    println!(
        "\nEveryday reads, {backend}: {} contacts, {} opportunities, {} activities\n",
        c.contacts, c.deals, c.activities
    );
    println!("| backend | read | runs | p50 ms | p95 ms | p99 ms | p99 < 50 ms |");
    println!("|---|---|---:|---:|---:|---:|---|");
    super::rows_out(backend, &rows, 50.0)?;
    Ok(())
}
