//! The demonstration scenarios of `docs/scenarios/`, replayed on the demo data set (the
//! reduced size: two companies).

use crate::support::spawn_demo;
use crm_sdk::models::{ActivityWrite, HandOver, LeadOpportunity, LeadStatusWrite, LinkRef, PipelineWrite, SegmentWrite, StageWrite};
use crm_sdk::{ContactQuery, ErrorCode, OpportunityQuery};
use crm_seeds::demo::{DEMO_PASSWORD, DemoSize};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_scenarios_per_role() {
    let s = spawn_demo(DemoSize::Small).await;
    let login = |email: &'static str| {
        let client = s.client.clone();
        async move { client.with_token(&client.login(email, DEMO_PASSWORD).await.unwrap().token) }
    };

    // Admin: a pipeline, a stage renamed, a reminder rule, all in the audit history.
    let admin = login("admin@fim-martin.fr").await;
    let stages = |names: [&str; 4]| PipelineWrite {
        name: "Grands comptes".into(),
        stages: names
            .iter()
            .zip([10, 35, 60, 90])
            .map(|(n, p)| StageWrite {
                id: None,
                name: (*n).into(),
                probability: p,
            })
            .collect(),
        moves: Vec::new(),
    };
    let p = admin
        .create_pipeline(&stages(["Découverte", "Audit", "Proposition", "Signature"]))
        .await
        .unwrap();
    let mut bad = stages(["A", "B", "C", "D"]);
    bad.stages[2].probability = 20;
    assert_eq!(
        admin.create_pipeline(&bad).await.unwrap_err().code(),
        Some(&ErrorCode::ValidationFailed)
    );
    let mut renamed = stages(["Découverte", "Audit technique", "Proposition", "Signature"]);
    for (w, s) in renamed.stages.iter_mut().zip(&p.stages) {
        w.id = Some(s.id);
    }
    let p2 = admin.update_pipeline(p.id, p.version, &renamed).await.unwrap();
    assert_eq!(p2.stages[1].name, "Audit technique");
    assert_eq!(p2.stages[1].id, p.stages[1].id);
    admin.create_reminder_rule("no_activity", Some(21), None, true).await.unwrap();
    let audit = admin
        .audit(
            chrono::Utc::now() - chrono::Duration::hours(1),
            chrono::Utc::now() + chrono::Duration::hours(1),
            None,
        )
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.entity_id == p.id && e.kind == "updated"));
    // The planted duplicates show up in the review queue after a scan.
    assert!(admin.scan_duplicates().await.unwrap() >= 2);
    let queue = admin.duplicate_groups().await.unwrap();
    assert!(queue.iter().any(|g| g.reasons.contains(&"same_email".to_owned())), "{queue:?}");
    assert!(queue.iter().any(|g| g.reasons.contains(&"same_phone".to_owned())));

    // Manager: team prospects, an assignment inside the team (and one outside refused), the
    // forecast by owner, the team's to-do list.
    let manager = login("manager1@fim-martin.fr").await;
    let users = manager.list_users().await.unwrap();
    let id_of = |local: &str| users.iter().find(|u| u.email.starts_with(local)).unwrap().id;
    let prospects = manager
        .list_contacts(&ContactQuery {
            kind: Some("prospect".into()),
            limit: Some(200),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert!(!prospects.items.is_empty());
    let team = [id_of("manager1"), id_of("commercial1"), id_of("commercial3")];
    let pooled = |c: &crm_sdk::models::Contact| c.lead.as_ref().is_some_and(|l| l.pooled);
    assert!(
        prospects.items.iter().all(|c| team.contains(&c.owner_id) || pooled(c)),
        "a manager sees only their teams' contacts, and the leads waiting in the pool"
    );
    assert!(prospects.items.iter().any(pooled), "the demo has leads in the pool");
    let c = prospects.items.iter().find(|c| !pooled(c)).unwrap();
    let moved = manager.assign_contact(c.id, c.version, id_of("commercial3")).await.unwrap();
    assert_eq!(moved.owner_id, id_of("commercial3"));
    let refused = manager.assign_contact(c.id, moved.version, id_of("commercial2")).await.unwrap_err();
    assert_eq!(refused.code(), Some(&ErrorCode::Forbidden));
    let forecast = manager.forecast("quarter", "owner", None, None).await.unwrap();
    assert!(!forecast.is_empty());
    assert!(forecast.iter().all(|l| l.group_id.is_some_and(|o| team.contains(&o))));
    manager.todo(true).await.unwrap();

    // Sales: dashboard overdue first, complete the oldest overdue task, log a call, move a deal.
    let sales = login("commercial1@fim-martin.fr").await;
    let dash = sales.raw("GET", "/api/v1/dashboard", None, &[]).await.unwrap();
    assert_eq!(dash.body["sections"][0]["name"], "overdue");
    let todo = sales.todo(false).await.unwrap();
    if let Some(t) = todo.overdue.first() {
        let done = sales.set_task_done(t.id, t.version, true).await.unwrap();
        assert!(done.done_at.is_some());
    }
    let mine = sales.list_contacts(&ContactQuery::default()).await.unwrap();
    let contact = &mine.items[0];
    sales
        .create_activity(&ActivityWrite {
            kind: Some("call".into()),
            subject: "Point sur le devis".into(),
            direction: Some("outbound".into()),
            duration_seconds: Some(300),
            links: vec![LinkRef {
                entity_type: "contact".into(),
                entity_id: contact.id,
                name: None,
            }],
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    let deals = sales
        .list_opportunities(&OpportunityQuery {
            status: Some("open".into()),
            ..OpportunityQuery::default()
        })
        .await
        .unwrap();
    let pipelines = sales.list_pipelines().await.unwrap();
    // The demo company made the default pipeline its own ("Ventes"; "Grands comptes" is the
    // Admin's scenario above): no unused default left next to it.
    assert_eq!(
        pipelines.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Ventes", "Grands comptes"]
    );
    let deal = deals
        .items
        .iter()
        .find(|d| {
            let st = &pipelines.iter().find(|p| p.id == d.pipeline_id).unwrap().stages;
            st.iter().position(|s| s.id == d.stage_id).unwrap() + 1 < st.len()
        })
        .expect("an open deal that can move forward");
    let st = &pipelines.iter().find(|p| p.id == deal.pipeline_id).unwrap().stages;
    let at = st.iter().position(|s| s.id == deal.stage_id).unwrap();
    if at + 2 < st.len() {
        let skip = sales.move_opportunity(deal.id, deal.version, st[at + 2].id).await.unwrap_err();
        assert_eq!(skip.code(), Some(&ErrorCode::StageSkipped));
    }
    let moved = sales.move_opportunity(deal.id, deal.version, st[at + 1].id).await.unwrap();
    assert_eq!(moved.stage_id, st[at + 1].id);
    let timeline = sales.timeline("opportunities", deal.id, None, None).await.unwrap();
    assert_eq!(timeline[0].event.as_ref().unwrap().kind, "stage_moved");

    // Marketing: reads every contact, changes none, sees no deal.
    let marketing = login("marketing@fim-martin.fr").await;
    let all = marketing
        .list_contacts(&ContactQuery {
            limit: Some(200),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert!(all.items.len() > prospects.items.len());
    assert_eq!(marketing.opportunity(deal.id).await.unwrap_err().code(), Some(&ErrorCode::NotFound));
    // Marketing builds a segment: the demo ones first, then a rule of their own, checked
    // against the list filter, then a list from a search.
    let segments = marketing.list_segments().await.unwrap();
    let salon = segments.iter().find(|s| s.name == "Prospects du salon 2026").expect("demo segment");
    let tagged = marketing
        .list_contacts(&ContactQuery {
            kind: Some("prospect".into()),
            tag: Some("salon-2026".into()),
            limit: Some(200),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(salon.count, tagged.items.len() as u64);
    let rule = serde_json::json!({"all": [
        {"field": "kind", "op": "in", "value": ["prospect", "client"]},
        {"field": "tag", "op": "has", "value": "newsletter"}
    ]});
    let preview = marketing.preview_segment(&rule).await.unwrap();
    let newsletter = marketing
        .create_segment(&SegmentWrite {
            name: "Abonnés newsletter".into(),
            rule: Some(rule),
        })
        .await
        .unwrap();
    assert_eq!(newsletter.count, preview);
    let members = marketing
        .list_contacts(&ContactQuery {
            segment_id: Some(newsletter.id),
            limit: Some(200),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(members.items.len() as u64, preview);
    assert!(
        members
            .items
            .iter()
            .all(|c| c.tags.contains(&"newsletter".to_owned()) && c.kind != "partner")
    );
    let webinar = marketing
        .create_segment(&SegmentWrite {
            name: "Invités webinaire".into(),
            rule: None,
        })
        .await
        .unwrap();
    let name = all.items[0].last_name.clone();
    let mut added = 0;
    for _ in 0..200 {
        added = marketing.add_segment_members_from_search(webinar.id, &name, None).await.unwrap();
        if added > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(added >= 1, "the search finds {name}");
    assert_eq!(marketing.segment(webinar.id).await.unwrap().count, added);

    // Marketing brings a lead in, qualifies it, hands it over to the Nord team in turn;
    // another is disqualified; the funnel of the last 18 months.
    let lead = marketing
        .create_lead(
            &crm_sdk::models::ContactWrite {
                kind: "prospect".into(),
                first_name: "Louise".into(),
                last_name: "Vigneron".into(),
                emails: vec!["louise@vigneron.fr".into()],
                source: Some("Salon professionnel".into()),
                ..crm_sdk::models::ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let pool = ContactQuery {
        pooled: Some(true),
        limit: Some(200),
        ..ContactQuery::default()
    };
    assert!(marketing.list_contacts(&pool).await.unwrap().items.iter().any(|c| c.id == lead.id));
    assert!(sales.list_contacts(&pool).await.unwrap().items.is_empty(), "no rep sees the pool");
    let status = |s: &str, reason: Option<&str>| LeadStatusWrite {
        status: s.into(),
        reason: reason.map(str::to_owned),
    };
    let lead = marketing
        .set_lead_status(lead.id, lead.version, &status("working", None))
        .await
        .unwrap();
    let lead = marketing
        .set_lead_status(lead.id, lead.version, &status("qualified", None))
        .await
        .unwrap();
    let other = marketing
        .list_contacts(&ContactQuery {
            lead_status: Some("new".into()),
            ..pool.clone()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let other = marketing
        .set_lead_status(other.id, other.version, &status("disqualified", Some("no_budget")))
        .await
        .unwrap();
    assert_eq!(other.lead.unwrap().reason.as_deref(), Some("no_budget"));
    let teams = marketing.list_teams().await.unwrap();
    let nord = teams.iter().find(|t| t.name == "Équipe Nord").unwrap();
    let handed = marketing
        .hand_over_lead(
            lead.id,
            lead.version,
            &HandOver {
                owner_id: None,
                team_id: Some(nord.id),
                by_territory: None,
            },
        )
        .await
        .unwrap();
    assert!([id_of("commercial1"), id_of("commercial3")].contains(&handed.owner_id));
    assert!(!handed.lead.as_ref().unwrap().pooled);
    let funnel = marketing
        .lead_funnel(
            chrono::Utc::now() - chrono::Duration::days(550),
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert!(funnel.len() >= 12, "18 months of leads, by month and source");
    assert!(funnel.iter().map(|l| l.won).sum::<u64>() >= 1);
    // The campaigns of the last months, their recipients' reactions, the runs of the rules
    // they started, and a clicker's score with its history.
    let campaigns = marketing.campaigns().await.unwrap();
    let names: Vec<&str> = campaigns.iter().map(|c| c.name.as_str()).collect();
    assert!(
        names.contains(&"Invitation au salon professionnel") && names.contains(&"Newsletter du trimestre"),
        "{names:?}"
    );
    let invitation = campaigns.iter().find(|c| c.name == "Invitation au salon professionnel").unwrap();
    assert_eq!(invitation.status, "sent");
    let recipients = marketing.campaign_recipients(invitation.id, None, Some(200)).await.unwrap();
    assert!(recipients.iter().any(|r| r.state == "bounced"), "a message came back");
    assert!(recipients.iter().any(|r| r.replied_at.is_some()) && recipients.iter().any(|r| r.unsubscribed_at.is_some()));
    let clicker = recipients.iter().find(|r| r.clicked_at.is_some()).expect("someone clicked");
    let rules = marketing.automations().await.unwrap();
    let on_click = rules
        .iter()
        .find(|r| r.name == "Clic dans un email : rappel par le commercial")
        .unwrap();
    let runs = marketing.automation_runs(on_click.id, None, None).await.unwrap();
    assert!(
        runs.iter().any(|r| r.contact_id == Some(clicker.contact_id) && r.state == "done"),
        "{runs:?}"
    );
    let score = marketing.contact_score(clicker.contact_id).await.unwrap();
    assert!(score.history.len() >= 2, "{score:?}");

    // The rep who received it opens its first deal, wins it: the lead becomes a client.
    let rep = if handed.owner_id == id_of("commercial1") {
        sales.clone()
    } else {
        login("commercial3@fim-martin.fr").await
    };
    let told = rep.notifications(true).await.unwrap();
    let pipeline = pipelines.iter().find(|p| p.name == "Ventes").unwrap();
    let mut deal = rep
        .open_lead_opportunity(
            handed.id,
            &LeadOpportunity {
                pipeline_id: pipeline.id,
                title: "Première commande".into(),
                value_minor: 450_000,
                ..LeadOpportunity::default()
            },
        )
        .await
        .unwrap();
    while deal.stage_id != pipeline.stages.last().unwrap().id {
        deal = rep.advance_opportunity(deal.id, deal.version).await.unwrap();
    }
    rep.win_opportunity(deal.id, deal.version).await.unwrap();
    let mut kind = String::new();
    for _ in 0..200 {
        kind = rep.contact(handed.id).await.unwrap().kind;
        if kind == "client" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(kind, "client");
    let steps: Vec<String> = rep
        .contact_timeline(handed.id, None, None)
        .await
        .unwrap()
        .iter()
        .rev()
        .filter_map(|e| e.event.as_ref().map(|e| e.kind.clone()))
        .collect();
    assert_eq!(
        steps,
        [
            "created",
            "lead_status_changed",
            "lead_status_changed",
            "owner_changed",
            "converted"
        ]
    );
    assert!(
        told.iter().any(|n| n.kind == "contact_assigned" && n.entity_id == Some(handed.id))
            || rep
                .notifications(false)
                .await
                .unwrap()
                .iter()
                .any(|n| n.entity_id == Some(handed.id)),
        "the rep was told"
    );
    s.stop().await;
}
