//! The event log: one event per change in the same transaction, contiguous per-tenant
//! sequence numbers in commit order, audit queries, and cursor readers that never miss or
//! repeat an event even when a writer commits late.

use crate::contacts::input;
use crate::harness::{Harness, Raw};
use chrono::{Duration, Utc};
use crm_domain::event::EntityType;
use crm_domain::user::Role;
use crm_domain::{Actor, TenantId};
use crm_ports::ServiceError;
use crm_ports::query::HistoryQuery;
use sqlx::Connection;
use std::collections::BTreeSet;
use uuid::Uuid;

async fn one_event_per_change_with_contiguous_sequence(h: &Harness) {
    let (t, admin) = h.tenant("Journal").await;
    let (rep_user, rep) = h.user(&admin, Role::Sales, None).await;
    let c = h.app.create_contact(&rep, &input("Eva", "Marchand"), None, false).await.unwrap();
    let mut i = input("Eva", "Marchand");
    i.emails = vec!["eva.nouvelle@exemple.fr".into()];
    h.app.update_contact(&rep, c.id, 1, &i).await.unwrap();
    let all = h.app.events_after(&admin, 0, 1000).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>());
    // tenant, admin and default pipeline created (one transaction), user created, contact
    // created, contact updated
    assert_eq!(
        all.iter().map(|e| (e.entity_type, e.kind.name())).collect::<Vec<_>>(),
        [
            (EntityType::Tenant, "created"),
            (EntityType::User, "created"),
            (EntityType::Pipeline, "created"),
            (EntityType::User, "created"),
            (EntityType::Contact, "created"),
            (EntityType::Contact, "updated"),
        ]
    );
    let upd = all.last().unwrap();
    assert_eq!(upd.actor_id, Some(rep_user.id));
    assert_eq!(upd.owner_id, Some(rep_user.id.as_uuid()));
    let emails = upd.changes.iter().find(|c| c.field == "emails").unwrap();
    assert_eq!(emails.after, Some(serde_json::json!(["eva.nouvelle@exemple.fr"])));
    assert_eq!(emails.before, Some(serde_json::json!([c.fields.emails[0].as_str()])));
    // Cursor reading in small pages sees every event once.
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page = h.app.events_after(&admin, cursor, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        cursor = last.seq;
        seen.extend(page.into_iter().map(|e| e.seq));
    }
    assert_eq!(seen, seqs);
    // Audit queries.
    let by_rep = h
        .app
        .history(
            &admin,
            &HistoryQuery::Actor {
                user_id: rep_user.id,
                from: Utc::now() - Duration::hours(1),
                to: Utc::now() + Duration::hours(1),
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(by_rep.len(), 2);
    assert!(by_rep[0].seq > by_rep[1].seq);
    let period = h
        .app
        .history(
            &admin,
            &HistoryQuery::Period {
                from: Utc::now() - Duration::hours(1),
                to: Utc::now() + Duration::hours(1),
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(period.len(), all.len());
    let none = h
        .app
        .history(
            &admin,
            &HistoryQuery::Period {
                from: Utc::now() - Duration::hours(3),
                to: Utc::now() - Duration::hours(2),
            },
            100,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(matches!(
        h.app
            .history(
                &rep,
                &HistoryQuery::Period {
                    from: Utc::now(),
                    to: Utc::now()
                },
                10
            )
            .await,
        Err(ServiceError::Forbidden)
    ));
    // The audit is the Admin's: the rep reads their own contact's history no more.
    assert!(matches!(
        h.app.history_of(&rep, EntityType::Contact, c.id.as_uuid(), 10).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(
        h.app
            .history_of(&admin, EntityType::Contact, c.id.as_uuid(), 10)
            .await
            .unwrap()
            .len(),
        2
    );
    let _ = t;
}

/// Who reads the audit: the Admin everything; a Manager the history of their teams'
/// contacts and opportunities only (another team's is not found, the company-wide log and
/// the users', teams', tenant's and organizations' histories are refused); the Observer,
/// Sales and Marketing nothing, whatever the record.
async fn the_audit_is_the_admins_and_a_manager_reads_their_teams(h: &Harness) {
    use crm_domain::organization::OrganizationInput;
    let (t, admin) = h.tenant("Audit").await;
    let (manager_user, manager) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Nord", manager_user.id).await;
    let (_, rep) = h.user(&admin, Role::Sales, Some(team)).await;
    let (other_manager_user, _) = h.user(&admin, Role::Manager, None).await;
    let other_team = h.team(&admin, "Sud", other_manager_user.id).await;
    let (other_rep_user, other_rep) = h.user(&admin, Role::Sales, Some(other_team)).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;

    let ours = h.app.create_contact(&rep, &input("Inès", "Perrin"), None, false).await.unwrap();
    let theirs = h
        .app
        .create_contact(&other_rep, &input("Hugo", "Lemoine"), None, false)
        .await
        .unwrap();
    let pipelines = h.app.list_pipelines(&admin).await.unwrap();
    let deal = |title: &str| crm_domain::opportunity::OpportunityInput {
        title: title.into(),
        value_minor: 100,
        ..Default::default()
    };
    let our_deal = h
        .app
        .create_opportunity(&rep, pipelines[0].id, None, &deal("Nôtre"), None)
        .await
        .unwrap();
    let their_deal = h
        .app
        .create_opportunity(&other_rep, pipelines[0].id, None, &deal("Leur"), None)
        .await
        .unwrap();
    let org = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Société auditée".into(),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let period = HistoryQuery::Period {
        from: Utc::now() - Duration::hours(1),
        to: Utc::now() + Duration::hours(1),
    };
    let by_user = HistoryQuery::Actor {
        user_id: other_rep_user.id,
        from: Utc::now() - Duration::hours(1),
        to: Utc::now() + Duration::hours(1),
    };
    let forbidden = |r: Result<Vec<crm_ports::query::EventRecord>, ServiceError>, what: &str| {
        assert!(matches!(r, Err(ServiceError::Forbidden)), "{what}: {r:?}");
    };

    // The Manager: their team's contact and opportunity, nothing else.
    let hist = h
        .app
        .history_of(&manager, EntityType::Contact, ours.id.as_uuid(), 10)
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].entity_id, ours.id.as_uuid());
    let hist = h
        .app
        .history_of(&manager, EntityType::Opportunity, our_deal.id.as_uuid(), 10)
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert!(matches!(
        h.app.history_of(&manager, EntityType::Contact, theirs.id.as_uuid(), 10).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        h.app
            .history_of(&manager, EntityType::Opportunity, their_deal.id.as_uuid(), 10)
            .await,
        Err(ServiceError::NotFound)
    ));
    forbidden(h.app.history(&manager, &period, 10).await, "manager by period");
    forbidden(h.app.history(&manager, &by_user, 10).await, "manager by user");
    forbidden(
        h.app.history_of(&manager, EntityType::User, other_rep_user.id.as_uuid(), 10).await,
        "manager user history",
    );
    forbidden(
        h.app.history_of(&manager, EntityType::Team, team.as_uuid(), 10).await,
        "manager team history",
    );
    forbidden(
        h.app.history_of(&manager, EntityType::Tenant, t.id.as_uuid(), 10).await,
        "manager tenant history",
    );
    forbidden(
        h.app.history_of(&manager, EntityType::Organization, org.id.as_uuid(), 10).await,
        "manager organization history",
    );
    assert!(matches!(h.app.events_after(&manager, 0, 10).await, Err(ServiceError::Forbidden)));

    // Observer, Sales, Marketing: refused everywhere, even on records they see.
    for (who, a) in [("observer", &observer), ("sales", &rep), ("marketing", &marketing)] {
        forbidden(h.app.history(a, &period, 10).await, &format!("{who} by period"));
        forbidden(h.app.history(a, &by_user, 10).await, &format!("{who} by user"));
        for (kind, id) in [
            (EntityType::Contact, ours.id.as_uuid()),
            (EntityType::Opportunity, our_deal.id.as_uuid()),
            (EntityType::Organization, org.id.as_uuid()),
            (EntityType::User, other_rep_user.id.as_uuid()),
            (EntityType::Team, team.as_uuid()),
            (EntityType::Tenant, t.id.as_uuid()),
        ] {
            forbidden(h.app.history_of(a, kind, id, 10).await, &format!("{who} {kind:?} history"));
        }
        assert!(matches!(h.app.events_after(a, 0, 10).await, Err(ServiceError::Forbidden)));
    }
    // The Observer still reads the records and their timelines (activity feeds).
    assert_eq!(h.app.contact(&observer, theirs.id).await.unwrap().id, theirs.id);
    let feed = h
        .app
        .timeline(
            &observer,
            crm_domain::activity::Link {
                entity_type: EntityType::Contact,
                entity_id: theirs.id.as_uuid(),
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(feed.len(), 1);

    // The Admin reads everything.
    assert!(!h.app.history(&admin, &period, 100).await.unwrap().is_empty());
    assert_eq!(h.app.history(&admin, &by_user, 100).await.unwrap().len(), 2);
    for (kind, id) in [
        (EntityType::Contact, theirs.id.as_uuid()),
        (EntityType::Opportunity, their_deal.id.as_uuid()),
        (EntityType::Organization, org.id.as_uuid()),
        (EntityType::User, other_rep_user.id.as_uuid()),
        (EntityType::Team, other_team.as_uuid()),
        (EntityType::Tenant, t.id.as_uuid()),
    ] {
        assert!(!h.app.history_of(&admin, kind, id, 10).await.unwrap().is_empty(), "admin {kind:?}");
    }
}

/// A raw connection that takes the next sequence number and holds its transaction open.
enum Held {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

async fn begin_slow_append(h: &Harness, tenant: TenantId) -> (Held, i64) {
    let t = tenant.as_uuid();
    match &h.raw {
        Raw::Sqlite { path, .. } => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await.unwrap();
            let (seq,): (i64,) = sqlx::query_as("UPDATE event_counters SET last_seq = last_seq + 1 WHERE tenant_id = ? RETURNING last_seq")
                .bind(t)
                .fetch_one(&mut c)
                .await
                .unwrap();
            sqlx::query("INSERT INTO events (tenant_id, seq, at, actor_kind, entity_type, entity_id, kind, changes) VALUES (?, ?, 0, 'system', 'contact', ?, 'updated', '[]')")
                .bind(t)
                .bind(seq)
                .bind(Uuid::now_v7())
                .execute(&mut c)
                .await
                .unwrap();
            (Held::Sqlite(c), seq)
        }
        Raw::Postgres { target } => {
            let mut c = sqlx::PgConnection::connect(&target.app_url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut c).await.unwrap();
            sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                .bind(t.to_string())
                .execute(&mut c)
                .await
                .unwrap();
            let (seq,): (i64,) =
                sqlx::query_as("UPDATE event_counters SET last_seq = last_seq + 1 WHERE tenant_id = $1 RETURNING last_seq")
                    .bind(t)
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            sqlx::query("INSERT INTO events (tenant_id, seq, at, actor_kind, entity_type, entity_id, kind, changes) VALUES ($1, $2, 0, 'system', 'contact', $3, 'updated', '[]'::jsonb)")
                .bind(t)
                .bind(seq)
                .bind(Uuid::now_v7())
                .execute(&mut c)
                .await
                .unwrap();
            (Held::Postgres(c), seq)
        }
    }
}

async fn commit(held: Held) {
    match held {
        Held::Sqlite(mut c) => sqlx::query("COMMIT").execute(&mut c).await.map(drop).unwrap(),
        Held::Postgres(mut c) => sqlx::query("COMMIT").execute(&mut c).await.map(drop).unwrap(),
    }
}

async fn late_commit_never_makes_a_reader_skip(h: &Harness) {
    let (t, admin) = h.tenant("Concurrence").await;
    let reader = Actor::System { tenant_id: t.id };
    let mut cursor = h.app.events_after(&reader, 0, 1000).await.unwrap().last().unwrap().seq;
    let mut seen: Vec<i64> = Vec::new();

    // Writer A takes the next number and stays open.
    let (held, a_seq) = begin_slow_append(h, t.id).await;
    assert_eq!(a_seq, cursor + 1);
    // Writer B starts after A; it must wait for A rather than commit a later number first.
    let app = h.app.clone();
    let b = tokio::spawn(async move { app.create_contact(&admin, &input("Léo", "Vidal"), None, false).await });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(!b.is_finished(), "B committed while A held an earlier sequence number");
    // The reader sees nothing yet: nothing is committed.
    assert!(h.app.events_after(&reader, cursor, 100).await.unwrap().is_empty());
    commit(held).await;
    let contact = b.await.unwrap().unwrap();
    // Poll like a real reader until both are in.
    for _ in 0..50 {
        let page = h.app.events_after(&reader, cursor, 100).await.unwrap();
        if let Some(last) = page.last() {
            cursor = last.seq;
        }
        seen.extend(page.iter().map(|e| e.seq));
        if seen.len() >= 2 {
            break;
        }
    }
    assert_eq!(seen, [a_seq, a_seq + 1]);
    let last = h.app.events_after(&reader, a_seq, 10).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].entity_id, contact.id.as_uuid());
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
}

async fn the_stream_tells_others_that_users_changed_not_how(h: &Harness) {
    let (_, admin) = h.tenant("Flux SA").await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (rep, _) = h.user(&admin, Role::Sales, None).await;
    let user_events = |events: Vec<crm_ports::query::EventRecord>| {
        events
            .into_iter()
            .filter(|e| e.entity_type == EntityType::User && e.entity_id == rep.id.as_uuid())
            .collect::<Vec<_>>()
    };
    let (seen, _) = h.app.visible_events_after(&observer, 0, 1000).await.unwrap();
    let seen = user_events(seen);
    assert!(!seen.is_empty(), "the Observer learns that a user was created");
    assert!(seen.iter().all(|e| e.changes.is_empty()), "but not their email or role: {seen:?}");
    let (all, _) = h.app.visible_events_after(&admin, 0, 1000).await.unwrap();
    assert!(
        user_events(all).iter().any(|e| !e.changes.is_empty()),
        "the Admin reads the changes"
    );
}

/// A clock stopped at one instant.
#[derive(Clone)]
struct Stopped(chrono::DateTime<Utc>);

impl crm_ports::Clock for Stopped {
    fn now(&self) -> chrono::DateTime<Utc> {
        self.0
    }
}

pub async fn events_and_deletions_are_dated_by_the_applications_clock(h: &Harness) {
    use chrono::TimeZone as _;
    let (_, admin) = h.tenant("Horloge").await;
    let at = Utc.with_ymd_and_hms(2031, 3, 4, 5, 6, 7).unwrap();
    let app = crm_ports::App::with_env(h.app.store().clone(), crate::harness::creds(), Stopped(at), crm_ports::UuidV7);
    let c = app.create_contact(&admin, &input("Horace", "Pendule"), None, true).await.unwrap();
    let c = app.update_contact(&admin, c.id, 1, &input("Horace", "Pendules")).await.unwrap();
    app.delete_contact(&admin, c.id, c.version).await.unwrap();
    // The tenant's whole log: its creation (system clock), then the contact's three events.
    let log = app.events_after(&admin, 0, 100).await.unwrap();
    let dated: Vec<_> = log
        .iter()
        .filter(|e| e.entity_id == c.id.as_uuid())
        .map(|e| (e.kind.name(), e.at))
        .collect();
    assert_eq!(dated, [("created", at), ("updated", at), ("deleted", at)]);
    assert!(log.iter().filter(|e| e.entity_id != c.id.as_uuid()).all(|e| e.at != at));
}

contract!(
    events_and_deletions_are_dated_by_the_applications_clock,
    the_stream_tells_others_that_users_changed_not_how,
    one_event_per_change_with_contiguous_sequence,
    late_commit_never_makes_a_reader_skip,
    the_audit_is_the_admins_and_a_manager_reads_their_teams,
);
