//! The register of processing activities (GDPR art. 30), for the Admin: built at each
//! reading from what the company has set — its settings, its users, its own mail relay,
//! its webhooks, its scoring rules and automations — so that it is never out of date.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::services::email::relay_host;
use crate::store::{AutomationStore, MailRelayStore, ScoringStore, TenantStore, UserStore, WebhookStore};
use chrono::{DateTime, Utc};
use crm_domain::Actor;
use crm_domain::register::{Register, RegisterFacts};
use crm_domain::user::Role;
use crm_domain::visibility::Capability;

/// The register and when what it rests on last changed.
#[derive(Debug, Clone)]
pub struct ProcessingRegister {
    /// The register.
    pub register: Register,
    /// The latest change of the company's settings, relay, webhooks, rules or users.
    pub changed_at: DateTime<Utc>,
    /// When it was drawn up.
    pub made_at: DateTime<Utc>,
    /// The company's time zone, for its dates.
    pub time_zone: crm_domain::tenant::TimeZone,
}

impl<S: TenantStore + UserStore + MailRelayStore + WebhookStore + ScoringStore + AutomationStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// The company's register of processing activities (Admin).
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn processing_register(&self, actor: &Actor) -> Result<ProcessingRegister, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let t = self.store.tenant(tenant).await?;
        let users: Vec<_> = self.store.list_users(tenant).await?.into_iter().filter(|u| u.is_active()).collect();
        let relay = self.store.mail_relay(tenant).await?;
        let hooks = self.store.webhooks(tenant).await?;
        let scoring = self.store.scoring_rules(tenant).await?;
        let automations = self.store.automations(tenant).await?;
        let changed_at = std::iter::once(t.updated_at)
            .chain(relay.iter().map(|r| r.updated_at))
            .chain(hooks.iter().map(|h| h.updated_at))
            .chain(scoring.iter().map(|r| r.updated_at))
            .chain(automations.iter().map(|a| a.updated_at))
            .chain(users.iter().map(|u| u.updated_at))
            .max()
            .unwrap_or(t.updated_at);
        let mut webhook_hosts: Vec<String> = hooks
            .iter()
            .filter(|h| h.spec.active)
            .map(|h| h.spec.url.host().to_owned())
            .collect();
        webhook_hosts.sort();
        webhook_hosts.dedup();
        let facts = RegisterFacts {
            company: t.name.to_string(),
            admins: users
                .iter()
                .filter(|u| u.role == Role::Admin)
                .map(|u| (u.display_name.to_string(), u.email.as_str().to_owned()))
                .collect(),
            users: Role::ALL
                .iter()
                .map(|r| (*r, users.iter().filter(|u| u.role == *r).count()))
                .filter(|(_, n)| *n > 0)
                .collect(),
            audience: t.settings.audience,
            retention: t.settings.retention,
            relay_host: relay.as_ref().map(|r| relay_host(&r.url).to_owned()),
            webhook_hosts,
            scoring: scoring.iter().any(|r| r.spec.active),
            automation: automations.iter().any(|a| a.spec.active),
            second_factor_for_admins: t.settings.second_factor_for_admins,
            password_min_length: t.settings.password_min_length,
            refuse_common_passwords: t.settings.refuse_common_passwords,
            session_hours: t.settings.session_hours,
        };
        Ok(ProcessingRegister {
            register: Register::of(&facts),
            changed_at,
            made_at: self.clock.now(),
            time_zone: t.settings.time_zone,
        })
    }
}
