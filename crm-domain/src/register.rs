//! The register of processing activities (GDPR art. 30) a company keeps: who is
//! responsible, and for each processing its purpose, legal basis, the people concerned,
//! the data, who receives it, how long it is kept — and the security measures (art. 32).
//! It is built, never typed: from the company's settings (audience, retention policy,
//! password and session policy, second factor), its users, its own mail relay and its
//! webhooks, so that it is current the moment one of them changes. Every entry is a code;
//! the interface words them in the reader's language.

use crate::consent::Audience;
use crate::retention::RetentionPolicy;
use crate::user::Role;

/// What the register is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterFacts {
    /// The company's name.
    pub company: String,
    /// Its Admins, who answer for it: name and email.
    pub admins: Vec<(String, String)>,
    /// Its active users per role.
    pub users: Vec<(Role, usize)>,
    /// Whom it sells to.
    pub audience: Audience,
    /// How long prospects are kept.
    pub retention: RetentionPolicy,
    /// The host of its own mail relay, when it set one (else the installation's).
    pub relay_host: Option<String>,
    /// The hosts its webhooks post to.
    pub webhook_hosts: Vec<String>,
    /// Whether prospects are scored by rules.
    pub scoring: bool,
    /// Whether automations may act on contacts (send emails, change records).
    pub automation: bool,
    /// Whether every Admin must use a second factor.
    pub second_factor_for_admins: bool,
    /// Fewest characters of a password.
    pub password_min_length: u16,
    /// Whether common passwords are refused.
    pub refuse_common_passwords: bool,
    /// Session lifetime, hours.
    pub session_hours: u16,
}

/// Who receives data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// The company's users, within their role's visibility (count per role).
    Users(Vec<(Role, usize)>),
    /// The company's own SMTP relay.
    CompanyRelay(String),
    /// The installation's SMTP relay (or its outbox), run by whoever hosts the CRM.
    InstallationRelay,
    /// A receiver of webhooks.
    Webhook(String),
    /// Whoever hosts the CRM (a processor, art. 28).
    Host,
}

/// How long data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    /// Prospects: the company's policy.
    Prospects(RetentionPolicy),
    /// Clients, former clients and partners: through the relation, then as the company
    /// decides (not automated).
    Relation,
    /// With the person's record: deleted by its erasure.
    WithRecord,
    /// The history of changes: append-only, a person's values unreadable once erased.
    History,
    /// Sign-in sessions.
    Sessions(u16),
}

/// One processing activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processing {
    /// Its code (`customers`, `email_prospecting`, `scoring`, `rights`, `security`).
    pub code: &'static str,
    /// Legal bases (codes: `contract`, `legitimate_interest`, `consent`,
    /// `legal_obligation`).
    pub bases: Vec<&'static str>,
    /// People concerned (codes).
    pub subjects: Vec<&'static str>,
    /// Categories of data (codes).
    pub data: Vec<&'static str>,
    /// Who receives it.
    pub recipients: Vec<Recipient>,
    /// How long it is kept.
    pub keeping: Vec<Keeping>,
}

/// A security measure (art. 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Personal fields encrypted at rest under the company's key.
    Encryption,
    /// One key per person, destroyed by an erasure.
    PersonKeys,
    /// Second factor: required of Admins or offered.
    SecondFactor {
        /// Required of every Admin.
        required: bool,
    },
    /// Passwords: fewest characters, common ones refused.
    Passwords {
        /// Fewest characters.
        min: u16,
        /// Common passwords refused.
        refuse_common: bool,
    },
    /// Sessions end after this many hours.
    Sessions(u16),
    /// Five roles; a rep sees their own records, a manager their teams'.
    Roles,
    /// Every change kept in an append-only history.
    Audit,
    /// Companies walled apart.
    Isolation,
    /// Backups without the master key, kept apart.
    Backups,
}

/// The register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// The company responsible.
    pub company: String,
    /// Its Admins: name and email.
    pub admins: Vec<(String, String)>,
    /// What it does with personal data.
    pub processings: Vec<Processing>,
    /// How the data is protected.
    pub measures: Vec<Measure>,
}

/// The bases of prospecting by email for an audience: legitimate interest for
/// professionals and clients, consent for private persons.
fn prospecting_bases(audience: Audience) -> Vec<&'static str> {
    match audience {
        Audience::B2b => vec!["legitimate_interest"],
        Audience::B2c => vec!["consent", "legitimate_interest"],
        Audience::Mixed => vec!["legitimate_interest", "consent"],
    }
}

impl Register {
    /// The register of a company as its facts say.
    pub fn of(f: &RegisterFacts) -> Self {
        let users = Recipient::Users(f.users.clone());
        let relay = f.relay_host.clone().map_or(Recipient::InstallationRelay, Recipient::CompanyRelay);
        let mut shared = vec![users.clone(), Recipient::Host];
        shared.extend(f.webhook_hosts.iter().cloned().map(Recipient::Webhook));
        let prospects = Keeping::Prospects(f.retention);
        let mut processings = vec![
            Processing {
                code: "customers",
                bases: vec!["contract", "legitimate_interest"],
                subjects: vec!["prospects", "clients", "partners"],
                data: vec!["identity", "contact_details", "work", "commercial_life", "notes"],
                recipients: shared.clone(),
                keeping: vec![prospects, Keeping::Relation, Keeping::History],
            },
            Processing {
                code: "email_prospecting",
                bases: prospecting_bases(f.audience),
                subjects: vec!["prospects", "clients"],
                data: vec!["identity", "email", "consents", "engagement"],
                recipients: vec![users.clone(), relay, Recipient::Host],
                keeping: vec![prospects, Keeping::WithRecord],
            },
        ];
        if f.scoring || f.automation {
            processings.push(Processing {
                code: "scoring",
                bases: vec!["legitimate_interest"],
                subjects: vec!["prospects"],
                data: vec!["engagement", "commercial_life", "score"],
                recipients: vec![users.clone(), Recipient::Host],
                keeping: vec![prospects, Keeping::WithRecord],
            });
        }
        processings.push(Processing {
            code: "rights",
            bases: vec!["legal_obligation"],
            subjects: vec!["prospects", "clients", "partners"],
            data: vec!["requests", "consents"],
            recipients: vec![Recipient::Users(admins_only(&f.users)), Recipient::Host],
            keeping: vec![Keeping::WithRecord, Keeping::History],
        });
        processings.push(Processing {
            code: "security",
            bases: vec!["legal_obligation", "legitimate_interest"],
            subjects: vec!["users"],
            data: vec!["accounts", "sign_ins", "actions"],
            recipients: vec![Recipient::Users(admins_only(&f.users)), Recipient::Host],
            keeping: vec![Keeping::Sessions(f.session_hours), Keeping::History],
        });
        Self {
            company: f.company.clone(),
            admins: f.admins.clone(),
            processings,
            measures: vec![
                Measure::Encryption,
                Measure::PersonKeys,
                Measure::SecondFactor {
                    required: f.second_factor_for_admins,
                },
                Measure::Passwords {
                    min: f.password_min_length,
                    refuse_common: f.refuse_common_passwords,
                },
                Measure::Sessions(f.session_hours),
                Measure::Roles,
                Measure::Isolation,
                Measure::Audit,
                Measure::Backups,
            ],
        }
    }
}

fn admins_only(users: &[(Role, usize)]) -> Vec<(Role, usize)> {
    users.iter().copied().filter(|(r, _)| *r == Role::Admin).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retention::RetentionAction;

    fn facts() -> RegisterFacts {
        RegisterFacts {
            company: "Vins Duval".into(),
            admins: vec![("Claire Duval".into(), "claire@duval.fr".into())],
            users: vec![(Role::Admin, 1), (Role::Sales, 3)],
            audience: Audience::B2b,
            retention: RetentionPolicy::default(),
            relay_host: None,
            webhook_hosts: Vec::new(),
            scoring: false,
            automation: false,
            second_factor_for_admins: false,
            password_min_length: 12,
            refuse_common_passwords: true,
            session_hours: 12,
        }
    }

    #[test]
    fn the_register_follows_the_settings() {
        let r = Register::of(&facts());
        let codes: Vec<_> = r.processings.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["customers", "email_prospecting", "rights", "security"]);
        assert_eq!(r.processings[1].bases, ["legitimate_interest"]);
        assert!(r.processings[1].recipients.contains(&Recipient::InstallationRelay));
        assert!(r.measures.contains(&Measure::SecondFactor { required: false }));

        let mut f = facts();
        f.audience = Audience::B2c;
        f.relay_host = Some("smtp.duval.fr".into());
        f.webhook_hosts = vec!["hooks.exemple.fr".into()];
        f.scoring = true;
        f.second_factor_for_admins = true;
        f.retention = RetentionPolicy {
            prospect_months: 24,
            action: RetentionAction::Erase,
        };
        let r = Register::of(&f);
        assert_eq!(r.processings[1].bases, ["consent", "legitimate_interest"], "B2C email is opt-in");
        assert!(
            r.processings[1]
                .recipients
                .contains(&Recipient::CompanyRelay("smtp.duval.fr".into()))
        );
        assert!(r.processings[0].recipients.contains(&Recipient::Webhook("hooks.exemple.fr".into())));
        assert_eq!(r.processings[2].code, "scoring");
        assert!(r.processings[0].keeping.contains(&Keeping::Prospects(f.retention)));
        assert!(r.measures.contains(&Measure::SecondFactor { required: true }));
        let rights = r.processings.iter().find(|p| p.code == "rights").map(|p| p.recipients[0].clone());
        assert_eq!(rights, Some(Recipient::Users(vec![(Role::Admin, 1)])), "the Admins alone");
    }
}
