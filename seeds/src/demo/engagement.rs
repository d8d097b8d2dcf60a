//! Scores, automation and campaigns over the demo's last seven months, in the order they
//! happened: Marketing set the scoring rules up seven months ago and the automation rules
//! soon after; the company was scored then, again ten days after the trade-show
//! invitation that went out four months ago, and today, after the quarterly newsletter of
//! last month (each a point of every score's history); the recipients' reactions started
//! runs of the rules as they came, the scores that rose at those three dates theirs. The rule for won deals is written today: it acts on what the demo's
//! users do, not on the past.

use super::background::Background;
use super::campaigns::{Audience, CampaignPlan, play};
use chrono::{DateTime, Duration, Utc};
use crm_domain::automation::AutomationInput;
use crm_domain::contact::{Contact, ContactKind};
use crm_domain::organization::OrganizationSize;
use crm_domain::scoring::{Engagement, ScoringRuleInput, Signal};
use crm_domain::{Actor, TemplateId};
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use rand::{Rng, RngExt};
use serde_json::{Value, json};

/// What a company's engagement needs.
pub(super) struct EngagementPlan<'a> {
    /// Writes the inbound secret and the rule for won deals.
    pub admin: Actor,
    /// Writes the scoring and automation rules and runs the campaigns.
    pub marketing: Actor,
    /// The company's contacts (entered two years ago).
    pub contacts: &'a [Contact],
    /// The templates: trade-show invitation, newsletter.
    pub invitation: TemplateId,
    /// See `invitation`.
    pub newsletter: TemplateId,
    /// The company's web domain.
    pub domain: &'a str,
}

/// How many of each were loaded.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Loaded {
    pub scoring_rules: usize,
    pub automations: usize,
    pub campaigns: usize,
    pub messages: usize,
}

/// The scoring rules: the profile of a buyer, and engagements that fade.
fn scoring_rules() -> Vec<ScoringRuleInput> {
    let engagement = |name: &str, engagement: Engagement, points: i32, half_life: u32| ScoringRuleInput {
        name: name.into(),
        signal: Signal::Engagement { engagement },
        points,
        half_life_days: Some(half_life),
        active: true,
    };
    vec![
        ScoringRuleInput {
            name: "Décideur".into(),
            signal: Signal::JobTitle {
                words: ["directeur", "directrice", "responsable", "gérant", "gérante"]
                    .map(String::from)
                    .to_vec(),
            },
            points: 15,
            half_life_days: None,
            active: true,
        },
        ScoringRuleInput {
            name: "Entreprise de taille moyenne ou plus".into(),
            signal: Signal::OrganizationSize {
                sizes: vec![OrganizationSize::Medium, OrganizationSize::Intermediate, OrganizationSize::Large],
            },
            points: 10,
            half_life_days: None,
            active: true,
        },
        engagement("Email ouvert", Engagement::EmailOpened, 5, 30),
        engagement("Lien suivi", Engagement::EmailClicked, 10, 45),
        engagement("Réponse à un email", Engagement::EmailReplied, 20, 60),
        engagement("Rendez-vous tenu", Engagement::MeetingHeld, 15, 90),
        engagement("Appel passé", Engagement::CallMade, 5, 60),
    ]
}

fn rule(name: &str, trigger: Value, conditions: Option<Value>, actions: Vec<Value>) -> AutomationInput {
    AutomationInput {
        name: name.into(),
        active: true,
        trigger,
        conditions,
        actions,
    }
}

/// Marketing's automation rules.
fn automations() -> Vec<AutomationInput> {
    vec![
        rule(
            "Clic dans un email : rappel par le commercial",
            json!({"type": "email_clicked"}),
            None,
            vec![
                json!({"type": "create_task", "title": "Rappeler : a cliqué dans notre email", "due_in_days": 2}),
                json!({"type": "add_tag", "tag": "a-cliqué"}),
            ],
        ),
        rule(
            "Réponse à un email : prévenir le commercial",
            json!({"type": "email_replied"}),
            None,
            vec![json!({"type": "notify", "message": "Un contact a répondu à un email : lisez sa réponse et donnez-lui suite."})],
        ),
        rule(
            "Score de 30 ou plus : prospect chaud",
            json!({"type": "score_crossed", "threshold": 30}),
            Some(json!({"all": [{"field": "kind", "op": "eq", "value": "prospect"}]})),
            vec![
                json!({"type": "add_tag", "tag": "chaud"}),
                json!({"type": "create_task", "title": "Appeler ce prospect chaud", "due_in_days": 1}),
            ],
        ),
    ]
}

/// The reps did the tasks the rules gave them, the day after, but each forgot their oldest
/// (first on their to-do list) and a few more; those of the last ten days are still to do.
///
/// # Errors
/// The first service error.
async fn follow_up<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    admin: &Actor,
    today: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Result<(), ServiceError> {
    let roles: std::collections::HashMap<_, _> = app.list_users(admin).await?.into_iter().map(|u| (u.id, u.role)).collect();
    let tasks = app.todo(admin, true).await?;
    // The to-do list holds at most MAX_TODO tasks: a company with more would leave some
    // undone that its reps did.
    let listed = tasks.overdue.len() + tasks.today.len() + tasks.upcoming.len();
    if listed >= crm_ports::services::activities::MAX_TODO as usize {
        return Err(ServiceError::Internal(format!(
            "demo: the company's to-do list was cut at {listed} tasks; the follow-up would miss some"
        )));
    }
    let mut forgot = std::collections::HashSet::new();
    for t in tasks
        .overdue
        .iter()
        .filter(|t| t.created_by.is_none() && t.created_at < today - Duration::days(10))
    {
        let (Some(&role), Some(tenant_id)) = (roles.get(&t.fields.assignee_id), admin.tenant_id()) else {
            continue;
        };
        // Everyone forgot their oldest one (their to-do list starts with it), and a few more.
        if forgot.insert(t.fields.assignee_id) || rng.random_bool(0.05) {
            continue;
        }
        let rep = Actor::User {
            tenant_id,
            user_id: t.fields.assignee_id,
            role,
        };
        let done = t.created_at + Duration::hours(rng.random_range(2..30));
        app.with_clock(FixedClock(done)).set_task_done(&rep, t.id, t.version, true).await?;
    }
    Ok(())
}

/// Loads a company's scoring and automation rules, its campaigns with their reactions,
/// and the scores at three dates.
///
/// # Errors
/// The first service error.
pub(super) async fn load_engagement<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    background: &Background<S, K, C, I>,
    rng: &mut impl Rng,
    plan: &EngagementPlan<'_>,
    diary: &mut super::compliance::Diary,
) -> Result<Loaded, ServiceError> {
    let today = app.now();
    let tenant = plan
        .admin
        .tenant_id()
        .ok_or_else(|| ServiceError::Internal("demo: a company's Admin".into()))?;
    let ago = |days: i64| -> DateTime<Utc> { today - Duration::days(days) };
    let at = |t: DateTime<Utc>| app.with_clock(FixedClock(t));
    let mut loaded = Loaded::default();
    for (k, r) in scoring_rules().iter().enumerate() {
        at(ago(210) + Duration::minutes(i64::try_from(k).unwrap_or(0)))
            .create_scoring_rule(&plan.marketing, r)
            .await?;
        loaded.scoring_rules += 1;
    }
    for (k, r) in automations().iter().enumerate() {
        at(ago(200) + Duration::minutes(i64::try_from(k).unwrap_or(0) * 7))
            .create_automation(&plan.marketing, r)
            .await?;
        loaded.automations += 1;
    }
    background.rescore(tenant, ago(180)).await?;
    let inbound = at(ago(130)).new_inbound_secret(&plan.admin).await?;
    let who = Audience {
        marketing: plan.marketing,
        contacts: plan.contacts,
        domain: plan.domain,
        inbound: &inbound,
    };
    // The trade show: prospects and partners of companies; the newsletter: the clients and
    // those who asked for it.
    let invited: Vec<_> = plan
        .contacts
        .iter()
        .filter(|c| c.kind != ContactKind::Client && c.fields.organization_id.is_some())
        .step_by(4)
        .take(60)
        .map(|c| c.id)
        .collect();
    let readers: Vec<_> = plan
        .contacts
        .iter()
        .enumerate()
        .filter(|(i, c)| c.kind == ContactKind::Client || i % 11 == 5)
        .take(70)
        .map(|(_, c)| c.id)
        .collect();
    let campaigns = [
        CampaignPlan {
            name: "Invitation au salon professionnel",
            list: "Invités au salon professionnel",
            template: plan.invitation,
            recipients: invited,
            at: ago(120),
        },
        CampaignPlan {
            name: "Newsletter du trimestre",
            list: "Abonnés à la newsletter",
            template: plan.newsletter,
            recipients: readers,
            at: ago(25),
        },
    ];
    for (k, c) in campaigns.iter().enumerate() {
        loaded.messages += play(app, background, rng, &who, c, diary).await?;
        loaded.campaigns += 1;
        if k == 0 {
            background.rescore(tenant, ago(110)).await?;
        }
    }
    background.rescore(tenant, today).await?;
    follow_up(app, &plan.admin, today, rng).await?;
    app.create_automation(
        &plan.admin,
        &rule(
            "Affaire gagnée : questionnaire de satisfaction",
            json!({"type": "field_changed", "entity": "opportunity", "field": "status", "to": "won"}),
            None,
            vec![json!({"type": "create_task", "title": "Envoyer le questionnaire de satisfaction au client", "due_in_days": 7})],
        ),
    )
    .await?;
    loaded.automations += 1;
    Ok(loaded)
}
