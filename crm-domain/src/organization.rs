//! Organizations (the companies contacts belong to) and postal addresses.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{Diff, FieldChange, Sensitivity};
use crate::ids::{OrganizationId, TenantId};
use crate::tenant::CountryCode;
use crate::text::{Label, LongText, Name, fold};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A postal address. The street is personal data (stored encrypted); postal code, city and
/// country stay clear so they can be filtered on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Street and number, possibly several lines.
    pub street: Option<LongText>,
    /// Postal code.
    pub postal_code: Option<Label>,
    /// City.
    pub city: Option<Label>,
    /// Country.
    pub country: Option<CountryCode>,
}

/// A postal address as given by a caller.
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    /// Street.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country code.
    pub country: Option<String>,
}

impl PostalAddress {
    /// Checks an address input.
    ///
    /// # Errors
    /// Every sub-field at fault.
    pub fn parse(input: &AddressInput) -> Result<Self, ValidationError> {
        let mut v = Validator::new();
        let street = v.check("street", LongText::parse_optional(input.street.as_deref()));
        let postal_code = v.check("postal_code", Label::parse_optional(input.postal_code.as_deref()));
        let city = v.check("city", Label::parse_optional(input.city.as_deref()));
        let country = match input.country.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(c) => v.check("country", CountryCode::parse(c)).map(Some),
        };
        v.finish()?;
        Ok(Self {
            street: street.flatten(),
            postal_code: postal_code.flatten(),
            city: city.flatten(),
            country: country.flatten(),
        })
    }

    fn diff(before: Option<&Self>, after: &Self, d: &mut Diff) {
        d.field("address.street", before.map(|b| &b.street), &after.street, Sensitivity::Sensitive);
        d.field(
            "address.postal_code",
            before.map(|b| &b.postal_code),
            &after.postal_code,
            Sensitivity::Clear,
        );
        d.field("address.city", before.map(|b| &b.city), &after.city, Sensitivity::Clear);
        d.field("address.country", before.map(|b| &b.country), &after.country, Sensitivity::Clear);
    }
}

/// Size band of an organization (employees).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationSize {
    /// 1 to 9.
    Micro,
    /// 10 to 49.
    Small,
    /// 50 to 249.
    Medium,
    /// 250 to 4,999.
    Intermediate,
    /// 5,000 and more.
    Large,
}

impl OrganizationSize {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Micro => "micro",
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Intermediate => "intermediate",
            Self::Large => "large",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown` otherwise.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Micro, Self::Small, Self::Medium, Self::Intermediate, Self::Large]
            .into_iter()
            .find(|s| s.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }
}

/// A web domain, lower case, without scheme or path ("exemple.fr").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebDomain(String);

impl WebDomain {
    /// Accepts "https://www.Exemple.fr/contact" and keeps "exemple.fr".
    ///
    /// # Errors
    /// `malformed` unless it looks like a domain name with a dot.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut s = raw.trim().to_lowercase();
        for scheme in ["https://", "http://"] {
            if let Some(rest) = s.strip_prefix(scheme) {
                s = rest.to_owned();
            }
        }
        let host = s.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.strip_prefix("www.").unwrap_or(host);
        let ok_label = |l: &str| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if host.len() > 253 || !host.contains('.') || !host.split('.').all(ok_label) {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        }
        Ok(Self(host.to_owned()))
    }

    /// The domain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company contacts belong to. Readable by every role of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Id.
    pub id: OrganizationId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name.
    pub name: Name,
    /// Web domain.
    pub domain: Option<WebDomain>,
    /// Industry.
    pub industry: Option<Label>,
    /// Size band.
    pub size: Option<OrganizationSize>,
    /// Address.
    pub address: PostalAddress,
    /// Its id in another system (a file's or an integration's key), unique in the
    /// company.
    pub external_id: Option<crate::text::ExternalId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An organization as given by a caller, for creation or full replacement.
#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    /// Name.
    pub name: String,
    /// Web domain or site address.
    pub domain: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Size code.
    pub size: Option<String>,
    /// Address.
    pub address: AddressInput,
    /// Its id in another system.
    pub external_id: Option<String>,
}

/// The checked fields of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationFields {
    /// Name.
    pub name: Name,
    /// Web domain.
    pub domain: Option<WebDomain>,
    /// Industry.
    pub industry: Option<Label>,
    /// Size band.
    pub size: Option<OrganizationSize>,
    /// Address.
    pub address: PostalAddress,
    /// Its id in another system.
    pub external_id: Option<crate::text::ExternalId>,
}

impl OrganizationFields {
    /// Checks an input.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(input: &OrganizationInput) -> Result<Self, ValidationError> {
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(&input.name));
        let domain = match input.domain.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(d) => v.check("domain", WebDomain::parse(d)).map(Some),
        };
        let industry = v.check("industry", Label::parse_optional(input.industry.as_deref()));
        let size = match input.size.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => v.check("size", OrganizationSize::parse(s)).map(Some),
        };
        let address = v.check("address", PostalAddress::parse(&input.address));
        let external_id = v.check("external_id", crate::text::ExternalId::parse_optional(input.external_id.as_deref()));
        v.finish()?;
        match (name, domain, industry, size, address, external_id) {
            (Some(name), Some(domain), Some(industry), Some(size), Some(address), Some(external_id)) => Ok(Self {
                name,
                domain,
                industry,
                size,
                address,
                external_id,
            }),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
    }
}

impl Organization {
    /// Folded name, the sort key.
    pub fn sort_key(&self) -> String {
        fold(self.name.as_str())
    }

    /// Field changes between two versions (`before` is `None` on creation).
    pub fn changes(before: Option<&Self>, after: &Self) -> Vec<FieldChange> {
        let mut d = Diff::new();
        d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
        d.field("domain", before.map(|b| &b.domain), &after.domain, Sensitivity::Clear);
        d.field("industry", before.map(|b| &b.industry), &after.industry, Sensitivity::Clear);
        d.field("size", before.map(|b| &b.size), &after.size, Sensitivity::Clear);
        PostalAddress::diff(before.map(|b| &b.address), &after.address, &mut d);
        d.field(
            "external_id",
            before.map(|b| &b.external_id),
            &after.external_id,
            Sensitivity::Clear,
        );
        d.into_changes()
    }

    /// Replaces the editable fields.
    pub fn apply(&mut self, fields: OrganizationFields) {
        self.name = fields.name;
        self.domain = fields.domain;
        self.industry = fields.industry;
        self.size = fields.size;
        self.address = fields.address;
        self.external_id = fields.external_id;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_cleaned() {
        assert_eq!(WebDomain::parse("https://www.Exemple.fr/contact").unwrap().as_str(), "exemple.fr");
        assert_eq!(WebDomain::parse("sub.exemple.co.uk").unwrap().as_str(), "sub.exemple.co.uk");
        assert!(WebDomain::parse("exemple").is_err());
        assert!(WebDomain::parse("exa mple.fr").is_err());
        assert!(WebDomain::parse("-bad.fr").is_err());
    }

    #[test]
    fn input_errors_name_each_field() {
        let err = OrganizationFields::parse(&OrganizationInput {
            name: " ".into(),
            domain: Some("nope".into()),
            size: Some("huge".into()),
            address: AddressInput {
                country: Some("XX".into()),
                ..AddressInput::default()
            },
            ..OrganizationInput::default()
        })
        .unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "domain", "size", "address.country"]);
    }
}
