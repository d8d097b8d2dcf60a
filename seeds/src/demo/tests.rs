//! Tests of the demo: its plan is deterministic and true to each trade, and it loads
//! through the services.

use super::plan::{company_generator, words_rng};
use super::*;
use crate::trades;
use crate::{Generator, pick};
use crm_domain::Actor;
use crm_ports::App;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_plan_is_deterministic() {
    assert_eq!(companies(), companies());
    assert_eq!(companies().len(), 10);
    let trades: std::collections::HashSet<_> = companies().iter().map(|c| c.trade.name).collect();
    assert_eq!(trades.len(), 10, "ten different trades");
    let a = Generator::new(2026);
    let b = Generator::new(2026);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    for i in 0..500 {
        assert_eq!(format!("{:?}", a.contact(i, 40)), format!("{:?}", b.contact(i, 40)));
    }
    for i in 0..120 {
        assert_eq!(
            format!("{:?}", a.opportunity(&trades::WINE, i, today, 4)),
            format!("{:?}", b.opportunity(&trades::WINE, i, today, 4))
        );
    }
    let texts = |mut r: ChaCha8Rng| (0..50).map(|_| *pick(&mut r, trades::WINE.notes)).collect::<Vec<_>>();
    assert_eq!(texts(words_rng(2026, 4)), texts(words_rng(2026, 4)));
}

/// The trade whose list holds `title` once its " n° N" is taken off, if exactly one.
fn trade_of_title(title: &str) -> Option<&'static str> {
    let base = title.rsplit_once(" n° ").map_or(title, |(b, _)| b);
    let mut owners = trades::TRADES.iter().filter(|t| t.deals.contains(&base));
    match (owners.next(), owners.next()) {
        (Some(t), None) => Some(t.name),
        _ => None,
    }
}

#[test]
fn every_company_sells_what_its_trade_sells() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let plan = companies();
    assert_eq!(plan[0].trade.name, "Fournitures industrielles");
    assert_eq!(plan[4].name, "Vins et Domaines Garnier");
    assert_eq!(plan[4].trade.name, "Négoce de vins");
    for seed in [2026, 7] {
        for (ci, company) in plan.iter().enumerate() {
            let g = company_generator(seed, ci);
            for i in 0..120 {
                let title = g.opportunity(company.trade, i, today, company.stages.len()).0.title;
                assert_eq!(trade_of_title(&title), Some(company.trade.name), "{}: {title:?}", company.name);
            }
        }
    }
    // The example of the issue: an industrial supplier sold "Commande vins de fête".
    assert_eq!(trade_of_title("Commande vins de fête n° 3"), Some("Négoce de vins"));
}

#[test]
fn no_demo_contact_has_a_job_title_of_the_other_gender() {
    for seed in [2026, 7] {
        for ci in 0..companies().len() {
            let g = company_generator(seed, ci);
            // The contacts, then the sources of the planted duplicates.
            let people = (0..500).map(|i| g.contact(i, 40).0).chain((0..3).map(|k| g.contact(k, 0).0));
            for c in people {
                let gender = crate::gender_of(&c.first_name).unwrap();
                let title = c.job_title.unwrap();
                assert!(crate::tests::agrees(&title, gender), "{} ({gender:?}): {title:?}", c.first_name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_through_the_services() {
    let dir = tempfile::tempdir().unwrap();
    let keys = crm_crypto::Keyring::from_spec("1:0909090909090909090909090909090909090909090909090909090909090909").unwrap();
    let store = crm_store_sql::SqlStore::open_sqlite(&dir.path().join("demo.db"), crm_crypto::RingCipher::new(keys))
        .await
        .unwrap();
    let app = App::new(store, crm_crypto::Argon2Credentials::with_params(2, 256, 1).unwrap());
    let files: std::sync::Arc<dyn crm_ports::files::FileStorage> =
        std::sync::Arc::new(crm_files_disk::DiskFiles::open(&dir.path().join("files"), app.store().cipher()).unwrap());
    let env = DemoEnv {
        imports: Some((files, std::sync::Arc::new(crm_tabular::Tables::default()))),
        ..DemoEnv::default()
    };
    let steps = std::sync::Mutex::new(Vec::new());
    let r = load_with_progress(&app, 7, DemoSize::Small, &env, &|p| steps.lock().unwrap().push(p))
        .await
        .unwrap();
    let steps = steps.into_inner().unwrap();
    assert_eq!(
        steps.iter().map(|p| (p.done, p.total, p.company)).collect::<Vec<_>>(),
        [(0, 2, Some(companies()[0].name)), (1, 2, Some(companies()[1].name)), (2, 2, None)],
        "one step per company, then the end"
    );
    assert_eq!(
        (r.tenants, r.contacts, r.leads, r.opportunities, r.activities),
        (2, 2 * 63, 2 * 20, 2 * (15 + 4), 2 * 20)
    );
    assert_eq!(r.logins.len(), 2 * 5);
    // As loaded: each company's deals are of its trade, job titles agree with first names.
    let page = crm_ports::query::PageRequest {
        limit: Some(200),
        ..Default::default()
    };
    for (plan, l) in companies().iter().zip(r.logins.iter().filter(|l| l.role == Role::Admin)) {
        let admin = app.login(&l.email, DEMO_PASSWORD).await.unwrap().actor;
        let deals = app
            .list_opportunities(&admin, &crm_ports::query::OpportunityFilter::default(), &page)
            .await
            .unwrap();
        // 15 deals, and 4 opened from leads (2 of them won).
        assert_eq!(deals.items.len(), 19);
        for d in &deals.items {
            assert_eq!(trade_of_title(d.fields.title.as_str()), Some(plan.trade.name), "{}", plan.name);
        }
        // The deals tell 18 months' story: opened over the months, each step dated between
        // its opening and its close, closed (won or lost) in many months, a few still open
        // and expected in the coming months.
        let now = app.now();
        let opened: std::collections::BTreeSet<_> = deals.items.iter().map(|d| d.created_at.format("%Y-%m").to_string()).collect();
        assert!(opened.len() >= 10, "deals opened over the months: {opened:?}");
        let closed: std::collections::BTreeSet<_> = deals
            .items
            .iter()
            .filter_map(|d| d.closed_at.map(|c| c.format("%Y-%m").to_string()))
            .collect();
        assert!(closed.len() >= 6, "deals closed over the months: {closed:?}");
        assert!(
            deals
                .items
                .iter()
                .any(|d| d.status == crm_domain::opportunity::Status::Won && d.created_at < now - chrono::Duration::days(180))
        );
        assert!(
            deals
                .items
                .iter()
                .any(|d| matches!(d.status, crm_domain::opportunity::Status::Lost { .. }))
        );
        let entered: std::collections::HashMap<_, _> = app
            .list_contacts(&admin, &crm_ports::query::ContactFilter::default(), &page)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|c| (c.id, c.created_at))
            .collect();
        for d in &deals.items {
            for c in &d.fields.contact_ids {
                assert!(entered[c] <= d.created_at, "a deal older than its contact: {d:?}");
            }
            let end = d.closed_at.unwrap_or(now);
            assert!(d.created_at <= end && end <= now, "{d:?}");
            assert!(d.stage_history.iter().all(|h| d.created_at <= h.at && h.at <= end), "{d:?}");
        }
        let coming = deals
            .items
            .iter()
            .filter(|d| d.status == crm_domain::opportunity::Status::Open && d.fields.expected_close.is_some_and(|c| c > now.date_naive()))
            .count();
        assert!(coming >= 3, "open deals expected in the coming months: {coming}");
        // Every Manager validated their team's forecast each month: this month's is there,
        // and the months before set what was submitted against what was won.
        let period = crm_domain::report::ReportPeriod::containing(now.date_naive(), crm_domain::report::PeriodKind::Month);
        let (mut submitted, mut won) = (0, 0);
        for team in app.list_teams(&admin).await.unwrap() {
            let manager = Actor::User {
                tenant_id: team.tenant_id,
                user_id: team.manager_id,
                role: Role::Manager,
            };
            let f = app.team_forecast(&manager, team.id, period).await.unwrap();
            assert!(f.submitted.is_some(), "{}", team.name);
            submitted += f.history.iter().filter(|a| a.adjusted_minor.is_some()).count();
            won += f.history.iter().filter(|a| a.won_minor > 0).count();
        }
        assert!(
            submitted >= 3 && won >= 2,
            "forecast history: {submitted} submitted, {won} with sales"
        );
        let contacts = app
            .list_contacts(&admin, &crm_ports::query::ContactFilter::default(), &page)
            .await
            .unwrap();
        assert_eq!(
            contacts.items.len(),
            89,
            "63 contacts, 20 leads and 6 trade-show visitors imported by Marketing"
        );
        // Leads in every status, some still in the pool, over the months.
        let leads: Vec<_> = contacts.items.iter().filter_map(|c| c.lead.as_ref().map(|l| (c, l))).collect();
        assert_eq!(leads.len(), 26, "the imported visitors are leads in the pool");
        for s in crm_domain::lead::LeadStatus::ALL {
            assert!(leads.iter().any(|(_, l)| l.status == s), "{s:?}");
        }
        assert!(leads.iter().any(|(_, l)| l.pooled) && leads.iter().any(|(_, l)| !l.pooled));
        let months: std::collections::BTreeSet<_> = leads.iter().map(|(c, _)| c.created_at.format("%Y-%m").to_string()).collect();
        assert!(months.len() >= 12, "leads over the months: {months:?}");
        let funnel = app
            .lead_funnel(&admin, app.now() - chrono::Duration::days(600), app.now())
            .await
            .unwrap();
        let won: u64 = funnel.iter().map(|l| l.won).sum();
        assert_eq!(won, 2);
        let mut unknown = 0;
        for c in &contacts.items {
            let title = c.fields.job_title.as_ref().unwrap().as_str();
            match crate::gender_of(c.fields.first_name.as_str()) {
                Some(g) => assert!(crate::tests::agrees(title, g), "{}: {title:?}", c.fields.first_name.as_str()),
                None => unknown += 1, // the planted duplicate whose first name has a letter more
            }
        }
        assert_eq!(unknown, 1);
        // Templates, consents (some withdrawn), requests handled and open, webhooks that
        // have delivered nothing of the past.
        assert_eq!(app.email_templates(&admin).await.unwrap().len(), 3);
        let (mut granted, mut withdrawn) = (0, 0);
        for c in contacts.items.iter().filter(|c| c.lead.is_none()) {
            for r in app.consents(&admin, c.id).await.unwrap().history {
                assert!(r.recorded_at >= c.created_at && r.recorded_at <= now, "{r:?}");
                match r.state {
                    crm_domain::consent::ConsentState::Granted(_) => granted += 1,
                    crm_domain::consent::ConsentState::Withdrawn => withdrawn += 1,
                }
            }
        }
        assert!(granted >= 3 && withdrawn >= 1, "consents: {granted} granted, {withdrawn} withdrawn");
        let requests = app.privacy_requests(&admin, None).await.unwrap();
        let status = |s| requests.iter().filter(|r| r.status == s).count();
        assert_eq!(
            (
                status(crm_domain::privacy::RequestStatus::Done),
                status(crm_domain::privacy::RequestStatus::Open)
            ),
            (2, 1)
        );
        // Two campaigns sent, every kind of reaction in each; the rules ran on them; the
        // scores have a history.
        let campaigns = app.campaigns(&admin).await.unwrap();
        assert_eq!(campaigns.len(), 2);
        for c in &campaigns {
            assert_eq!(c.status, crm_domain::campaign::CampaignStatus::Sent, "{}", c.name);
            let s = app.campaign_stats(&admin, c.id).await.unwrap();
            assert!(s.sent >= 5 && s.queued == 0, "{}: {s:?}", c.name);
            assert!(
                s.opened >= 2 && s.clicked >= 1 && s.replied >= 1 && s.unsubscribed >= 1 && s.bounced == 1,
                "{}: {s:?}",
                c.name
            );
        }
        let counts = app.automation_run_counts(&admin).await.unwrap();
        let done: u64 = counts
            .iter()
            .filter(|c| c.state == crm_domain::automation::RunState::Done)
            .map(|c| c.count)
            .sum();
        assert!(done >= 4, "automation runs: {counts:?}");
        assert!(counts.iter().all(|c| c.last_at <= now), "{counts:?}");
        assert_eq!(app.automations(&admin).await.unwrap().len(), 4);
        let mut histories = 0;
        for c in contacts.items.iter().filter(|c| c.lead.is_none()) {
            let score = app.contact_score(&admin, c.id).await.unwrap();
            if score.history.len() >= 2 {
                histories += 1;
            }
        }
        assert!(histories >= 5, "scores with a history: {histories}");
        // Every score is current (the imported visitors' too), and the server's score
        // keeper finds nothing of the past to score at its first start: no score changes,
        // no rescoring queued.
        let tenant = admin.tenant_id().unwrap();
        // (Each computed again at the instant of its stored score: engagements fade.)
        for c in &contacts.items {
            let stored = crm_ports::store::ScoringStore::contact_score(app.store(), tenant, c.id)
                .await
                .unwrap();
            let at = stored.as_ref().map_or_else(|| app.now(), |s| s.computed_at);
            let fresh = app
                .with_clock(crm_ports::FixedClock(at))
                .compute_scores(tenant, &[c.id])
                .await
                .unwrap();
            assert_eq!(
                stored.map_or(0, |s| s.breakdown.score),
                fresh.first().map_or(0, |f| f.breakdown.score),
                "{:?}",
                c.id
            );
        }
        let keeper = crm_ports::runtime::consumers::InStore::new(crm_ports::services::scoring::keeper::ScoreKeeper::new(&app), &app);
        let latest = app.latest_event(&admin).await.unwrap();
        app.catch_up(&keeper, tenant, 500).await.unwrap();
        assert_eq!(app.latest_event(&admin).await.unwrap(), latest, "the keeper changed a score");
        let jobs = crm_ports::store::JobStore::jobs(app.store(), tenant, None, 1_000).await.unwrap();
        assert!(
            !jobs
                .iter()
                .any(|j| j.kind == crm_ports::services::scoring::rescore::ON_DEMAND && j.state == crm_ports::store::JobState::Queued),
            "a rescoring queued at the first start"
        );
        // Marketing's import of the trade-show visitors, three days ago: the new people
        // created, the others left out with their reasons (a rep's contact, an address
        // without its domain).
        let imports = app.import_jobs(&admin, 10).await.unwrap();
        assert_eq!(imports.len(), 1);
        let p = &imports[0].progress;
        assert_eq!((p.total, p.done, p.created, p.skipped), (9, 9, 6, 3), "{p:?}");
        assert!(
            p.noted.iter().any(|n| n.note == crm_ports::services::import::RowNote::NotEditable),
            "{p:?}"
        );
        assert!(
            p.noted
                .iter()
                .any(|n| matches!(n.note, crm_ports::services::import::RowNote::Invalid(_))),
            "{p:?}"
        );
        assert!(imports[0].job.created_at < now - chrono::Duration::days(2));
        let hooks = app.webhooks(&admin).await.unwrap();
        assert_eq!((hooks.len(), hooks.iter().filter(|h| h.spec.active).count()), (2, 1));
        let deliveries = app
            .webhook_deliveries(&admin, crm_ports::store::DeliveryFilter::default(), 10)
            .await
            .unwrap();
        assert!(deliveries.is_empty(), "{deliveries:?}");
    }
    // Every role can log in with the demo password; what was given to each over the
    // months was told and read.
    let mut told = 0;
    for l in &r.logins {
        let s = app.login(&l.email, DEMO_PASSWORD).await.unwrap();
        assert!(app.notifications(&s.actor, true, 10).await.unwrap().is_empty(), "{}", l.email);
        told += app.notifications(&s.actor, false, 10).await.unwrap().len();
        match s.actor {
            Actor::User { role, .. } => assert_eq!(role, l.role),
            other => panic!("{other:?}"),
        }
    }
    assert!(told > 0);
}
