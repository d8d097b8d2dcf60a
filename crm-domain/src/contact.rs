//! Contacts: people who are prospects, clients or partners of the tenant.

use crate::email::EmailAddress;
use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{Diff, FieldChange, Sensitivity};
use crate::ids::{ContactId, OrganizationId, TenantId, UserId};
use crate::organization::{AddressInput, PostalAddress};
use crate::phone::PhoneNumber;
use crate::tenant::CountryCode;
use crate::text::{Label, LongText, Name, Tag, person_sort_key};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod merge;
pub use merge::MergeField;

/// The contact's relation to the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// Not yet a client.
    Prospect,
    /// Has bought.
    Client,
    /// Works with the tenant.
    Partner,
    /// Was a client; no open or won deal for the company's set time.
    FormerClient,
}

impl ContactKind {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Prospect => "prospect",
            Self::Client => "client",
            Self::Partner => "partner",
            Self::FormerClient => "former_client",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown` otherwise.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Prospect, Self::Client, Self::Partner, Self::FormerClient]
            .into_iter()
            .find(|k| k.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }
}

/// Most emails, phones or tags on one contact.
pub const MAX_EMAILS: usize = 10;
/// Most phones on one contact.
pub const MAX_PHONES: usize = 10;
/// Most tags on one contact.
pub const MAX_TAGS: usize = 50;

/// A person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Prospect, client, partner or former client.
    pub kind: ContactKind,
    /// The user responsible for the contact (for a pooled lead, who brought it in).
    pub owner_id: UserId,
    /// Its qualification, when it came in as a lead (or was made one).
    pub lead: Option<crate::lead::Lead>,
    /// Since when it is a client (`None` unless a client): the start of the time after
    /// which a client without deals becomes a former client.
    pub client_since: Option<DateTime<Utc>>,
    /// Editable fields.
    pub fields: ContactFields,
    /// Lead score (computed; 0 until scoring exists).
    pub score: i32,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A contact's editable fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// Emails, first is primary, no repeats (personal data).
    pub emails: Vec<EmailAddress>,
    /// Phones in E.164, no repeats (personal data).
    pub phones: Vec<PhoneNumber>,
    /// The organization the contact belongs to.
    pub organization_id: Option<OrganizationId>,
    /// Job title.
    pub job_title: Option<Label>,
    /// Postal address.
    pub address: PostalAddress,
    /// Tags.
    pub tags: BTreeSet<Tag>,
    /// Where the contact came from (trade show, website...).
    pub source: Option<Label>,
    /// Its id in another system (unique in the company).
    pub external_id: Option<crate::text::ExternalId>,
    /// Free notes (personal data).
    pub notes: Option<LongText>,
    /// Asked for no marketing email: campaigns leave them out (one-to-one email stays
    /// possible).
    pub email_opt_out: bool,
    /// Asked for no marketing calls.
    pub phone_opt_out: bool,
}

/// A contact as given by a caller, for creation or full replacement of the editable fields.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// Kind code.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails as written.
    pub emails: Vec<String>,
    /// Phones as written (national form read with the tenant's country).
    pub phones: Vec<String>,
    /// Organization.
    pub organization_id: Option<OrganizationId>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: AddressInput,
    /// Tags.
    pub tags: Vec<String>,
    /// Source.
    pub source: Option<String>,
    /// Id in another system.
    pub external_id: Option<String>,
    /// No marketing email.
    pub email_opt_out: bool,
    /// No marketing calls.
    pub phone_opt_out: bool,
    /// Notes.
    pub notes: Option<String>,
}

fn parse_list<T: Ord + Clone>(
    v: &mut Validator,
    field: &str,
    raw: &[String],
    max: usize,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Vec<T> {
    if raw.len() > max {
        v.push(field, ViolationKind::TooLarge);
        return Vec::new();
    }
    let mut out: Vec<T> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let path = format!("{field}.{i}");
        if let Some(x) = v.check(&path, parse(r)) {
            if out.contains(&x) {
                v.push(path, ViolationKind::Repeated);
            } else {
                out.push(x);
            }
        }
    }
    out
}

impl ContactInput {
    /// Checks the input with the tenant's country (to read national phone numbers).
    ///
    /// # Errors
    /// Every field at fault, with paths such as `emails.1` or `address.country`.
    pub fn parse(&self, country: CountryCode) -> Result<(ContactKind, ContactFields), ValidationError> {
        let mut v = Validator::new();
        let kind = v.check("kind", ContactKind::parse(&self.kind));
        let first_name = v.check("first_name", Name::parse(&self.first_name));
        let last_name = v.check("last_name", Name::parse(&self.last_name));
        let emails = parse_list(&mut v, "emails", &self.emails, MAX_EMAILS, EmailAddress::parse);
        let phones = parse_list(&mut v, "phones", &self.phones, MAX_PHONES, |p| PhoneNumber::parse(p, country));
        let job_title = v.check("job_title", Label::parse_optional(self.job_title.as_deref()));
        let address = v.check("address", PostalAddress::parse(&self.address));
        let tags = parse_list(&mut v, "tags", &self.tags, MAX_TAGS, Tag::parse);
        let source = v.check("source", Label::parse_optional(self.source.as_deref()));
        let notes = v.check("notes", LongText::parse_optional(self.notes.as_deref()));
        let external_id = v.check("external_id", crate::text::ExternalId::parse_optional(self.external_id.as_deref()));
        v.finish()?;
        match (kind, first_name, last_name, job_title, address, source, notes, external_id) {
            (
                Some(kind),
                Some(first_name),
                Some(last_name),
                Some(job_title),
                Some(address),
                Some(source),
                Some(notes),
                Some(external_id),
            ) => Ok((
                kind,
                ContactFields {
                    first_name,
                    last_name,
                    emails,
                    phones,
                    organization_id: self.organization_id,
                    job_title,
                    address,
                    tags: tags.into_iter().collect(),
                    source,
                    notes,
                    external_id,
                    email_opt_out: self.email_opt_out,
                    phone_opt_out: self.phone_opt_out,
                },
            )),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
    }
}

impl Contact {
    /// Changes its kind at `at`, keeping when it became a client.
    pub fn set_kind(&mut self, kind: ContactKind, at: DateTime<Utc>) {
        self.client_since = match (kind, self.client_since) {
            (ContactKind::Client, Some(since)) if self.kind == ContactKind::Client => Some(since),
            (ContactKind::Client, _) => Some(at),
            _ => None,
        };
        self.kind = kind;
    }

    /// Sort key: folded last name then first name.
    pub fn sort_key(&self) -> String {
        person_sort_key(&self.fields.first_name, &self.fields.last_name)
    }

    /// Field changes between two versions (`before` is `None` on creation). Emails,
    /// phones, street and notes are marked sensitive.
    pub fn changes(before: Option<&Self>, after: &Self) -> Vec<FieldChange> {
        let mut d = Diff::new();
        let (b, a) = (before.map(|b| &b.fields), &after.fields);
        d.field("kind", before.map(|b| &b.kind), &after.kind, Sensitivity::Clear);
        d.field("owner_id", before.map(|b| &b.owner_id), &after.owner_id, Sensitivity::Clear);
        d.field("first_name", b.map(|b| &b.first_name), &a.first_name, Sensitivity::Clear);
        d.field("last_name", b.map(|b| &b.last_name), &a.last_name, Sensitivity::Clear);
        d.field("emails", b.map(|b| &b.emails), &a.emails, Sensitivity::Sensitive);
        d.field("phones", b.map(|b| &b.phones), &a.phones, Sensitivity::Sensitive);
        d.field(
            "organization_id",
            b.map(|b| &b.organization_id),
            &a.organization_id,
            Sensitivity::Clear,
        );
        d.field("job_title", b.map(|b| &b.job_title), &a.job_title, Sensitivity::Clear);
        d.field(
            "address.street",
            b.map(|b| &b.address.street),
            &a.address.street,
            Sensitivity::Sensitive,
        );
        d.field(
            "address.postal_code",
            b.map(|b| &b.address.postal_code),
            &a.address.postal_code,
            Sensitivity::Clear,
        );
        d.field("address.city", b.map(|b| &b.address.city), &a.address.city, Sensitivity::Clear);
        d.field(
            "address.country",
            b.map(|b| &b.address.country),
            &a.address.country,
            Sensitivity::Clear,
        );
        d.field("tags", b.map(|b| &b.tags), &a.tags, Sensitivity::Clear);
        d.field("source", b.map(|b| &b.source), &a.source, Sensitivity::Clear);
        d.field("notes", b.map(|b| &b.notes), &a.notes, Sensitivity::Sensitive);
        d.field("external_id", b.map(|b| &b.external_id), &a.external_id, Sensitivity::Clear);
        d.field("email_opt_out", b.map(|b| &b.email_opt_out), &a.email_opt_out, Sensitivity::Clear);
        d.field("phone_opt_out", b.map(|b| &b.phone_opt_out), &a.phone_opt_out, Sensitivity::Clear);
        let lead = |c: &Self| c.lead.as_ref().map(|l| l.status);
        d.field("lead.status", before.map(lead).as_ref(), &lead(after), Sensitivity::Clear);
        let reason = |c: &Self| c.lead.as_ref().and_then(|l| l.reason.clone());
        d.field("lead.reason", before.map(reason).as_ref(), &reason(after), Sensitivity::Clear);
        let pooled = |c: &Self| c.lead.as_ref().map(|l| l.pooled);
        d.field("lead.pooled", before.map(pooled).as_ref(), &pooled(after), Sensitivity::Clear);
        d.into_changes()
    }

    /// Merges `other` into `self` (the kept contact): emails, phones and tags are united,
    /// empty fields are filled from `other`; nothing of `self` is overwritten.
    pub fn absorb(&mut self, other: &Contact) {
        let f = &mut self.fields;
        let o = &other.fields;
        for e in &o.emails {
            if !f.emails.contains(e) && f.emails.len() < MAX_EMAILS {
                f.emails.push(e.clone());
            }
        }
        for p in &o.phones {
            if !f.phones.contains(p) && f.phones.len() < MAX_PHONES {
                f.phones.push(p.clone());
            }
        }
        for t in &o.tags {
            if f.tags.len() < MAX_TAGS {
                f.tags.insert(t.clone());
            }
        }
        if f.organization_id.is_none() {
            f.organization_id = o.organization_id;
        }
        if f.job_title.is_none() {
            f.job_title.clone_from(&o.job_title);
        }
        if f.source.is_none() {
            f.source.clone_from(&o.source);
        }
        // An opt-out of either record holds for the merged one.
        f.email_opt_out |= o.email_opt_out;
        f.phone_opt_out |= o.phone_opt_out;
        let addr = &mut f.address;
        if addr.street.is_none() && addr.city.is_none() && addr.postal_code.is_none() {
            addr.clone_from(&o.address);
        }
        f.notes = match (f.notes.take(), &o.notes) {
            (Some(a), Some(b)) => {
                let joined: String = format!("{}\n\n{}", a.as_str(), b.as_str())
                    .chars()
                    .take(LongText::MAX_CHARS)
                    .collect();
                LongText::parse(&joined).ok().or(Some(a))
            }
            (a, b) => a.or_else(|| b.clone()),
        };
        self.score = self.score.max(other.score);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn input() -> ContactInput {
        ContactInput {
            kind: "prospect".into(),
            first_name: "Hélène".into(),
            last_name: "Dupont".into(),
            emails: vec!["Helene.Dupont@Exemple.fr".into()],
            phones: vec!["06 12 34 56 78".into()],
            tags: vec!["VIP".into(), "salon-2026".into()],
            ..ContactInput::default()
        }
    }

    #[test]
    fn parses_and_normalises() {
        let (kind, f) = input().parse(CountryCode::FR).unwrap();
        assert_eq!(kind, ContactKind::Prospect);
        assert_eq!(f.emails[0].as_str(), "helene.dupont@exemple.fr");
        assert_eq!(f.phones[0].as_str(), "+33612345678");
        assert!(f.tags.contains(&Tag::parse("vip").unwrap()));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut i = input();
        i.kind = "friend".into();
        i.first_name = String::new();
        i.last_name = "x".repeat(10_000);
        i.emails = vec!["ok@exemple.fr".into(), "pas-un-email".into(), "OK@exemple.fr".into()];
        i.phones = vec!["12".into()];
        let err = i.parse(CountryCode::FR).unwrap_err();
        let got: Vec<_> = err.errors().iter().map(|e| (e.field.as_str(), e.kind)).collect();
        assert_eq!(
            got,
            [
                ("kind", ViolationKind::Unknown),
                ("first_name", ViolationKind::Required),
                ("last_name", ViolationKind::TooLong),
                ("emails.1", ViolationKind::Malformed),
                ("emails.2", ViolationKind::Repeated),
                ("phones.0", ViolationKind::Malformed),
            ]
        );
    }

    #[test]
    fn too_many_emails() {
        let mut i = input();
        i.emails = (0..11).map(|n| format!("a{n}@exemple.fr")).collect();
        assert_eq!(i.parse(CountryCode::FR).unwrap_err().errors()[0].field, "emails");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod kind_tests {
    use super::*;

    #[test]
    fn client_since_follows_the_kind() {
        let at = |n: i64| DateTime::from_timestamp(1_700_000_000 + n, 0).unwrap();
        let mut c = Contact {
            id: ContactId::from_uuid(uuid::Uuid::nil()),
            tenant_id: TenantId::from_uuid(uuid::Uuid::nil()),
            kind: ContactKind::Prospect,
            owner_id: UserId::from_uuid(uuid::Uuid::nil()),
            lead: None,
            client_since: None,
            fields: ContactInput {
                kind: "prospect".into(),
                first_name: "A".into(),
                last_name: "B".into(),
                ..ContactInput::default()
            }
            .parse(CountryCode::FR)
            .unwrap()
            .1,
            score: 0,
            version: 1,
            created_at: at(0),
            updated_at: at(0),
        };
        c.set_kind(ContactKind::Client, at(1));
        assert_eq!(c.client_since, Some(at(1)));
        c.set_kind(ContactKind::Client, at(2));
        assert_eq!(c.client_since, Some(at(1)), "stays a client since then");
        c.set_kind(ContactKind::FormerClient, at(3));
        assert_eq!(c.client_since, None);
        c.set_kind(ContactKind::Client, at(4));
        assert_eq!(c.client_since, Some(at(4)));
    }
}
