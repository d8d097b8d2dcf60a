//! A contact as returned by the API: contacts and the duplicate review queue.

use crate::api::{AddressDto, address_into};
use chrono::{DateTime, Utc};
use crm_domain::contact::Contact;
use crm_domain::lead::Lead;
use poem_openapi::Object;
use uuid::Uuid;

/// A prospect's qualification as a lead.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadDto {
    /// `new`, `working`, `qualified` or `disqualified`.
    pub status: String,
    /// Why it was disqualified: a code of the company's list (see `/api/v1/lead-reasons`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Waiting in the pool for a sales rep (its owner is who brought it in).
    pub pooled: bool,
    /// Who set the status last (absent: the system).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<Uuid>,
    /// When.
    #[serde(serialize_with = "crate::api::direct_json::rfc3339::write")]
    pub changed_at: DateTime<Utc>,
    /// When it was first qualified.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::api::direct_json::rfc3339::write_opt"
    )]
    pub qualified_at: Option<DateTime<Utc>>,
}

impl From<Lead> for LeadDto {
    fn from(l: Lead) -> Self {
        Self {
            status: l.status.code().to_owned(),
            reason: l.reason,
            pooled: l.pooled,
            changed_by: l.changed_by.map(|u| u.as_uuid()),
            changed_at: l.changed_at,
            qualified_at: l.qualified_at,
        }
    }
}

/// A contact as returned by the API.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ContactDto {
    /// Id.
    pub id: Uuid,
    /// `prospect`, `client`, `partner` or `former_client`.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Postal address.
    pub address: AddressDto,
    /// Tags, lower case.
    pub tags: Vec<String>,
    /// Owner (commercial assigné).
    pub owner_id: Uuid,
    /// Where the contact came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Its id in another system (unique in the company).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Asked for no marketing email (campaigns leave them out).
    pub email_opt_out: bool,
    /// Asked for no marketing calls.
    pub phone_opt_out: bool,
    /// Lead score.
    pub score: i32,
    /// Its qualification as a lead, when it came in as one (or was made one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<LeadDto>,
    /// Version, also sent as the `ETag`.
    pub version: i64,
    /// Created.
    #[serde(serialize_with = "crate::api::direct_json::rfc3339::write")]
    pub created_at: DateTime<Utc>,
    /// Last changed.
    #[serde(serialize_with = "crate::api::direct_json::rfc3339::write")]
    pub updated_at: DateTime<Utc>,
}

impl crate::api::direct_json::JsonAnswer for ContactDto {
    type Schema = Self;

    /// Its field names, ids and dates (some 450 bytes), its lead's (some 200) and its
    /// strings.
    fn json_size(&self) -> usize {
        let all = |v: &[String]| v.iter().map(|s| s.len() + 3).sum::<usize>();
        let one = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        512 + self.lead.as_ref().map_or(0, |_| 256)
            + self.first_name.len()
            + self.last_name.len()
            + all(&self.emails)
            + all(&self.phones)
            + all(&self.tags)
            + one(&self.job_title)
            + one(&self.source)
            + one(&self.notes)
            + one(&self.external_id)
            + one(&self.address.street)
            + one(&self.address.city)
    }
}

impl From<Contact> for ContactDto {
    /// The contact's strings move into the answer (a page of contacts copies none of them).
    fn from(c: Contact) -> Self {
        let f = c.fields;
        Self {
            id: c.id.as_uuid(),
            kind: c.kind.code().to_owned(),
            first_name: f.first_name.into(),
            last_name: f.last_name.into(),
            emails: f.emails.into_iter().map(String::from).collect(),
            phones: f.phones.into_iter().map(String::from).collect(),
            organization_id: f.organization_id.map(|o| o.as_uuid()),
            job_title: f.job_title.map(String::from),
            address: address_into(f.address),
            tags: f.tags.into_iter().map(String::from).collect(),
            owner_id: c.owner_id.as_uuid(),
            source: f.source.map(String::from),
            notes: f.notes.map(String::from),
            external_id: f.external_id.map(String::from),
            email_opt_out: f.email_opt_out,
            phone_opt_out: f.phone_opt_out,
            score: c.score,
            lead: c.lead.map(LeadDto::from),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        c.clone().into()
    }
}
