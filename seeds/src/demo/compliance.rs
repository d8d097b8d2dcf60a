//! The demo's templates, consents, requests under the GDPR and webhook subscriptions, each
//! dated when it happened (through the application under a clock set to that day):
//! Marketing wrote its templates eighteen months ago; people gave (and a few
//! withdrew) their consent over the months; the Admin handled an objection and an access
//! request and has a rectification open; an ERP is subscribed to won deals, and a paused
//! subscription waits for its receiver. Subscriptions are made last, at the end of the
//! load: they receive only what changes after them (nothing of the demo's past).
//!
//! The consents and requests are written as a [`Diary`], in the order of their dates and
//! up to an instant at a time: a campaign is sent after what happened before its day and
//! before what happened after it, so its recipients are those the company could reach that
//! day (a consent withdrawn later does not keep anyone out of an earlier campaign).

use chrono::{DateTime, Duration, Months, Utc};
use crm_domain::consent::ConsentInput;
use crm_domain::contact::Contact;
use crm_domain::template::{TemplateInput, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::webhook::WebhookInput;
use crm_domain::{Actor, ContactId, PrivacyRequestId, TemplateId};
use crm_ports::services::privacy::PrivacyRequestInput;
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use std::collections::{HashMap, VecDeque};

/// A subject and a body.
type Text = (&'static str, &'static str);

/// Marketing's templates: name, subject, body (French), and an English variant for some.
const TEMPLATES: [(&str, &str, &str, Option<Text>); 3] = [
    (
        "Invitation salon",
        "{{ contact.first_name }}, retrouvons-nous sur notre stand",
        "Bonjour {{ contact.first_name }},\n\nNous serons au salon professionnel de votre région \
         et serions heureux de vous y accueillir. Réservez un créneau : https://www.{domain}/salon\n\n\
         À bientôt,\nL'équipe commerciale",
        None,
    ),
    (
        "Newsletter trimestrielle",
        "Les nouveautés du trimestre",
        "Bonjour {{ contact.first_name }},\n\nDécouvrez nos nouveautés et les retours de nos clients : \
         https://www.{domain}/actualites\n\nBonne lecture !",
        None,
    ),
    (
        "Relance devis",
        "Votre devis{% if organization.name %} pour {{ organization.name }}{% endif %}",
        "Bonjour {{ contact.first_name }},\n\nAvez-vous pu étudier notre proposition ? Je reste \
         disponible pour en parler : https://www.{domain}/rendez-vous\n\nBien cordialement",
        Some((
            "Your quotation",
            "Hello {{ contact.first_name }},\n\nHave you had a chance to look at our proposal? \
             Book a call: https://www.{domain}/rendez-vous\n\nKind regards",
        )),
    ),
];

/// What a company's compliance data needs.
pub(super) struct CompliancePlan<'a> {
    /// Writes the templates and records consents.
    pub marketing: Actor,
    /// Handles the requests and subscribes the webhooks.
    pub admin: Actor,
    /// The company's web domain (in the templates' links).
    pub domain: &'a str,
    /// The company's contacts (entered two years ago).
    pub contacts: &'a [Contact],
}

/// What was loaded, and what waits for its date.
pub(super) struct Loaded {
    /// In the order of [`TEMPLATES`]: invitation, newsletter, follow-up of a quotation.
    pub templates: Vec<TemplateId>,
    /// The consents and requests, written by [`Diary::write_until`].
    pub diary: Diary,
}

/// What happens to consents and requests under the GDPR on a day.
enum Entry {
    Consent(ContactId, ConsentInput),
    Request {
        contact_id: ContactId,
        kind: &'static str,
        note: &'static str,
    },
    Answer {
        contact_id: ContactId,
        access: bool,
        answer: &'static str,
    },
}

/// The company's consents and requests in the order of their dates, written up to an
/// instant at a time (each under a clock set to its date).
pub(super) struct Diary {
    marketing: Actor,
    admin: Actor,
    entries: VecDeque<(DateTime<Utc>, Entry)>,
    /// The requests logged, by contact: to answer them.
    requests: HashMap<ContactId, (PrivacyRequestId, i64)>,
    /// How many consents and requests were written.
    consents: usize,
    privacy_requests: usize,
}

impl Diary {
    /// Writes what happened up to `t` (included) and was not written yet.
    ///
    /// # Errors
    /// The first service error.
    pub(super) async fn write_until<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
        &mut self,
        app: &App<S, K, C, I>,
        t: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        while self.entries.front().is_some_and(|(when, _)| *when <= t) {
            let Some((when, entry)) = self.entries.pop_front() else { break };
            let at = app.with_clock(FixedClock(when));
            match entry {
                Entry::Consent(contact, input) => {
                    at.record_consent(&self.marketing, contact, &input).await?;
                    self.consents += 1;
                }
                Entry::Request { contact_id, kind, note } => {
                    let r = at
                        .log_privacy_request(
                            &self.admin,
                            &PrivacyRequestInput {
                                contact_id,
                                kind: kind.into(),
                                received_at: Some(when),
                                note: Some(note.into()),
                            },
                        )
                        .await?;
                    self.requests.insert(contact_id, (r.id, r.version));
                    self.privacy_requests += 1;
                }
                Entry::Answer {
                    contact_id,
                    access,
                    answer,
                } => {
                    let (id, version) = self
                        .requests
                        .get(&contact_id)
                        .copied()
                        .ok_or_else(|| ServiceError::Internal("demo: a request is answered after it is logged".into()))?;
                    if access {
                        at.personal_data(&self.admin, contact_id).await?;
                    }
                    at.answer_privacy_request(&self.admin, id, version, "done", Some(answer)).await?;
                }
            }
        }
        Ok(())
    }

    /// Writes what is left (up to now): how many consents and requests were written in all.
    ///
    /// # Errors
    /// The first service error; `Internal` for an entry dated after now.
    pub(super) async fn finish<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
        mut self,
        app: &App<S, K, C, I>,
    ) -> Result<(usize, usize), ServiceError> {
        self.write_until(app, app.now()).await?;
        if !self.entries.is_empty() {
            return Err(ServiceError::Internal("demo: a consent or a request is dated after today".into()));
        }
        Ok((self.consents, self.privacy_requests))
    }
}

/// Loads the templates of a company and plans its consents and requests (written by the
/// diary it returns; not its webhooks: see [`load_webhooks`]).
///
/// # Errors
/// The first service error.
pub(super) async fn load_compliance<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    plan: &CompliancePlan<'_>,
) -> Result<Loaded, ServiceError> {
    let today = app.now();
    let at = |when: DateTime<Utc>| app.with_clock(FixedClock(when.min(today)));
    let mut templates = Vec::new();
    let mut entries: Vec<(DateTime<Utc>, Entry)> = Vec::new();
    let mut on = |when: DateTime<Utc>, e: Entry| entries.push((when.min(today), e));
    let started = today.checked_sub_months(Months::new(18)).unwrap_or(today);
    for (k, (name, subject, body, english)) in TEMPLATES.iter().enumerate() {
        let mut variants = vec![TemplateVariant {
            language: Language::Fr,
            subject: (*subject).into(),
            body: body.replace("{domain}", plan.domain),
        }];
        if let Some((subject, body)) = english {
            variants.push(TemplateVariant {
                language: Language::En,
                subject: (*subject).into(),
                body: body.replace("{domain}", plan.domain),
            });
        }
        let input = TemplateInput {
            name: (*name).into(),
            variants,
        };
        let t = at(started + Duration::days(i64::try_from(k).unwrap_or(0) * 3))
            .create_email_template(&plan.marketing, input)
            .await?;
        templates.push(t.id);
    }
    // Consents: one contact in eleven gave theirs for email on the website or at a webinar
    // over the months; one in three of those withdrew it later; a few agreed to calls.
    for (i, c) in plan.contacts.iter().enumerate().filter(|(i, _)| i % 11 == 5) {
        let given = started + Duration::days(i64::try_from(i % 500).unwrap_or(0));
        let (source, proof) = if i % 2 == 0 {
            ("Formulaire du site web", "Case cochée sur le formulaire de contact")
        } else {
            ("Inscription à un webinaire", "Inscription confirmée par email")
        };
        let grant = |medium: &str| ConsentInput {
            medium: medium.into(),
            state: "granted".into(),
            basis: Some("consent".into()),
            source: source.into(),
            proof: Some(proof.into()),
            given_at: Some(given),
        };
        on(given, Entry::Consent(c.id, grant("email")));
        if i % 4 == 1 {
            on(given + Duration::days(1), Entry::Consent(c.id, grant("phone")));
        }
        if i % 3 == 0 {
            let later = given + Duration::days(40);
            let withdraw = ConsentInput {
                medium: "email".into(),
                state: "withdrawn".into(),
                basis: None,
                source: "Demande par email".into(),
                proof: Some("Message reçu du contact".into()),
                given_at: Some(later.min(today)),
            };
            on(later, Entry::Consent(c.id, withdraw));
        }
    }
    // Requests under the GDPR: an objection handled, an access request answered with the
    // person's data, a rectification still open (its deadline running).
    let person = |i: usize| plan.contacts.get(i % plan.contacts.len().max(1)).map(|c| c.id);
    let days_ago = |d: i64| today - Duration::days(d);
    let requests = [
        (
            person(10),
            "objection",
            40,
            Some((
                32,
                "Le contact ne souhaite plus être sollicité ; opposition enregistrée sur tous les canaux.",
            )),
        ),
        (
            person(20),
            "access",
            20,
            Some((15, "Copie des données envoyée par email au contact.")),
        ),
        (person(30), "rectification", 5, None),
    ];
    for (contact, kind, received, answered) in requests {
        let Some(contact_id) = contact else { continue };
        let note = match kind {
            "objection" => "Courrier reçu : le contact s'oppose à toute prospection.",
            "access" => "Email du contact demandant la copie de ses données.",
            _ => "Appel du contact : son adresse a changé.",
        };
        on(days_ago(received), Entry::Request { contact_id, kind, note });
        if let Some((days, answer)) = answered {
            let access = kind == "access";
            on(
                days_ago(days),
                Entry::Answer {
                    contact_id,
                    access,
                    answer,
                },
            );
        }
    }
    // In the order of their dates (a sort that keeps the order of a day's entries).
    entries.sort_by_key(|(when, _)| *when);
    Ok(Loaded {
        templates,
        diary: Diary {
            marketing: plan.marketing,
            admin: plan.admin,
            entries: entries.into(),
            requests: HashMap::new(),
            consents: 0,
            privacy_requests: 0,
        },
    })
}

/// Subscribes the company's webhooks, now: an ERP told of every deal won, and a paused
/// subscription to contacts' changes. Their addresses are under `.invalid`, a name that
/// never resolves: what a demo user does is queued, tried and shown as failed, never sent.
///
/// # Errors
/// The first service error.
pub(super) async fn load_webhooks<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    admin: &Actor,
    domain: &str,
) -> Result<usize, ServiceError> {
    let stem = domain.split('.').next().unwrap_or("demo");
    let hooks = [
        (
            format!("https://erp.{stem}.invalid/crm/affaires-gagnees"),
            "ERP : commandes à créer pour les affaires gagnées",
            vec!["opportunity.won".to_owned()],
            true,
        ),
        (
            format!("https://outils.{stem}.invalid/annuaire"),
            "Annuaire interne (en pause pendant sa migration)",
            vec!["contact.*".to_owned()],
            false,
        ),
    ];
    for (url, description, events, active) in hooks {
        app.create_webhook(
            admin,
            &WebhookInput {
                url,
                description: Some(description.into()),
                events,
                include_personal: false,
                active,
            },
        )
        .await?;
    }
    Ok(2)
}
