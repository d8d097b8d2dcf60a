//! Loading the demo through the application services, two companies at a time.

use super::plan::{CompanyPlan, companies, company_generator, words_rng};
use super::{DEMO_PASSWORD, DemoEnv, DemoLogin, DemoProgress, DemoReport, DemoSize};
use chrono::{Duration, Months};
use crm_domain::pipeline::StageInput;
use crm_domain::user::Role;
use crm_domain::{Actor, UserId};
use crm_ports::services::segments::SegmentInput;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::{NewUser, TeamInput};
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use futures::stream::{self, StreamExt};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Loads the demo data set.
///
/// # Errors
/// The first service error (a partial load stays: every write is its own transaction).
pub async fn load<S: Store, K: Credentials, C: Clock + Clone, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    seed: u64,
    size: DemoSize,
) -> Result<DemoReport, ServiceError> {
    load_with_progress(app, seed, size, &DemoEnv::default(), &|_| {}).await
}

/// Loads the demo data set as [`load`] does, in the installation `env` describes, telling
/// `progress` at the start and as each company is loaded (in the plan's order).
///
/// # Errors
/// As [`load`].
pub async fn load_with_progress<S: Store, K: Credentials, C: Clock + Clone, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    seed: u64,
    size: DemoSize,
    env: &DemoEnv,
    progress: &(dyn Fn(DemoProgress) + Sync),
) -> Result<DemoReport, ServiceError> {
    let sizes = match size {
        DemoSize::Full => Sizes {
            contacts: 500,
            organizations: 40,
            deals: 120,
            activities: 200,
            leads: 60,
            new_visitors: 18,
        },
        DemoSize::Small => Sizes {
            contacts: 60,
            organizations: 8,
            deals: 15,
            activities: 20,
            leads: 20,
            new_visitors: 6,
        },
    };
    let plans: Vec<CompanyPlan> = companies().into_iter().take(size.companies()).collect();
    let total = plans.len();
    let today = app.now();
    progress(DemoProgress {
        done: 0,
        total,
        company: plans.first().map(|p| p.name),
    });
    // Companies are loaded side by side, a few at a time, each as a task of its own: each
    // waits on the store for much of its time (its writes queue for the one connection
    // that writes), which another uses to work. Each company's writes stay in their order
    // and under its own clocks (its jobs claimed for it alone); only the order in which
    // the companies' writes interleave differs from one load to the next, as ids and
    // times of the demo already do.
    let background = Arc::new(super::background::Background::new(app, env));
    let mut loads = stream::iter(plans.iter().enumerate())
        .map(|(ci, plan)| {
            tokio::spawn(load_company(Company {
                app: app.clone(),
                background: Arc::clone(&background),
                seed,
                index: ci,
                plan: plan.clone(),
                sizes,
                today,
            }))
        })
        .buffered(AT_ONCE);
    let mut report = DemoReport::default();
    let mut done = 0;
    while let Some(loaded) = loads.next().await {
        report.absorb(loaded.map_err(|e| ServiceError::Internal(format!("demo: a company's load stopped: {e}")))??);
        done += 1;
        progress(DemoProgress {
            done,
            total,
            company: plans.get(done).map(|p| p.name),
        });
    }
    Ok(report)
}

/// Companies loaded at once.
const AT_ONCE: usize = 2;

/// How much of each kind a company of the demo holds.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    contacts: usize,
    organizations: u64,
    deals: u64,
    activities: usize,
    leads: u64,
    new_visitors: u64,
}

/// One company to load and what its load needs.
struct Company<S, K, C, I> {
    app: App<S, K, C, I>,
    background: Arc<super::background::Background<S, K, C, I>>,
    seed: u64,
    /// Its place in the plan (its generators are seeded by it).
    index: usize,
    plan: CompanyPlan,
    sizes: Sizes,
    today: chrono::DateTime<chrono::Utc>,
}

/// Loads one company whole; what it holds.
///
/// # Errors
/// The first service error.
async fn load_company<S, K, C, I>(company: Company<S, K, C, I>) -> Result<DemoReport, ServiceError>
where
    S: Store,
    K: Credentials,
    C: Clock + Clone,
    I: IdGenerator + Clone,
{
    let Company {
        app,
        background,
        seed,
        index: ci,
        plan,
        sizes,
        today,
    } = company;
    let (app, background, plan) = (&app, &*background, &plan);
    let mut report = DemoReport::default();
    let g = company_generator(seed, ci);
    let mut words = words_rng(seed, ci);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (ci as u64 + 1));
    let admin_email = format!("admin@{}", plan.domain);
    let (tenant, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: plan.name.into(),
                admin_email: admin_email.clone(),
                admin_name: "Administratrice".into(),
                admin_password: Some(DEMO_PASSWORD.into()),
                ..NewTenant::default()
            },
        )
        .await?;
    report.tenants += 1;
    let admin_actor = Actor::User {
        tenant_id: tenant.id,
        user_id: admin.id,
        role: Role::Admin,
    };
    report.logins.push(DemoLogin {
        company: plan.name,
        role: Role::Admin,
        email: admin_email,
    });
    let create_user = |role: Role, local: String, name: String| {
        let email = format!("{local}@{}", plan.domain);
        (
            email.clone(),
            NewUser {
                email,
                display_name: name,
                role: role.code().into(),
                team_id: None,
                password: Some(DEMO_PASSWORD.into()),
            },
        )
    };
    let mut managers = Vec::new();
    for (i, name) in ["Sophie Bernard", "Marc Lambert"].into_iter().enumerate() {
        let (email, u) = create_user(Role::Manager, format!("manager{}", i + 1), name.into());
        managers.push(app.create_user(&admin_actor, &u).await?);
        if i == 0 {
            report.logins.push(DemoLogin {
                company: plan.name,
                role: Role::Manager,
                email,
            });
        }
    }
    let mut teams = Vec::new();
    for (i, (name, territory)) in [("Équipe Nord", "Nord"), ("Équipe Sud", "Sud")].into_iter().enumerate() {
        teams.push(
            app.create_team(
                &admin_actor,
                &TeamInput {
                    name: name.into(),
                    manager_id: managers[i].id,
                    territory: Some(territory.into()),
                },
            )
            .await?,
        );
    }
    let mut owners: Vec<UserId> = managers.iter().map(|m| m.id).collect();
    for (i, name) in ["Julie Petit", "Thomas Girard", "Camille Roux", "Antoine Faure"]
        .into_iter()
        .enumerate()
    {
        let (email, mut u) = create_user(Role::Sales, format!("commercial{}", i + 1), name.into());
        u.team_id = Some(teams[i % 2].id);
        owners.push(app.create_user(&admin_actor, &u).await?.id);
        if i == 0 {
            report.logins.push(DemoLogin {
                company: plan.name,
                role: Role::Sales,
                email,
            });
        }
    }
    let mut marketing = admin_actor;
    for (role, local, name) in [
        (Role::Marketing, "marketing", "Léa Moreau"),
        (Role::Observer, "direction", "Paul Mercier"),
    ] {
        let (email, u) = create_user(role, local.into(), name.into());
        let user = app.create_user(&admin_actor, &u).await?;
        if role == Role::Marketing {
            marketing = Actor::User {
                tenant_id: tenant.id,
                user_id: user.id,
                role,
            };
        }
        report.logins.push(DemoLogin {
            company: plan.name,
            role,
            email,
        });
    }
    let stages: Vec<StageInput> = plan
        .stages
        .iter()
        .map(|(n, p)| StageInput {
            id: None,
            name: (*n).into(),
            probability: *p,
        })
        .collect();
    // Every new company starts with the default pipeline: the demo company's Admin
    // makes it their own (name and trade stages), as a real Admin would, rather than
    // leave an unused second pipeline next to theirs.
    let default = app
        .list_pipelines(&admin_actor)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("a new company starts with its default pipeline".into()))?;
    let pipeline = app
        .update_pipeline(&admin_actor, default.id, default.version, "Ventes", &stages, &[])
        .await?;
    // The company entered its organizations and contacts some two years ago, over five
    // months, when it started with the CRM (before any deal, lead or activity: the
    // oldest deals open some 19 months ago).
    let entered = |i: usize, n: usize| {
        let start = today.checked_sub_months(Months::new(26)).unwrap_or(today);
        let at = start + Duration::minutes(i64::try_from(i * 150 * 24 * 60 / n.max(1)).unwrap_or(0));
        app.with_clock(FixedClock(at))
    };
    let mut orgs = Vec::new();
    for (i, o) in g.organizations(sizes.organizations).enumerate() {
        orgs.push(
            entered(i, sizes.organizations as usize)
                .create_organization(&admin_actor, &o)
                .await?
                .id,
        );
    }
    let mut contacts = Vec::new();
    for (i, (mut input, org)) in g.contacts(sizes.contacts as u64, sizes.organizations).enumerate() {
        input.organization_id = org.map(|o| orgs[o as usize]);
        let owner = owners[i % owners.len()];
        contacts.push(
            entered(i, sizes.contacts)
                .create_contact(&admin_actor, &input, Some(owner), true)
                .await?,
        );
    }
    // Planted duplicates: the same email in capitals, the same phone written otherwise,
    // a first name one letter away.
    for (k, src) in contacts.iter().take(3).cloned().collect::<Vec<_>>().into_iter().enumerate() {
        let (mut dup, _) = g.contact(k as u64, 0);
        dup.first_name = src.fields.first_name.to_string();
        dup.last_name = src.fields.last_name.to_string();
        dup.emails = match k {
            0 => src.fields.emails.iter().map(|e| e.as_str().to_uppercase()).collect(),
            _ => vec![format!("doublon{k}@{}", plan.domain)],
        };
        dup.phones = match (k, src.fields.phones.first()) {
            (1, Some(p)) => vec![p.as_str().replacen("+33", "0", 1)],
            _ => Vec::new(),
        };
        if k == 2 {
            dup.first_name.push('e');
        }
        // In the same company, as such duplicates usually are.
        dup.organization_id = src.fields.organization_id;
        contacts.push(app.create_contact(&admin_actor, &dup, Some(src.owner_id), true).await?);
    }
    report.contacts += contacts.len();
    let team_ids: Vec<_> = teams.iter().map(|t| t.id).collect();
    let (leads, opened) = super::leads::load_leads(
        app,
        &g,
        &super::leads::LeadPlan {
            marketing,
            admin: admin_actor,
            teams: &team_ids,
            pipeline: &pipeline,
            trade: plan.trade,
            organizations: &orgs,
            count: sizes.leads,
        },
    )
    .await?;
    report.leads += leads;
    report.opportunities += opened;
    let led: Vec<(Actor, crm_domain::TeamId)> = managers
        .iter()
        .zip(&teams)
        .map(|(m, t)| {
            let manager = Actor::User {
                tenant_id: tenant.id,
                user_id: m.id,
                role: Role::Manager,
            };
            (manager, t.id)
        })
        .collect();
    report.opportunities += super::deals::load_deals(
        app,
        &g,
        &mut rng,
        &super::deals::DealPlan {
            admin: admin_actor,
            pipeline: &pipeline,
            trade: plan.trade,
            // Those entered two years ago (not the duplicates planted today).
            contacts: &contacts[..sizes.contacts],
            reps: &owners[2..],
            teams: &led,
            count: sizes.deals,
        },
    )
    .await?;
    report.activities += super::activities::load_activities(
        app,
        &admin_actor,
        plan.trade,
        &contacts,
        sizes.activities,
        today,
        (&mut rng, &mut words),
    )
    .await?;
    // Segments: two rules and a list kept by hand.
    for (name, rule) in [
        (
            "Prospects du salon 2026",
            serde_json::json!({"all": [
                {"field": "kind", "op": "eq", "value": "prospect"},
                {"field": "tag", "op": "has", "value": "salon-2026"}
            ]}),
        ),
        (
            "Clients sans activité depuis 90 jours",
            serde_json::json!({"all": [
                {"field": "kind", "op": "eq", "value": "client"},
                {"field": "last_activity", "op": "before", "value": {"days_ago": 90}}
            ]}),
        ),
    ] {
        app.create_segment(
            &admin_actor,
            &SegmentInput {
                name: name.into(),
                rule: Some(rule),
            },
        )
        .await?;
        report.segments += 1;
    }
    let invited = app
        .create_segment(
            &admin_actor,
            &SegmentInput {
                name: "Invitations soirée clients".into(),
                rule: None,
            },
        )
        .await?;
    let clients: Vec<_> = contacts
        .iter()
        .filter(|c| c.kind == crm_domain::contact::ContactKind::Client)
        .take(25)
        .map(|c| c.id)
        .collect();
    app.add_segment_members(&admin_actor, invited.id, &clients).await?;
    report.segments += 1;
    let mut loaded = super::compliance::load_compliance(
        app,
        &super::compliance::CompliancePlan {
            marketing,
            admin: admin_actor,
            domain: plan.domain,
            // Those entered two years ago (not the duplicates planted today).
            contacts: &contacts[..sizes.contacts],
        },
    )
    .await?;
    report.templates += loaded.templates.len();
    let (Some(&invitation), Some(&newsletter)) = (loaded.templates.first(), loaded.templates.get(1)) else {
        return Err(ServiceError::Internal("demo: the templates are written first".into()));
    };
    let engaged = super::engagement::load_engagement(
        app,
        background,
        &mut rng,
        &super::engagement::EngagementPlan {
            admin: admin_actor,
            marketing,
            contacts: &contacts[..sizes.contacts],
            invitation,
            newsletter,
            domain: plan.domain,
        },
        &mut loaded.diary,
    )
    .await?;
    let (consents, privacy_requests) = loaded.diary.finish(app).await?;
    report.consents += consents;
    report.privacy_requests += privacy_requests;
    report.scoring_rules += engaged.scoring_rules;
    report.automations += engaged.automations;
    report.campaigns += engaged.campaigns;
    report.messages += engaged.messages;
    report.imports += super::imports::load_import(
        app,
        background,
        &super::imports::ImportPlan {
            marketing,
            contacts: &contacts[..sizes.contacts],
            generator: &g,
        },
        sizes.new_visitors,
    )
    .await?;
    // Nothing of the demo's background work is left for the server to run live.
    background.keep_scores(tenant.id).await?;
    background.check_finished(tenant.id).await?;
    background.read_notices(&admin_actor).await?;
    report.webhooks += super::compliance::load_webhooks(app, &admin_actor, plan.domain).await?;
    Ok(report)
}
