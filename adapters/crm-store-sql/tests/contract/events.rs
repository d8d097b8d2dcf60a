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
    // tenant created, admin created, user created, contact created, contact updated
    assert_eq!(
        all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["created", "created", "created", "created", "updated"]
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
    assert_eq!(
        h.app.history_of(&rep, EntityType::Contact, c.id.as_uuid(), 10).await.unwrap().len(),
        2
    );
    let _ = t;
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
            sqlx::query("INSERT INTO events (tenant_id, seq, at, actor_kind, entity_type, entity_id, kind, changes) VALUES (?, ?, 0, 'system', 'contact', ?, 'slow', '[]')")
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
            sqlx::query("INSERT INTO events (tenant_id, seq, at, actor_kind, entity_type, entity_id, kind, changes) VALUES ($1, $2, 0, 'system', 'contact', $3, 'slow', '[]'::jsonb)")
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

contract!(one_event_per_change_with_contiguous_sequence, late_commit_never_makes_a_reader_skip);
