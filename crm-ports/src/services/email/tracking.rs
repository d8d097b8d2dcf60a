//! The links an email carries back to the CRM — its open pixel, each of its links as a
//! redirect, its unsubscribe link — and what following them records. A link's token names
//! the tenant, the message and which link, signed with the tenant's keyed hash: nothing
//! else is in it (never an address or a target URL), so a forged or altered token is
//! refused, and a click can only lead to a link the message itself holds (no open
//! redirect).

use crate::app::{App, added};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ConsentStore, ContactStore, EmailMessage, EmailStore, Engagement, SearchHasher, SuppressionStore, TenantStore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use crm_domain::event::{EntityType, EventKind, FieldChange};
use crm_domain::suppression::SuppressionReason;
use crm_domain::template;
use crm_domain::{Actor, EmailId, TenantId};
use serde_json::Value;
use uuid::Uuid;

/// Which link of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// The open pixel.
    Open,
    /// The `n`th link of its text (from 0).
    Click(u16),
    /// Its unsubscribe link.
    Unsubscribe,
}

/// A link's token, once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tenant: TenantId,
    pub(crate) email: EmailId,
    pub(crate) kind: LinkKind,
}

const MAC_LEN: usize = 16;
const PAYLOAD_LEN: usize = 35;

fn payload(t: &Token) -> [u8; PAYLOAD_LEN] {
    let mut out = [0u8; PAYLOAD_LEN];
    out[..16].copy_from_slice(t.tenant.as_uuid().as_bytes());
    out[16..32].copy_from_slice(t.email.as_uuid().as_bytes());
    let (k, n) = match t.kind {
        LinkKind::Open => (b'o', 0),
        LinkKind::Click(n) => (b'c', n),
        LinkKind::Unsubscribe => (b'u', 0),
    };
    out[32] = k;
    out[33..].copy_from_slice(&n.to_be_bytes());
    out
}

fn mac<S: SearchHasher>(store: &S, tenant: TenantId, payload: &[u8]) -> [u8; MAC_LEN] {
    let text: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let full = store.search_hash(tenant, "email-link", &text);
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The token of a link.
pub(crate) fn encode<S: SearchHasher>(store: &S, t: &Token) -> String {
    let p = payload(t);
    let mut all = p.to_vec();
    all.extend_from_slice(&mac(store, t.tenant, &p));
    B64.encode(all)
}

/// A token read back, when it is one of ours, unaltered.
pub(crate) fn decode<S: SearchHasher>(store: &S, text: &str) -> Option<Token> {
    let bytes = B64.decode(text.trim()).ok()?;
    if bytes.len() != PAYLOAD_LEN + MAC_LEN {
        return None;
    }
    let (p, given) = bytes.split_at(PAYLOAD_LEN);
    let tenant = TenantId::from_uuid(Uuid::from_slice(&p[..16]).ok()?);
    let expected = mac(store, tenant, p);
    // Compared in constant time.
    if expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return None;
    }
    let n = u16::from_be_bytes([p[33], p[34]]);
    let kind = match p[32] {
        b'o' => LinkKind::Open,
        b'c' => LinkKind::Click(n),
        b'u' => LinkKind::Unsubscribe,
        _ => return None,
    };
    Some(Token {
        tenant,
        email: EmailId::from_uuid(Uuid::from_slice(&p[16..32]).ok()?),
        kind,
    })
}

/// The URL of a link under the installation's public address.
pub(crate) fn url<S: SearchHasher>(store: &S, public_url: &str, t: &Token) -> String {
    let path = match t.kind {
        LinkKind::Open => "t/o",
        LinkKind::Click(_) => "t/c",
        LinkKind::Unsubscribe => "u",
    };
    format!("{}/{path}/{}", public_url.trim_end_matches('/'), encode(store, t))
}

/// What an unsubscribe link shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscription {
    /// The address, masked (`l***@client.fr`).
    pub address: String,
    /// Whether it is already done.
    pub done: bool,
}

/// Following an email's links (no login: the token is the credential).
impl<S: EmailStore + SearchHasher + SuppressionStore + ConsentStore + ContactStore + TenantStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// The token of one of a message's links, as its text carries it (the last part of
    /// `/t/o/…`, `/t/c/…` or `/u/…`): what a recipient's mail reader presents.
    pub fn email_link_token(&self, message: &EmailMessage, kind: LinkKind) -> String {
        encode(
            &*self.store,
            &Token {
                tenant: message.tenant_id,
                email: message.id,
                kind,
            },
        )
    }

    async fn message_of(&self, token: &str, kind: fn(LinkKind) -> bool) -> Result<(Token, EmailMessage), ServiceError> {
        let t = decode(&*self.store, token).ok_or(ServiceError::NotFound)?;
        if !kind(t.kind) {
            return Err(ServiceError::NotFound);
        }
        let m = self.store.email(t.tenant, t.email).await?;
        Ok((t, m))
    }

    fn contact_event(&self, m: &EmailMessage, kind: EventKind, mut changes: Vec<FieldChange>) -> crm_domain::event::NewEvent {
        changes.insert(0, added("email_id", Value::from(m.id.as_uuid().to_string())));
        self.event(
            &Actor::System { tenant_id: m.tenant_id },
            EntityType::Contact,
            m.contact_id.as_uuid(),
            kind,
            None,
            changes,
        )
    }

    /// The open pixel fetched: a person's open counted (the first one on the contact's
    /// timeline), a machine's counted apart.
    ///
    /// # Errors
    /// `NotFound` for a token that is not one of ours.
    pub async fn email_opened(&self, token: &str, user_agent: Option<&str>) -> Result<(), ServiceError> {
        let (t, m) = self.message_of(token, |k| k == LinkKind::Open).await?;
        let now = self.clock.now();
        let machine = crm_domain::tracking::machine(user_agent, m.sent_at.map(|s| now - s));
        let event = (!machine && m.stats.opened_at.is_none()).then(|| self.contact_event(&m, EventKind::EmailOpened, Vec::new()));
        self.store
            .record_engagement(t.tenant, t.email, Engagement::Open { machine }, now, event.as_ref())
            .await?;
        Ok(())
    }

    /// A link followed: where it leads (a link of the message's own text, never another),
    /// the click counted and on the contact's timeline (a machine's is not counted).
    ///
    /// # Errors
    /// `NotFound`: not one of our tokens, no such link, or the recipient was erased.
    pub async fn email_clicked(&self, token: &str, user_agent: Option<&str>) -> Result<String, ServiceError> {
        let (t, m) = self.message_of(token, |k| matches!(k, LinkKind::Click(_))).await?;
        let LinkKind::Click(n) = t.kind else {
            return Err(ServiceError::NotFound);
        };
        let content = m.content.as_ref().ok_or(ServiceError::NotFound)?;
        let target = crm_domain::template::links(&content.text)
            .get(usize::from(n))
            .map(|l| (*l).to_owned())
            .ok_or(ServiceError::NotFound)?;
        let now = self.clock.now();
        if !crm_domain::tracking::machine(user_agent, None) {
            let event = self.contact_event(&m, EventKind::EmailClicked, vec![added("url", Value::from(target.as_str()))]);
            self.store
                .record_engagement(t.tenant, t.email, Engagement::Click, now, Some(&event))
                .await?;
        }
        Ok(target)
    }

    /// The recipient's email consent withdrawn, the message's id as the proof (the record's
    /// email opt-out ticked with it); nothing for a recipient erased meanwhile.
    async fn withdraw_by_link(&self, tenant: TenantId, m: &EmailMessage) -> Result<(), ServiceError> {
        let scope = crate::query::Scope {
            tenant_id: tenant,
            records: crm_domain::visibility::RecordScope::Tenant,
        };
        // An edit of the record meanwhile: read it again (a few times).
        for _ in 0..3 {
            let contact = match self.store.contact(scope, m.contact_id).await {
                Ok(c) => c,
                Err(crate::StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            match self.withdraw_email(tenant, m, &contact).await {
                Err(ServiceError::Conflict) => continue,
                other => return other,
            }
        }
        Err(ServiceError::Conflict)
    }

    async fn withdraw_email(&self, tenant: TenantId, m: &EmailMessage, contact: &crm_domain::contact::Contact) -> Result<(), ServiceError> {
        let history = self
            .store
            .consents(tenant, m.contact_id, super::super::consents::MAX_RECORDS)
            .await?;
        let withdrawal = super::super::consents::Withdrawal {
            source: crm_domain::text::Label::parse(super::super::consents::UNSUBSCRIBE).map_err(ServiceError::Invalid)?,
            proof: crm_domain::text::LongText::parse(&m.message_id).ok(),
            at: self.clock.now(),
            by: None,
        };
        let record = withdrawal.of(contact, crm_domain::consent::Medium::Email, self.new_id());
        let actor = Actor::System { tenant_id: tenant };
        self.write_consents(&actor, contact, &history, vec![record]).await
    }

    /// What an unsubscribe link is about (the page asks before doing it).
    ///
    /// # Errors
    /// `NotFound` for a token that is not one of ours.
    pub async fn unsubscription(&self, token: &str) -> Result<Unsubscription, ServiceError> {
        let (_, m) = self.message_of(token, |k| k == LinkKind::Unsubscribe).await?;
        Ok(Unsubscription {
            address: m
                .content
                .as_ref()
                .map_or_else(|| "***".to_owned(), |c| crm_domain::tracking::masked(&c.to.address)),
            done: m.stats.unsubscribed_at.is_some(),
        })
    }

    /// Unsubscribes the recipient: their address on the suppression list (no mass send
    /// reaches it again, no import brings it back), recorded on the message and the
    /// contact's timeline. Doing it again changes nothing.
    ///
    /// # Errors
    /// `NotFound` for a token that is not one of ours.
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscription, ServiceError> {
        let (t, m) = self.message_of(token, |k| k == LinkKind::Unsubscribe).await?;
        let now = self.clock.now();
        if let Some(c) = &m.content {
            self.suppress_email(t.tenant, &c.to.address, SuppressionReason::Unsubscribed)
                .await?;
        }
        if m.stats.unsubscribed_at.is_none() {
            let event = self.contact_event(&m, EventKind::Unsubscribed, Vec::new());
            self.store
                .record_engagement(t.tenant, t.email, Engagement::Unsubscribe, now, Some(&event))
                .await?;
            self.withdraw_by_link(t.tenant, &m).await?;
        }
        Ok(Unsubscription {
            address: m
                .content
                .as_ref()
                .map_or_else(|| "***".to_owned(), |c| crm_domain::tracking::masked(&c.to.address)),
            done: true,
        })
    }
}

/// A message with its links back to us.
pub(crate) struct Tracked {
    pub(crate) text: String,
    pub(crate) html: String,
    pub(crate) unsubscribe: String,
}

/// A message's text and HTML with the links back to us: its links as redirects and an
/// open pixel in the HTML, an unsubscribe footer in both.
pub(crate) fn tracked<H: SearchHasher>(hasher: &H, tenant: TenantId, email: EmailId, base: &str, footer: &str, text: &str) -> Tracked {
    let link = |kind| url(hasher, base, &Token { tenant, email, kind });
    let links = template::links(text);
    let unsubscribe = link(LinkKind::Unsubscribe);
    let mut html = template::text_to_html(text, |l| {
        let n = links.iter().position(|x| *x == l).and_then(|n| u16::try_from(n).ok());
        n.map_or_else(|| l.to_owned(), |n| link(LinkKind::Click(n)))
    });
    html.push_str(&format!(
        "<p style=\"color:#667085;font-size:12px\">{} <a href=\"{unsubscribe}\">{unsubscribe}</a></p>\n<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\">\n",
        template::escape_html(footer),
        link(LinkKind::Open)
    ));
    Tracked {
        text: format!("{}\n\n-- \n{footer} {unsubscribe}\n", text.trim_end()),
        html,
        unsubscribe,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    struct Hasher;
    impl SearchHasher for Hasher {
        fn search_hash(&self, tenant: TenantId, domain: &str, token: &str) -> [u8; 32] {
            // Not a MAC: enough to tell inputs apart in a test.
            use std::hash::{Hash, Hasher};
            let mut out = [0u8; 32];
            for (k, part) in out.chunks_mut(8).enumerate() {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (k, tenant.as_uuid(), domain, token).hash(&mut h);
                part.copy_from_slice(&h.finish().to_be_bytes());
            }
            out
        }
    }

    #[test]
    fn tokens_read_back_and_refuse_any_change() {
        let t = Token {
            tenant: TenantId::from_uuid(Uuid::now_v7()),
            email: EmailId::from_uuid(Uuid::now_v7()),
            kind: LinkKind::Click(3),
        };
        let text = encode(&Hasher, &t);
        assert_eq!(decode(&Hasher, &text), Some(t));
        let mut bytes = B64.decode(&text).unwrap();
        bytes[34] ^= 1; // another link
        assert_eq!(decode(&Hasher, &B64.encode(&bytes)), None);
        assert_eq!(decode(&Hasher, "pas un jeton"), None);
        assert!(url(&Hasher, "https://crm.exemple.fr/", &t).starts_with("https://crm.exemple.fr/t/c/"));
    }
}
