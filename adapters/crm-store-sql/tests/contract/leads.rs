//! Leads and the customer cycle on both backends: Marketing brings leads in (one or in
//! bulk) into the pool, which a Manager sees and a sales rep never does; qualification
//! rules; hand-over by hand and by round-robin; the company's reasons; conversion by hand;
//! the funnel's outcomes; list filters.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::ViolationKind;
use crm_domain::lead::{LeadReason, LeadSettings, LeadStatus};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::services::leads::HandOver;
use crm_ports::store::LeadStore as _;

fn fault(e: ServiceError) -> (String, ViolationKind) {
    match e {
        ServiceError::Invalid(v) => (v.errors()[0].field.clone(), v.errors()[0].kind),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub async fn the_lead_cycle(h: &Harness) {
    let (_, admin) = h.tenant("Pistes").await;
    let (manager, manager_a) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Équipe Pistes", manager.id).await;
    let (rep1, rep1_a) = h.user(&admin, Role::Sales, Some(team)).await;
    let (rep2, rep2_a) = h.user(&admin, Role::Sales, Some(team)).await;
    let (_, outsider_mgr) = h.user(&admin, Role::Manager, None).await;
    let (marketer, mkt) = h.user(&admin, Role::Marketing, None).await;

    // Marketing brings a lead in: a prospect in the pool, owned by the marketer.
    let lead = h.app.create_lead(&mkt, &input("Léa", "Piste"), false).await.unwrap();
    let l = lead.lead.clone().unwrap();
    assert_eq!((l.status, l.pooled, lead.owner_id), (LeadStatus::New, true, marketer.id));
    // Not a prospect: refused. A sales rep cannot bring leads in.
    let mut client = input("Cli", "Ent");
    client.kind = "client".into();
    assert_eq!(
        fault(h.app.create_lead(&mkt, &client, true).await.unwrap_err()),
        ("kind".into(), ViolationKind::NotAllowed)
    );
    assert!(matches!(
        h.app.create_lead(&rep1_a, &input("Non", "Rep"), true).await,
        Err(ServiceError::Forbidden)
    ));
    // Marketing still cannot create ordinary contacts.
    assert!(matches!(
        h.app.create_contact(&mkt, &input("Non", "Mkt"), None, true).await,
        Err(ServiceError::Forbidden)
    ));

    // The pool: a Manager sees it (even one leading no team of the lead's owner), a sales
    // rep never; lists filter by pool and status.
    for who in [&manager_a, &outsider_mgr, &admin, &mkt] {
        assert!(h.app.contact(who, lead.id).await.is_ok());
    }
    assert!(matches!(h.app.contact(&rep1_a, lead.id).await, Err(ServiceError::NotFound)));
    let pooled = ContactFilter {
        pooled: Some(true),
        ..ContactFilter::default()
    };
    let page = PageRequest::default();
    assert_eq!(h.app.list_contacts(&manager_a, &pooled, &page).await.unwrap().items.len(), 1);
    assert!(h.app.list_contacts(&rep1_a, &pooled, &page).await.unwrap().items.is_empty());
    let new = ContactFilter {
        lead_status: Some(LeadStatus::New),
        ..ContactFilter::default()
    };
    assert_eq!(h.app.list_contacts(&admin, &new, &page).await.unwrap().items.len(), 1);

    // Marketing edits the pooled lead, but may not make it a client while in the pool.
    let mut edit = input("Léa", "Piste-Durand");
    let lead = h.app.update_contact(&mkt, lead.id, lead.version, &edit).await.unwrap();
    edit.kind = "client".into();
    assert_eq!(
        fault(h.app.update_contact(&mkt, lead.id, lead.version, &edit).await.unwrap_err()),
        ("kind".into(), ViolationKind::NotAllowed)
    );

    // Qualification: disqualify needs a reason of the list; then back to work, qualified.
    assert_eq!(
        fault(
            h.app
                .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Disqualified, None)
                .await
                .unwrap_err()
        ),
        ("reason".into(), ViolationKind::Required)
    );
    assert!(matches!(
        h.app
            .set_lead_status(&mkt, lead.id, lead.version + 7, LeadStatus::Working, None)
            .await,
        Err(ServiceError::Conflict)
    ));
    let lead = h
        .app
        .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Disqualified, Some("no_budget"))
        .await
        .unwrap();
    assert_eq!(lead.lead.as_ref().unwrap().reason.as_deref(), Some("no_budget"));
    assert_eq!(
        fault(
            h.app
                .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::New, None)
                .await
                .unwrap_err()
        ),
        ("status".into(), ViolationKind::NotAllowed)
    );
    // Not qualified yet: no hand-over.
    assert_eq!(
        fault(
            h.app
                .hand_over_lead(&mkt, lead.id, lead.version, HandOver::To(rep1.id))
                .await
                .unwrap_err()
        ),
        ("status".into(), ViolationKind::NotAllowed)
    );
    let lead = h
        .app
        .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Working, None)
        .await
        .unwrap();
    let lead = h
        .app
        .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Qualified, None)
        .await
        .unwrap();
    let q = lead.lead.clone().unwrap();
    assert_eq!(
        (q.status, q.reason.as_deref(), q.changed_by),
        (LeadStatus::Qualified, None, Some(marketer.id))
    );
    assert!(q.qualified_at.is_some());
    // Segments select leads by status.
    let qualified = h
        .app
        .create_segment(
            &mkt,
            &crm_ports::services::segments::SegmentInput {
                name: "Pistes qualifiées".into(),
                rule: Some(serde_json::json!({"field": "lead_status", "op": "eq", "value": "qualified"})),
            },
        )
        .await
        .unwrap();
    let in_segment = ContactFilter {
        segment: Some(h.app.membership(&qualified)),
        ..ContactFilter::default()
    };
    let found = h.app.list_contacts(&mkt, &in_segment, &page).await.unwrap().items;
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![lead.id]);
    // The generic reassignment refuses a pooled lead: it goes by its hand-over.
    assert_eq!(
        fault(h.app.assign_contact(&admin, lead.id, lead.version, rep1.id).await.unwrap_err()),
        ("owner_id".into(), ViolationKind::NotAllowed)
    );

    // Hand-over by round-robin: the team's reps in turn.
    let lead = h
        .app
        .hand_over_lead(&mkt, lead.id, lead.version, HandOver::RoundRobin(team))
        .await
        .unwrap();
    let first = lead.owner_id;
    assert!(first == rep1.id || first == rep2.id);
    assert!(!lead.lead.as_ref().unwrap().pooled);
    let (rep_of, other_of) = if first == rep1.id { (&rep1_a, &rep2_a) } else { (&rep2_a, &rep1_a) };
    assert!(h.app.contact(rep_of, lead.id).await.is_ok(), "the rep sees it now");
    assert!(matches!(h.app.contact(other_of, lead.id).await, Err(ServiceError::NotFound)));
    // Handed over: Marketing no longer edits it, and it cannot be handed over twice.
    assert!(matches!(
        h.app.update_contact(&mkt, lead.id, lead.version, &input("Léa", "X")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        h.app.set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Working, None).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(
        fault(
            h.app
                .hand_over_lead(&admin, lead.id, lead.version, HandOver::To(rep1.id))
                .await
                .unwrap_err()
        ),
        ("owner_id".into(), ViolationKind::NotAllowed)
    );
    let mut second = h.app.create_lead(&mkt, &input("Marc", "Suivant"), true).await.unwrap();
    second = h
        .app
        .set_lead_status(&mkt, second.id, second.version, LeadStatus::Qualified, None)
        .await
        .unwrap();
    let second = h
        .app
        .hand_over_lead(&mkt, second.id, second.version, HandOver::RoundRobin(team))
        .await
        .unwrap();
    assert_ne!(second.owner_id, first, "the other rep's turn");
    // A team without sales reps: refused; a rep outside the Manager's teams: forbidden.
    let empty = h.team(&admin, "Équipe vide", manager.id).await;
    let mut third = h.app.create_lead(&mkt, &input("Zoé", "Troisième"), true).await.unwrap();
    third = h
        .app
        .set_lead_status(&admin, third.id, third.version, LeadStatus::Qualified, None)
        .await
        .unwrap();
    assert_eq!(
        fault(
            h.app
                .hand_over_lead(&mkt, third.id, third.version, HandOver::RoundRobin(empty))
                .await
                .unwrap_err()
        ),
        ("team_id".into(), ViolationKind::NotAllowed)
    );
    let (loner, _) = h.user(&admin, Role::Sales, None).await;
    assert!(matches!(
        h.app
            .hand_over_lead(&manager_a, third.id, third.version, HandOver::To(loner.id))
            .await,
        Err(ServiceError::Forbidden)
    ));

    // The first opportunity in one step, then conversion by hand.
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let opp = h
        .app
        .open_lead_opportunity(
            rep_of,
            lead.id,
            pipeline.id,
            &OpportunityInput {
                title: "Première affaire".into(),
                value_minor: 5_000_00,
                ..OpportunityInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((opp.owner_id, opp.fields.contact_ids.clone()), (first, vec![lead.id]));
    assert_eq!(opp.stage_id, pipeline.stages[0].id);
    assert_eq!(
        fault(h.app.convert_to_client(rep_of, lead.id, lead.version, " ").await.unwrap_err()),
        ("reason".into(), ViolationKind::Required)
    );
    let lead = h
        .app
        .convert_to_client(rep_of, lead.id, lead.version, "Bon de commande signé")
        .await
        .unwrap();
    assert_eq!(lead.kind, crm_domain::contact::ContactKind::Client);
    assert_eq!(
        fault(h.app.convert_to_client(rep_of, lead.id, lead.version, "Encore").await.unwrap_err()),
        ("kind".into(), ViolationKind::NotAllowed)
    );
    assert!(matches!(
        h.app.convert_to_client(&mkt, second.id, second.version, "x").await,
        Err(ServiceError::Forbidden)
    ));

    // The log tells each step.
    let kinds: Vec<_> = h
        .app
        .events_after(&admin, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_id == lead.id.as_uuid())
        .map(|e| e.kind.name())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "updated",
            "lead_status_changed",
            "lead_status_changed",
            "lead_status_changed",
            "owner_changed",
            "converted"
        ]
    );

    // The funnel's outcomes: three leads came in, two qualified and handed over, one with
    // an opportunity, none won yet.
    let now = h.app.now();
    let lines = h
        .app
        .lead_funnel(&admin, now - chrono::Duration::days(1), now + chrono::Duration::days(1))
        .await
        .unwrap();
    let total = |f: fn(&crm_ports::services::leads::FunnelLine) -> u64| lines.iter().map(f).sum::<u64>();
    assert_eq!(
        (
            total(|l| l.leads),
            total(|l| l.qualified),
            total(|l| l.with_opportunity),
            total(|l| l.won)
        ),
        (3, 3, 1, 0)
    );
    assert!(matches!(
        h.app.lead_funnel(&rep1_a, now - chrono::Duration::days(1), now).await,
        Err(ServiceError::Forbidden)
    ));
}

pub async fn bulk_leads_and_reasons(h: &Harness) {
    let (_, admin) = h.tenant("Pistes en masse").await;
    let (_, mkt) = h.user(&admin, Role::Marketing, None).await;
    // All or nothing, every fault named.
    let mut bad = input("", "Sans prénom");
    bad.emails = vec!["pas-un-email".into()];
    let e = h
        .app
        .import_leads(&mkt, &[input("Ana", "Un"), bad, input("Bob", "Trois")])
        .await
        .unwrap_err();
    let ServiceError::Invalid(v) = e else { panic!("{e:?}") };
    let fields: Vec<_> = v.errors().iter().map(|f| f.field.as_str()).collect();
    assert!(
        fields.contains(&"leads.1.first_name") && fields.contains(&"leads.1.emails.0"),
        "{fields:?}"
    );
    let page = PageRequest::default();
    assert!(
        h.app
            .list_contacts(&admin, &ContactFilter::default(), &page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let made = h.app.import_leads(&mkt, &[input("Ana", "Un"), input("Bob", "Deux")]).await.unwrap();
    assert!(
        made.iter()
            .all(|c| c.lead.as_ref().is_some_and(|l| l.pooled && l.status == LeadStatus::New))
    );

    // Settings: the built-in reasons and no former-client rule until the Admin sets them;
    // only the Admin.
    assert_eq!(h.app.lead_settings(&mkt).await.unwrap(), LeadSettings::default());
    let settings = LeadSettings {
        reasons: vec![
            LeadReason {
                code: "no_budget".into(),
                label: None,
            },
            LeadReason {
                code: "salon-rate".into(),
                label: Some("Rencontré au salon, hors cible".into()),
            },
        ],
        former_client_after_months: Some(18),
    };
    assert!(matches!(
        h.app.set_lead_settings(&mkt, &settings).await,
        Err(ServiceError::Forbidden)
    ));
    let bad = LeadSettings {
        former_client_after_months: Some(0),
        ..settings.clone()
    };
    assert_eq!(
        fault(h.app.set_lead_settings(&admin, &bad).await.unwrap_err()),
        ("former_client_after_months".into(), ViolationKind::OutOfRange)
    );
    h.app.set_lead_settings(&admin, &settings).await.unwrap();
    assert_eq!(h.app.lead_settings(&mkt).await.unwrap(), settings);
    let c = &made[0];
    assert_eq!(
        fault(
            h.app
                .set_lead_status(&mkt, c.id, c.version, LeadStatus::Disqualified, Some("no_need"))
                .await
                .unwrap_err()
        ),
        ("reason".into(), ViolationKind::Unknown)
    );
    let c = h
        .app
        .set_lead_status(&mkt, c.id, c.version, LeadStatus::Disqualified, Some("salon-rate"))
        .await
        .unwrap();
    assert_eq!(c.lead.unwrap().reason.as_deref(), Some("salon-rate"));
}

/// A client with no deal for the company's months becomes a former client; one with an
/// open deal or a recent win stays; the rule is off until set.
pub async fn the_former_client_rule(h: &Harness) {
    let (tenant, admin) = h.tenant("Anciens clients").await;
    let tid = tenant.id;
    let mut client = input("Vieux", "Client");
    client.kind = "client".into();
    let stale = h.app.create_contact(&admin, &client, None, true).await.unwrap();
    let busy = h
        .app
        .create_contact(&admin, &input("Affaire", "Ouverte"), None, true)
        .await
        .unwrap();
    let busy = h.app.convert_to_client(&admin, busy.id, busy.version, "Commande").await.unwrap();
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    h.app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &OpportunityInput {
                title: "Renouvellement".into(),
                value_minor: 1_000_00,
                contact_ids: vec![busy.id],
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    assert!(stale.client_since.is_some() && busy.client_since.is_some());
    // Off by default.
    assert_eq!(h.app.apply_former_client_rule(tid).await.unwrap(), 0);
    // On, but both became clients just now: too early for either.
    let settings = LeadSettings {
        former_client_after_months: Some(1),
        ..LeadSettings::default()
    };
    h.app.set_lead_settings(&admin, &settings).await.unwrap();
    assert_eq!(h.app.apply_former_client_rule(tid).await.unwrap(), 0);
    // Two months later: the client without deals becomes a former client, with an event
    // naming the rule; the one with an open deal stays.
    let later = crate::reminders::process_at(h, h.app.now() + chrono::Duration::days(62));
    let found = h
        .app
        .store()
        .stale_clients(tid, later.now() - chrono::Duration::days(31), 50)
        .await
        .unwrap();
    assert_eq!(found, vec![stale.id]);
    assert_eq!(later.apply_former_client_rule(tid).await.unwrap(), 1);
    assert_eq!(later.apply_former_client_rule(tid).await.unwrap(), 0, "done once");
    let gone = h.app.contact(&admin, stale.id).await.unwrap();
    assert_eq!(
        (gone.kind, gone.client_since),
        (crm_domain::contact::ContactKind::FormerClient, None)
    );
    assert_eq!(
        h.app.contact(&admin, busy.id).await.unwrap().kind,
        crm_domain::contact::ContactKind::Client
    );
    let last = h.app.events_after(&admin, 0, 1000).await.unwrap().into_iter().last().unwrap();
    assert_eq!((last.entity_id, last.kind.name()), (stale.id.as_uuid(), "converted"));
    assert!(last.changes.iter().any(|c| c.field == "former_client_after_months"));
    // A former client who buys again is a client again, by hand too.
    let back = h
        .app
        .convert_to_client(&admin, gone.id, gone.version, "Nouvelle commande")
        .await
        .unwrap();
    assert!(back.client_since.is_some());
    // An Admin may run the rule at once; nobody else.
    let (_, rep) = h.user(&admin, crm_domain::user::Role::Sales, None).await;
    assert!(matches!(h.app.run_former_client_rule(&rep).await, Err(ServiceError::Forbidden)));
    assert_eq!(h.app.run_former_client_rule(&admin).await.unwrap(), 0);
}

contract!(the_lead_cycle, bulk_leads_and_reasons, the_former_client_rule);
