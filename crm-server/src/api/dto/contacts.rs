//! A contact as returned by the API: contacts and the duplicate review queue.

use crate::api::{AddressDto, address_out};
use chrono::{DateTime, Utc};
use crm_domain::contact::Contact;
use poem_openapi::Object;
use uuid::Uuid;

/// A contact as returned by the API.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ContactDto {
    /// Id.
    pub id: Uuid,
    /// `prospect`, `client` or `partner`.
    pub kind: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Emails, normalised to lower case; the first is the main one.
    pub emails: Vec<String>,
    /// Phones in E.164 form (`+33612345678`).
    pub phones: Vec<String>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Job title.
    pub job_title: Option<String>,
    /// Postal address.
    pub address: AddressDto,
    /// Tags, lower case.
    pub tags: Vec<String>,
    /// Owner (commercial assigné).
    pub owner_id: Uuid,
    /// Where the contact came from.
    pub source: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Lead score.
    pub score: i32,
    /// Version, also sent as the `ETag`.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        let f = &c.fields;
        Self {
            id: c.id.as_uuid(),
            kind: c.kind.code().to_owned(),
            first_name: f.first_name.to_string(),
            last_name: f.last_name.to_string(),
            emails: f.emails.iter().map(|e| e.as_str().to_owned()).collect(),
            phones: f.phones.iter().map(|p| p.as_str().to_owned()).collect(),
            organization_id: f.organization_id.map(|o| o.as_uuid()),
            job_title: f.job_title.as_ref().map(ToString::to_string),
            address: address_out(&f.address),
            tags: f.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            owner_id: c.owner_id.as_uuid(),
            source: f.source.as_ref().map(ToString::to_string),
            notes: f.notes.as_ref().map(ToString::to_string),
            score: c.score,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
