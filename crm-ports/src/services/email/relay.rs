//! A company's own SMTP relay (Admin): its URL — user and password included, sealed at rest
//! and never shown again (the password is masked) — and the From address its messages
//! carry. Without one, the installation's relay and From are used.

use super::compose::MailSettings;
use crate::app::{App, added, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{MailRelay, MailRelayStore};
use chrono::{DateTime, Utc};
use crm_domain::email::EmailAddress;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TenantId, UserId, ViolationKind};
use serde_json::Value;

/// A relay as its Admin gives it.
#[derive(Clone, Default)]
pub struct MailRelayInput {
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS).
    pub url: String,
    /// The From address of the company's messages.
    pub from: Option<String>,
}

impl std::fmt::Debug for MailRelayInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRelayInput")
            .field("url", &masked(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

/// A relay as it is shown: its password masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRelayView {
    /// The URL, its password replaced by `***`.
    pub url: String,
    /// The From address.
    pub from: Option<String>,
    /// Who set it.
    pub updated_by: Option<UserId>,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// A URL's scheme, authority (user, password, host) and the rest; `None` without `://`.
fn parts(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    Some((scheme, authority, tail))
}

/// The host (and port) of a relay URL, nothing secret: `smtp://user:secret@host:587` →
/// `host:587`.
pub(crate) fn relay_host(url: &str) -> &str {
    let authority = parts(url).map_or(url, |(_, a, _)| a);
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// The URL with its password (between the user's `:` and the `@`) masked.
pub(crate) fn masked(url: &str) -> String {
    let Some((scheme, authority, tail)) = parts(url) else {
        return url.to_owned();
    };
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            let hidden = if user_info.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

fn view(r: &MailRelay) -> MailRelayView {
    MailRelayView {
        url: masked(&r.url),
        from: r.from.clone(),
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    }
}

/// A company's own relay.
impl<S: MailRelayStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company's relay, its password masked (Admin).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn mail_relay(&self, actor: &Actor) -> Result<Option<MailRelayView>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.mail_relay(tenant).await?.as_ref().map(view))
    }

    /// Sets the company's relay (Admin). `usable` says whether a URL can be used (the
    /// mailer adapter's check).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid`: `url` required or malformed (not `smtp://` or `smtps://`
    /// with a host, or refused by `usable`), `from` malformed.
    pub async fn set_mail_relay(
        &self,
        actor: &Actor,
        input: &MailRelayInput,
        usable: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<MailRelayView, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let url = input.url.trim();
        let mut v = crm_domain::error::Validator::new();
        if url.is_empty() {
            v.push("url", ViolationKind::Required);
        } else {
            let host = url
                .strip_prefix("smtp://")
                .or_else(|| url.strip_prefix("smtps://"))
                .map(|r| r.rsplit_once('@').map_or(r, |(_, h)| h));
            if host.is_none_or(|h| h.is_empty() || h.starts_with([':', '/', '?'])) || !usable(url) {
                v.push("url", ViolationKind::Malformed);
            }
        }
        let from = match input.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => v.check("from", EmailAddress::parse(f)).map(|a| a.as_str().to_owned()),
            None => None,
        };
        v.finish()?;
        let relay = MailRelay {
            url: url.to_owned(),
            from,
            updated_by: actor.user_id(),
            updated_at: self.clock.now(),
        };
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::Updated,
            None,
            vec![
                added("mail_relay", Value::from(masked(&relay.url))),
                added("mail_from", relay.from.clone().map_or(Value::Null, Value::from)),
            ],
        );
        self.store.set_mail_relay(tenant, Some(&relay), &ev).await?;
        Ok(view(&relay))
    }

    /// Removes the company's relay: its messages go through the installation's again.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn remove_mail_relay(&self, actor: &Actor) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::Updated,
            None,
            vec![added("mail_relay", Value::from("removed"))],
        );
        Ok(self.store.set_mail_relay(tenant, None, &ev).await?)
    }

    /// The relay URL a company's messages go through, when it has its own (for the
    /// mailer; never shown).
    ///
    /// # Errors
    /// Store failures.
    pub async fn relay_url(&self, tenant: TenantId) -> Result<Option<String>, ServiceError> {
        Ok(self.store.mail_relay(tenant).await?.map(|r| r.url))
    }

    /// The settings a company's messages are written with: its own From, when it set one.
    pub(crate) async fn settings_for(&self, tenant: TenantId, settings: &MailSettings) -> Result<MailSettings, ServiceError> {
        let mut out = settings.clone();
        if let Some(from) = self.store.mail_relay(tenant).await?.and_then(|r| r.from) {
            // Its Message-IDs name its own domain too.
            if let Some((_, domain)) = from.rsplit_once('@') {
                out.domain = domain.to_owned();
            }
            out.from = Some(from);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{masked, relay_host};

    #[test]
    fn a_relay_is_named_by_its_host_alone() {
        assert_eq!(relay_host("smtp://crm:s3cret@smtp.duval.fr:587"), "smtp.duval.fr:587");
        assert_eq!(relay_host("smtps://smtp.exemple.fr"), "smtp.exemple.fr");
        assert_eq!(relay_host("smtp://a:b@c@relay.fr/?tls=1"), "relay.fr");
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            masked("smtp://ventes:s3cr3t@relais.exemple.fr:587?tls=required"),
            "smtp://ventes:***@relais.exemple.fr:587?tls=required"
        );
        assert_eq!(masked("smtps://relais.exemple.fr:465"), "smtps://relais.exemple.fr:465");
        assert_eq!(masked("smtp://seul@relais:25"), "smtp://seul@relais:25");
        assert_eq!(masked("smtp://a:b:c@h"), "smtp://a:***@h");
    }
}
