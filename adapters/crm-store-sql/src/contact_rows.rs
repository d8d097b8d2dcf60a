//! A contact from a row of the store: its columns read by position (the order
//! `contact_sql::COLUMNS` gives), what the store wrote taken as it is, the sealed fields
//! opened (and authenticated).

use crate::SqlStore;
use crate::crypt::RowBinding;
use crate::db::Row;
use crate::rows::{from_ts, valid};
use crm_domain::contact::{Contact, ContactFields, ContactKind};
use crm_domain::email::EmailAddress;
use crm_domain::lead::{Lead, LeadStatus};
use crm_domain::organization::PostalAddress;
use crm_domain::phone::PhoneNumber;
use crm_domain::tenant::CountryCode;
use crm_domain::text::{ExternalId, Label, LongText, Name, Tag};
use crm_domain::{ContactId, OrganizationId, TenantId, UserId};
use crm_ports::{Cipher, StoreError};
use sqlx::types::Json;
use uuid::Uuid;

/// Reads the column `$name` of a row of [`crate::contact_sql::select_contacts`] by its position.
macro_rules! col {
    ($row:expr, $name:literal) => {{
        const AT: usize = crate::contact_sql::selected($name);
        $row.at(AT, $name)
    }};
    ($row:expr, $name:literal as $t:ty) => {{
        const AT: usize = crate::contact_sql::selected($name);
        $row.at::<$t>(AT, $name)
    }};
}

/// A contact's qualification as stored (none when `lead_status` is NULL).
fn lead_from_row(row: &Row) -> Result<Option<Lead>, StoreError> {
    let Some(status) = col!(row, "lead_status" as Option<&str>)? else {
        return Ok(None);
    };
    Ok(Some(Lead {
        status: valid("lead_status", LeadStatus::parse(status))?,
        reason: col!(row, "lead_reason")?,
        pooled: col!(row, "lead_pooled")?,
        changed_by: col!(row, "lead_changed_by" as Option<Uuid>)?.map(UserId::from_uuid),
        changed_at: from_ts(col!(row, "lead_changed_at" as Option<i64>)?.unwrap_or_default())?,
        qualified_at: col!(row, "lead_qualified_at" as Option<i64>)?.map(from_ts).transpose()?,
    }))
}

impl<C: Cipher> SqlStore<C> {
    /// A contact of `tenant_id` from a row of [`crate::contact_sql::select_contacts`] (its columns read by position). What the
    /// store wrote is taken as it is, not validated again; the sealed fields are opened
    /// (and authenticated).
    pub(crate) fn contact_from_row(&self, tenant_id: TenantId, row: &Row) -> Result<Contact, StoreError> {
        let id: Uuid = col!(row, "id")?;
        let mut at = RowBinding::new(tenant_id, "contacts", id);
        let mut list = |column: &str, value: Option<&[u8]>| -> Result<Vec<String>, StoreError> {
            let sealed = value.ok_or_else(|| StoreError::Internal(format!("column {column}: NULL")))?;
            self.open_texts(tenant_id, &mut at, column, sealed)
        };
        let emails = list("emails", col!(row, "emails_ct" as Option<&[u8]>)?)?;
        let phones = list("phones", col!(row, "phones_ct" as Option<&[u8]>)?)?;
        let mut sealed = |column: &str, value: Option<&[u8]>| -> Result<Option<String>, StoreError> {
            value.map(|v| self.open_text(tenant_id, &mut at, column, v)).transpose()
        };
        let street = sealed("street", col!(row, "street_ct" as Option<&[u8]>)?)?;
        let notes = sealed("notes", col!(row, "notes_ct" as Option<&[u8]>)?)?;
        let Json(tags): Json<Vec<String>> = col!(row, "tags")?;
        let label = |value: Option<String>| value.map(Label::from_stored);
        let fields = ContactFields {
            first_name: Name::from_stored(col!(row, "first_name")?),
            last_name: Name::from_stored(col!(row, "last_name")?),
            emails: emails.into_iter().map(EmailAddress::from_stored).collect(),
            phones: phones.into_iter().map(PhoneNumber::from_stored).collect(),
            organization_id: col!(row, "organization_id" as Option<Uuid>)?.map(OrganizationId::from_uuid),
            job_title: label(col!(row, "job_title")?),
            address: PostalAddress {
                street: street.map(LongText::from_stored),
                postal_code: label(col!(row, "postal_code")?),
                city: label(col!(row, "city")?),
                country: col!(row, "country" as Option<&str>)?
                    .map(|c| valid("country", CountryCode::from_stored(c)))
                    .transpose()?,
            },
            tags: tags.into_iter().map(Tag::from_stored).collect(),
            source: label(col!(row, "source")?),
            notes: notes.map(LongText::from_stored),
            external_id: col!(row, "external_id" as Option<String>)?.map(ExternalId::from_stored),
            email_opt_out: col!(row, "email_opt_out")?,
            phone_opt_out: col!(row, "phone_opt_out")?,
        };
        Ok(Contact {
            id: ContactId::from_uuid(id),
            tenant_id,
            kind: valid("kind", ContactKind::parse(col!(row, "kind" as Option<&str>)?.unwrap_or_default()))?,
            owner_id: UserId::from_uuid(col!(row, "owner_id")?),
            lead: lead_from_row(row)?,
            client_since: col!(row, "client_since" as Option<i64>)?.map(from_ts).transpose()?,
            fields,
            score: i32::try_from(col!(row, "score" as i64)?).unwrap_or(0),
            version: col!(row, "version")?,
            created_at: from_ts(col!(row, "created_at")?)?,
            updated_at: from_ts(col!(row, "updated_at")?)?,
        })
    }
}
