//! The customer cycle through the SDK against the running server: Marketing brings a lead
//! in and qualifies it, hands it over to a sales rep of the team (round-robin), who is
//! notified and opens its first opportunity; the deal is won and the contact becomes a
//! client by itself (a reader of the log), each step on the timeline and in the log. A
//! sales rep never sees a lead of the pool; the funnel counts it all.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ContactWrite, HandOver, LeadOpportunity, LeadStatusWrite, NewLeads};
use crm_sdk::{ContactQuery, ErrorCode};
use std::time::Duration;

fn lead(first: &str, last: &str) -> ContactWrite {
    ContactWrite {
        kind: "prospect".into(),
        first_name: first.into(),
        last_name: last.into(),
        emails: vec![format!("{}.{}@pistes.fr", first.to_lowercase(), last.to_lowercase())],
        source: Some("Salon Vinexpo".into()),
        ..ContactWrite::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_becomes_a_client() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Cycle client").await;
    let (marketing, manager, sales, admin) = (
        fx.client(Role::Marketing),
        fx.client(Role::Manager),
        fx.client(Role::Sales),
        fx.client(Role::Admin),
    );
    let started = chrono::Utc::now() - chrono::Duration::minutes(1);

    // Marketing brings a lead in: in the pool, owned by Marketing; the rep does not see it.
    let c = marketing.create_lead(&lead("Louise", "Vigneron"), false).await.unwrap();
    let l = c.lead.clone().unwrap();
    assert_eq!((l.status.as_str(), l.pooled, c.owner_id), ("new", true, fx.user(Role::Marketing)));
    assert_eq!(sales.contact(c.id).await.unwrap_err().code(), Some(&ErrorCode::NotFound));
    let pool = ContactQuery {
        pooled: Some(true),
        ..ContactQuery::default()
    };
    assert!(sales.list_contacts(&pool).await.unwrap().items.is_empty());
    assert_eq!(
        manager.list_contacts(&pool).await.unwrap().items.len(),
        1,
        "the manager sees the pool"
    );
    // The rep cannot bring leads in; Marketing still cannot create ordinary contacts.
    assert_eq!(
        sales.create_lead(&lead("Non", "Commercial"), true).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );
    assert_eq!(
        marketing.create_contact(&lead("Non", "Marketing"), true).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );

    // Qualification, with the rules' errors naming their field.
    let bad = marketing
        .set_lead_status(
            c.id,
            c.version,
            &LeadStatusWrite {
                status: "disqualified".into(),
                reason: Some("trop_cher".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some(&ErrorCode::ValidationFailed));
    assert!(format!("{bad:?}").contains("reason"), "{bad:?}");
    let status = |s: &str| LeadStatusWrite {
        status: s.into(),
        reason: None,
    };
    let c = marketing.set_lead_status(c.id, c.version, &status("working")).await.unwrap();
    let c = marketing.set_lead_status(c.id, c.version, &status("qualified")).await.unwrap();

    // Search by lead status: the manager finds the lead of the pool, the rep does not.
    let by_status = crm_sdk::models::SearchQuery {
        q: "Vigneron".into(),
        lead_status: Some("qualified".into()),
        ..crm_sdk::models::SearchQuery::default()
    };
    let mut found = false;
    for _ in 0..100 {
        let r = manager.search(&by_status).await.unwrap();
        if r.groups.iter().flat_map(|g| &g.hits).any(|h| h.id == c.id) {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "the manager finds the qualified lead of the pool");
    let r = sales.search(&by_status).await.unwrap();
    assert!(
        r.groups.iter().flat_map(|g| &g.hits).all(|h| h.id != c.id),
        "a rep never finds a pooled lead"
    );
    let new_only = crm_sdk::models::SearchQuery {
        lead_status: Some("new".into()),
        ..by_status.clone()
    };
    let r = manager.search(&new_only).await.unwrap();
    assert!(r.groups.iter().flat_map(|g| &g.hits).all(|h| h.id != c.id), "the filter filters");

    // Hand-over by the team's round-robin: the fixture's team has one rep.
    let to_team = HandOver {
        owner_id: None,
        team_id: Some(fx.team_id),
        by_territory: None,
    };
    let c = marketing.hand_over_lead(c.id, c.version, &to_team).await.unwrap();
    assert_eq!(c.owner_id, fx.user(Role::Sales));
    assert!(!c.lead.as_ref().unwrap().pooled);
    assert_eq!(sales.contact(c.id).await.unwrap().id, c.id, "the rep sees it now");
    // Marketing no longer edits it.
    assert_eq!(
        marketing
            .update_contact(c.id, c.version, &lead("Louise", "Autre"))
            .await
            .unwrap_err()
            .code(),
        Some(&ErrorCode::Forbidden)
    );
    // The rep is told (a reader of the log writes the notification).
    let mut told = false;
    for _ in 0..100 {
        let n = sales.notifications(true).await.unwrap();
        if n.iter().any(|n| n.kind == "contact_assigned" && n.entity_id == Some(c.id)) {
            told = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(told, "the rep was not notified of the lead");

    // The first opportunity in one step, at the pipeline's first stage.
    let pipeline = admin.list_pipelines().await.unwrap().remove(0);
    let o = sales
        .open_lead_opportunity(
            c.id,
            &LeadOpportunity {
                pipeline_id: pipeline.id,
                title: "Cave connectée".into(),
                value_minor: 18_000_00,
                ..LeadOpportunity::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (o.stage_id, o.owner_id, o.contact_ids.clone()),
        (pipeline.stages[0].id, fx.user(Role::Sales), vec![c.id])
    );

    // Won: the contact becomes a client by itself, the event naming the deal.
    let mut o = o;
    while o.stage_id != pipeline.stages.last().unwrap().id {
        o = sales.advance_opportunity(o.id, o.version).await.unwrap();
    }
    sales.win_opportunity(o.id, o.version).await.unwrap();
    let mut client = None;
    for _ in 0..100 {
        let now = sales.contact(c.id).await.unwrap();
        if now.kind == "client" {
            client = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(client.is_some(), "the won deal did not make its contact a client");

    // Each step on the timeline and in the log.
    let timeline = sales.contact_timeline(c.id, None, Some(100)).await.unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .rev()
        .filter_map(|e| e.event.as_ref().map(|e| e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "lead_status_changed",
            "lead_status_changed",
            "owner_changed",
            "converted"
        ],
        "{timeline:?}"
    );
    let history = admin.contact_history(c.id).await.unwrap();
    let converted = history.iter().find(|e| e.kind == "converted").unwrap();
    assert!(
        converted
            .changes
            .iter()
            .any(|ch| ch.field == "opportunity_id" && ch.after == Some(serde_json::json!(o.id.to_string()))),
        "{converted:?}"
    );

    // In bulk too; and the funnel counts the leads of the period.
    let more = marketing
        .import_leads(&NewLeads {
            leads: vec![lead("Anne", "Un"), lead("Bruno", "Deux")],
        })
        .await
        .unwrap();
    assert_eq!(more.len(), 2);
    let funnel = marketing
        .lead_funnel(started, chrono::Utc::now() + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let sum = |f: fn(&crm_sdk::models::FunnelLine) -> u64| funnel.iter().map(f).sum::<u64>();
    assert_eq!(
        (sum(|l| l.leads), sum(|l| l.qualified), sum(|l| l.with_opportunity), sum(|l| l.won)),
        (3, 1, 1, 1)
    );
    assert!(funnel.iter().all(|l| l.source.as_deref() == Some("Salon Vinexpo")));
    let line = &funnel[0];
    assert_eq!(
        (line.qualified_rate, line.opportunity_rate, line.won_rate),
        (Some(0.3333), Some(1.0), Some(1.0))
    );
    assert_eq!(
        sales.lead_funnel(started, chrono::Utc::now()).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );
    s.stop().await;
}

/// A hand-over the service refuses takes nobody's turn, and a deactivated person cannot
/// receive a lead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_hand_over_takes_no_turn() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Tours").await;
    let (marketing, manager, admin) = (fx.client(Role::Marketing), fx.client(Role::Manager), fx.client(Role::Admin));
    // A second team, led by the Admin (not by the fixture's Manager), with two reps.
    let other = admin
        .create_team(&crm_sdk::models::TeamWrite {
            name: "Équipe Ouest".into(),
            manager_id: fx.user(Role::Admin),
            territory: None,
        })
        .await
        .unwrap();
    let mut reps = Vec::new();
    for n in 1..=2 {
        let u = admin
            .create_user(&crm_sdk::models::NewUser {
                email: format!("ouest{n}@tours.example"),
                display_name: format!("Ouest {n}"),
                role: "sales".into(),
                team_id: Some(other.id),
                password: Some(crate::support::PASSWORD.into()),
            })
            .await
            .unwrap();
        reps.push(u);
    }
    let qualified = |last: &'static str| async move {
        let c = marketing.create_lead(&lead("Piste", last), true).await.unwrap();
        let write = |s: &str| LeadStatusWrite {
            status: s.into(),
            reason: None,
        };
        marketing.set_lead_status(c.id, c.version, &write("qualified")).await.unwrap()
    };
    let to_other = HandOver {
        owner_id: None,
        team_id: Some(other.id),
        by_territory: None,
    };
    // The Manager may not give leads to a team he does not lead: refused, no turn taken.
    let a = qualified("Une").await;
    assert_eq!(
        manager.hand_over_lead(a.id, a.version, &to_other).await.unwrap_err().code(),
        Some(&ErrorCode::Forbidden)
    );
    let a = marketing.hand_over_lead(a.id, a.version, &to_other).await.unwrap();
    let b = qualified("Deux").await;
    let b = marketing.hand_over_lead(b.id, b.version, &to_other).await.unwrap();
    let mut got = [a.owner_id, b.owner_id];
    got.sort();
    let mut both = [reps[0].id, reps[1].id];
    both.sort();
    assert_eq!(got, both, "each rep had a turn: the refused hand-over took none");

    // A deactivated rep receives nothing.
    admin.deactivate_user(reps[0].id, reps[0].version).await.unwrap();
    let c = qualified("Trois").await;
    let to_gone = HandOver {
        owner_id: Some(reps[0].id),
        team_id: None,
        by_territory: None,
    };
    let e = marketing.hand_over_lead(c.id, c.version, &to_gone).await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::ValidationFailed));
    assert!(format!("{e:?}").contains("owner_id"), "{e:?}");
    s.stop().await;
}
