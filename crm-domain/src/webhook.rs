//! Webhooks: a company's subscriptions to the changes of its records, each delivered to an
//! HTTPS (or HTTP) address as a signed JSON document. What a subscription may ask for (the
//! event types), how its address is checked, and the states of a delivery live here; the
//! signing and the sending are the adapter's, the fan-out and the retries the runtime's.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{EntityType, EventKind};
use crate::text::Label;
use crate::{TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The records whose changes a webhook may carry (users, teams, the company's settings and
/// stored files stay inside).
pub const ENTITIES: [EntityType; 10] = [
    EntityType::Contact,
    EntityType::Organization,
    EntityType::Opportunity,
    EntityType::Activity,
    EntityType::Pipeline,
    EntityType::Segment,
    EntityType::Template,
    EntityType::Email,
    EntityType::Campaign,
    EntityType::Suppression,
];

/// The longest address, in characters.
pub const MAX_URL_CHARS: usize = 2_000;
/// The most event patterns one subscription lists.
pub const MAX_PATTERNS: usize = 50;

/// The type of a change as published: `contact.created`, `opportunity.won`.
pub fn event_type(entity: EntityType, kind: EventKind) -> String {
    format!("{}.{}", entity.code(), kind.name())
}

/// Which changes a subscription wants: `*` (every one), `contact.*` (every change of a
/// kind of record) or one type (`opportunity.won`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventPattern(String);

impl EventPattern {
    /// Checks a pattern: `*`, `<record>.*` or `<record>.<change>` of the known ones.
    ///
    /// # Errors
    /// `unknown` on the empty path.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let unknown = || ValidationError::field("", ViolationKind::Unknown);
        if raw == "*" {
            return Ok(Self(raw.to_owned()));
        }
        let (entity, kind) = raw.split_once('.').ok_or_else(unknown)?;
        let entity = EntityType::parse(entity).filter(|e| ENTITIES.contains(e)).ok_or_else(unknown)?;
        if kind != "*" && EventKind::parse(kind).is_none() {
            return Err(unknown());
        }
        Ok(Self(format!("{}.{kind}", entity.code())))
    }

    /// Whether the pattern takes a change of `entity` of `kind` (never one of a record that
    /// stays inside).
    pub fn matches(&self, entity: EntityType, kind: EventKind) -> bool {
        if !ENTITIES.contains(&entity) {
            return false;
        }
        match self.0.split_once('.') {
            None => self.0 == "*",
            Some((e, k)) => e == entity.code() && (k == "*" || k == kind.name()),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EventPattern {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EventPattern> for String {
    fn from(p: EventPattern) -> String {
        p.0
    }
}

/// An address deliveries go to: `https://` (or `http://`), a host, no user or password in
/// it, no fragment. Whether its host may be reached (a private or loopback address) is
/// checked when sending, against the server's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks an address.
    ///
    /// # Errors
    /// `required`, `too_long` or `malformed` on the empty path.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let malformed = || ValidationError::field("", ViolationKind::Malformed);
        if raw.is_empty() {
            return Err(ValidationError::field("", ViolationKind::Required));
        }
        if raw.chars().count() > MAX_URL_CHARS {
            return Err(ValidationError::field("", ViolationKind::TooLong));
        }
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or_else(malformed)?;
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '@' | '#' | '\\' | '<' | '>' | '"');
        if authority.is_empty() || authority.starts_with(':') || raw.chars().any(bad) {
            return Err(malformed());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host (and port) it posts to.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        rest.split(['/', '?']).next().unwrap_or_default()
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> String {
        u.0
    }
}

/// What an Admin writes of a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookInput {
    /// Where to deliver.
    pub url: String,
    /// What it is for (shown in the list).
    pub description: Option<String>,
    /// The changes wanted.
    pub events: Vec<String>,
    /// Whether the payloads carry the sealed values (a person's data, sensitive fields);
    /// without it they name the fields that changed, not their values.
    pub include_personal: bool,
    /// Whether it receives new changes (a paused one receives nothing until resumed;
    /// deliveries already queued still go).
    pub active: bool,
}

/// A checked [`WebhookInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSpec {
    /// Where.
    pub url: WebhookUrl,
    /// What for.
    pub description: Option<Label>,
    /// Which changes (sorted, no repeats).
    pub events: Vec<EventPattern>,
    /// Sealed values included.
    pub include_personal: bool,
    /// Receiving.
    pub active: bool,
}

impl WebhookInput {
    /// Checks every field at once.
    ///
    /// # Errors
    /// Each field at fault: `url`, `description`, `events` (none, too many, `events[i]`
    /// unknown or repeated).
    pub fn validate(&self) -> Result<WebhookSpec, ValidationError> {
        let mut v = Validator::new();
        let url = v.check("url", WebhookUrl::parse(&self.url));
        let description = v.check("description", Label::parse_optional(self.description.as_deref()));
        if self.events.is_empty() {
            v.push("events", ViolationKind::Required);
        }
        if self.events.len() > MAX_PATTERNS {
            v.push("events", ViolationKind::TooLarge);
        }
        let mut events = Vec::new();
        for (i, raw) in self.events.iter().enumerate() {
            if let Some(p) = v.check(&format!("events[{i}]"), EventPattern::parse(raw)) {
                if events.contains(&p) {
                    v.push(format!("events[{i}]"), ViolationKind::Repeated);
                } else {
                    events.push(p);
                }
            }
        }
        v.finish()?;
        events.sort();
        match (url, description) {
            (Some(url), Some(description)) => Ok(WebhookSpec {
                url,
                description,
                events,
                include_personal: self.include_personal,
                active: self.active,
            }),
            _ => Err(ValidationError::field("url", ViolationKind::Malformed)),
        }
    }
}

/// A subscription as kept (its secret is sealed apart, shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// Its company.
    pub tenant_id: TenantId,
    /// What it asks for.
    pub spec: WebhookSpec,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Version, for optimistic concurrency.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    /// Whether it takes a change of `entity` of `kind` now.
    pub fn wants(&self, entity: EntityType, kind: EventKind) -> bool {
        self.spec.active && self.spec.events.iter().any(|p| p.matches(entity, kind))
    }
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Queued, or failed and waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed (or the address is refused): in the dead letters, waiting for
    /// a replay.
    Dead,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Dead];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_known_changes_of_outward_records() {
        let all = EventPattern::parse("*").unwrap();
        assert!(all.matches(EntityType::Contact, EventKind::Created));
        assert!(!all.matches(EntityType::User, EventKind::PasswordChanged), "users stay inside");
        let deals = EventPattern::parse(" opportunity.* ").unwrap();
        assert_eq!(deals.as_str(), "opportunity.*");
        assert!(deals.matches(EntityType::Opportunity, EventKind::Won));
        assert!(!deals.matches(EntityType::Contact, EventKind::Created));
        let won = EventPattern::parse("opportunity.won").unwrap();
        assert!(won.matches(EntityType::Opportunity, EventKind::Won));
        assert!(!won.matches(EntityType::Opportunity, EventKind::Lost));
        for bad in ["", "opportunity", "user.created", "contact.exploded", "*.created", "contact."] {
            assert!(EventPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_are_http_with_a_host_and_no_credentials() {
        assert!(WebhookUrl::parse("https://hooks.exemple.fr/crm?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "",
            "ftp://exemple.fr",
            "https://",
            "https://user:pw@exemple.fr/",
            "https://exemple.fr/a b",
            "https://exemple.fr/#frag",
            "exemple.fr/hook",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_input_is_checked_field_by_field() {
        let e = WebhookInput {
            url: "nope".into(),
            events: vec!["contact.created".into(), "contact.created".into(), "user.created".into()],
            ..WebhookInput::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = e.errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["url", "events[1]", "events[2]"]);
        let ok = WebhookInput {
            url: "https://exemple.fr/h".into(),
            events: vec!["opportunity.won".into(), "contact.*".into()],
            active: true,
            ..WebhookInput::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            ok.events.iter().map(EventPattern::as_str).collect::<Vec<_>>(),
            ["contact.*", "opportunity.won"]
        );
        assert!(WebhookInput::default().validate().is_err());
    }

    #[test]
    fn a_paused_subscription_wants_nothing() {
        let spec = WebhookInput {
            url: "https://exemple.fr/h".into(),
            events: vec!["*".into()],
            active: false,
            ..WebhookInput::default()
        }
        .validate()
        .unwrap();
        let mut w = Webhook {
            id: Uuid::nil(),
            tenant_id: TenantId::from_uuid(Uuid::nil()),
            spec,
            created_by: None,
            version: 1,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        };
        assert!(!w.wants(EntityType::Contact, EventKind::Created));
        w.spec.active = true;
        assert!(w.wants(EntityType::Contact, EventKind::Created));
        assert_eq!(event_type(EntityType::Opportunity, EventKind::Won), "opportunity.won");
    }
}
