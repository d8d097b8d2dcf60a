//! Contacts and organizations, the postal address and list pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166 country.
    pub country: Option<String>,
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Id.
    pub id: Uuid,
    /// `prospect`, `client`, `partner`, `former_client`.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails.
    pub emails: Vec<String>,
    /// Phones (E.164).
    pub phones: Vec<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Address,
    /// Tags.
    pub tags: Vec<String>,
    /// Owner.
    pub owner_id: Uuid,
    /// Source.
    pub source: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Its id in another system.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Asked for no marketing email.
    #[serde(default)]
    pub email_opt_out: bool,
    /// Asked for no marketing calls.
    #[serde(default)]
    pub phone_opt_out: bool,
    /// Score.
    pub score: i32,
    /// Its qualification, when it came in as a lead (or was made one).
    pub lead: Option<super::Lead>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A contact to create, or its new editable fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContactWrite {
    /// Kind.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Phones.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Its id in another system (unique in the company).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// No marketing email (campaigns leave the contact out); `false` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_opt_out: Option<bool>,
    /// No marketing calls; `false` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_opt_out: Option<bool>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
    /// Next page's cursor.
    pub next_cursor: Option<String>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Web domain.
    pub domain: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Size code.
    pub size: Option<String>,
    /// Address.
    pub address: Address,
    /// Its id in another system.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// An organization to create or its new fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationWrite {
    /// Name.
    pub name: String,
    /// Web domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Industry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Size code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Its id in another system (unique in the company).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}
